"""Aggregate views over the coded tables (portable SQL: DuckDB and PostgreSQL).

Mentions are coded clause × dimension rows; net sentiment = (positive − negative) / mentions.
NPS: on a 0–10 scale promoters are 9–10 and detractors 0–6; on a 5-star scale promoters are
5★ and detractors 1–3★.
"""

from __future__ import annotations

GRAINS = ("day", "week", "month")

_TOUCHPOINT_DIMENSION = """
SELECT {period_select}
       channel, touchpoint, dimension,
       max(dimension_zh) AS dimension_zh,
       CAST(count(*) AS INTEGER) AS mentions,
       CAST(count(DISTINCT item_id) AS INTEGER) AS items,
       CAST(sum(CASE WHEN sentiment = 'positive' THEN 1 ELSE 0 END) AS INTEGER) AS positive,
       CAST(sum(CASE WHEN sentiment = 'neutral' THEN 1 ELSE 0 END) AS INTEGER) AS neutral,
       CAST(sum(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END) AS INTEGER) AS negative,
       CAST(sum(CASE WHEN sentiment = 'positive' THEN 1 WHEN sentiment = 'negative' THEN -1 ELSE 0 END)
            AS DOUBLE PRECISION) / count(*) AS net_sentiment,
       avg(score) AS mean_score
FROM v_codes
GROUP BY {period_group} channel, touchpoint, dimension
"""


def view_statements() -> list[str]:
    """CREATE OR REPLACE VIEW statements, in dependency order."""
    views = {
        "v_codes": """
            SELECT c.code_id, c.item_id, c.segment_id, c.dimension, c.sub_dimension,
                   n.dimension_zh, n.sub_dimension_zh, c.sentiment, c.score, c.confidence,
                   c.evidence, c.evidence_start, c.evidence_end, c.model_version, c.taxonomy_version,
                   c.coded_at, i.channel, i.source, i.entity, i.touchpoint, i.journey_stage,
                   i.feedback_kind, i.rating, i.rating_scale,
                   COALESCE(i.created_at, i.ingested_at) AS occurred_at
            FROM codes c
            JOIN items i ON i.item_id = c.item_id
            LEFT JOIN taxonomy_nodes n
                   ON n.taxonomy_version = c.taxonomy_version AND n.sub_dimension = c.sub_dimension
            WHERE c.is_current""",
        "v_touchpoint_dimension": _TOUCHPOINT_DIMENSION.format(period_select="", period_group=""),
    }
    for grain in GRAINS:
        views[f"v_touchpoint_dimension_{grain}"] = _TOUCHPOINT_DIMENSION.format(
            period_select=f"CAST(date_trunc('{grain}', occurred_at) AS DATE) AS period,",
            period_group="1,",
        )
    views["v_item_ratings"] = """
        SELECT item_id, channel, touchpoint, entity, rating, rating_scale,
               COALESCE(created_at, ingested_at) AS occurred_at,
               CASE WHEN rating_scale = 5 THEN
                        CASE WHEN rating >= 5 THEN 'promoter' WHEN rating >= 4 THEN 'passive' ELSE 'detractor' END
                    ELSE
                        CASE WHEN rating >= 9 THEN 'promoter' WHEN rating >= 7 THEN 'passive' ELSE 'detractor' END
               END AS nps_class
        FROM items WHERE rating IS NOT NULL"""
    views["v_touchpoint_nps"] = """
        SELECT channel, touchpoint,
               count(*) AS rated_items,
               avg(rating) AS mean_rating,
               CAST(sum(CASE WHEN nps_class = 'promoter' THEN 1 ELSE 0 END) AS INTEGER) AS promoters,
               CAST(sum(CASE WHEN nps_class = 'passive' THEN 1 ELSE 0 END) AS INTEGER) AS passives,
               CAST(sum(CASE WHEN nps_class = 'detractor' THEN 1 ELSE 0 END) AS INTEGER) AS detractors,
               100.0 * (sum(CASE WHEN nps_class = 'promoter' THEN 1 ELSE 0 END)
                        - sum(CASE WHEN nps_class = 'detractor' THEN 1 ELSE 0 END)) / count(*) AS nps
        FROM v_item_ratings
        GROUP BY channel, touchpoint"""
    return [f"CREATE OR REPLACE VIEW {name} AS {sql.strip()}" for name, sql in views.items()]


SUMMARY_SQL = """
SELECT channel, touchpoint, dimension_zh AS dimension, mentions, items,
       positive AS pos, neutral AS neu, negative AS neg, net_sentiment AS net
FROM v_touchpoint_dimension
ORDER BY CASE channel WHEN 'review' THEN 1 WHEN 'call' THEN 2 WHEN 'email' THEN 3 ELSE 4 END,
         touchpoint, mentions DESC
"""
