"""Which landing files have been ingested: a manifest keyed by path + size + content hash.

A file is marked done only after every batch of it is committed, so an interrupted ingest leaves it
pending and the next run takes it again (its already-stored items are skipped, not duplicated).
A file that changes gets a new hash and is taken again the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pipeline.ingest.runner import Found, IngestReport, discover, read_landing_file
from pipeline.store import Engine
from pipeline.store import manifest as manifest_repo


@dataclass(frozen=True)
class LandingFile:
    """A landing file as found: resolved path, size and content hash, its source name (path under the
    landing root), and why it cannot be read, if it cannot."""

    path: str
    size: int
    content_hash: str
    source: str = ""
    problem: str | None = None


def fingerprint(path: Path, source: str | None = None) -> LandingFile:
    """The file's fingerprint as it is now, counted the way an ingest counts what it parsed."""
    stream = read_landing_file(path)
    try:
        stream.finish()
    finally:
        stream.close()
    return LandingFile(str(path.resolve()), stream.size, stream.content_hash, source or path.name)


def _found(entry: Found) -> LandingFile:
    if entry.problem is None:
        try:
            return fingerprint(entry.path, entry.source)
        except OSError as exc:
            entry = Found(entry.path, entry.source, f"cannot read: {exc.strerror or exc}")
    return LandingFile(str(entry.path.absolute()), 0, "", entry.source, entry.problem)


def pending_files(store: Engine, sources: Iterable[str | Path]) -> list[LandingFile]:
    """Files under the sources (paths, folders, globs) not yet ingested in their current content;
    files that cannot be read are pending too, so each run quarantines them until they are fixed."""
    files = [_found(entry) for entry in discover(sources)]
    done = manifest_repo.done(store)
    return [f for f in files if f.problem or (f.path, f.size, f.content_hash) not in done]


def mark_done(store: Engine, landing: LandingFile, report: IngestReport) -> None:
    """Record the file as ingested in the content it had when it was read (never for unreadable files)."""
    if landing.problem:
        return
    manifest_repo.record(store, landing.path, landing.size, landing.content_hash, report.channel, report.run_id or None,
                         report.records_read, report.items_new, report.quarantined)
