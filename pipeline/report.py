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

from pipeline.aggregate import REPORT_QUERIES
from pipeline.store import Engine

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
RED_NET = 0.0          # a cell is red when net sentiment is below this …
RED_NEGATIVE_SHARE = 0.3  # … or its share of negative mentions reaches this …
MIN_MENTIONS = 10      # … and it has at least this many mentions (smaller cells are greyed, with their n)
MONTH_AXIS = {"tickformat": "%Y-%m", "dtick": "M1"}  # one tick per month, even for a single period


def wilson(negatives: int, mentions: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a share of `negatives` in `mentions`."""
    if mentions <= 0:
        return 0.0, 1.0
    p = negatives / mentions
    centre = (p + z * z / (2 * mentions)) / (1 + z * z / mentions)
    half = z * ((p * (1 - p) / mentions + z * z / (4 * mentions * mentions)) ** 0.5) / (1 + z * z / mentions)
    return max(0.0, centre - half), min(1.0, centre + half)


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


def gather(store: Engine, filters: Filters) -> dict[str, pd.DataFrame]:
    """The report's data (aggregate.REPORT_QUERIES) for the filters' scope."""
    where, params = filters.where()
    return {name: store.query(sql.format(where=where), params) for name, sql in REPORT_QUERIES.items()}


def _anchor(channel: str, touchpoint: str, dimension: str) -> str:
    return "ev-" + re.sub(r"[^0-9A-Za-z_-]", "", f"{channel}-{dimension}-{abs(hash(touchpoint)) % 10**8}")


def figures(data: dict[str, pd.DataFrame], min_mentions: int = MIN_MENTIONS) -> dict[str, go.Figure | None]:
    cells = data["cells"]
    out: dict[str, go.Figure | None] = {}
    order = cells.groupby("channel")["mentions"].sum().sort_values(ascending=False).index
    for channel in order:  # one panel per channel, the busiest first: calls do not share reviews' scale
        group = cells[cells["channel"] == channel]
        net = group.pivot_table(index="touchpoint", columns="dimension_zh", values="net_sentiment")
        mentions = group.pivot_table(index="touchpoint", columns="dimension_zh", values="mentions").reindex_like(net)
        anchors = group.assign(a=[_anchor(c, t, d) for c, t, d in zip(group.channel, group.touchpoint, group.dimension)]) \
            .pivot_table(index="touchpoint", columns="dimension_zh", values="a", aggfunc="first").reindex_like(net)
        big = mentions >= min_mentions
        small = mentions.notna() & ~big
        label = lambda keep, fmt: [[fmt(v, m) if k else "" for v, m, k in zip(r1, r2, r3)]  # noqa: E731
                                   for r1, r2, r3 in zip(net.values, mentions.values, keep.values)]
        common = {"x": list(net.columns), "y": list(net.index), "customdata": anchors.values, "texttemplate": "%{text}",
                  "hoverongaps": False}
        fig = go.Figure([
            go.Heatmap(z=small.where(small).astype(float).values * 0, zmin=0, zmax=1, showscale=False,  # grey, with n
                       colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]], text=label(small, lambda v, m: f"n={int(m)}"),
                       hovertemplate="%{y}<br>%{x}<br>%{text} (too few to colour)<extra></extra>", **common),
            go.Heatmap(z=net.where(big).values, zmin=-1, zmax=1, colorscale="RdYlGn", colorbar={"title": "净情感"},
                       text=label(big, lambda v, m: f"{v:+.2f}<br>n={int(m)}"),
                       hovertemplate="%{y}<br>%{x}<br>net %{z:.2f}<extra></extra>", **common)])
        out[f"heatmap-{channel}"] = _layout(fig, f"{channel}: 触点 × 维度 净情感 (net sentiment; grey: fewer than "
                                                 f"{min_mentions} mentions; click a cell for its evidence)",
                                            height=max(300, 40 * len(net) + 160))
    trend = data["trend"]
    if len(trend):
        fig = go.Figure()
        for dim, group in trend.groupby("dimension_zh"):
            fig.add_trace(go.Scatter(x=group["month"], y=group["net_sentiment"], mode="lines+markers", name=dim))
        out["trend"] = _layout(fig.update_yaxes(range=[-1, 1]).update_xaxes(**MONTH_AXIS),
                               "各维度月度净情感趋势 (monthly net sentiment)")
    volume = data["volume"]
    if len(volume):
        fig = go.Figure([go.Bar(x=g["month"], y=g["items"], name=ch) for ch, g in volume.groupby("channel")])
        out["volume"] = _layout(fig.update_layout(barmode="stack").update_xaxes(**MONTH_AXIS),
                                "各渠道反馈量 (coded items by channel)")
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


def red_cells(cells: pd.DataFrame, min_mentions: int = MIN_MENTIONS) -> pd.DataFrame:
    """Cells with enough mentions whose net sentiment is negative or whose negative share is high."""
    red = cells[(cells["mentions"] >= min_mentions)
                & ((cells["net_sentiment"] < RED_NET) | (cells["negative_share"] >= RED_NEGATIVE_SHARE))]
    return red.sort_values(["net_sentiment", "mentions"], ascending=[True, False])


def worst_cells(cells: pd.DataFrame, skip: pd.DataFrame) -> pd.DataFrame:
    """Per channel × touchpoint, the cell with the highest negative share (any size, at least one
    negative mention) that is not among `skip`: every touchpoint gets its evidence, red or not."""
    keys = set(zip(skip.channel, skip.touchpoint, skip.dimension))
    covered = {(c, t) for c, t, _ in keys}
    uncovered = pd.Series([k not in covered for k in zip(cells.channel, cells.touchpoint)], index=cells.index, dtype=bool)
    rest = cells[(cells["negative"] > 0) & uncovered]
    ranked = rest.sort_values(["negative_share", "mentions"], ascending=[False, False])
    return ranked.drop_duplicates(["channel", "touchpoint"]).sort_values(["channel", "touchpoint"])


def render(data: dict[str, pd.DataFrame], figs: dict[str, go.Figure | None], title: str, scope: str,
           min_mentions: int = MIN_MENTIONS) -> str:
    parts, first = [], True
    heatmaps = [(key, f"Where · {key.removeprefix('heatmap-')}") for key in figs if key.startswith("heatmap-")]
    for key, heading in (*(heatmaps or [("heatmap", "Where")]), ("trend", "Trend"), ("volume", "Volume"),
                         ("nps", "NPS / rating"), ("drivers", "Drivers")):
        fig = figs.get(key)
        if fig is None:
            parts.append(f'<section id="{key}-section"><h2>{heading}</h2><p class="empty">No data for this chart in '
                         f'the selected scope{" (no items carry a rating)" if key in ("nps", "drivers") else ""}.</p></section>')
            continue
        chart = fig.to_html(full_html=False, include_plotlyjs=first, div_id=key, config={"displaylogo": False, "responsive": True})
        first = False
        parts.append(f'<section id="{key}-section"><h2>{heading}</h2>{chart}</section>')
    evidence = data["evidence"]

    def cell_block(cell: Any) -> str:
        rows = evidence[(evidence.channel == cell.channel) & (evidence.touchpoint == cell.touchpoint)
                        & (evidence.dimension == cell.dimension)].drop_duplicates("evidence").head(3)
        quotes = "".join(f"<li>“{html.escape(r.evidence)}” <span class=meta>{html.escape(str(r.sub_dimension_zh or ''))}"
                         f" · {r.score:+.2f} · {str(r.occurred_at)[:10]}</span></li>" for r in rows.itertuples())
        low, high = wilson(int(cell.negative), int(cell.mentions))
        return (f'<div class="cell" id="{_anchor(cell.channel, cell.touchpoint, cell.dimension)}"><h3>'
                f'{html.escape(cell.channel)} · {html.escape(cell.touchpoint)} · {html.escape(cell.dimension_zh or cell.dimension)}'
                f' <span class=meta>net {cell.net_sentiment:+.2f}, {cell.negative_share:.0%} negative '
                f'(95% CI {low:.0%}–{high:.0%}), {cell.mentions} mentions</span></h3><ol>{quotes}</ol></div>')

    red = red_cells(data["cells"], min_mentions)
    parts.append(f'<section id="evidence"><h2>Why: top negative evidence for every red cell</h2><p class=meta>Red: at '
                 f'least {min_mentions} mentions and net sentiment below {RED_NET:+.0f} or at least '
                 f'{RED_NEGATIVE_SHARE:.0%} negative.</p>'
                 + ("".join(cell_block(c) for c in red.itertuples()) or "<p class=empty>No red cells.</p>") + "</section>")
    worst = worst_cells(data["cells"], red)
    parts.append('<section id="worst"><h2>Each touchpoint\'s weakest cell (not red, still worth a look)</h2>'
                 + ("".join(cell_block(c).replace('class="cell"', 'class="cell watch"') for c in worst.itertuples())
                    or "<p class=empty>No other negative mentions.</p>") + "</section>")
    parts.append(cases_section(data["cases"]))
    totals = ", ".join(f"{r.channel}: {r.items}" for r in data["totals"].itertuples())
    script = """<script>
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('div[id^="heatmap-"]').forEach(function (heat) {
    if (heat.on) heat.on('plotly_click', function (e) {
      var target = document.getElementById(e.points[0].customdata);
      if (target) { target.scrollIntoView({behavior: 'smooth'}); target.classList.add('flash'); }
    });
  });
});
</script>"""
    style = f"""<style>
