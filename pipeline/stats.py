"""Store statistics and the reconciliation of input records against what was stored."""

from __future__ import annotations

import pandas as pd

from pipeline.store import Store


def collect_stats(store: Store) -> dict[str, pd.DataFrame]:
    """sources: per channel and source, items stored (unique + exact duplicates), coded, quarantined.
    reconciliation: per source, the latest ingest's records = new + already stored + quarantined, and
    the items stored = the new items all ingests reported.
    quarantine: reasons."""
    sources = store.query("""
        WITH i AS (SELECT channel, source, count(*) AS items,
                          CAST(sum(CASE WHEN duplicate_of IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS duplicates,
                          CAST(sum(CASE WHEN near_duplicate_of IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS near_duplicates
                   FROM items GROUP BY 1, 2),
             c AS (SELECT it.channel, it.source, count(*) AS coded
                   FROM item_scores s JOIN items it USING (item_id) WHERE s.is_current GROUP BY 1, 2),
             q AS (SELECT channel, source, count(*) AS quarantined FROM quarantine GROUP BY 1, 2),
             k AS (SELECT channel, source FROM i UNION SELECT channel, source FROM q)
        SELECT k.channel, k.source, coalesce(i.items, 0) AS items, coalesce(i.duplicates, 0) AS duplicates,
               coalesce(i.near_duplicates, 0) AS near_dups, coalesce(c.coded, 0) AS coded,
               coalesce(q.quarantined, 0) AS quarantined
        FROM k LEFT JOIN i USING (channel, source) LEFT JOIN c USING (channel, source)
               LEFT JOIN q USING (channel, source)
        ORDER BY 1, 2""")
    reconciliation = store.query("""
        WITH runs AS (SELECT *, row_number() OVER (PARTITION BY channel, source ORDER BY started_at DESC) AS rn,
                             CAST(sum(items_new) OVER (PARTITION BY channel, source) AS INTEGER) AS new_total
                      FROM ingest_runs WHERE finished_at IS NOT NULL),
             stored AS (SELECT channel, source, count(*) AS items_stored FROM items GROUP BY 1, 2)
        SELECT r.channel, r.source, r.records_read AS "read", r.items_new AS new, r.duplicates AS dups,
               r.items_existing AS existing, r.quarantined, r.new_total AS new_all_runs,
               coalesce(s.items_stored, 0) AS stored,
               r.records_read = r.items_new + r.items_existing + r.quarantined
                 AND r.new_total = coalesce(s.items_stored, 0) AS ok
        FROM runs r LEFT JOIN stored s USING (channel, source)
        WHERE r.rn = 1 ORDER BY r.channel, r.source""")
    quarantine = store.query("""
        SELECT channel, source, reason, count(*) AS records FROM quarantine
        GROUP BY 1, 2, 3 ORDER BY records DESC""")
    return {"sources": sources, "reconciliation": reconciliation, "quarantine": quarantine}
