"""Manifest repository: the landing files already ingested, by path + size + content hash."""

from __future__ import annotations

from pipeline.store.engine import Engine, utcnow


def done(engine: Engine) -> set[tuple[str, int, str]]:
    """(path, size, content hash) of every file marked done."""
    return {tuple(r) for r in engine.fetchall("SELECT path, size, content_hash FROM ingest_manifest")}


def record(engine: Engine, path: str, size: int, content_hash: str, channel: str | None, run_id: str | None,
           records_read: int, items_new: int, quarantined: int) -> None:
    """Mark a file done in the content it had when it was read (once: a concurrent run's mark stands)."""
    engine.execute("""INSERT INTO ingest_manifest (path, size, content_hash, channel, run_id, records_read, items_new,
                      quarantined, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                   [path, size, content_hash, channel, run_id, records_read, items_new, quarantined, utcnow()])
