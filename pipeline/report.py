"""`voc report`: one self-contained HTML file for a manager (Plotly, its JavaScript embedded: no CDN).

Sections: a touchpoint × dimension heatmap of net sentiment, monthly trend per dimension, volume by
channel, NPS / rating by touchpoint, drivers (penalty and reward), and for every red cell the top
negative evidence clauses (redacted text) — a click on a heatmap cell jumps to them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from pipeline.aggregate import MEASURES, NPS
from pipeline.store import Store

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
RED_NET = 0.0          # a cell is red when net sentiment is below this …
RED_NEGATIVE_SHARE = 0.3  # … or its share of negative mentions reaches this


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None          # inclusive
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def where(self, date_column: str = "occurred_at") -> tuple[str, list[Any]]:
        clauses, params = ["1 = 1"], []
        if self.since:
            clauses.append(f"{date_column} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{date_column} < ?")
            params.append(self.until + timedelta(days=1))
        for column, values in (("touchpoint", self.touchpoints), ("channel", self.channels)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return " AND ".join(clauses), params

    def describe(self) -> str:
        parts = []
        if self.since or self.until:
            parts.append(f"{self.since or '…'} – {self.until or '…'}")
        if self.touchpoints:
            parts.append("touchpoints: " + ", ".join(self.touchpoints))
        if self.channels:
            parts.append("channels: " + ", ".join(self.channels))
        return "; ".join(parts) or "all data"


def parse_period(period: str | None) -> tuple[date | None, date | None]:
    """`2026-10` (a month), `2026-10-05` (a day), or `START..END` (either side may be empty)."""
    if not period:
        return None, None
    if ".." in period:
        start, end = period.split("..", 1)
        return (date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
    if re.fullmatch(r"\d{4}-\d{2}", period):
        first = date.fromisoformat(period + "-01")
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    day = date.fromisoformat(period)
    return day, day


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title=title, font={"family": FONT}, height=height, margin={"l": 140, "r": 30, "t": 60, "b": 60},
                      paper_bgcolor="white", plot_bgcolor="white")
    return fig


def gather(store: Store, filters: Filters) -> dict[str, pd.DataFrame]:
    where, params = filters.where()
    q = lambda sql: store.query(sql.format(where=where), params)  # noqa: E731
    return {
        "cells": q(f"""SELECT channel, touchpoint, dimension, {MEASURES}
                       FROM v_codes WHERE {{where}} GROUP BY channel, touchpoint, dimension"""),
        "trend": q(f"""SELECT CAST(date_trunc('month', occurred_at) AS DATE) AS month, dimension, {MEASURES}
                       FROM v_codes WHERE {{where}} GROUP BY 1, dimension ORDER BY 1"""),
        "volume": q("""SELECT CAST(date_trunc('month', occurred_at) AS DATE) AS month, channel, count(*) AS items
                       FROM v_items WHERE {where} GROUP BY 1, 2 ORDER BY 1"""),
        "nps": q(f"""SELECT touchpoint, count(*) AS rated, avg(rating_pct) AS mean_rating_pct, {NPS} AS nps
                     FROM v_item_ratings WHERE {{where}} GROUP BY 1 ORDER BY nps"""),
        "drivers": store.query("SELECT dimension_zh, penalty, reward, rated_items FROM v_drivers ORDER BY penalty DESC NULLS LAST"),
        "evidence": q("""SELECT channel, touchpoint, dimension, dimension_zh, sub_dimension_zh, evidence, score, occurred_at
                         FROM (SELECT *, row_number() OVER (PARTITION BY channel, touchpoint, dimension
                                                            ORDER BY score, confidence DESC, code_id) AS rank
                               FROM v_codes WHERE sentiment = 'negative' AND {where}) ranked
                         WHERE rank <= 8"""),
        "totals": q("""SELECT channel, count(*) AS items FROM v_items WHERE {where} GROUP BY 1 ORDER BY 1"""),
    }


def _anchor(channel: str, touchpoint: str, dimension: str) -> str:
    return "ev-" + re.sub(r"[^0-9A-Za-z_-]", "", f"{channel}-{dimension}-{abs(hash(touchpoint)) % 10**8}")


def figures(data: dict[str, pd.DataFrame]) -> dict[str, go.Figure | None]:
    cells = data["cells"]
    out: dict[str, go.Figure | None] = {}
    if len(cells):
        cells = cells.assign(row=cells["channel"] + " · " + cells["touchpoint"])
        net = cells.pivot_table(index="row", columns="dimension_zh", values="net_sentiment")
        mentions = cells.pivot_table(index="row", columns="dimension_zh", values="mentions").reindex_like(net)
        anchors = cells.assign(a=[_anchor(c, t, d) for c, t, d in zip(cells.channel, cells.touchpoint, cells.dimension)]) \
            .pivot_table(index="row", columns="dimension_zh", values="a", aggfunc="first").reindex_like(net)
        text = [[("" if pd.isna(v) else f"{v:+.2f}<br>n={int(m)}") for v, m in zip(r1, r2)]
                for r1, r2 in zip(net.values, mentions.fillna(0).values)]
        out["heatmap"] = _layout(go.Figure(go.Heatmap(
            z=net.values, x=list(net.columns), y=list(net.index), zmin=-1, zmax=1, colorscale="RdYlGn",
            text=text, texttemplate="%{text}", customdata=anchors.values, colorbar={"title": "净情感"},
            hovertemplate="%{y}<br>%{x}<br>net %{z:.2f}<extra></extra>")),
            "触点 × 维度 净情感 (net sentiment; click a cell for its evidence)", height=max(360, 40 * len(net) + 160))
    trend = data["trend"]
    if len(trend):
        fig = go.Figure()
        for dim, group in trend.groupby("dimension_zh"):
            fig.add_trace(go.Scatter(x=group["month"], y=group["net_sentiment"], mode="lines+markers", name=dim))
        out["trend"] = _layout(fig.update_yaxes(range=[-1, 1]), "各维度月度净情感趋势 (monthly net sentiment)")
    volume = data["volume"]
    if len(volume):
        fig = go.Figure([go.Bar(x=g["month"], y=g["items"], name=ch) for ch, g in volume.groupby("channel")])
        out["volume"] = _layout(fig.update_layout(barmode="stack"), "各渠道反馈量 (coded items by channel)")
    nps = data["nps"]
    out["nps"] = _layout(go.Figure(go.Bar(x=nps["nps"], y=nps["touchpoint"], orientation="h",
                                          text=[f"NPS {v:.0f} (n={n})" for v, n in zip(nps["nps"], nps["rated"])])),
                         "各触点 NPS (ratings)") if len(nps) else None
    drivers = data["drivers"].dropna(subset=["penalty", "reward"], how="all")
    out["drivers"] = _layout(go.Figure([
        go.Bar(y=drivers["dimension_zh"], x=-drivers["penalty"], orientation="h", name="penalty (负面提及的评分损失)",
               marker_color="#d73027"),
        go.Bar(y=drivers["dimension_zh"], x=drivers["reward"], orientation="h", name="reward (正面提及的评分增益)",
               marker_color="#1a9850")]).update_layout(barmode="relative"),
        "驱动因素: rating points (% of scale) lost to negative / gained by positive mentions") if len(drivers) else None
    return out


def red_cells(cells: pd.DataFrame) -> pd.DataFrame:
    red = cells[(cells["net_sentiment"] < RED_NET) | (cells["negative_share"] >= RED_NEGATIVE_SHARE)]
    return red.sort_values(["net_sentiment", "mentions"], ascending=[True, False])


def render(data: dict[str, pd.DataFrame], figs: dict[str, go.Figure | None], title: str, scope: str) -> str:
    parts, first = [], True
    for key, heading in (("heatmap", "Where"), ("trend", "Trend"), ("volume", "Volume"), ("nps", "NPS / rating"),
                         ("drivers", "Drivers")):
        fig = figs.get(key)
        if fig is None:
            parts.append(f'<section id="{key}-section"><h2>{heading}</h2><p class="empty">No data for this chart in '
                         f'the selected scope{" (no items carry a rating)" if key in ("nps", "drivers") else ""}.</p></section>')
            continue
        chart = fig.to_html(full_html=False, include_plotlyjs=first, div_id=key, config={"displaylogo": False, "responsive": True})
        first = False
        parts.append(f'<section id="{key}-section"><h2>{heading}</h2>{chart}</section>')
    evidence = data["evidence"]
    items = []
    for cell in red_cells(data["cells"]).itertuples():
        rows = evidence[(evidence.channel == cell.channel) & (evidence.touchpoint == cell.touchpoint)
                        & (evidence.dimension == cell.dimension)].drop_duplicates("evidence").head(3)
        quotes = "".join(f"<li>“{html.escape(r.evidence)}” <span class=meta>{html.escape(str(r.sub_dimension_zh or ''))}"
                         f" · {r.score:+.2f} · {str(r.occurred_at)[:10]}</span></li>" for r in rows.itertuples())
        items.append(f'<div class="cell" id="{_anchor(cell.channel, cell.touchpoint, cell.dimension)}"><h3>'
                     f'{html.escape(cell.channel)} · {html.escape(cell.touchpoint)} · {html.escape(cell.dimension_zh or cell.dimension)}'
                     f' <span class=meta>net {cell.net_sentiment:+.2f}, {cell.negative_share:.0%} negative, {cell.mentions} mentions</span>'
                     f'</h3><ol>{quotes}</ol></div>')
    parts.append('<section id="evidence"><h2>Why: top negative evidence for every red cell</h2>'
                 + ("".join(items) or "<p class=empty>No red cells.</p>") + "</section>")
    totals = ", ".join(f"{r.channel}: {r.items}" for r in data["totals"].itertuples())
    script = """<script>
