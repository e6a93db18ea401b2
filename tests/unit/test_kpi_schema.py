"""kpi_defs.yaml contract: the real file parses; broken variants are refused naming key path and line.

Every variant is built from the real file's text, so these tests follow the file as it evolves. Expected line numbers
are found by searching the edited text, never taken from the error message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpidash import config
from kpidash.kpi_schema import (
    GrowthGapMeasure,
    KpiDefsError,
    check_against_catalogue,
    json_schema,
    load_kpi_defs,
    parse_kpi_defs,
)
from kpidash.release_calendar import load_release_calendar

SCHEMA_FILE = config.ROOT / "schemas" / "kpi_defs.schema.json"


@pytest.fixture(scope="module")
def real_text() -> str:
    return config.KPI_DEFS_PATH.read_text(encoding="utf-8")


def line_of(text: str, needle: str, start: int = 1) -> int:
    """1-based number of the first line at or after ``start`` that contains ``needle``."""
    for no, line in enumerate(text.splitlines(), start=1):
        if no >= start and needle in line:
            return no
    raise AssertionError(f"{needle!r} not found in the YAML text")


def first_kpi_block(text: str) -> tuple[int, int]:
    """(first line, last line) of kpis[0] in the text (lines numbered from 1)."""
    lines = text.splitlines()
    kpis_at = line_of(text, "kpis:")
    starts = [i for i in range(kpis_at, len(lines) + 1) if re.match(r"^  - ", lines[i - 1])]
    return starts[0], (starts[1] - 1 if len(starts) > 1 else len(lines))


def replace_in_first_kpi(text: str, old_line_re: str, new_line: str) -> tuple[str, int]:
    """Replace the first line of kpis[0] matching the regex; returns the new text and that line's number."""
    lines = text.splitlines(keepends=True)
    lo, hi = first_kpi_block(text)
    for no in range(lo, hi + 1):
        if re.search(old_line_re, lines[no - 1]):
            lines[no - 1] = new_line + "\n"
            return "".join(lines), no
    raise AssertionError(f"{old_line_re!r} not in kpis[0]")


def insert_after_in_first_kpi(text: str, after_line_re: str, new_line: str) -> tuple[str, int]:
    """Insert ``new_line`` after the first line of kpis[0] matching the regex; returns the text and its line number."""
    lines = text.splitlines(keepends=True)
    lo, hi = first_kpi_block(text)
    for no in range(lo, hi + 1):
        if re.search(after_line_re, lines[no - 1]):
            lines.insert(no, new_line + "\n")
            return "".join(lines), no + 1
    raise AssertionError(f"{after_line_re!r} not in kpis[0]")


def replace_block_in_first_kpi(text: str, header: str, new_lines: list[str]) -> tuple[str, int]:
    """Replace the 4-space-indented key ``header`` of kpis[0] and everything indented under it; returns the text and
    the line number of the first new line."""
    lines = text.splitlines(keepends=True)
    lo, hi = first_kpi_block(text)
    start = line_of(text, f"    {header}:", start=lo)
    assert start <= hi, header
    end = start
    while end < len(lines) and (lines[end].startswith("     ") or not lines[end].strip()) and end < hi:
        end += 1
    lines[start - 1 : end] = [ln + "\n" for ln in new_lines]
    return "".join(lines), start


def expect_error(text: str) -> str:
    with pytest.raises(KpiDefsError) as info:
        parse_kpi_defs(text)
    return str(info.value)


# --------------------------------------------------------------------------------------------------------------------
# The real file


def test_real_file_parses_with_the_three_kpis(real_text: str) -> None:
    defs = parse_kpi_defs(real_text)
    assert [k.id for k in defs.kpis] == ["productivity_growth", "living_outlook", "young_women_outside_tokyo"]
    assert [k.goal for k in defs.kpis] == [1, 2, 3]
    assert [g.id for g in defs.goals] == [1, 2, 3]
    assert load_kpi_defs() == defs


