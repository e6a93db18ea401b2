"""/region/<region_code> — one prefecture across every indicator versus the nation and its peers."""

from __future__ import annotations

import dash

from kpidash import params
from kpidash.views import controls

dash.register_page(
    __name__,
    path_template="/region/<region_code>",
    title="地域のプロフィール | 地域未来 KPI ダッシュボード",
    name="地域",
)


def layout(region_code="13", theme=None, lang="ja", **_):  # type: ignore[no-untyped-def]
    return controls.region_layout(str(region_code), theme, params.norm_lang(lang))