document.addEventListener('DOMContentLoaded', function () {
  var heat = document.getElementById('heatmap');
  if (heat && heat.on) heat.on('plotly_click', function (e) {
    var target = document.getElementById(e.points[0].customdata);
    if (target) { target.scrollIntoView({behavior: 'smooth'}); target.classList.add('flash'); }
  });
});
</script>"""
    style = f"""<style>
body {{ font-family: {FONT}; margin: 24px auto; max-width: 1200px; color: #222; }}
h1 {{ margin-bottom: 0; }} .scope, .meta {{ color: #666; font-size: 0.9em; }} .empty {{ color: #888; }}
section {{ margin: 28px 0; }} .cell {{ border-left: 4px solid #d73027; padding: 4px 12px; margin: 12px 0; }}
.cell.flash {{ background: #fff3e0; }} li {{ margin: 4px 0; }}
</style>"""
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>{style}</head>"
            f"<body><h1>{html.escape(title)}</h1><p class=scope>Scope: {html.escape(scope)} · coded items {html.escape(totals)}</p>"
            + "".join(parts) + script + "</body></html>")


def build_report(store: Store, out: Path, filters: Filters = Filters(), title: str = "客户之声 · Voice of the Customer") -> Path:
    data = gather(store, filters)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data, figures(data), title, filters.describe()), encoding="utf-8")
    return out
