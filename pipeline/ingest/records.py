"""Reading tabular exports (CSV, JSONL/JSON, Parquet) into (locator, record) pairs.

A record that cannot be parsed comes out as a `Quarantined`, never as an exception, so one bad
line does not stop a file. A file that cannot be read at all is one `Quarantined` for the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd
import pyarrow.parquet as pq

from pipeline.items import Quarantined

ENCODINGS = ("utf-8-sig", "gb18030")
#: Longer texts are quarantined rather than coded, in every channel (a 10 MB "review" is an export bug).
MAX_TEXT_CHARS = 20_000
TABULAR_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq"}
#: Exports read line by line from a `LandingStream`.
LINE_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson"}
Record = tuple[str, dict[str, Any]]

csv.field_size_limit(64 * 1024 * 1024)


class UnreadableFile(Exception):
    """The whole file cannot be read (encoding, format)."""


def parse_datetime(value: Any) -> datetime:
    """A timestamp in any format pandas reads, aware or naive as written (`build_item` applies the
    clock rule of pipeline/clock.py)."""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError("empty")
    return stamp.to_pydatetime()


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: mostly-NUL odd (LE) or even (BE) bytes in a text's head."""
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) >= 0.6 * len(zeros):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def unicode_text(data: bytes) -> str | None:
    """The text of a UTF-16/32 file (by its byte-order mark, or by the NUL pattern of UTF-16), else None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"starts with a {encoding} byte-order mark but is not valid {encoding}: {exc}") from exc
    return _utf16_without_bom(data) if b"\x00" in data[:4096] else None


def decode_bytes(data: bytes) -> str:
    """UTF-16/32 (byte-order mark), UTF-8 (with or without BOM), else GB18030 (a superset of GBK/GB2312)."""
    text = unicode_text(data)
    if text is not None:
        return text
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"not valid {' or '.join(ENCODINGS)} text")


#: Bytes read at a time from a landing file.
BLOCK = 1 << 20


class LandingStream:
    """A landing file read as it is parsed — by lines (CSV, TSV, JSONL) or, for readers that need the
    whole file, as bytes — counting the size and SHA-256 of exactly the bytes parsed, so the manifest
    records what was ingested and no copy of a large export is held in memory. Opening it opens the file
    (an unreadable file fails here)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = open(self.path, "rb")
        self.size = 0
        self._sha = hashlib.sha256()

    @property
    def content_hash(self) -> str:
        return self._sha.hexdigest()

    def head(self, n: int = 65536) -> bytes:
        """The file's first bytes (for sniffing; not counted)."""
        position = self._file.tell()
        self._file.seek(0)
        head = self._file.read(n)
        self._file.seek(position)
        return head

    def _blocks(self) -> Iterator[bytes]:
        self._file.seek(0)
        while block := self._file.read(BLOCK):
            yield block

    def read_bytes(self) -> bytes:
        """The whole file (counted)."""
        data = b"".join(self._blocks())
        self._account(data)
        return data

    def _account(self, block: bytes) -> None:
        self.size += len(block)
        self._sha.update(block)

    def encoding(self) -> str:
        """As `decode_bytes` decides it: a byte-order mark or UTF-16's NUL pattern, else UTF-8 if the
        whole file is valid UTF-8, else GB18030 if it is valid GB18030 (each checked in a streaming pass)."""
        head = self.head(4096)
        if not head.strip():
            if not any(block.strip() for block in self._blocks()):
                raise UnreadableFile("empty file")
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding[:6]  # "utf-16" / "utf-32": the decoder reads the mark and drops it
        if b"\x00" in head:
            if unicode_text(head[: len(head) - len(head) % 4]) is None:
                raise UnreadableFile("binary content (NUL bytes), not a text export")
            even, odd = head[0::2], head[1::2]
            return "utf-16-le" if odd.count(0) >= even.count(0) else "utf-16-be"
        for encoding in ENCODINGS:  # one streaming pass each, until one decodes the whole file
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                for block in self._blocks():
                    decoder.decode(block)
                decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
        raise UnreadableFile(f"not valid {' or '.join(ENCODINGS)} text")

    def lines(self) -> Iterator[str]:
        """The file's lines at "\n", "\r\n" or a lone "\r" (never at U+2028/U+0085), decoded, without
        their line ends; the bytes are counted as they are read."""
        encoding = self.encoding()
        decoder = codecs.getincrementaldecoder(encoding)()
        pending = ""
        for block in self._blocks():
            self._account(block)
            text = pending + decoder.decode(block)
            parts = split_lines(text[:-1] if text.endswith("\r") else text)
            pending = parts.pop() + ("\r" if text.endswith("\r") else "")
            yield from parts
        rest = pending + decoder.decode(b"", final=True)
        yield from split_lines(rest)

    def finish(self) -> None:
        """Count the bytes the parser did not get to (a reader that stopped early, a file quarantined
        whole), so the fingerprint is the whole file's as it was read."""
        self._file.seek(self.size)
        while block := self._file.read(BLOCK):
            self._account(block)

    def close(self) -> None:
        self._file.close()