def test_real_file_strategy_baselines(real_text: str) -> None:
    # Read off kpi_defs.yaml: KPI 1 is measured from FY2022 (the latest fiscal year published at the decision),
    # KPIs 2 and 3 from 2025; all decided on 23 December 2025.
    defs = parse_kpi_defs(real_text)
    got = [(k.strategy_baseline.base_year, k.strategy_baseline.period_type) for k in defs.kpis]
    assert got == [(2022, "fiscal_year"), (2025, "calendar_year"), (2025, "reference_date")]
    for k in defs.kpis:
        assert k.strategy_baseline.decided.isoformat() == "2025-12-23"
        assert k.strategy_baseline.rule_ja.strip() and k.strategy_baseline.rule_en.strip()
        assert k.target.year > k.strategy_baseline.base_year
        assert k.unit_en.strip()
        assert k.release_series, k.id
    assert [k.unit_en for k in defs.kpis] == ["points", "%", "%"]
    measure = defs.kpis[0].measure
    assert isinstance(measure, GrowthGapMeasure)
    assert measure.context_base_year == 2011


def test_release_series_are_in_the_release_calendar() -> None:
    calendar = load_release_calendar()
    for k in load_kpi_defs().kpis:
        for sid in k.release_series:
            assert calendar.get(sid) is not None, (k.id, sid)


def test_real_file_against_yaml_loader(real_text: str) -> None:
    # Plain PyYAML sees the same ids (no line bookkeeping leaks into the models).
    plain = yaml.safe_load(real_text)
    defs = parse_kpi_defs(real_text)
    assert [d["id"] for d in plain["derived_indicators"]] == [d.id for d in defs.derived_indicators]
    assert "__lines__" not in json.dumps(defs.model_dump(mode="json"))


# --------------------------------------------------------------------------------------------------------------------
# Errors naming key path and line


def test_malformed_yaml_names_the_line(real_text: str) -> None:
    text, no = replace_in_first_kpi(real_text, r"^    name_ja: ", "    name_ja: a: b")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no}:" in msg
    assert "malformed YAML" in msg


def test_malformed_yaml_unclosed_flow_mapping(real_text: str) -> None:
    # An unclosed '{' on the first component line: the parser stops at the next line (another '- {' cannot follow
    # inside a flow mapping).
    lo, _ = first_kpi_block(real_text)
    no = line_of(real_text, "      - {key: ", start=lo)
    lines = real_text.splitlines(keepends=True)
    assert lines[no - 1].rstrip().endswith("}")
    lines[no - 1] = lines[no - 1].rstrip()[:-1] + "\n"
    msg = expect_error("".join(lines))
    m = re.match(r"kpi_defs\.yaml:(\d+): malformed YAML", msg)
    assert m, msg
    assert no <= int(m.group(1)) <= no + 1


def test_unknown_key(real_text: str) -> None:
    text, goal_line = replace_in_first_kpi(real_text, r"^    goal: ", "    goal: 1\n    colour: red")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{goal_line + 1} kpis[0].colour:" in msg
    assert "Extra inputs are not permitted" in msg


def test_unknown_key_deep_inside(real_text: str) -> None:
    lo, _ = first_kpi_block(real_text)
    year_line = line_of(real_text, "      year: ", start=line_of(real_text, "    target:", start=lo))
    lines = real_text.splitlines(keepends=True)
    lines.insert(year_line, "      colour: red\n")
    msg = expect_error("".join(lines))
    assert f"kpi_defs.yaml:{year_line + 1} kpis[0].target.colour:" in msg


def _with_target_year(text: str, year: int) -> tuple[str, int]:
    """kpis[0].target.year set to ``year``; returns the text and the line of that key."""
    lo, _ = first_kpi_block(text)
    target_line = line_of(text, "    target:", start=lo)
    year_line = line_of(text, "      year: ", start=target_line)
    lines = text.splitlines(keepends=True)
    lines[year_line - 1] = f"      year: {year}\n"
    return "".join(lines), year_line


@pytest.mark.parametrize("target_year", [2021, 2022])
def test_target_year_not_after_base_year(real_text: str, target_year: int) -> None:
    # kpis[0].strategy_baseline.base_year is 2022 in the real file: checked first so the test fails loudly if it
    # changes.
    assert parse_kpi_defs(real_text).kpis[0].strategy_baseline.base_year == 2022
    text, _ = _with_target_year(real_text, target_year)
    msg = expect_error(text)
    assert "kpis[0]" in msg
    assert f"target.year {target_year} must be after strategy_baseline.base_year 2022" in msg


def test_target_year_just_after_base_year_is_fine(real_text: str) -> None:
    text, _ = _with_target_year(real_text, 2023)
    assert parse_kpi_defs(text).kpis[0].target.year == 2023


