"""Ingesting files into the store in transactional batches, with a per-file report."""

from __future__ import annotations

import glob
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.ingest.records import TABULAR_SUFFIXES
from pipeline.ingest.reviews import ColumnMapping, read_reviews
from pipeline.items import Item, Quarantined
from pipeline.store import Store
from pipeline.touchpoints import TouchpointMap


@dataclass
class IngestReport:
    """What one file gave: records read = new + already stored + quarantined."""

    path: str
    source: str
    channel: str
    records_read: int = 0
    items_new: int = 0
    items_existing: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def reconciled(self) -> bool:
        return self.records_read == self.items_new + self.items_existing + self.quarantined


def discover(paths: Iterable[str | Path], suffixes: set[str] = TABULAR_SUFFIXES) -> list[Path]:
    """Expand files, folders (recursively) and globs into a sorted list of input files."""
    found: set[Path] = set()
    for raw in paths:
        matches = [Path(p) for p in glob.glob(str(raw), recursive=True)] or [Path(raw)]
        for path in matches:
            if path.is_dir():
                found.update(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            elif path.exists():
                found.add(path)
            else:
                raise FileNotFoundError(f"{raw}: no such file or folder")
    return sorted(found)


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


def ingest_reviews_file(store: Store, path: Path, mapping: ColumnMapping = ColumnMapping(),
                        touchpoints: TouchpointMap = TouchpointMap(), source: str | None = None,
                        batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest one review export; each batch is committed on its own."""
    source = source or path.name
    report = IngestReport(str(path), source, "review")
    run_id = uuid.uuid4().hex
    store.start_ingest_run(run_id, "review", source, str(path))
    for items, bad in _batches(read_reviews(path, mapping, source, touchpoints), batch_size):
        new, existing = store.write_ingest_batch(items, bad, run_id)
        report.records_read += len(items) + len(bad)
        report.items_new += new
        report.items_existing += existing
        report.quarantined += len(bad)
        report.reasons.update(q.reason.split(":")[0] for q in bad)
        if progress:
            progress(len(items) + len(bad))
    store.finish_ingest_run(run_id, report.records_read, report.items_new, report.items_existing, report.quarantined)
    return report
