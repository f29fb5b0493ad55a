"""Ingesting files into the store in transactional batches, with a per-file report, and routing
files of a mixed folder to the right channel by their content."""

from __future__ import annotations

import glob
import hashlib
import os
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.ingest.calls import CALL_FIELDS, ROLE_ALIASES, _TEXT_TURN, read_calls
from pipeline.ingest.emails import looks_like_mbox, read_emails
from pipeline.ingest.intake import file_quarantine
from pipeline.ingest.records import TABULAR_SUFFIXES, LandingStream, UnreadableFile, split_lines, unicode_text
from pipeline.ingest.reviews import ColumnMapping, read_reviews
from pipeline.items import Item, Quarantined
from pipeline.clock import using_zone
from pipeline.redact import using_salt
from pipeline.store import Engine
from pipeline.touchpoints import TouchpointMap
from pipeline.store import settings as store_settings
from pipeline.store import ingest as ingest_repo

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
    run_id: str = ""
    records_read: int = 0
    items_new: int = 0
    items_existing: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)
    size: int = 0  # of the bytes parsed, and their SHA-256 (what the manifest records); 0 / "" if none
    content_hash: str = ""

    @property
    def reconciled(self) -> bool:
        return self.records_read == self.items_new + self.items_existing + self.quarantined


@dataclass(frozen=True)
class Found:
    """A file to ingest. `source` is its path relative to the landing root it was found under — the id
    space of its records, so `2026-10/reviews.csv` and `2026-11/reviews.csv` never share ids; `problem`
    says why it cannot be read (a broken link, an unreadable folder), and it is then quarantined."""

    path: Path
    source: str
    problem: str | None = None


def _glob_root(pattern: str) -> Path:
    """The folder part of a glob before its first wildcard."""
    parts = Path(pattern).parts
    fixed = [p for p in parts[:next((i for i, p in enumerate(parts) if glob.has_magic(p)), len(parts))]]
    return Path(*fixed) if fixed else Path(".")


def _walk(root: Path, suffixes: set[str] | None) -> Iterator[Found]:
    def unreadable(error: OSError) -> None:
        problems.append(Found(Path(error.filename), _relative(Path(error.filename), root),
                              f"cannot list folder: {error.strerror or error}"))

    problems: list[Found] = []
    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if name.startswith(".") or not (path.suffix.lower() in suffixes if suffixes
                                            else path.suffix.lower() not in NOT_INPUT):
                continue
            problem = None
            if path.is_symlink() and not path.exists():
                problem = "broken link (points at nothing)"
            elif not path.is_file():
                problem = "not a regular file" if path.exists() else None
                if problem is None:
                    continue
            yield Found(path, _relative(path, root), problem)
    yield from problems


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def discover(paths: Iterable[str | Path], suffixes: set[str] | None = None) -> list[Found]:
    """Expand files, folders (recursively) and globs into a sorted list of input files, each with its
    source name: the path relative to the folder (or the glob's fixed folder) it was found under; a
    file named directly is its own root (its source is its file name).
    Folders yield files with `suffixes` (all but documentation/config when None); hidden files are
    skipped; unreadable folders and broken links come back with their `problem`."""
    found: dict[Path, Found] = {}
    for raw in paths:
        matches = [Path(p) for p in sorted(glob.glob(str(raw), recursive=True))] or [Path(raw)]
        root = _glob_root(str(raw)) if glob.has_magic(str(raw)) else None
        for path in matches:
            if path.is_dir():
                for entry in _walk(path, suffixes):
                    found.setdefault(entry.path, Found(entry.path, _relative(entry.path, root) if root else entry.source,
                                                       entry.problem))
            elif path.exists() or path.is_symlink():
                problem = None if path.exists() else "broken link (points at nothing)"
                found.setdefault(path, Found(path, _relative(path, root) if root else path.name, problem))
            else:
                raise FileNotFoundError(f"{raw}: no such file or folder")
    return sorted(found.values(), key=lambda f: str(f.path))


def detect_channel(path: Path, data: bytes | None = None) -> str | None:
    """`review`, `call` or `email` from the file's content (the extension only breaks ties); None if unknown."""
    suffix = path.suffix.lower()
    head = data.head(65536) if isinstance(data, LandingStream) else (path.read_bytes() if data is None else data)[:65536]
    if suffix in (".eml", ".mbox") or looks_like_mbox(head):
        return "email"
    if suffix in (".parquet", ".pq"):
        return "review"
    try:
        text = unicode_text(head)
    except UnreadableFile:
        text = None
    text = text if text is not None else head.decode("utf-8", "ignore")
    header_block = text.split("\n\n", 1)[0]
    if all(h in header_block for h in ("From:", "Subject:")) or "Message-ID:" in header_block:
        return "email"
    if suffix in (".json", ".jsonl", ".ndjson"):
        keys = set(re.findall(r'"(\w+)"\s*:', text[:20000]))  # tolerant of truncated JSON
        return "call" if keys & set(CALL_FIELDS["turns"]) else "review"
    if suffix in TABULAR_SUFFIXES:
        return "review"
    lines = [ln for ln in split_lines(text) if ln.strip() and not ln.lstrip().startswith("#")][:20]
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
              touchpoints: TouchpointMap, data: bytes | None = None) -> Iterator[Item | Quarantined]:
    if channel == "review":
        return read_reviews(path, mapping, source, touchpoints, data)
    if channel == "call":
        return read_calls(path, source, touchpoints, data)
    if channel == "email":
        return read_emails(path, source, touchpoints, data)
    raise ValueError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")


