"""EstatClient on real recorded e-Stat responses (tests/data/estat/, see README.md there). No network.

Every response the client sees comes from an injected ``opener``; ``sleep`` is recorded instead of waited.
Expected values are read from the same recordings with the json module, independently of the client.
Where a test needs a response that was never recorded (page 2, error STATUS), it edits a copy of a
recording and says so.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import math
import urllib.error
import urllib.parse
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from etl.estat import EstatClient, EstatError, parse_number

DATA = Path(__file__).resolve().parents[1] / "data" / "estat"
PREFECTURES = DATA / "getStatsData_0000010101_cat01-A1101_prefectures.json"
NATIONAL_RAW = DATA / "getStatsData_0003146500_raw_national.json"
PAGED = DATA / "getStatsData_0000020202_limit10_page1.json"
META = DATA / "getMetaInfo_0000010101.json"
META_XML = DATA / "getMetaInfo_0003109741.xml"
STATS_LIST = DATA / "getStatsList_00200521_limit10_page1.json"

APP_ID = "0123456789abcdef0123456789abcdef01234567"  # fake, 40 hex digits like a real appId


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class Recorder:
    """An opener that serves queued responses (bytes or exceptions) and records every URL."""

    def __init__(self, *responses: bytes | BaseException | Callable[[], bytes | BaseException]):
        self.responses = list(responses)
        self.urls: list[str] = []
        self.timeouts: list[float] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        self.timeouts.append(timeout)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if callable(item) and not isinstance(item, BaseException):
            item = item()
        if isinstance(item, BaseException):
            raise item
        return item

    def query(self, i: int) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.urls[i]).query))


def http_error(code: int, body: bytes = b"") -> Callable[[], urllib.error.HTTPError]:
    """A fresh HTTPError per call (each carries its own body stream)."""

    def make() -> urllib.error.HTTPError:
        url = f"https://api.e-stat.go.jp/rest/3.0/app/json/getStatsData?appId={APP_ID}"
        return urllib.error.HTTPError(url, code, "error", Message(), io.BytesIO(body))

    return make


def client(opener: Recorder, sleeps: list[float] | None = None, **kwargs: Any) -> EstatClient:
    sink = sleeps if sleeps is not None else []
    return EstatClient(APP_ID, opener=opener, sleep=sink.append, **kwargs)


# ---------------------------------------------------------------------------------------------- parsing


def test_prefecture_recording_parses_into_long_frame() -> None:
    raw = load(PREFECTURES)["GET_STATS_DATA"]["STATISTICAL_DATA"]
    values = raw["DATA_INF"]["VALUE"]
    opener = Recorder(PREFECTURES.read_bytes())

    df = client(opener).get_stats_data("0000010101", cdCat01="A1101", lang="J")

    assert len(df) == len(values) == 2400
    assert list(df.columns) == [
        "tab",
        "tab_name",
        "cat01",
        "cat01_name",
        "area",
        "area_name",
        "time",
        "time_name",
        "unit",
        "value_raw",
        "value",
    ]
    for col in ("tab", "cat01", "area", "time", "unit"):
        assert df[col].tolist() == [v[f"@{col}"] for v in values]
    assert df["value_raw"].tolist() == [v["$"] for v in values]
    assert df["value"].dtype == "float64"
    assert df["value"].tolist() == [float(v["$"]) for v in values]
    # Codes stay strings with their leading zeros.
    assert df["area"].str.len().eq(5).all() and df["area"].iloc[0] == "00000"

    area_names = {
        c["@code"]: c["@name"] for c in next(o for o in raw["CLASS_INF"]["CLASS_OBJ"] if o["@id"] == "area")["CLASS"]
    }
    assert df["area_name"].tolist() == [area_names[v["@area"]] for v in values]
    tokyo_2020 = df[(df["area"] == "13000") & (df["time"] == "2020100000")]
    assert tokyo_2020[["area_name", "time_name", "cat01_name", "unit"]].iloc[0].tolist() == [
        "東京都",
        "2020年度",
        "A1101_総人口",
        "人",
    ]
    assert tokyo_2020["value"].iloc[0] == 14047594.0
    assert df.attrs["estat_notes"] == {n["@char"]: n["$"] for n in raw["DATA_INF"]["NOTE"]}

    assert len(opener.urls) == 1
    url = urllib.parse.urlsplit(opener.urls[0])
    assert url.scheme == "https" and url.netloc == "api.e-stat.go.jp"
    assert url.path == "/rest/3.0/app/json/getStatsData"
    assert opener.query(0) == {"appId": APP_ID, "statsDataId": "0000010101", "cdCat01": "A1101", "lang": "J"}
    assert opener.timeouts == [30.0]


def test_raw_wire_recording_without_unit_and_single_class_objects() -> None:
    raw = load(NATIONAL_RAW)["GET_STATS_DATA"]["STATISTICAL_DATA"]
    values = raw["DATA_INF"]["VALUE"]

    df = client(Recorder(NATIONAL_RAW.read_bytes())).get_stats_data("0003146500")

    assert len(df) == len(values) == 260
    assert "unit" not in df.columns  # neither VALUE nor any CLASS carries a unit in this table
    for col in ("tab", "cat01", "cat02", "cat03", "cat04", "area", "time"):
        assert df[col].tolist() == [v[f"@{col}"] for v in values]
    assert df["value_raw"].tolist() == [v["$"] for v in values]
    assert df["value"].tolist() == [float(v["$"]) for v in values]
    # CLASS given as a single object (tab, cat03, area) still yields names.
    assert set(df["tab_name"]) == {"平均値・標準偏差"}
    assert set(df["area_name"]) == {"全国"}
    assert set(df["cat04_name"]) == {"身長（cm）", "体重（kg）"}
    assert "0.00" in df.attrs["estat_notes"]


def test_single_value_object() -> None:
    payload = load(PREFECTURES)
    data_inf = payload["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]
    first = data_inf["VALUE"][0]
    data_inf["VALUE"] = first  # one row: e-Stat serves an object, not a list

    df = client(Recorder(dump(payload))).get_stats_data("0000010101")

    assert len(df) == 1
    row = df.iloc[0]
    assert (row["area"], row["time"], row["value_raw"], row["value"]) == (
        first["@area"],
        first["@time"],
        first["$"],
        float(first["$"]),
    )
    assert row["area_name"] == "全国"


def test_special_symbols_become_nan_but_raw_is_kept() -> None:
    payload = load(PREFECTURES)
    values = payload["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"]
    symbols = {0: "-", 1: "***", 2: "X", 3: "x", 4: "－", 5: "…", 6: " ", 7: "1 234", 8: "12a"}
    for i, symbol in symbols.items():
        values[i]["$"] = symbol
    del values[9]["$"]  # a VALUE without "$" at all

    df = client(Recorder(dump(payload))).get_stats_data("0000010101")

    assert len(df) == 2400
    for i, symbol in symbols.items():
        assert df["value_raw"].iloc[i] == symbol
        assert math.isnan(df["value"].iloc[i])
    assert pd.isna(df["value_raw"].iloc[9]) and math.isnan(df["value"].iloc[9])
    assert df["value"].iloc[10:].tolist() == [float(v["$"]) for v in values[10:]]
    assert int(df["value"].isna().sum()) == len(symbols) + 1


def test_note_symbol_that_looks_numeric_is_not_a_number() -> None:
    # In 0003146500 the NOTE declares "0.00" as a symbol (計数が単位未満の場合).
    payload = load(NATIONAL_RAW)
    values = payload["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"]
    values[0]["$"] = "0.00"

    df = client(Recorder(dump(payload))).get_stats_data("0003146500")

    assert df["value_raw"].iloc[0] == "0.00" and math.isnan(df["value"].iloc[0])
    assert df["value"].iloc[1] == float(values[1]["$"])


def test_unit_falls_back_to_class_unit() -> None:
    payload = load(PREFECTURES)
    values = payload["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"]
    for v in values[:5]:
        del v["@unit"]

    df = client(Recorder(dump(payload))).get_stats_data("0000010101")

    assert df["unit"].tolist() == ["人"] * 2400  # cat01 A1101 has @unit 人 in CLASS_INF


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("14047594", 14047594.0), ("110.3", 110.3), ("-1.5", -1.5), ("1,234", 1234.0), (" 42 ", 42.0), ("1e3", 1000.0)],
)
def test_parse_number_plain_numbers(raw: str, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["-", "***", "X", "x", "－", "", ".", "+", "1,23", "12-3", None, 5])
def test_parse_number_rejects_symbols(raw: Any) -> None:
    assert math.isnan(parse_number(raw))


# ---------------------------------------------------------------------------------------------- paging


def _page_two(page1: dict[str, Any]) -> dict[str, Any]:
    """Page 2 built from a copy of the recorded page 1: other VALUE rows, FROM 11 TO 20, no NEXT_KEY."""
    page2 = copy.deepcopy(page1)
    stat = page2["GET_STATS_DATA"]["STATISTICAL_DATA"]
    stat["RESULT_INF"] = {"TOTAL_NUMBER": 20, "FROM_NUMBER": 11, "TO_NUMBER": 20}
    del stat["CLASS_INF"]  # the client asks for page 2 with metaGetFlg=N
    page2["GET_STATS_DATA"]["PARAMETER"]["START_POSITION"] = 11
    page2["GET_STATS_DATA"]["PARAMETER"]["METAGET_FLG"] = "N"
    rows = stat["DATA_INF"]["VALUE"]
    for i, row in enumerate(rows):
        row["@cat01"] = "B1102"
        row["$"] = str(200000 + i)
    return page2


def test_paging_follows_next_key() -> None:
    page1 = load(PAGED)
    stat1 = page1["GET_STATS_DATA"]["STATISTICAL_DATA"]
    assert stat1["RESULT_INF"]["NEXT_KEY"] == 11  # as recorded
    page2 = _page_two(page1)
    opener = Recorder(PAGED.read_bytes(), dump(page2))

    df = client(opener).get_stats_data("0000020202", limit=10)

    assert len(opener.urls) == 2
    q1, q2 = opener.query(0), opener.query(1)
    assert "startPosition" not in q1 and q1["limit"] == "10"
    assert q2["startPosition"] == "11"
    assert q2["limit"] == "10" and q2["statsDataId"] == "0000020202"
    assert q2["metaGetFlg"] == "N"
    assert len(df) == 20
    rows1 = stat1["DATA_INF"]["VALUE"]
    rows2 = page2["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"]
    assert df["value_raw"].tolist() == [r["$"] for r in rows1 + rows2]
    assert df["cat01"].tolist() == ["B1101"] * 10 + ["B1102"] * 10
    # Names from page 1's CLASS_INF apply to page 2 rows as well.
    assert set(df["area_name"]) == {"北海道 札幌市"}
    assert df["cat01_name"].iloc[-1] == "B1102_総面積（北方地域及び竹島を含む）"
    assert df["unit"].tolist() == ["ｈａ"] * 20


def test_paging_logs_total_mismatch(caplog: pytest.LogCaptureFixture) -> None:
    # The recorded page 1 says TOTAL_NUMBER 403227; the fake page 2 ends after 20 rows.
    page2 = _page_two(load(PAGED))
    with caplog.at_level(logging.WARNING, logger="etl.estat"):
        df = client(Recorder(PAGED.read_bytes(), dump(page2))).get_stats_data("0000020202", limit=10)
    assert len(df) == 20
    assert "TOTAL_NUMBER is 403227 but 20 values" in caplog.text


def test_paging_stops_when_next_key_does_not_advance() -> None:
    opener = Recorder(PAGED.read_bytes())  # always page 1, always NEXT_KEY 11
    with pytest.raises(EstatError, match="does not advance"):
        client(opener).get_stats_data("0000020202", limit=10)
    assert len(opener.urls) == 2


# ---------------------------------------------------------------------------------------------- retries


def test_urlerror_twice_then_success_backs_off_1_then_2_seconds() -> None:
    sleeps: list[float] = []
    opener = Recorder(
        urllib.error.URLError("temporary failure in name resolution"),
        urllib.error.URLError(TimeoutError("timed out")),
        PREFECTURES.read_bytes(),
    )

    df = client(opener, sleeps).get_stats_data("0000010101")

    assert len(df) == 2400
    assert sleeps == [1.0, 2.0]
    assert len(opener.urls) == 3


def test_socket_timeout_is_retried() -> None:
    sleeps: list[float] = []
    opener = Recorder(TimeoutError("The read operation timed out"), PREFECTURES.read_bytes())
    df = client(opener, sleeps, backoff=0.5).get_stats_data("0000010101")
    assert len(df) == 2400
    assert sleeps == [0.5]


def test_5xx_forever_gives_up_after_max_retries() -> None:
    sleeps: list[float] = []
    opener = Recorder(http_error(503, b"<html>Service Unavailable</html>"))

    with pytest.raises(EstatError) as info:
        client(opener, sleeps, max_retries=4).get_stats_data("0000010101")

    assert len(opener.urls) == 5  # 1 try + 4 retries
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert info.value.http_status == 503
    assert "HTTP 503" in str(info.value) and "5 attempt" in str(info.value)
    assert APP_ID not in str(info.value)


def test_5xx_then_success() -> None:
    sleeps: list[float] = []
    opener = Recorder(http_error(502), PREFECTURES.read_bytes())
    assert len(client(opener, sleeps).get_stats_data("0000010101")) == 2400
    assert sleeps == [1.0]


def test_4xx_is_not_retried() -> None:
    sleeps: list[float] = []
    opener = Recorder(http_error(404, b"Not Found"))

    with pytest.raises(EstatError) as info:
        client(opener, sleeps).get_stats_data("0000010101")

    assert len(opener.urls) == 1
    assert sleeps == []
    assert info.value.http_status == 404
    assert "HTTP 404" in str(info.value)


def test_403_with_status_body_reports_api_message() -> None:
    # e-Stat's firewall can answer a bad appId with HTTP 403 and a normal body carrying STATUS 100.
    # The body is the recording with its RESULT replaced (no real error response was recorded).
    payload = load(PREFECTURES)
    message = "認証に失敗しました。アプリケーションIDを確認して下さい。"
    payload["GET_STATS_DATA"]["RESULT"] = {"STATUS": 100, "ERROR_MSG": message, "DATE": "2025-08-31T15:06:14.658+09:00"}
    del payload["GET_STATS_DATA"]["STATISTICAL_DATA"]
    sleeps: list[float] = []
    opener = Recorder(http_error(403, dump(payload)))

    with pytest.raises(EstatError) as info:
        client(opener, sleeps).get_stats_data("0000010101")

    assert len(opener.urls) == 1 and sleeps == []
    assert info.value.status == 100 and info.value.http_status == 403
    assert message in str(info.value)
    assert APP_ID not in str(info.value)


# ---------------------------------------------------------------------------------------------- API STATUS


def _with_result(path: Path, root: str, status: int, message: str, drop: str) -> bytes:
    payload = load(path)
    payload[root]["RESULT"] = {"STATUS": status, "ERROR_MSG": message, "DATE": "2025-08-31T15:06:14.658+09:00"}
    payload[root].pop(drop, None)
    return dump(payload)


def test_status_error_raises_with_api_message() -> None:
    message = "パラメータ「statsDataId」の指定に誤りがあります。"
    opener = Recorder(_with_result(PREFECTURES, "GET_STATS_DATA", 100, message, "STATISTICAL_DATA"))
    sleeps: list[float] = []

    with pytest.raises(EstatError) as info:
        client(opener, sleeps).get_stats_data("9999999999")

    assert info.value.status == 100
    assert "STATUS 100" in str(info.value) and message in str(info.value)
    assert APP_ID not in str(info.value) and "appId=***" in str(info.value)
    assert len(opener.urls) == 1 and sleeps == []


def test_status_1_no_data_gives_empty_frame() -> None:
    message = "正常に終了しましたが、該当データはありませんでした。"
    opener = Recorder(_with_result(PREFECTURES, "GET_STATS_DATA", 1, message, "STATISTICAL_DATA"))

    df = client(opener).get_stats_data("0000010101", cdArea="99000")

    assert df.empty
    assert list(df.columns) == ["value_raw", "value"]
    assert df["value"].dtype == "float64"


def test_status_1_is_an_error_for_meta_info() -> None:
    opener = Recorder(_with_result(META, "GET_META_INFO", 1, "該当データなし", "METADATA_INF"))
    with pytest.raises(EstatError) as info:
        client(opener).get_meta_info("0000010101")
    assert info.value.status == 1


def test_non_json_body_is_an_error() -> None:
    # The XML recording served where JSON is expected (e.g. a wrong base_url).
    with pytest.raises(EstatError, match="not JSON"):
        client(Recorder(META_XML.read_bytes())).get_meta_info("0003109741")


# ---------------------------------------------------------------------------------------------- thin endpoints


def test_get_meta_info_returns_recorded_object() -> None:
    opener = Recorder(META.read_bytes())

    meta = client(opener).get_meta_info("0000010101")

    assert meta == load(META)["GET_META_INFO"]
    assert urllib.parse.urlsplit(opener.urls[0]).path.endswith("/json/getMetaInfo")
    assert opener.query(0) == {"appId": APP_ID, "statsDataId": "0000010101"}


def test_get_stats_list_returns_recorded_object() -> None:
    opener = Recorder(STATS_LIST.read_bytes())

    result = client(opener).get_stats_list(
        statsCode="00200521", surveyYears=2015, searchWord="人口等基本集計", limit=10
    )

    assert result == load(STATS_LIST)["GET_STATS_LIST"]
    assert result["DATALIST_INF"]["RESULT_INF"]["NEXT_KEY"] == 11
    assert opener.query(0) == {
        "appId": APP_ID,
        "statsCode": "00200521",
        "surveyYears": "2015",
        "searchWord": "人口等基本集計",
        "limit": "10",
    }


def test_list_parameters_are_joined_with_commas_and_none_dropped() -> None:
    opener = Recorder(PREFECTURES.read_bytes())
    client(opener).get_stats_data("0000010101", cdArea=["01000", "13000"], cdTime=None)
    assert "cdArea=01000,13000" in opener.urls[0]
    assert "cdTime" not in opener.query(0)


# ---------------------------------------------------------------------------------------------- appId


def test_missing_app_id_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESTAT_APP_ID", raising=False)
    with pytest.raises(EstatError, match="ESTAT_APP_ID"):
        EstatClient(opener=Recorder(b""))
    with pytest.raises(EstatError, match="appId"):
        EstatClient("  ", opener=Recorder(b""))


def test_app_id_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESTAT_APP_ID", APP_ID)
    opener = Recorder(META.read_bytes())
    EstatClient(opener=opener, sleep=lambda _s: None).get_meta_info("0000010101")
    assert opener.query(0)["appId"] == APP_ID


def test_app_id_is_masked_in_errors_logs_and_repr(caplog: pytest.LogCaptureFixture) -> None:
    # An opener whose exception text leaks the full URL (appId included) must not leak it further.
    def leaky(url: str, timeout: float) -> bytes:
        raise urllib.error.URLError(f"connection refused for {url}")

    sleeps: list[float] = []
    c = EstatClient(APP_ID, opener=leaky, sleep=sleeps.append, max_retries=2)
    with caplog.at_level(logging.DEBUG, logger="etl.estat"), pytest.raises(EstatError) as info:
        c.get_stats_data("0000010101")

    assert sleeps == [1.0, 2.0]
    text = str(info.value)
    assert APP_ID not in text and "appId=***" in text
    assert info.value.url is not None and APP_ID not in info.value.url
    assert info.value.__cause__ is None and info.value.__context__ is None  # the leaky exception is not chained
    assert caplog.records and all(APP_ID not in r.getMessage() for r in caplog.records)
    assert APP_ID not in repr(c)


def test_app_id_cannot_be_passed_as_parameter() -> None:
    with pytest.raises(ValueError, match="appId"):
        client(Recorder(b"")).get_stats_list(appId="other")
