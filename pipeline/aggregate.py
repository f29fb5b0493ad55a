"""Aggregate views over the coded tables (portable SQL: DuckDB and PostgreSQL).

Mentions are coded clause × dimension rows; net sentiment = (positive − negative) / mentions;
negative share = negative / mentions; mention rate = items mentioning the dimension per 100 coded
items of the same touchpoint (and period). NPS: on a 0–10 scale promoters are 9–10 and detractors
0–6; on a 5-star scale promoters are 5★ and detractors 1–3★. Drivers show penalty and reward
apart (must-be dimensions punish, delighters reward): the mean rating, as % of its scale, of rated
items that mention a dimension negatively / positively against items that do not mention it.
"""

from __future__ import annotations

GRAINS = ("day", "week", "month")

def occurred(alias: str = "i") -> str:
    """SQL for when an item happened: its own time on the source's wall clock (created_at, in UTC, plus
    the source's offset), else when it was ingested; `alias` is the items table's alias ("" for none)."""
    p = f"{alias}." if alias else ""
    return f"COALESCE({p}created_at + COALESCE({p}created_offset_min, 0) * INTERVAL '1 minute', {p}ingested_at)"


#: How evidence clauses of a cell are ranked, strongest first (v_top_evidence and the report).
EVIDENCE_ORDER = "abs(score) * confidence DESC, occurred_at DESC, code_id"

#: |clause score| from which a clause counts as opinionated (v_coverage, `voc themes`).
OPINION_STRENGTH = 0.25

#: The current time as a naive UTC timestamp, like every stored time (DuckDB and PostgreSQL).
NOW_UTC = "CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)"

#: The measures of a group of current codes (v_codes rows); the views and the report select these.
MEASURES = """
       max(dimension_zh) AS dimension_zh,
       CAST(count(*) AS INTEGER) AS mentions,
       CAST(count(DISTINCT item_id) AS INTEGER) AS items,
       CAST(sum(CASE WHEN sentiment = 'positive' THEN 1 ELSE 0 END) AS INTEGER) AS positive,
       CAST(sum(CASE WHEN sentiment = 'neutral' THEN 1 ELSE 0 END) AS INTEGER) AS neutral,
       CAST(sum(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END) AS INTEGER) AS negative,
       CAST(sum(CASE WHEN sentiment = 'positive' THEN 1 WHEN sentiment = 'negative' THEN -1 ELSE 0 END)
            AS DOUBLE PRECISION) / count(*) AS net_sentiment,
       CAST(sum(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / count(*) AS negative_share,
       avg(score) AS mean_score"""

#: NPS of a group of v_item_ratings rows: 100 · (promoters − detractors) / rated.
NPS = """100.0 * (sum(CASE WHEN nps_class = 'promoter' THEN 1 ELSE 0 END)
                - sum(CASE WHEN nps_class = 'detractor' THEN 1 ELSE 0 END)) / count(*)"""

_TOUCHPOINT_DIMENSION = """
WITH c AS (SELECT {period} channel, touchpoint, dimension, {counts}
           FROM v_codes GROUP BY {group} channel, touchpoint, dimension),
     base AS (SELECT {period} channel, touchpoint, CAST(count(*) AS INTEGER) AS coded_items
              FROM v_items GROUP BY {group} channel, touchpoint)
SELECT c.*, base.coded_items, 100.0 * c.items / base.coded_items AS mention_rate_per_100
FROM c JOIN base USING ({using} channel, touchpoint)
"""


def _period(grain: str | None) -> dict[str, str]:
    if grain is None:
        return {"period": "", "group": "", "using": ""}
    return {"period": f"CAST(date_trunc('{grain}', occurred_at) AS DATE) AS period,", "group": "1,", "using": "period,"}


