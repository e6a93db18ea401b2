"""Own KPIs' kpis.yaml (issue #21): the typed contract, and refusals that name the file, line and key path."""

from __future__ import annotations

import re

import pytest

from kpidash.local_schema import (
    MAX_YAML_BYTES,
    Issue,
    LocalKpiError,
    check_local_kpis,
    dump_local_kpis,
    parse_local_kpis,
    values_path_problem,
    without_kpi,
)

GOOD = """\
kpis:
  - id: town_migrants
    name_ja: 移住者数
    name_en: In-migrants
    region: "01100"
    unit: 人
    direction: higher_is_better
    values: values/migrants.csv
    base_year: 2020
    target: {year: 2027, kind: value, value: 1000}
    source: 町調べ（住民課）
  - id: town_population
    name_ja: 人口
    region: "13"
    unit: 人
    direction: lower_is_better
    indicator: pop_all_total
    base_year: 2019
    target:
      year: 2030
      kind: direction
      direction: decrease
    source: 住民基本台帳
"""


def refused(text: str, **kw) -> list[str]:
    with pytest.raises(LocalKpiError) as info:
        parse_local_kpis(text, "kpis.yaml", **kw)
    assert str(info.value) == "\n".join(str(i) for i in info.value.issues)
    return [str(i) for i in info.value.issues]


def one(text: str, **kw) -> str:
    msgs = refused(text, **kw)
    assert len(msgs) == 1, msgs
    return msgs[0]


def test_good_file() -> None:
    kpis = parse_local_kpis(GOOD, reserved_ids={"u29_net_migration"}, known_regions={"01100", "13"})
    a, b = kpis.kpis
    assert (a.id, a.region, a.values, a.indicator, a.target.value, a.name_en) == (
        "town_migrants",
        "01100",
        "values/migrants.csv",
        None,
        1000.0,
        "In-migrants",
    )
    assert (b.indicator, b.values, b.target.kind, b.target.direction, b.name_en) == (
        "pop_all_total",
        None,
        "direction",
        "decrease",
        None,
    )
    assert kpis.lines == {"town_migrants": 2, "town_population": 12}
    assert (kpis.line("town_migrants", "values"), kpis.line("town_population", "target")) == (8, 19)
    assert kpis.line("town_population") == 12
    assert kpis.key("town_population", "target", "year") == "kpis[1].target.year"
    assert kpis.values_files() == {"values/migrants.csv"}


def test_empty_file_has_no_kpis() -> None:
    assert parse_local_kpis("").kpis == ()
    assert parse_local_kpis("kpis: []\n").kpis == ()


def test_bad_syntax_names_the_line() -> None:
    msg = one(GOOD.replace("unit: 人\n    direction: lower", "unit: [人\n    direction: lower"))
    assert re.match(r"^kpis\.yaml:\d+ \(top level\): malformed YAML", msg), msg


def test_unknown_key_names_line_and_path() -> None:
    assert one(GOOD.replace("    source: 町調べ", "    colour: red\n    source: 町調べ")) == (
        "kpis.yaml:11 kpis[0].colour: unknown key"
    )
    assert one(GOOD.replace("kind: value,", "kind: value, step: 1,")) == "kpis.yaml:10 kpis[0].target.step: unknown key"
    assert one("kpis: []\nversion: 2\n") == "kpis.yaml:2 version: unknown key (the top level holds only kpis:)"


def test_missing_key_names_the_entry() -> None:
    assert one(GOOD.replace("    source: 住民基本台帳\n", "")) == "kpis.yaml:12 kpis[1].source: required key missing"


def test_target_year_before_base() -> None:
    msg = one(GOOD.replace("year: 2030", "year: 2018"))
    assert msg == "kpis.yaml:20 kpis[1].target.year: target.year 2018 must be after base_year 2019"
    assert "must be after" in one(GOOD.replace("year: 2030", "year: 2019"))


def test_exactly_one_of_indicator_or_values() -> None:
    both = GOOD.replace("    values: values/migrants.csv\n", "    values: values/migrants.csv\n    indicator: x\n")
    assert "kpis[0].indicator: give exactly one of indicator" in one(both)
    neither = GOOD.replace("    indicator: pop_all_total\n", "")
    assert one(neither) == "kpis.yaml:12 kpis[1]: give exactly one of indicator: <catalogue id> or values: <CSV path>"


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../evil.csv", "'..' is refused"),
        ("values/../../evil.csv", "'..' is refused"),
        ("/etc/evil.csv", "absolute path"),
        ("C:/evil.csv", "absolute path"),
        ("values\\evil.csv", "use /"),
        ("history/old.csv", "kept by the store"),
        (".hidden.csv", "ASCII letters"),
        ("evil.txt", "must end in .csv"),
        ("移住.csv", "ASCII letters"),
    ],
)
def test_values_path_stays_inside_the_folder(path: str, why: str) -> None:
    assert why in (values_path_problem(path) or "")
    msg = one(GOOD.replace("values/migrants.csv", f"'{path}'"))
    assert msg.startswith("kpis.yaml:8 kpis[0].values: ") and why in msg


