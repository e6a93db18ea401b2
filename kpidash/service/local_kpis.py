"""The analyst's own KPIs (data/local, or KPIDASH_LOCAL_DIR): read from the user data folder, judged by the national
KPIs' engine, listed with the errors of whatever could not be read. A malformed local file never stops the app: its
errors are returned, the national KPIs are unaffected. Writing goes through :mod:`kpidash.data.local_store`
(validated first, atomic, with history); whether this server may write at all is decided in kpidash.api.writes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kpidash import config
from kpidash.analysis.local_kpi import compute_local_kpi
from kpidash.data import catalogue, local_store, queries
from kpidash.data.local_store import LoadedSet
from kpidash.data.local_values import parse_values
from kpidash.data.survey import parse_survey
from kpidash.kpi_schema import load_kpi_defs
from kpidash.local_schema import (
    FILENAME,
    Issue,
    Known,
    LocalDataError,
    check_local_kpis,
    dump_local_kpis,
    load_raw,
    values_path_problem,
)


def issue_dict(issue: Issue) -> dict[str, Any]:
    """An issue as JSON: file, line, key, message, and ``text`` — the one sentence the pages show."""
    return asdict(issue) | {"text": str(issue)}


def known() -> Known:
    """What a definition may refer to: the warehouse's regions and indicators; national KPI ids are reserved."""
    return Known(
        reserved_ids={k.id for k in load_kpi_defs().kpis},
        regions=catalogue.region_codes(),
        indicators=catalogue.indicator_ids(),
    )


def loaded() -> LoadedSet:
    return local_store.load(known())


def _names() -> dict[str, tuple[str, str]]:
    r = queries.regions()
    return {
        c: (ja, en if isinstance(en, str) and en else ja)
        for c, ja, en in zip(r["region_code"], r["name_ja"], r["name_en"], strict=True)
    }


def local_kpis(state: LoadedSet | None = None) -> list[dict[str, Any]]:
    """Every valid own KPI as a KPI result (``local: true``), in the order of kpis.yaml."""
    state = state or loaded()
    names = _names()
    cat = queries.indicators().set_index("indicator_id")
    out = []
    for k in state.kpis:
        if k.indicator is not None:
            df = queries.series(k.indicator, [k.region])
            series = [(int(p), float(v)) for p, v in zip(df["period"], df["value"], strict=True)]
            ind_name = (
                (str(cat.at[k.indicator, "name_ja"]), str(cat.at[k.indicator, "name_en"]))
                if k.indicator in cat.index
                else None
            )
        else:
            series = [(r.year, r.value) for r in state.values.get(k.id, ()) if r.region_code == k.region]
            ind_name = None
        out.append(
            compute_local_kpi(
                k,
                series,
                region_name=names.get(k.region, (k.region, k.region)),
                indicator_name=ind_name,
            )
        )
    return out


def local_errors(state: LoadedSet | None = None) -> list[dict[str, Any]]:
    """The problems of the local files: file, line, key, message (for /my-kpis and the API)."""
    state = state or loaded()
    return [issue_dict(e) for e in state.errors]


def local_kpi_by_id(kpi_id: str) -> dict[str, Any] | None:
    return next((k for k in local_kpis() if k["id"] == kpi_id), None)


# ------------------------------------------------------------------------------------- the /my-kpis form and upload


def entry_from_form(form: dict[str, Any]) -> dict[str, Any]:
    """One kpis.yaml entry from the page's form fields (blank fields left out, so the schema names what is missing)."""

    def num(v: Any) -> Any:
        try:
            return int(v) if str(v).strip().lstrip("-").isdigit() else float(v)
        except (TypeError, ValueError):
            return v

    entry: dict[str, Any] = {
        k: form.get(k) for k in ("id", "name_ja", "name_en", "region", "unit", "direction", "source")
    }
    entry[form.get("source_kind") or "indicator"] = (
        form.get("indicator") if form.get("source_kind") != "values" else form.get("values")
    )
    entry["base_year"] = num(form.get("base_year"))
    target: dict[str, Any] = {"year": num(form.get("target_year")), "kind": form.get("target_kind")}
    if form.get("target_kind") == "value":
        target["value"] = num(form.get("target_value"))
    else:
        target["direction"] = form.get("target_direction")
    entry["target"] = target
    return {k: v for k, v in entry.items() if v not in (None, "")}


def definitions_with(entry: dict[str, Any]) -> str:
    """kpis.yaml with ``entry`` added (or replacing the entry of the same id)."""
    path = local_store.local_dir() / FILENAME
    current = yaml_entries(path.read_text(encoding="utf-8")) if path.exists() else []
    entries = [e for e in current if e.get("id") != entry.get("id")]
    return dump_local_kpis([*entries, entry])


def preview_definitions(text: str) -> list[dict[str, Any]]:
    """The issues a kpis.yaml text would be refused for (empty: it would be saved)."""
    k = known()
    _, issues = check_local_kpis(text, "kpis.yaml", k.reserved(), k.regions, k.indicators)
    stored = local_store.stored_files()
    for e in yaml_entries(text):
        v = e.get("values")
        if isinstance(v, str) and v not in stored:
            issues.append(Issue("kpis.yaml", None, "values", f"{v}: no such values file (upload it first)"))
    return [issue_dict(i) for i in issues]


def yaml_entries(text: str) -> list[dict[str, Any]]:
    try:
        raw = load_raw(text)
    except LocalDataError:
        return []
    entries = raw.get("kpis") if isinstance(raw, dict) else None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def preview_values(name: str, data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, issues) of an uploaded values CSV, nothing stored."""
    problem = values_path_problem(name)
    if problem:
        return [], [issue_dict(Issue(name, None, "", problem))]
    try:
        rows = parse_values(data, name, known().regions)
    except LocalDataError as exc:
        return [], [issue_dict(i) for i in exc.issues]
    return [asdict(r) for r in rows], []


def install_survey(data: bytes, name: str = "living_outlook.csv") -> int:
    """Validate KPI 2 survey results and install them as data/survey/living_outlook.csv, atomically (a refused file
    changes nothing): the one path of the page upload and of ``python -m kpidash survey-load``. Returns the rows."""
    rows = parse_survey(data, name)  # SurveyError before anything is written
    target = config.SURVEY_DIR / "living_outlook.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    local_store.atomic_write(target, data)
    return len(rows)