#: Rating points lost to negative / gained by positive mentions per dimension, over the rated items
#: that `{where}` keeps (v_item_ratings columns: channel, touchpoint, occurred_at): v_drivers is all of them,
#: the report applies its filters.
DRIVERS = """
        WITH rated AS (SELECT item_id, rating_pct FROM v_item_ratings WHERE {where}),
             dims AS (SELECT DISTINCT dimension, dimension_zh FROM v_codes),
             item_dim AS (SELECT item_id, dimension, avg(score) AS score,
                                 max(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END) AS has_negative,
                                 max(CASE WHEN sentiment = 'positive' THEN 1 ELSE 0 END) AS has_positive
                          FROM v_codes GROUP BY item_id, dimension),
             per AS (
                SELECT d.dimension, d.dimension_zh, count(*) AS rated_items,
                       CAST(sum(CASE WHEN x.item_id IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS mentioned,
                       avg(CASE WHEN x.has_negative = 1 THEN r.rating_pct END) AS rating_pct_when_negative,
                       avg(CASE WHEN x.has_positive = 1 THEN r.rating_pct END) AS rating_pct_when_positive,
                       avg(CASE WHEN x.item_id IS NULL THEN r.rating_pct END) AS rating_pct_when_not_mentioned,
                       corr(x.score, r.rating_pct) AS score_rating_correlation
                FROM rated r CROSS JOIN dims d
                LEFT JOIN item_dim x ON x.item_id = r.item_id AND x.dimension = d.dimension
                GROUP BY d.dimension, d.dimension_zh)
        SELECT per.*,
               rating_pct_when_not_mentioned - rating_pct_when_negative AS penalty,
               rating_pct_when_positive - rating_pct_when_not_mentioned AS reward
        FROM per"""


