"""Ingesting files into the store in transactional batches, with a per-file report, and routing
files of a mixed folder to the right channel by their content."""

from __future__ import annotations

import glob
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.ingest.calls import CALL_FIELDS, ROLE_ALIASES, _TEXT_TURN, read_calls
from pipeline.ingest.emails import looks_like_mbox, read_emails
from pipeline.ingest.records import TABULAR_SUFFIXES
from pipeline.ingest.reviews import ColumnMapping, read_reviews
from pipeline.items import Item, Quarantined
from pipeline.store import Store
from pipeline.touchpoints import TouchpointMap

CHANNELS = ("review", "call", "email")
#: Files in a landing folder that are documentation or configuration, not feedback.
NOT_INPUT = {".md", ".yaml", ".yml", ".py", ".xml", ".toml", ".ini"}


@dataclass
class IngestReport:
    """What one file gave: records read = new + already stored + quarantined; duplicates are new items
    that exactly repeat an earlier item (stored, linked, not coded)."""

    path: str
    source: str
    channel: str
    records_read: int = 0
    items_new: int = 0
    items_existing: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def reconciled(self) -> bool:
        return self.records_read == self.items_new + self.items_existing + self.quarantined


def discover(paths: Iterable[str | Path], suffixes: set[str] | None = None) -> list[Path]:
    """Expand files, folders (recursively) and globs into a sorted list of input files.
    Folders yield files with `suffixes` (all but documentation/config when None); hidden files are skipped."""
    found: set[Path] = set()
    for raw in paths:
        matches = [Path(p) for p in glob.glob(str(raw), recursive=True)] or [Path(raw)]
        for path in matches:
            if path.is_dir():
                found.update(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                             and (p.suffix.lower() in suffixes if suffixes else p.suffix.lower() not in NOT_INPUT))
            elif path.exists():
                found.add(path)
            else:
                raise FileNotFoundError(f"{raw}: no such file or folder")
    return sorted(found)


def detect_channel(path: Path) -> str | None:
    """`review`, `call` or `email` from the file's content (the extension only breaks ties); None if unknown."""
    suffix = path.suffix.lower()
    head = path.read_bytes()[:65536]
    if suffix in (".eml", ".mbox") or looks_like_mbox(head):
        return "email"
    text = head.decode("utf-8", "ignore")
    header_block = text.split("\n\n", 1)[0]
    if all(h in header_block for h in ("From:", "Subject:")) or "Message-ID:" in header_block:
        return "email"
    if suffix in (".json", ".jsonl", ".ndjson"):
        keys = set(re.findall(r'"(\w+)"\s*:', text[:20000]))  # tolerant of truncated JSON
        return "call" if keys & set(CALL_FIELDS["turns"]) else "review"
    if suffix in TABULAR_SUFFIXES:
        return "review"
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")][:20]
    turns = [m for m in (_TEXT_TURN.match(ln) for ln in lines) if m]
    if lines and len(turns) >= max(2, len(lines) // 2):
        speakers = {m["speaker"].lower() for m in turns}
        if speakers & set(ROLE_ALIASES) or len(speakers) <= 3:
            return "call"
    return None


def reason_kind(reason: str, path: Path) -> str:
    """A quarantine reason without its per-record detail, for counting: file-level reasons start with
    the path (dropped); record-level ones keep what precedes the first colon."""
    prefix = f"{path}: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason.split(":")[0]


def _batches(entries: Iterator[Item | Quarantined], size: int) -> Iterator[tuple[list[Item], list[Quarantined]]]:
    items: list[Item] = []
    bad: list[Quarantined] = []
    for entry in entries:
        (items if isinstance(entry, Item) else bad).append(entry)
        if len(items) + len(bad) >= size:
            yield items, bad
            items, bad = [], []
    if items or bad:
        yield items, bad


def read_file(path: Path, channel: str, source: str, mapping: ColumnMapping,
              touchpoints: TouchpointMap) -> Iterator[Item | Quarantined]:
    if channel == "review":
        return read_reviews(path, mapping, source, touchpoints)
    if channel == "call":
        return read_calls(path, source, touchpoints)
    if channel == "email":
        return read_emails(path, source, touchpoints)
    raise ValueError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")


def ingest_file(store: Store, path: Path, channel: str | None = None, mapping: ColumnMapping = ColumnMapping(),
                touchpoints: TouchpointMap = TouchpointMap(), source: str | None = None, batch_size: int = 1000,
                progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest one file of a channel (detected from content when None); each batch commits on its own.
    A file whose channel cannot be told is one quarantine record, not an error."""
    source = source or path.name
    channel = channel or detect_channel(path)
    run_id = uuid.uuid4().hex
    if channel is None:
        entries: Iterator[Item | Quarantined] = iter([Quarantined(
            "unknown", source, "file", f"{path}: not a review export, call transcript or email",
            path.read_bytes()[:2000].decode("utf-8", "replace"))])
        channel = "unknown"
    else:
        entries = read_file(path, channel, source, mapping, touchpoints)
    report = IngestReport(str(path), source, channel)
    store.start_ingest_run(run_id, channel, source, str(path))
    for items, bad in _batches(entries, batch_size):
        counts = store.write_ingest_batch(items, bad, run_id)
        report.records_read += len(items) + len(bad)
        report.items_new += counts.new
        report.items_existing += counts.existing
        report.duplicates += counts.duplicates
        report.quarantined += len(bad)
        report.reasons.update(reason_kind(q.reason, path) for q in bad)
        if progress:
            progress(len(items) + len(bad))
    store.finish_ingest_run(run_id, report.records_read, report.items_new, report.items_existing,
                            report.quarantined, report.duplicates)
    return report


def ingest_reviews_file(store: Store, path: Path, mapping: ColumnMapping = ColumnMapping(),
                        touchpoints: TouchpointMap = TouchpointMap(), source: str | None = None,
                        batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest one review export (see `ingest_file`)."""
    return ingest_file(store, path, "review", mapping, touchpoints, source, batch_size, progress)
