"""Reading tabular exports (CSV, JSONL/JSON, Parquet) into (locator, record) pairs.

A record that cannot be parsed comes out as a `Quarantined`, never as an exception, so one bad
line does not stop a file. A file that cannot be read at all is one `Quarantined` for the file.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow.parquet as pq

from pipeline.items import Quarantined

ENCODINGS = ("utf-8-sig", "gb18030")
#: Longer texts are quarantined rather than coded, in every channel (a 10 MB "review" is an export bug).
MAX_TEXT_CHARS = 20_000
TABULAR_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq"}
Record = tuple[str, dict[str, Any]]

csv.field_size_limit(64 * 1024 * 1024)


class UnreadableFile(Exception):
    """The whole file cannot be read (encoding, format)."""


def parse_datetime(value: Any) -> datetime:
    """A timestamp in any format pandas reads; aware ones become naive UTC."""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError("empty")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK/GB2312)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"not valid {' or '.join(ENCODINGS)} text")


def read_checked_bytes(path: Path, what: str) -> bytes:
    """The file's bytes, refusing empty files and binary ones (NUL bytes) as not being `what`."""
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("empty file")
    if b"\x00" in data[:8192]:
        raise UnreadableFile(f"binary content (NUL bytes), not {what}")
    return data


def _read_csv(text: str, delimiter: str) -> Iterator[Record | Quarantined]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise UnreadableFile(f"header is not valid CSV: {exc}") from exc
    header = [h.strip().lstrip("\ufeff") for h in header]
    number = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield Quarantined("", "", f"record {number} (line {line})", f"malformed CSV: {exc}", "")
            return  # the csv module cannot resynchronise after a broken quote
        if not any(cell.strip() for cell in row):
            continue  # blank line, not a record
        number += 1
        locator = f"record {number} (line {line})"
        if len(row) != len(header):
            yield Quarantined("", "", locator, f"has {len(row)} fields, header has {len(header)}",
                              json.dumps(row, ensure_ascii=False))
            continue
        yield locator, dict(zip(header, row))


def _read_jsonl(text: str) -> Iterator[Record | Quarantined]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        locator = f"line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Quarantined("", "", locator, f"invalid JSON: {exc.msg} at column {exc.colno}", line)
            continue
        if not isinstance(record, dict):
            yield Quarantined("", "", locator, f"JSON value is a {type(record).__name__}, not an object", line)
            continue
        yield locator, record


def _read_json(text: str) -> Iterator[Record | Quarantined]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    records = doc if isinstance(doc, list) else [doc]
    for number, record in enumerate(records, start=1):
        locator = f"element {number}"
        if isinstance(record, dict):
            yield locator, record
        else:
            yield Quarantined("", "", locator, f"JSON value is a {type(record).__name__}, not an object",
                              json.dumps(record, ensure_ascii=False))


def _read_parquet(path: Path) -> Iterator[Record]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise UnreadableFile(f"not a readable Parquet file: {exc}") from exc
    number = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            number += 1
            yield f"row {number}", record


def read_records(path: Path) -> Iterator[Record | Quarantined]:
    """Yield (locator, record) for every record of a tabular file, or `Quarantined` for bad ones.

    Raises `UnreadableFile` when nothing of the file can be read.
    """
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        yield from _read_parquet(path)
        return
    text = decode_bytes(read_checked_bytes(path, "a text export"))
    if suffix in (".jsonl", ".ndjson"):
        yield from _read_jsonl(text)
    elif suffix == ".json":
        yield from _read_json(text)
    elif suffix in (".csv", ".tsv"):
        yield from _read_csv(text, "\t" if suffix == ".tsv" else ",")
    else:
        raise UnreadableFile(f"unsupported file type {suffix!r} (expected one of {sorted(TABULAR_SUFFIXES)})")