def view_statements() -> list[str]:
    """CREATE OR REPLACE VIEW statements, in dependency order."""
    views = {
        "v_items": f"""
            SELECT i.item_id, i.channel, i.source, i.entity, i.touchpoint, i.journey_stage, i.feedback_kind,
                   i.rating, i.rating_scale, {occurred()} AS occurred_at,
                   s.sentiment, s.score, s.n_codes, s.model_version
            FROM items i JOIN item_scores s ON s.item_id = i.item_id AND s.is_current""",
        "v_codes": f"""
            SELECT c.code_id, c.item_id, c.segment_id, c.dimension, c.sub_dimension,
                   n.dimension_zh, n.sub_dimension_zh, c.sentiment, c.score, c.confidence,
                   c.evidence, c.evidence_start, c.evidence_end, c.model_version, c.taxonomy_version,
                   c.coded_at, i.channel, i.source, i.entity, i.touchpoint, i.journey_stage,
                   i.feedback_kind, i.rating, i.rating_scale,
                   {occurred()} AS occurred_at
            FROM codes c
            JOIN items i ON i.item_id = c.item_id
            LEFT JOIN taxonomy_nodes n
                   ON n.taxonomy_version = c.taxonomy_version AND n.sub_dimension = c.sub_dimension
            WHERE c.is_current""",
        "v_touchpoint_dimension": _TOUCHPOINT_DIMENSION.format(counts=MEASURES, **_period(None)),
    }
    for grain in GRAINS:
        views[f"v_touchpoint_dimension_{grain}"] = _TOUCHPOINT_DIMENSION.format(counts=MEASURES, **_period(grain))
    views["v_channel_comparison"] = f"""
        WITH c AS (SELECT channel, dimension, {MEASURES} FROM v_codes GROUP BY channel, dimension),
             base AS (SELECT channel, CAST(count(*) AS INTEGER) AS coded_items FROM v_items GROUP BY channel)
        SELECT c.*, base.coded_items, 100.0 * c.items / base.coded_items AS mention_rate_per_100
        FROM c JOIN base USING (channel)"""
    views["v_item_ratings"] = f"""
        SELECT item_id, channel, touchpoint, entity, rating, rating_scale,
               {occurred('')} AS occurred_at,
               100.0 * rating / rating_scale AS rating_pct,
               CASE WHEN rating_scale = 5 THEN
                        CASE WHEN rating >= 5 THEN 'promoter' WHEN rating >= 4 THEN 'passive' ELSE 'detractor' END
                    ELSE
                        CASE WHEN rating >= 9 THEN 'promoter' WHEN rating >= 7 THEN 'passive' ELSE 'detractor' END
               END AS nps_class
        FROM items WHERE rating IS NOT NULL AND duplicate_of IS NULL"""
    views["v_touchpoint_nps"] = f"""
        SELECT channel, touchpoint,
               count(*) AS rated_items,
               avg(rating) AS mean_rating,
               CAST(sum(CASE WHEN nps_class = 'promoter' THEN 1 ELSE 0 END) AS INTEGER) AS promoters,
               CAST(sum(CASE WHEN nps_class = 'passive' THEN 1 ELSE 0 END) AS INTEGER) AS passives,
               CAST(sum(CASE WHEN nps_class = 'detractor' THEN 1 ELSE 0 END) AS INTEGER) AS detractors,
               {NPS} AS nps
        FROM v_item_ratings
        GROUP BY channel, touchpoint"""
    views["v_drivers"] = DRIVERS.format(where="1 = 1")
    views["v_top_evidence"] = f"""
        SELECT * FROM (
            SELECT channel, touchpoint, dimension, dimension_zh, sub_dimension_zh, sentiment, evidence, score,
                   confidence, item_id, occurred_at, model_version,
                   row_number() OVER (PARTITION BY channel, touchpoint, dimension, sentiment
                                      ORDER BY {EVIDENCE_ORDER}) AS rank
            FROM v_codes WHERE sentiment <> 'neutral') ranked
        WHERE rank <= 5"""
    views["v_cases"] = f"""
        SELECT k.*,
               extract(epoch FROM (COALESCE(k.closed_at, {NOW_UTC}) - k.opened_at)) / 86400.0 AS age_days,
               CASE WHEN k.acknowledged_at IS NOT NULL
                    THEN extract(epoch FROM (k.acknowledged_at - k.opened_at)) / 3600.0 END AS hours_to_acknowledge,
               CASE WHEN k.closed_at IS NOT NULL
                    THEN extract(epoch FROM (k.closed_at - k.opened_at)) / 3600.0 END AS hours_to_close
        FROM cases k"""
    views["v_case_touchpoint"] = """
        SELECT channel, touchpoint, max(owner) AS owner, CAST(count(*) AS INTEGER) AS cases,
               CAST(sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS INTEGER) AS open,
               CAST(sum(CASE WHEN status = 'acknowledged' THEN 1 ELSE 0 END) AS INTEGER) AS acknowledged,
               CAST(sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS INTEGER) AS closed,
               CAST(sum(CASE WHEN status <> 'closed' AND escalated THEN 1 ELSE 0 END) AS INTEGER) AS open_escalated,
               avg(CASE WHEN status <> 'closed' THEN age_days END) AS mean_open_age_days,
               max(CASE WHEN status <> 'closed' THEN age_days END) AS oldest_open_days,
               avg(hours_to_close) AS mean_hours_to_close,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_close) AS median_hours_to_close
        FROM v_cases GROUP BY channel, touchpoint"""
    views["v_coverage"] = f"""
        WITH coded AS (SELECT DISTINCT segment_id FROM codes WHERE is_current),
             opinionated AS (
                SELECT g.segment_id, i.channel,
                       {occurred()} AS occurred_at
                FROM segments g JOIN items i ON i.item_id = g.item_id WHERE abs(g.score) >= {OPINION_STRENGTH})
        SELECT o.channel, CAST(date_trunc('month', o.occurred_at) AS DATE) AS period,
               CAST(count(*) AS INTEGER) AS opinionated_clauses,
               CAST(sum(CASE WHEN c.segment_id IS NULL THEN 1 ELSE 0 END) AS INTEGER) AS uncoded,
               1.0 * sum(CASE WHEN c.segment_id IS NULL THEN 1 ELSE 0 END) / count(*) AS uncoded_share
        FROM opinionated o LEFT JOIN coded c ON c.segment_id = o.segment_id
        GROUP BY o.channel, CAST(date_trunc('month', o.occurred_at) AS DATE)"""
    return [f"CREATE OR REPLACE VIEW {name} AS {sql.strip()}" for name, sql in views.items()]


