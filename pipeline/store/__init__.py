"""The store, split by job: `engine` (a connection per backend: DuckDB file or PostgreSQL URL),
`migrator` (schema versions and views), `settings` (store_config), and one repository module per job —
`ingest`, `coding`, `near_duplicates`, `manifest`, `alerts`, `cases`, `stats`, `coverage` — each a set
of functions over an engine. SQL lives here and in the views (pipeline/aggregate.py), nowhere else.

    with open_store("voc.duckdb") as store:
        ingest.write_batch(store, items, quarantined, run_id)
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pipeline.store.engine import Engine, ReadOnlyError, StoreBusy, connect, is_postgres, utcnow

__all__ = ["Engine", "ReadOnlyError", "StoreBusy", "is_postgres", "open_store", "utcnow"]


def open_store(target: str | Path, read_only: bool = False, wait: float = 0.0,
               on_wait: Callable[[str], None] | None = None) -> Engine:
    """An engine for a DuckDB file path or a postgresql:// URL; a writable store is migrated on open.
    A DuckDB file held by another process is waited for up to `wait` seconds (`on_wait` hears once that
    it is waiting), then `StoreBusy`."""
    from pipeline.store.migrator import migrate

    engine = connect(target, read_only, wait, on_wait)
    if not read_only:
        migrate(engine)
    return engine
