"""KPI charts: the path to 2029 (observed from the base year, required path, projection with its interval, and the
pre-strategy values as context), and KPI 1's two ESRI releases on one chart with the break marked."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from kpidash.figures.style import OKABE_ITO, figure_layout


def _xy(points: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    return [p["period"] for p in points], [p["value"] for p in points]


def _unit(k: dict[str, Any], lang: str) -> str:
    return str(k["unit"] if lang == "ja" else k.get("unit_en") or k["unit"])


def kpi_path(k: dict[str, Any], lang: str = "ja") -> go.Figure:
    """Observed series from the base year, the required path, the projection (90 % interval) and the target; the
    values up to the base year (and their trend, for level KPIs) dotted and labelled as context."""
    ja = lang == "ja"
    fig = go.Figure()
    ctx = k.get("context")
    if ctx and ctx["series"]:
        x, y = _xy(ctx["series"])
        name = "基準年までの推移（参考）" if ja else "Up to the base year (context)"
        if k.get("proxy"):
            name += "【代理指標】" if ja else " [proxy]"
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines+markers", line={"color": "#777", "dash": "dot"}))
        if ctx.get("trend_path") and ctx.get("projection"):
            x, y = _xy(ctx["trend_path"])
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    name="基準年までのトレンドの延長（参考）" if ja else "Pre-base trend extended (context)",
                    mode="lines",
                    line={"color": "#bbb", "dash": "dash"},
                )
            )
            p = ctx["projection"]
            fig.add_trace(
                go.Scatter(
                    x=[p["period"]] * 2,
                    y=[p["low"], p["high"]],
                    name="その90%予測区間（参考）" if ja else "Its 90% interval (context)",
                    mode="lines+markers",
                    line={"color": "#bbb", "width": 6},
                )
            )
    if k["series"]:
        x, y = _xy(k["series"])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name="基準年以降の実績" if ja else "Observed since the base",
                line={"color": "#0072B2", "width": 3},
            )
        )
    if k.get("required_path"):
        x, y = _xy(k["required_path"])
        fig.add_trace(
            go.Scatter(x=x, y=y, name="必要な経路" if ja else "Required path", line={"color": "#555", "dash": "dash"})
        )
    proj = k.get("projection")
    if proj and k.get("trend_path"):
        x, y = _xy(k["trend_path"])
        fig.add_trace(
            go.Scatter(
                x=x, y=y, name="予測（トレンド）" if ja else "Projection", line={"color": "#E69F00", "dash": "dash"}
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[proj["period"]] * 2,
                y=[proj["low"], proj["high"]],
                name="90%予測区間" if ja else "90% prediction interval",
                mode="lines+markers",
                line={"color": "#E69F00", "width": 6},
                opacity=0.6,
            )
        )
    t = k["target"]
    if t["value"] is not None:
        fig.add_trace(
            go.Scatter(
                x=[t["year"]],
                y=[t["value"]],
                mode="markers",
                name="目標" if ja else "Target",
                marker={"symbol": "star", "size": 16, "color": "#009E73"},
            )
        )
    base = k["base_year"]
    fig.add_vline(
        x=base,
        line={"color": "#009E73", "dash": "dot"},
        annotation_text=(
            (f"基準年 {base}" if ja else f"Base year {base}")
            if k.get("local")  # an own KPI's base is the user's, not the strategy's
            else (f"基準年 {base}（総合戦略）" if ja else f"Base year {base} (strategy)")
        ),
        annotation_position="top left",
    )
    fig.update_yaxes(title={"text": _unit(k, lang)})
    fig.update_xaxes(dtick=2, range=[None, t["year"] + 0.5])
    title = k["name_ja"] if ja else k["name_en"]
    return figure_layout(fig, title, height=460, legend={"orientation": "h", "y": -0.2})


def kpi_releases(k: dict[str, Any], growth: dict[str, Any] | None, lang: str = "ja") -> go.Figure:
    """The growth gap of each variant (ESRI release) since its context base year, with the release break and the
    strategy's base year marked; the chosen base year's gap path when one is computed."""
    ja = lang == "ja"
    fig = go.Figure()
    last_h30 = None
    for i, v in enumerate(k.get("variants") or []):
        x, y = _xy(v["context_series"] or [])
        label = v["label_ja"] if ja else v["label_en"]
        if v["proxy"]:
            label += "【代理指標：分母は15～64歳人口】" if ja else " [proxy: denominator = residents aged 15–64]"
        base = v.get("context_base")
        label += f"（{base}年度比）" if ja else f" (vs FY{base})"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=label,
                mode="lines+markers",
                line={"color": OKABE_ITO[i % 8], "dash": "dot" if v["proxy"] else "solid"},
            )
        )
        if not v["proxy"]:
            last_h30 = v["last_period"]
    if growth:
        x, y = _xy(growth["series"])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=(
                    f"選んだ基準年度 {growth['base_year']} からの差"
                    if ja
                    else f"Gap from the chosen FY{growth['base_year']}"
                ),
                line={"color": "#D55E00", "width": 3},
            )
        )
    if last_h30 is not None:
        fig.add_vline(
            x=last_h30 + 0.5,
            line={"color": "#444", "dash": "dash"},
            annotation_text=(
                "系列の断層：就業者数のある旧系列はここまで"
                if ja
                else "Break: the release with persons employed ends here"
            ),
            annotation_position="top right",
        )
    fig.add_vline(
        x=k["base_year"],
        line={"color": "#009E73", "dash": "dot"},
        annotation_text=(f"基準年度 {k['base_year']}" if ja else f"Base FY{k['base_year']}"),
        annotation_position="bottom left",
    )
    fig.add_hline(y=0, line={"color": "#999"})
    fig.update_yaxes(title={"text": "ポイント" if ja else "points"})
    fig.update_xaxes(dtick=2)
    title = (
        "公表系列別：東京圏以外－東京圏の伸び率の差（参考）"
        if ja
        else "By release: growth outside minus inside the Tokyo area (context)"
    )
    return figure_layout(fig, title, height=460, legend={"orientation": "h", "y": -0.25})
