"""URL and API parameters (kpidash/params.py): the lenient page helpers and the strict API parser."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from kpidash import chart_params, params
from kpidash.params import ParamError, choice, clean_codes, lang_from_search, norm_lang, safe_int

ALLOWED = {"00", "TKY", "13", "27"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13,27", ["13", "27"]),
        (" 13 , 27 ", ["13", "27"]),  # blanks around a code are ignored
        ("27,13,27,13", ["27", "13"]),  # de-duplicated, first order kept
        ("13,99,<script>,TKY", ["13", "TKY"]),  # unknown parts dropped, never an error
        ("tky,13", ["13"]),  # codes are matched exactly (the pages write them upper-case)
        (",,13,,", ["13"]),
        ("", []),
        (None, []),
    ],
)
def test_clean_codes(raw: str | None, expected: list[str]) -> None:
    assert clean_codes(raw, ALLOWED) == expected


def test_clean_codes_limits() -> None:
    codes = {f"{i:02d}" for i in range(1, 48)}
    assert clean_codes(",".join(f"{i:02d}" for i in range(1, 48)), codes) == [f"{i:02d}" for i in range(1, 13)]
    assert clean_codes("01,02,03", codes, limit=2) == ["01", "02"]
    # Only the first MAX_URL_CODES parts are read: a valid code after 100 junk parts is not reached.
    assert params.MAX_URL_CODES == 100
    assert clean_codes(",".join(["x"] * 100 + ["13"]), ALLOWED) == []
    assert clean_codes(",".join(["x"] * 99 + ["13"]), ALLOWED) == ["13"]
    assert clean_codes(["13"], ALLOWED) == []  # type: ignore[arg-type]  # not a string: nothing


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        ("2020", None, 2020),
        (2020, None, 2020),
        ("-3", 0, -3),
        (" 7 ", 0, 7),  # int() accepts surrounding blanks
        ("", 5, 5),
        (None, 5, 5),
        ("20x0", 5, 5),
        ("1.5", None, None),
        ("１２", None, 12),  # full-width digits are digits to int()
        ([2020], 1, 1),
    ],
)
def test_safe_int(raw: object, default: int | None, expected: int | None) -> None:
    assert safe_int(raw, default) == expected


def test_choice_and_languages() -> None:
    assert choice("bar", ("map", "bar"), "map") == "bar"
    assert choice("BAR", ("map", "bar"), "map") == "map"
    assert choice(None, ("map", "bar"), "map") == "map"
    assert choice(["bar"], ("map", "bar"), "map") == "map"
    assert [norm_lang(x) for x in ("en", "ja", "EN", None, "fr")] == ["en", "ja", "ja", "ja", "ja"]
    assert lang_from_search("?lang=en") == "en"
    assert lang_from_search("lang=en&x=1") == "en"
    assert lang_from_search("?lang=zz") == "ja"
    assert lang_from_search("?x=1&lang=en&lang=ja") == "en"  # the first value counts
    assert lang_from_search(None) == "ja" and lang_from_search("") == "ja"


# ------------------------------------------------------------------------------------------------ strict parsing


def error(param: params.Param, value: str) -> ParamError:
    with pytest.raises(ParamError) as info:
        param.parse({param.name: value})
    assert info.value.parameter == param.name
    return info.value


def test_indicator_list_is_deduplicated_and_bounded() -> None:
    assert params.INDICATORS.parse({"indicators": " gdp_nominal,pop_all_total,gdp_nominal "}) == [
        "gdp_nominal",
        "pop_all_total",
    ]
    too_many = ",".join(f"i{n}" for n in range(params.MAX_INDICATORS + 1))
    e = error(params.INDICATORS, too_many)
    assert e.status == 400 and f"lists {params.MAX_INDICATORS + 1} ids; the limit is 20" in e.message
    assert error(params.INDICATORS, "a,,b").message == (
        "parameter 'indicators' has an empty item (two commas or a trailing comma)"
    )
    assert error(params.INDICATORS, "  ").message == "parameter 'indicators' is empty; give a comma-separated list"
    assert "has characters or a length that no id can have" in error(params.INDICATORS, "a;b").message


def test_required_parameter_missing() -> None:
    with pytest.raises(ParamError) as info:
        params.INDICATORS.parse({})
    assert info.value.status == 400
    assert info.value.message == "parameter 'indicators' is required (comma-separated ids from /api/v1/indicators)"


def test_region_list_upper_cases_valid_codes() -> None:
    assert params.REGIONS.parse({"regions": "tky,13,Tky"}) == ["TKY", "13"]
    assert params.REGIONS.parse({}) is None


def test_known_codes_answer_404_for_others() -> None:
    assert chart_params.HIGHLIGHT.parse({"highlight": "13,27"}) == ["13", "27"]
    e = error(chart_params.HIGHLIGHT, "13,48")
    assert e.status == 404 and e.extra["unknown"] == ["48"]
    assert error(chart_params.TREND_REGIONS, "tky,xx").extra["unknown"] == ["XX"]  # upper-cased as read
    assert chart_params.TREND_REGIONS.parse({"regions": "tky,ntk"}) == ["TKY", "NTK"]


@pytest.mark.parametrize(("value", "ok"), [("320", 320), ("2400", 2400), ("319", None), ("2401", None), ("1e3", None)])
def test_pixel_bounds(value: str, ok: int | None) -> None:
    if ok is not None:
        assert chart_params.WIDTH.parse({"width": value}) == ok
    else:
        e = error(chart_params.WIDTH, value)
        assert e.status == 400 and "from 320 to 2400" in e.message


def test_years_and_choices() -> None:
    assert chart_params.PERIOD.parse({"period": "2022"}) == 2022
    assert (
        error(chart_params.PERIOD, "22").message == "parameter 'period' must be a 4-digit year such as 2020, not '22'"
    )
    assert error(params.PERIOD_FROM, " 20x5").message.endswith("such as 2015, not ' 20x5'")  # quoted as given
    assert params.ENCODING.parse({"encoding": "CP932"}) == "cp932"  # case ignored
    assert error(params.ENCODING, "latin-1").message == "parameter 'encoding' must be utf-8 or cp932, not 'latin-1'"
    e = error(chart_params.COMPARE_MODE, "index")
    assert e.extra["allowed"] == ["value", "per_capita", "growth"]
    assert error(chart_params.INDICATOR, "x" * 201).message == (
        "parameter 'indicator' is too long (201 characters; at most 200)"
    )


def test_short_cuts_long_values() -> None:
    assert params.short("abc") == "'abc'"
    assert params.short("x" * 41) == repr("x" * 40 + "…")


def test_only_refuses_unknown_and_repeated_parameters() -> None:
    params.only(MultiDict([("a", "1"), ("b", "2")]), ("a", "b", "c"))
    with pytest.raises(ParamError) as info:
        params.only(MultiDict([("a", "1"), ("zz", "2")]), ("a",))
    assert info.value.message == "unknown parameter 'zz'; this endpoint accepts: a"
    with pytest.raises(ParamError) as info:
        params.only(MultiDict([("a", "1"), ("a", "2")]), ("a",))
    assert info.value.parameter == "a" and "more than once" in info.value.message
    with pytest.raises(ParamError) as info:
        params.only(MultiDict([("a", "1")]), ())
    assert info.value.message.endswith("accepts: no parameters")


def test_openapi_schema_accepts_what_the_parser_accepts() -> None:
    import re

    from kpidash.api.openapi import value_schema

    schema = value_schema(params.REGIONS)
    assert schema["maxLength"] == 20_000
    pattern = re.compile(schema["pattern"])
    assert pattern.fullmatch("TKY,13,01100") and not pattern.fullmatch("TKY,,13")
    assert value_schema(chart_params.WIDTH) == {"type": "integer", "minimum": 320, "maximum": 2400}
    hl = re.compile(value_schema(chart_params.HIGHLIGHT)["pattern"])
    assert hl.fullmatch(",".join(["13"] * 12)) and not hl.fullmatch(",".join(["13"] * 13))
