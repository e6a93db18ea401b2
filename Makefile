# 地域未来 KPI Dashboard — every entry point. `make help` lists them.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050
WAREHOUSE ?= data/warehouse.duckdb
RAW_FILES := $(shell find data/raw -type f 2>/dev/null) $(wildcard etl/*.py etl/loaders/*) kpi_defs.yaml
.DEFAULT_GOAL := help

.PHONY: help setup run serve etl check test test-fast test-browser lint format typecheck schema schema-check bench clean plotly-bundle geometry

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PY) >/dev/null || { echo "error: $(PY) not found (Python 3.11 is required)"; exit 1; }
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

$(WAREHOUSE): $(VENV)/.installed $(RAW_FILES)
	$(BIN)/python -m etl build

setup: $(VENV)/.installed $(WAREHOUSE) ## venv + install + build the warehouse if missing or older than its sources

run: setup ## set up, then serve on http://$(HOST):$(PORT) (HOST/PORT override)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python app.py

serve: setup ## production server: gunicorn, 2 workers
	HOST=$(HOST) $(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) app:server

etl: $(VENV)/.installed ## rebuild the warehouse unconditionally
	$(BIN)/python -m etl build

check: setup ## run the data checks on the built warehouse
	$(BIN)/python -m etl check

lint: $(VENV)/.installed ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed ## ruff format + autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.installed ## mypy on the package and the ETL
	$(BIN)/mypy

schema: $(VENV)/.installed ## regenerate schemas/kpi_defs.schema.json and schemas/release_calendar.schema.json
	$(BIN)/python -m kpidash schema

schema-check: $(VENV)/.installed ## fail if a JSON Schema (kpi_defs, release_calendar) is stale
	$(BIN)/python -m kpidash schema --check

test-fast: setup ## unit + integration tests (no browser)
	$(BIN)/pytest -q -m "not browser"

test-browser: setup ## browser tests (Playwright on /usr/bin/chromium)
	$(BIN)/pytest -q -m browser

test: setup lint typecheck schema-check ## set up and run every test tier (unit, integration, browser)
	$(BIN)/pytest -q

.PHONY: audit
audit: $(VENV)/.installed ## dependency audit (pip-audit on PyPI's advisory data; exit 1 only for real findings)
	$(BIN)/python -m kpidash audit

bench: setup ## benchmark on the real warehouse: table + bench/results/latest.json (BENCH_SMALL=1: quick, < 60 s)
	$(BIN)/python -m bench.run

plotly-bundle: ## rebuild kpidash/vendor/plotly/plotly-kpidash.min.js (npm: plotly.js 4.1.1 + esbuild, frontend/plotly/)
	@command -v npm >/dev/null || { echo "error: npm not found (Node 20+ is needed; run/test use the shipped bundle)"; exit 1; }
	cd frontend/plotly && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

geometry: ## rebuild data/derived/geo/ (simplified prefecture and municipal borders; npm: mapshaper, frontend/geometry/)
	@command -v npm >/dev/null || { echo "error: npm not found (Node 20+ is needed; run/test use the shipped file)"; exit 1; }
	cd frontend/geometry && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

clean: ## remove the venv and the built warehouse
	rm -rf $(VENV) $(WAREHOUSE)
