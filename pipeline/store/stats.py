"""Stats repository: counts per channel and source, and the reconciliation of input records against
what was stored."""

from __future__ import annotations

import os
import socket
from typing import Any

import pandas as pd

from pipeline.store.engine import Engine


def run_state(status: str | None, pid: Any, host: str | None) -> str:
    """`finished`, `running` (its process is alive, or on another host where it cannot be checked) or
    `interrupted` (killed or crashed on this host)."""
    if status in (None, "finished"):
        return "finished"
    if host != socket.gethostname():
        return str(status)
    if pd.isna(pid):
        return "interrupted"
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return "interrupted"
    except PermissionError:
        pass  # alive, someone else's
    return "running"


def collect_stats(store: Engine) -> dict[str, pd.DataFrame]:
    """sources: per channel and source, items stored (unique + exact duplicates), coded, quarantined.
    reconciliation: per source, the latest ingest run's state (finished / running / interrupted) and
    counts, and `ok` when every run's records = new + already stored + quarantined (counts are
    committed with each batch, so an interrupted run balances too) and the items stored = the new items
    of all runs. A source whose last run is unfinished is reconciled but not complete: re-run it.
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
        WITH runs AS (SELECT *, row_number() OVER (PARTITION BY channel, source ORDER BY started_at DESC) AS rn
                      FROM ingest_runs),
             totals AS (SELECT channel, source, count(*) AS runs,
                               CAST(sum(coalesce(items_new, 0)) AS INTEGER) AS new_total,
                               CAST(sum(CASE WHEN coalesce(records_read, 0) = coalesce(items_new, 0)
                                    + coalesce(items_existing, 0) + coalesce(quarantined, 0) THEN 0 ELSE 1 END)
                                    AS INTEGER) AS unbalanced
                        FROM ingest_runs GROUP BY 1, 2),
             stored AS (SELECT channel, source, count(*) AS items_stored FROM items GROUP BY 1, 2)
        SELECT r.channel, r.source, coalesce(r.status, 'finished') AS last_run, r.records_read AS "read",
               r.items_new AS new, r.duplicates AS dups, r.items_existing AS existing, r.quarantined,
               t.new_total AS new_all_runs, coalesce(s.items_stored, 0) AS stored,
               t.unbalanced = 0 AND t.new_total = coalesce(s.items_stored, 0) AS ok, r.pid, r.host
        FROM runs r JOIN totals t USING (channel, source) LEFT JOIN stored s USING (channel, source)
        WHERE r.rn = 1 ORDER BY r.channel, r.source""")
    if len(reconciliation):
        reconciliation["last_run"] = [run_state(status, pid, host) for status, pid, host in
                                      reconciliation[["last_run", "pid", "host"]].itertuples(index=False)]
    reconciliation = reconciliation.drop(columns=["pid", "host"])
    quarantine = store.query("""
        SELECT channel, source, reason, count(*) AS records FROM quarantine
        GROUP BY 1, 2, 3 ORDER BY records DESC""")
    return {"sources": sources, "reconciliation": reconciliation, "quarantine": quarantine}
