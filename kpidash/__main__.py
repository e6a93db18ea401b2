"""``python -m kpidash kpi-status [--json]``, ``survey-load FILE``, ``schema [--check]`` and ``audit``."""

from __future__ import annotations

import argparse
import json
import sys

from kpidash import config, release_calendar
from kpidash.data.connection import WarehouseMissing
from kpidash.formatting import format_number
from kpidash.kpi_schema import KpiDefsError, json_schema
from kpidash.release_calendar import ReleaseCalendarError

SCHEMA_PATH = config.ROOT / "schemas" / "kpi_defs.schema.json"
CALENDAR_SCHEMA_PATH = config.ROOT / "schemas" / "release_calendar.schema.json"


def _kpi_status(as_json: bool) -> int:
    from kpidash.api.routes import public_kpi
    from kpidash.service.kpis import kpis, validate_startup

    validate_startup()
    rows = [public_kpi(k) for k in kpis()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{'KPI':<28} {'goal':>4}  {'status':<19} {'baseline':>18} {'latest':>18} {'2029 projection (90% PI)':>32}  proxy"
    )
    for k in rows:
        d = k["decimals"]

        def pt(p: dict | None, d: int = d) -> str:
            return f"{format_number(p['value'], d)} ({p['period']})" if p else "—"

        pr = k["projection"]
        proj = (
            f"{format_number(pr['value'], d)} [{format_number(pr['low'], d)}, {format_number(pr['high'], d)}]"
            if pr
            else "—"
        )
        print(
            f"{k['id']:<28} {k['goal']:>4}  {k['status']:<19} {pt(k['baseline']):>18} {pt(k['latest']):>18} {proj:>32}  "
            f"{'yes' if k['proxy'] else 'no'}"
        )
        print(f"{'':<35}{k['reason_ja']}")
    return 0


def _schema(check: bool) -> int:
    schemas = ((SCHEMA_PATH, json_schema()), (CALENDAR_SCHEMA_PATH, release_calendar.json_schema()))
    if check:
        stale = [p for p, text in schemas if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"{p} is out of date: run `make schema`", file=sys.stderr)
        if stale:
            return 1
        print("JSON Schemas are current.")
        return 0
    for path, text in schemas:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


def _survey_load(src: str) -> int:
    """Validate a survey CSV and install it atomically; a rejected file never replaces the loaded one."""
    from pathlib import Path

    from kpidash.data.survey import SurveyError
    from kpidash.service.local_kpis import install_survey

    path = Path(src)
    try:
        n = install_survey(path.read_bytes(), path.name)
    except OSError as exc:
        print(f"error: {path}: cannot read: {exc.strerror}", file=sys.stderr)
        return 2
    except SurveyError as exc:
        print(f"error: rejected, nothing changed: {exc}", file=sys.stderr)
        return 2
    print(f"installed {n} survey rows into {config.SURVEY_DIR / 'living_outlook.csv'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kpidash")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("kpi-status", help="print every KPI with baseline, latest, projection and status")
    s.add_argument("--json", action="store_true")
    sv = sub.add_parser("survey-load", help="validate a KPI 2 survey CSV and install it (a bad file changes nothing)")
    sv.add_argument("file")
    c = sub.add_parser(
        "schema", help="write (or --check) schemas/kpi_defs.schema.json and release_calendar.schema.json"
    )
    c.add_argument("--check", action="store_true")
    au = sub.add_parser("audit", help="pip-audit this environment (exit 1 only for real findings)")
    au.add_argument("pip_audit_args", nargs=argparse.REMAINDER, help="passed on to pip-audit")
    args = p.parse_args(argv)
    try:
        if args.cmd == "kpi-status":
            return _kpi_status(args.json)
        if args.cmd == "survey-load":
            return _survey_load(args.file)
        if args.cmd == "audit":
            from kpidash.audit import run_audit

            return run_audit(args.pip_audit_args)
        return _schema(args.check)
    except (KpiDefsError, ReleaseCalendarError, WarehouseMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