def test_target_year_error_points_at_the_target_year_key(real_text: str) -> None:
    # As the module docstring promises ("kpi_defs.yaml:42 kpis[0].target.year: …"), the message should name the
    # offending key and its line, not only the start of kpis[0].
    text, year_line = _with_target_year(real_text, 2022)
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{year_line} kpis[0].target.year" in msg, msg


@pytest.mark.parametrize("context_base_year", [2022, 2023])
def test_context_base_year_must_be_before_base_year(real_text: str, context_base_year: int) -> None:
    # kpis[0].strategy_baseline.base_year is 2022 (checked in test_target_year_not_after_base_year).
    text, no = replace_in_first_kpi(
        real_text, r"^      context_base_year: ", f"      context_base_year: {context_base_year}"
    )
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no} kpis[0].measure.context_base_year:" in msg, msg
    assert f"context_base_year {context_base_year} must be before strategy_baseline.base_year 2022" in msg


def test_context_base_year_just_before_base_year_is_fine(real_text: str) -> None:
    text, _ = replace_in_first_kpi(real_text, r"^      context_base_year: ", "      context_base_year: 2021")
    measure = parse_kpi_defs(text).kpis[0].measure
    assert isinstance(measure, GrowthGapMeasure) and measure.context_base_year == 2021


def test_unknown_key_in_strategy_baseline(real_text: str) -> None:
    text, no = insert_after_in_first_kpi(real_text, r"^      base_year: ", "      colour: red")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no} kpis[0].strategy_baseline.colour:" in msg, msg
    assert "Extra inputs are not permitted" in msg


def test_bad_period_type_in_strategy_baseline(real_text: str) -> None:
    text, no = replace_in_first_kpi(real_text, r"^      period_type: ", "      period_type: month")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no} kpis[0].strategy_baseline.period_type:" in msg, msg


def test_old_baseline_key_is_refused(real_text: str) -> None:
    # The old schema's `baseline: {rule, year}` instead of strategy_baseline: the old key is unknown, the new missing.
    lo, _ = first_kpi_block(real_text)
    text, no = replace_block_in_first_kpi(
        real_text, "strategy_baseline", ["    baseline: {rule: latest_at_or_before, year: 2022}"]
    )
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no} kpis[0].baseline: Extra inputs are not permitted" in msg, msg
    assert f"kpi_defs.yaml:{lo} kpis[0].strategy_baseline: Field required" in msg, msg


def test_old_growth_base_key_is_refused(real_text: str) -> None:
    # The old `growth_base` key of a growth-gap measure is unknown now (context_base_year replaced it). The error
    # should point at the offending key's own line, as for any other unknown key.
    text, no = insert_after_in_first_kpi(real_text, r"^      context_base_year: ", "      growth_base: 2011")
    msg = expect_error(text)
    assert "kpis[0].measure.growth_base:" in msg, msg
    assert "Extra inputs are not permitted" in msg
    assert f"kpi_defs.yaml:{no} kpis[0].measure.growth_base:" in msg, msg


def test_missing_unit_en(real_text: str) -> None:
    lo, _ = first_kpi_block(real_text)
    text, _ = replace_in_first_kpi(real_text, r"^    unit_en: ", "")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{lo} kpis[0].unit_en: Field required" in msg, msg


def test_circular_derived_formula(real_text: str) -> None:
    block = (
        "  - id: cyc_a\n"
        "    name_ja: 循環A\n"
        "    name_en: Cycle A\n"
        "    unit: x\n"
        "    description: test\n"
        "    formula: {type: ratio, numerator: cyc_b, denominator: gdp_nominal}\n"
        "  - id: cyc_b\n"
        "    name_ja: 循環B\n"
        "    name_en: Cycle B\n"
        "    unit: x\n"
        "    description: test\n"
        "    formula: {type: ratio, numerator: cyc_a, denominator: gdp_nominal}\n"
        "\n"
    )
    n_derived = len(yaml.safe_load(real_text)["derived_indicators"])
    text = real_text.replace("\nkpis:\n", "\n" + block + "kpis:\n", 1)
    msg = expect_error(text)
    assert "circular" in msg
    assert "cyc_a" in msg and "cyc_b" in msg
    # The cycle is found while visiting cyc_a → cyc_b → cyc_a: it is reported at one of the two formulas.
    line_a = line_of(text, "numerator: cyc_b")
    line_b = line_of(text, "numerator: cyc_a")
    assert (
        f"kpi_defs.yaml:{line_a} derived_indicators[{n_derived}].formula" in msg
        or f"kpi_defs.yaml:{line_b} derived_indicators[{n_derived + 1}].formula" in msg
    ), msg