#: Every view, for `voc export` and the data dictionary.
VIEWS = ("v_items", "v_codes", "v_touchpoint_dimension", *(f"v_touchpoint_dimension_{g}" for g in GRAINS),
         "v_channel_comparison", "v_item_ratings", "v_touchpoint_nps", "v_drivers", "v_top_evidence",
         "v_cases", "v_case_touchpoint", "v_coverage")

#: The touchpoint × dimension cells with the highest share of negative mentions (the flows' artifact).
TOP_NEGATIVE = """SELECT channel, touchpoint, dimension_zh AS dimension, mentions, negative_share, net_sentiment
                  FROM v_touchpoint_dimension WHERE mentions >= ?
                  ORDER BY negative_share DESC, mentions DESC LIMIT ?"""

SUMMARY_SQL = """
SELECT channel, touchpoint, dimension_zh AS dimension, mentions, items,
       positive AS pos, neutral AS neu, negative AS neg, net_sentiment AS net
FROM v_touchpoint_dimension
ORDER BY CASE channel WHEN 'review' THEN 1 WHEN 'call' THEN 2 WHEN 'email' THEN 3 ELSE 4 END,
         touchpoint, mentions DESC
"""


#: The report's queries over the views, each with a `{where}` for its filters (pipeline/report.py).
REPORT_QUERIES: dict[str, str] = {
    "cells": f"""SELECT channel, touchpoint, dimension, {MEASURES}
                   FROM v_codes WHERE {{where}} GROUP BY channel, touchpoint, dimension""",
    "trend": f"""SELECT CAST(date_trunc('month', occurred_at) AS DATE) AS month, dimension, {MEASURES}
                   FROM v_codes WHERE {{where}} GROUP BY 1, dimension ORDER BY 1""",
    "volume": """SELECT CAST(date_trunc('month', occurred_at) AS DATE) AS month, channel, count(*) AS items
                   FROM v_items WHERE {where} GROUP BY 1, 2 ORDER BY 1""",
    "nps": f"""SELECT touchpoint, count(*) AS rated, avg(rating_pct) AS mean_rating_pct, {NPS} AS nps
                 FROM v_item_ratings WHERE {{where}} GROUP BY 1 ORDER BY nps""",
    "drivers": f"""SELECT dimension_zh, penalty, reward, rated_items FROM ({DRIVERS}) drivers
                     ORDER BY penalty DESC NULLS LAST""",
    "evidence": f"""SELECT channel, touchpoint, dimension, dimension_zh, sub_dimension_zh, evidence, score, occurred_at
                      FROM (SELECT *, row_number() OVER (PARTITION BY channel, touchpoint, dimension
                                                         ORDER BY {EVIDENCE_ORDER}) AS rank
                            FROM v_codes WHERE sentiment = 'negative' AND {{where}}) ranked
                      WHERE rank <= 8 ORDER BY channel, touchpoint, dimension, rank""",
    "totals": """SELECT channel, count(*) AS items FROM v_items WHERE {where} GROUP BY 1 ORDER BY 1""",
    "cases": """SELECT channel, touchpoint, max(owner) AS owner, count(*) AS cases,
                         sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open,
                         sum(CASE WHEN status = 'acknowledged' THEN 1 ELSE 0 END) AS acknowledged,
                         sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed,
                         avg(CASE WHEN status <> 'closed' THEN age_days END) AS mean_open_age_days,
                         max(CASE WHEN status <> 'closed' THEN age_days END) AS oldest_open_days,
                         percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_close) AS median_hours_to_close
                  FROM v_cases WHERE {where} GROUP BY channel, touchpoint
                  ORDER BY sum(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END) DESC, count(*) DESC""",
}
