"""Incremental ingestion: only files the manifest has not seen in their current content."""

from __future__ import annotations

from prefect import flow

from flows.tasks import find_pending, flag_duplicates, ingest_landing_file, publish_run_summary
from pipeline.config import resolve


@flow(name="voc-ingest", log_prints=True)
def ingest(sources: list[str], db: str | None = None, channel: str | None = None, publish: bool = True,
           batch_size: int = 1000) -> list[dict]:
    """Ingest new or changed files under `sources` (landing folders, files or globs) into the store."""
    config = resolve(db)
    db = config.db
    pending = find_pending(db, sources)
    reports = [ingest_landing_file(db, landing, channel, batch_size) for landing in pending]  # one writer at a time
    flag_duplicates(db)
    print(f"{len(pending)} new or changed files ingested")
    if publish:
        publish_run_summary("VoC ingest", reports, None, None, None, config.describe())
    return reports