def test_self_referencing_formula(real_text: str) -> None:
    block = (
        "  - id: selfish\n"
        "    name_ja: 自己参照\n"
        "    name_en: Self\n"
        "    unit: x\n"
        "    description: test\n"
        "    formula: {type: ratio, numerator: selfish, denominator: gdp_nominal}\n"
    )
    n_derived = len(yaml.safe_load(real_text)["derived_indicators"])
    text = real_text.replace("\nkpis:\n", "\n" + block + "\nkpis:\n", 1)
    msg = expect_error(text)
    assert "circular" in msg
    assert f"kpi_defs.yaml:{line_of(text, 'numerator: selfish')} derived_indicators[{n_derived}].formula" in msg


def test_derived_chain_without_cycle_is_fine(real_text: str) -> None:
    block = (
        "  - id: chain_a\n"
        "    name_ja: 連鎖A\n"
        "    name_en: Chain A\n"
        "    unit: x\n"
        "    description: test\n"
        "    formula: {type: ratio, numerator: chain_b, denominator: gdp_nominal}\n"
        "  - id: chain_b\n"
        "    name_ja: 連鎖B\n"
        "    name_en: Chain B\n"
        "    unit: x\n"
        "    description: test\n"
        "    formula: {type: ratio, numerator: gdp_nominal, denominator: employed_workplace_h30}\n"
    )
    text = real_text.replace("\nkpis:\n", "\n" + block + "\nkpis:\n", 1)
    ids = [d.id for d in parse_kpi_defs(text).derived_indicators]
    assert ids[-2:] == ["chain_a", "chain_b"]


def test_invalid_id_pattern(real_text: str) -> None:
    text, no = replace_in_first_kpi(real_text, r"^  - id: ", "  - id: Productivity-Growth")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no} kpis[0].id:" in msg
    assert "pattern" in msg


def test_wrong_goal(real_text: str) -> None:
    text, no = replace_in_first_kpi(real_text, r"^    goal: ", "    goal: 4")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{no} kpis[0].goal:" in msg


def test_missing_required_key(real_text: str) -> None:
    # Drop kpis[0].unit: the key has no line of its own, so the error points at the start of kpis[0].
    lo, _ = first_kpi_block(real_text)
    text, _ = replace_in_first_kpi(real_text, r"^    unit: ", "")
    msg = expect_error(text)
    assert f"kpi_defs.yaml:{lo} kpis[0].unit:" in msg
    assert "required" in msg.lower()


