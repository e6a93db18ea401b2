"""A user clicks a download link on /compare and gets the numbers on screen with their source."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import open_readonly

pytestmark = pytest.mark.browser


def test_csv_download_from_compare(page, live_url, warehouse_path):
    page.goto(live_url + "/compare?indicator=gdp_nominal&period=2020&view=bar")
    page.wait_for_selector(".js-plotly-plot", timeout=20000)
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM so that Excel opens Japanese text
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"region_code": str})
    assert set(df["period"]) == {2020}
    con = open_readonly(warehouse_path)
    expected = dict(
        con.execute(
            "SELECT region_code, value FROM marts.observations WHERE indicator_id = 'gdp_nominal' AND period = 2020"
        ).fetchall()
    )
    con.close()
    got = dict(zip(df["region_code"], df["value"], strict=True))
    assert got == pytest.approx(expected)
    assert {"00", "TKY", "NTK", "13"} <= set(got)
    assert (df["source_id"] == "esri2022_soukatu1").all()