def read_checked_bytes(path: Path, what: str, data: "bytes | LandingStream | None" = None) -> bytes:
    """The file's bytes, refusing empty files and binary ones (NUL bytes that are not UTF-16/32 text)."""
    if isinstance(data, LandingStream):
        data = data.read_bytes()
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise UnreadableFile("empty file")
    if b"\x00" in data[:8192] and unicode_text(data) is None:
        raise UnreadableFile(f"binary content (NUL bytes), not {what}")
    return data


def split_lines(text: str) -> list[str]:
    """Lines at "\n" only (with "\r\n" and lone "\r" as line ends): never at U+2028/U+0085 inside a
    JSON string or a review, as `str.splitlines` would."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


#: A quoted CSV field may run over this many physical lines before its opening quote is judged never closed.
MAX_RECORD_LINES = 5000


def _parse_csv(chunk: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(chunk, newline=""), delimiter=delimiter, strict=True))


class _Lines:
    """Physical lines read lazily from any iterable, keeping only those from the oldest one still needed
    (a record being resynchronised looks ahead at most MAX_RECORD_LINES lines)."""

    def __init__(self, lines: Iterable[str]):
        self._it = iter(lines)
        self._kept: list[str] = []
        self._base = 0

    def has(self, i: int) -> bool:
        while i >= self._base + len(self._kept):
            try:
                self._kept.append(next(self._it))
            except StopIteration:
                return False
        return True

    def __getitem__(self, i: int) -> str:
        if not self.has(i):
            raise IndexError(i)
        return self._kept[i - self._base]

    def forget_before(self, i: int) -> None:
        if i > self._base:
            del self._kept[: i - self._base]
            self._base = i


def _first_record(lines: _Lines, start: int, delimiter: str) -> tuple[list[str], int]:
    """The record that starts at line `start` and the index of the line after it. Raises `csv.Error`
    for a malformed record, including a quoted field still open after `MAX_RECORD_LINES` lines."""
    stop = start + MAX_RECORD_LINES
    consumed = start

    def feed() -> Iterator[str]:
        nonlocal consumed
        while consumed < stop and lines.has(consumed):
            consumed += 1
            yield lines[consumed - 1] + "\n"

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    try:
        row = next(reader)
    except StopIteration:
        return [], consumed
    return row, consumed


def _read_csv(physical: Iterable[str], delimiter: str) -> Iterator[Record | Quarantined]:
    """Records of CSV/TSV lines (read lazily). A malformed record — text after a closing quote, a quote
    opened and never closed, a quoted field that ran into the next records and came out with the wrong
    number of fields — costs that record only: it is quarantined with its raw first line, and reading
    goes on at the line after it, so the records that follow are read as they are."""
    lines = _Lines(physical)
    first = 0
    while lines.has(first) and not lines[first].strip():
        first += 1
    if not lines.has(first):
        return
    try:
        header_rows = _parse_csv(lines[first], delimiter)
    except csv.Error as exc:
        raise UnreadableFile(f"header is not valid CSV: {exc}") from exc
    if not header_rows:
        return
    header = [h.strip().lstrip("\ufeff") for h in header_rows[0]]
    width = len(header)
    number = 0
    i = first + 1
    while lines.has(i):
        lines.forget_before(i)
        if not lines[i].strip():
            i += 1
            continue
        number += 1
        locator = f"record {number} (line {i + 1})"
        try:
            row, end = _first_record(lines, i, delimiter)
        except csv.Error as exc:
            reason = str(exc)
            if "end of data" in reason or "EOF" in reason:
                reason = f"a quote is opened and never closed within {MAX_RECORD_LINES} lines"
            yield Quarantined("", "", locator, f"malformed CSV: {reason}", lines[i])
            i += 1
            continue
        if len(row) != width:
            if end - i > 1:  # a quote ran over line ends into what follows: keep only its first line out
                yield Quarantined("", "", locator, f"malformed CSV: a quoted field runs over {end - i} lines and "
                                  f"the record has {len(row)} fields, header has {width}", lines[i])
                i += 1
                continue
            yield Quarantined("", "", locator, f"has {len(row)} fields, header has {width}",
                              json.dumps(row, ensure_ascii=False))
            i = end
            continue
        i = end
        yield locator, dict(zip(header, row))


def parse_json(text: str) -> Any:
    """`json.loads`, with nesting too deep for the parser reported as a JSON error, not a crash."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def _read_jsonl(lines: Iterable[str]) -> Iterator[Record | Quarantined]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        locator = f"line {number}"
        try:
            record = parse_json(line)
        except json.JSONDecodeError as exc:
            yield Quarantined("", "", locator, f"invalid JSON: {exc.msg} at column {exc.colno}", line)
            continue
        if not isinstance(record, dict):
            yield Quarantined("", "", locator, f"JSON value is a {type(record).__name__}, not an object", line)
            continue
        yield locator, record