def test_several_errors_are_all_reported(real_text: str) -> None:
    text, goal_line = replace_in_first_kpi(real_text, r"^    goal: ", "    goal: 4")
    text, id_line = replace_in_first_kpi(text, r"^  - id: ", "  - id: Bad-Id")
    msg = expect_error(text)
    assert f":{goal_line} kpis[0].goal:" in msg
    assert f":{id_line} kpis[0].id:" in msg


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(KpiDefsError, match="top level"):
        parse_kpi_defs("- a\n- b\n")


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KpiDefsError, match="cannot read"):
        load_kpi_defs(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------------------------------------------------
# check_against_catalogue


def _referenced(obj: Any, out: set[str]) -> set[str]:
    """Warehouse ids named in the YAML (independent of the code): indicator/proxy_indicator/numerator/denominator
    values and context_indicators items."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("indicator", "proxy_indicator", "numerator", "denominator") and isinstance(v, str):
                out.add(v)
            elif k == "context_indicators":
                out.update(v)
            else:
                _referenced(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _referenced(v, out)
    return out


@pytest.fixture()
def catalogue(real_text: str) -> set[str]:
    """Everything the YAML names, minus what it declares itself (the warehouse would hold the rest)."""
    raw = yaml.safe_load(real_text)
    declared = {d["id"] for d in raw["derived_indicators"]}
    return _referenced(raw, set()) - declared


def test_catalogue_complete_passes(tmp_path: Path, real_text: str, catalogue: set[str]) -> None:
    # What kpi_defs.yaml names and does not derive itself, read off the file.
    assert catalogue == {
        "census_employed_workplace",
        "employed_workplace",  # input of the optional productivity_nominal
        "employed_workplace_h30",
        "gdp_nominal",
        "gdp_nominal_h30",
        "income_per_capita",
        "lfs_unemployment_rate",
        "net_migration_all_f_15_29",
        "net_migration_jp",
        "net_migration_jp_f",
        "pop_jp_f_15_29",
        "ssdse_general_clinics",
        "ssdse_general_hospitals",
        "ssdse_nursery_capacity",
        "ssdse_nursery_waiting_children",
        "ssdse_pop_age_15_64",
    }
    path = tmp_path / "kpi_defs.yaml"
    path.write_text(real_text, encoding="utf-8")
    assert check_against_catalogue(path, catalogue) is None
    # Each kind of reference is needed (the optional series' input is not): without it, the check names it.
    for missing in ("gdp_nominal", "employed_workplace_h30", "pop_jp_f_15_29", "net_migration_jp_f"):
        with pytest.raises(KpiDefsError, match=f"unknown indicator id {missing!r}"):
            check_against_catalogue(path, catalogue - {missing})
    assert check_against_catalogue(path, catalogue - {"employed_workplace"}) is None


def test_catalogue_missing_context_indicator(tmp_path: Path, real_text: str, catalogue: set[str]) -> None:
    path = tmp_path / "kpi_defs.yaml"
    path.write_text(real_text, encoding="utf-8")
    first_ctx = yaml.safe_load(real_text)["kpis"][0]["context_indicators"][0]
    lo, _ = first_kpi_block(real_text)
    ctx_line = line_of(real_text, "    context_indicators:", start=lo)
    with pytest.raises(KpiDefsError) as info:
        check_against_catalogue(path, catalogue - {first_ctx})
    msg = str(info.value)
    assert f"kpi_defs.yaml:{ctx_line} kpis[0].context_indicators[0]: unknown indicator id {first_ctx!r}" in msg


def test_catalogue_missing_derived_input(tmp_path: Path, real_text: str, catalogue: set[str]) -> None:
    # productivity_nominal_h30 (not optional) needs employed_workplace_h30 as its denominator.
    raw = yaml.safe_load(real_text)
    idx = [d["id"] for d in raw["derived_indicators"]].index("productivity_nominal_h30")
    denominator = raw["derived_indicators"][idx]["formula"]["denominator"]
    assert denominator == "employed_workplace_h30"
    path = tmp_path / "kpi_defs.yaml"
    path.write_text(real_text, encoding="utf-8")
    formula_line = line_of(real_text, f"denominator: {denominator}")
    with pytest.raises(KpiDefsError) as info:
        check_against_catalogue(path, catalogue - {denominator})
    msg = str(info.value)
    assert f"kpi_defs.yaml:{formula_line} derived_indicators[{idx}].formula.denominator" in msg
    assert repr(denominator) in msg


def test_optional_derived_inputs_are_not_required(tmp_path: Path, real_text: str, catalogue: set[str]) -> None:
    # productivity_nominal is optional: its denominator employed_workplace (ESRI 総括表10 of the latest release) may be
    # absent, and the KPI variant naming productivity_nominal is satisfied by the declaration.
    raw = yaml.safe_load(real_text)
    opt = next(d for d in raw["derived_indicators"] if d["id"] == "productivity_nominal")
    assert opt.get("optional") is True
    denominator = opt["formula"]["denominator"]
    path = tmp_path / "kpi_defs.yaml"
    path.write_text(real_text, encoding="utf-8")
    check_against_catalogue(path, catalogue - {denominator, "productivity_nominal"})
    # Made non-optional, the same catalogue is refused, naming the formula.
    text = real_text.replace("    optional: true\n", "    optional: false\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KpiDefsError) as info:
        check_against_catalogue(path, catalogue - {denominator, "productivity_nominal"})
    idx = [d["id"] for d in raw["derived_indicators"]].index("productivity_nominal")
    assert f"derived_indicators[{idx}].formula.denominator: unknown indicator id {denominator!r}" in str(info.value)


# --------------------------------------------------------------------------------------------------------------------
# The generated JSON schema


def test_schema_file_is_up_to_date() -> None:
    assert SCHEMA_FILE.exists(), "schemas/kpi_defs.schema.json is missing: regenerate it from json_schema()"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema(), "schemas/kpi_defs.schema.json is stale"
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["title"] == "kpi_defs.yaml"
    assert schema["additionalProperties"] is False