body {{ font-family: {FONT}; margin: 24px auto; max-width: 1200px; color: #222; }}
h1 {{ margin-bottom: 0; }} .scope, .meta {{ color: #666; font-size: 0.9em; }} .empty {{ color: #888; }}
section {{ margin: 28px 0; }} .cell {{ border-left: 4px solid #d73027; padding: 4px 12px; margin: 12px 0; }}
table.cases {{ border-collapse: collapse; }} table.cases td, table.cases th {{ padding: 3px 10px; text-align: right; }}
table.cases td:nth-child(-n+3), table.cases th:nth-child(-n+3) {{ text-align: left; }}
.cell.flash {{ background: #fff3e0; }} .cell.watch {{ border-left-color: #fdae61; }} li {{ margin: 4px 0; }}
</style>"""
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>{style}</head>"
            f"<body><h1>{html.escape(title)}</h1><p class=scope>Scope: {html.escape(scope)} · coded items {html.escape(totals)}</p>"
            + "".join(parts) + script + "</body></html>")


def cases_section(cases: pd.DataFrame) -> str:
    """Cases per touchpoint: how many are open, how old the open ones are, how long closing took."""
    head = ('<section id="cases"><h2>Cases: who has to act, and how fast they do</h2><p class=meta>Items the case '
            'rules (data/cases.yaml) opened a case for; ages in days, time to close in hours (`voc cases`).</p>')
    if cases.empty:
        return head + "<p class=empty>No cases in the selected scope.</p></section>"
    fmt = lambda v, spec: "–" if pd.isna(v) else format(v, spec)  # noqa: E731
    rows = "".join(
        f"<tr><td>{html.escape(r.channel)}</td><td>{html.escape(str(r.touchpoint))}</td><td>{html.escape(str(r.owner))}</td>"
        f"<td>{int(r.cases)}</td><td>{int(r.open)}</td><td>{int(r.acknowledged)}</td><td>{int(r.closed)}</td>"
        f"<td>{fmt(r.mean_open_age_days, '.1f')}</td><td>{fmt(r.oldest_open_days, '.1f')}</td>"
        f"<td>{fmt(r.median_hours_to_close, '.1f')}</td></tr>" for r in cases.itertuples())
    return (head + "<table class=cases><tr><th>channel</th><th>touchpoint</th><th>owner</th><th>cases</th><th>open</th>"
            "<th>acknowledged</th><th>closed</th><th>mean age of open (d)</th><th>oldest open (d)</th>"
            f"<th>median time to close (h)</th></tr>{rows}</table></section>")


def build_report(store: Engine, out: Path, filters: Filters = Filters(), title: str = "客户之声 · Voice of the Customer",
                 min_mentions: int = MIN_MENTIONS) -> Path:
    data = gather(store, filters)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data, figures(data, min_mentions), title, filters.describe(), min_mentions), encoding="utf-8")
    return out