def _guarded(entries: Iterator[Item | Quarantined], channel: str, source: str, path: Path) -> Iterator[Item | Quarantined]:
    """The reader's entries; should a reader fail on something no rule foresaw (a parser's recursion
    limit, a file that vanishes), what it had not yet read becomes one quarantine row and the run goes on."""
    count = 0
    try:
        for entry in entries:
            count += 1
            yield entry
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - one bad file never stops a run
        yield file_quarantine(channel, source, path, f"reading stopped after {count} records: "
                                                     f"{type(exc).__name__}: {exc}")


def read_landing_file(path: Path) -> LandingStream:
    """A landing file, opened to be read once as it is parsed: what is hashed for the manifest is what is
    parsed (an unreadable file fails here, with its OSError)."""
    return LandingStream(path)


def ingest_file(store: Engine, path: Path, channel: str | None = None, mapping: ColumnMapping = ColumnMapping(),
                touchpoints: TouchpointMap = TouchpointMap(), source: str | None = None, batch_size: int = 1000,
                progress: Callable[[int], None] | None = None, data: bytes | None = None,
                problem: str | None = None, named_source: bool = False) -> IngestReport:
    """Ingest one file of a channel (detected from content when None); each batch commits on its own,
    with the run's counts, so a killed run leaves counts that match what it stored.
    `source` is the id space of the file's records: with `named_source` exactly as given (the export
    system's id space the user names), else a proposal (its path under the landing root) that the
    store settles once per file, so a file keeps its source however it is reached later.
    A file whose channel cannot be told, or that cannot be read at all, is one quarantine record."""
    source = source or path.name
    if not named_source:
        source = ingest_repo.claim_source(store, str(path.resolve()), source)
    run_id = uuid.uuid4().hex
    if problem is None and data is None:
        try:
            data = read_landing_file(path)
        except OSError as exc:
            problem = f"cannot read: {exc.strerror or exc}"
    if problem is None and channel is None:
        channel = detect_channel(path, data)
        if channel is None:
            problem = "not a review export, call transcript or email"
    if problem is not None:
        entries: Iterator[Item | Quarantined] = iter([file_quarantine(channel or "unknown", source, path, problem, data)])
        channel = channel or "unknown"
    else:
        entries = _guarded(read_file(path, channel, source, mapping, touchpoints, data), channel, source, path)
    report = IngestReport(str(path), source, channel, run_id)
    ingest_repo.start_run(store, run_id, channel, source, str(path))
    try:
        with using_salt(store_settings.pii_salt(store)), using_zone(store_settings.default_zone(store)):
            _write_batches(store, entries, batch_size, report, path, progress)
    finally:
        if isinstance(data, LandingStream):
            data.finish()
            data.close()
    if isinstance(data, LandingStream):
        report.size, report.content_hash = data.size, data.content_hash
    elif data is not None:
        report.size, report.content_hash = len(data), hashlib.sha256(data).hexdigest()
    ingest_repo.finish_run(store, run_id)
    return report


def _write_batches(store: Engine, entries: Iterator[Item | Quarantined], batch_size: int, report: IngestReport,
                   path: Path, progress: Callable[[int], None] | None) -> None:
    for items, bad in _batches(entries, batch_size):
        counts = ingest_repo.write_batch(store, items, bad, report.run_id)
        report.records_read += len(items) + len(bad)
        report.items_new += counts.new
        report.items_existing += counts.existing
        report.duplicates += counts.duplicates
        report.quarantined += len(bad) + counts.conflicts
        report.reasons.update(reason_kind(q.reason, path) for q in bad)
        if counts.conflicts:
            report.reasons["conflicting id"] += counts.conflicts
        if progress:
            progress(len(items) + len(bad))


def ingest_reviews_file(store: Engine, path: Path, mapping: ColumnMapping = ColumnMapping(),
                        touchpoints: TouchpointMap = TouchpointMap(), source: str | None = None,
                        batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest one review export (see `ingest_file`)."""
    return ingest_file(store, path, "review", mapping, touchpoints, source, batch_size, progress)