def test_region_forms() -> None:
    for ok in ("00", "TKY", "NTK", "01", "47", "01100", "47382"):
        assert parse_local_kpis(GOOD.replace('"01100"', f'"{ok}"')).kpis[0].region == ok
    for bad in ("48", "1", "011000", "99100", "13-1", "tky"):
        assert one(GOOD.replace('"01100"', f'"{bad}"')).startswith("kpis.yaml:5 kpis[0].region: String should match")
    unquoted = one(GOOD.replace('"01100"', "13"))
    assert unquoted.startswith("kpis.yaml:5 kpis[0].region: Input should be a valid string") and "quotes" in unquoted
    assert one(GOOD, known_regions={"13"}) == "kpis.yaml:5 kpis[0].region: unknown region code '01100'"


def test_ids_reserved_duplicated_and_catalogue() -> None:
    assert one(GOOD, reserved_ids={"town_population"}) == (
        "kpis.yaml:12 kpis[1].id: id 'town_population' is a national KPI's id: choose another"
    )
    dup = GOOD.replace("id: town_population", "id: town_migrants")
    assert one(dup) == "kpis.yaml:12 kpis[1].id: duplicate id 'town_migrants' (first at line 2)"
    for bad in ("Town-Migrants", "町", "1town"):
        assert one(GOOD.replace("id: town_migrants", f"id: {bad}")).startswith("kpis.yaml:2 kpis[0].id: String should")
    assert one(GOOD, known_indicators={"other"}) == (
        "kpis.yaml:17 kpis[1].indicator: unknown indicator id 'pop_all_total' (not in the catalogue)"
    )


def test_strict_types_and_target_consistency() -> None:
    assert one(GOOD.replace("base_year: 2020", 'base_year: "2020"')).startswith("kpis.yaml:9 kpis[0].base_year: ")
    assert one(GOOD.replace("value: 1000", "value: .nan")).startswith("kpis.yaml:10 kpis[0].target.value: ")
    assert "needs value" in one(GOOD.replace("kind: value, value: 1000", "kind: value, direction: increase"))
    assert "needs direction" in one(GOOD.replace("direction: decrease", "value: 3"))
    assert one(GOOD.replace("direction: higher_is_better", "direction: up")).startswith("kpis.yaml:7 kpis[0].direction")


def test_every_issue_is_reported_and_the_valid_entries_kept() -> None:
    text = GOOD.replace("direction: higher_is_better", "direction: up").replace("year: 2030", "year: 2000")
    kpis, issues = check_local_kpis(text)
    assert kpis.kpis == () and [(i.line, i.key) for i in issues] == [
        (7, "kpis[0].direction"),
        (20, "kpis[1].target.year"),
    ]
    kpis, issues = check_local_kpis(GOOD.replace("year: 2030", "year: 2000"))
    assert [k.id for k in kpis.kpis] == ["town_migrants"] and len(issues) == 1
    assert isinstance(issues[0], Issue) and issues[0].file == "kpis.yaml"


def test_hostile_yaml() -> None:
    assert "aliases" in one("a: &x [1, 2]\nkpis: *x\n")
    assert "duplicate key 'id'" in one(GOOD.replace("    name_ja: 人口\n", "    id: again\n    name_ja: 人口\n"))
    assert "larger than" in one("#" * (MAX_YAML_BYTES + 1))
    assert "malformed YAML" in one("[" * 100_000)
    assert "not UTF-8" in str(refused(GOOD.encode("cp932"))[0])  # type: ignore[arg-type]
    assert one("- a\n- b\n") == "kpis.yaml:1 (top level): the top level must be a mapping with kpis: (a list)"
    assert one("kpis: 3\n") == "kpis.yaml:1 kpis: must be a list of KPI entries"
    assert one("kpis: [3]\n") == "kpis.yaml:1 kpis[0]: each KPI must be a mapping (id:, name_ja:, …)"


def test_without_kpi_and_dump_round_trip() -> None:
    text, entry = without_kpi(GOOD, "town_migrants")
    assert entry["values"] == "values/migrants.csv"
    assert [k.id for k in parse_local_kpis(text).kpis] == ["town_population"]
    with pytest.raises(LocalKpiError, match="no KPI with id 'nope'"):
        without_kpi(GOOD, "nope")
    kpis = parse_local_kpis(GOOD)
    again = dump_local_kpis([k.model_dump(exclude_none=True) for k in kpis.kpis])
    assert parse_local_kpis(again).kpis == kpis.kpis
