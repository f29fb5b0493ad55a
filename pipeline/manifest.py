"""Which landing files have been ingested: a manifest keyed by path + size + content hash.

A file is marked done only after every batch of it is committed, so an interrupted ingest leaves it
pending and the next run takes it again (its already-stored items are skipped, not duplicated).
A file that changes gets a new hash and is taken again the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pipeline.ingest.runner import IngestReport, discover
from pipeline.store import Store, utcnow


@dataclass(frozen=True)
class LandingFile:
    path: str
    size: int
    content_hash: str


def fingerprint(path: Path) -> LandingFile:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return LandingFile(str(path.resolve()), path.stat().st_size, digest.hexdigest())


def pending_files(store: Store, sources: Iterable[str | Path]) -> list[LandingFile]:
    """Files under the sources (paths, folders, globs) not yet ingested in their current content."""
    files = [fingerprint(p) for p in discover(sources)]
    done = {tuple(r) for r in store.fetchall("SELECT path, size, content_hash FROM ingest_manifest")}
    return [f for f in files if (f.path, f.size, f.content_hash) not in done]


def mark_done(store: Store, landing: LandingFile, report: IngestReport) -> None:
    store.execute("""INSERT INTO ingest_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                  [landing.path, landing.size, landing.content_hash, report.channel, None, report.records_read,
                   report.items_new, report.quarantined, utcnow()])