_WS = re.compile(r"\s*")


def json_elements(text: str) -> Iterator[tuple[str, Any] | Quarantined]:
    """(locator, value) for each element of a top-level JSON array, parsed one at a time, so a file cut
    mid-record keeps every complete element and quarantines only the tail; a single top-level value is
    one element. Raises `UnreadableFile` when not even the start is JSON."""
    decoder = json.JSONDecoder()
    pos = _WS.match(text).end()
    if not text.startswith("[", pos):
        try:
            value, end = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise UnreadableFile(f"invalid JSON: {message}") from None
        if text[end:].strip():
            raise UnreadableFile(f"invalid JSON: extra data after the value at character {end}")
        yield "element 1", value
        return
    pos = _WS.match(text, pos + 1).end()
    number = 0
    if text.startswith("]", pos):
        return
    while True:
        number += 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            why = (f"{exc.msg} — file truncated or corrupt" if isinstance(exc, json.JSONDecodeError)
                   else "nested too deeply for the parser")
            yield Quarantined("", "", f"element {number} (character {pos})",
                              f"invalid JSON from element {number} to the end: {why}", text[pos:])
            return
        yield f"element {number}", value
        pos = _WS.match(text, end).end()
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            rest = text[pos + 1:]
            if rest.strip():
                yield Quarantined("", "", f"after element {number}", "extra data after the JSON array", rest)
            return
        yield Quarantined("", "", f"element {number + 1} (character {pos})",
                          "invalid JSON: expected ',' or ']' between elements — file truncated or corrupt", text[pos:])
        return


def _read_json(text: str) -> Iterator[Record | Quarantined]:
    for entry in json_elements(text):
        if isinstance(entry, Quarantined):
            yield entry
            continue
        locator, record = entry
        if isinstance(record, dict):
            yield locator, record
        else:
            yield Quarantined("", "", locator, f"JSON value is a {type(record).__name__}, not an object",
                              json.dumps(record, ensure_ascii=False))


def _read_parquet(path: Path | io.BytesIO) -> Iterator[Record]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise UnreadableFile(f"not a readable Parquet file: {exc}") from exc
    number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            number += 1
            yield f"row {number}", record


def read_records(path: Path, data: bytes | None = None) -> Iterator[Record | Quarantined]:
    """Yield (locator, record) for every record of a tabular file, or `Quarantined` for bad ones.
    `data` is the file's bytes when the caller has read them already, or its `LandingStream` (CSV, TSV and
    JSONL are then parsed line by line as they are read); either way what is hashed is what is parsed.

    Raises `UnreadableFile` when nothing of the file can be read.
    """
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        yield from _read_parquet(path if data is None else
                                 io.BytesIO(data.read_bytes() if isinstance(data, LandingStream) else data))
        return
    if suffix in LINE_SUFFIXES and isinstance(data, LandingStream):
        lines: Iterable[str] = data.lines()  # streamed: memory stays flat however large the export
    elif suffix in TABULAR_SUFFIXES:
        text = decode_bytes(read_checked_bytes(path, "a text export", data))
        if suffix == ".json":
            yield from _read_json(text)
            return
        lines = split_lines(text)
    else:
        raise UnreadableFile(f"unsupported file type {suffix!r} (expected one of {sorted(TABULAR_SUFFIXES)})")
    if suffix in (".jsonl", ".ndjson"):
        yield from _read_jsonl(lines)
    else:
        yield from _read_csv(lines, "\t" if suffix == ".tsv" else ",")
