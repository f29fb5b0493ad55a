"""Coverage repository: the opinionated clauses no code covers (what `voc themes` clusters) and the
share of them (v_coverage)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

import pandas as pd

from pipeline.aggregate import occurred
from pipeline.store.engine import Engine

OCCURRED = occurred("i")


def uncovered_clauses(engine: Engine, min_strength: float, unsure_below: float, limit: int,
                      since: date | None = None, until: date | None = None, channels: Sequence[str] = ()) -> pd.DataFrame:
    """Clauses with clear sentiment and no code, or only codes the model was unsure of (segment_id,
    item_id, text, tokens, score, channel, occurred_at, why); at most `limit`, a sample spread
    over the whole period (by a hash of the clause id, so the same store gives the same sample)."""
    where, params = ["abs(g.score) >= ?"], [min_strength]
    if since:
        where.append(f"{OCCURRED} >= ?")
        params.append(since)
    if until:  # inclusive, as `voc report --period` reads it
        where.append(f"{OCCURRED} < ?")
        params.append(until + timedelta(days=1))
    if channels:
        where.append(f"i.channel IN ({', '.join('?' for _ in channels)})")
        params += list(channels)
    return engine.query(f"""
        WITH coded AS (SELECT segment_id, max(confidence) AS confidence FROM codes WHERE is_current GROUP BY segment_id)
        SELECT g.segment_id, g.item_id, g.text, g.tokens, g.score, i.channel, {OCCURRED} AS occurred_at,
               CASE WHEN c.segment_id IS NULL THEN 'uncoded' ELSE 'unsure' END AS why
        FROM segments g JOIN items i ON i.item_id = g.item_id
        LEFT JOIN coded c ON c.segment_id = g.segment_id
        WHERE (c.segment_id IS NULL OR c.confidence < ?) AND {' AND '.join(where)}
        ORDER BY md5(g.segment_id)
        LIMIT {int(limit)}""", [unsure_below, *params])


def uncoded_share(engine: Engine) -> float | None:
    """Of all opinionated clauses, the share no code cites (None in an uncoded store)."""
    uncoded, opinionated = engine.fetchall("SELECT sum(uncoded), sum(opinionated_clauses) FROM v_coverage")[0]
    return uncoded / opinionated if opinionated else None
