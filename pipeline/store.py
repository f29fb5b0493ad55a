"""The store: schema migrations, transactional batch writes, reads, read-only queries.

One class of logic over two engines, chosen by the target: a DuckDB file path (the default,
embedded) or a `postgresql://` URL (for a team). SQL is written once with `?` parameters and
portable types; the backends differ only in how they connect, insert batches and fetch results.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import duckdb
import numpy as np
import pandas as pd

from pipeline.aggregate import view_statements
from pipeline.items import Item, Quarantined, customer_key, make_item_id, stable_hash
from pipeline.redact import LEGACY_SALT
from pipeline.clock import DEFAULT_ZONE, configured_zone
from pipeline.schema import MIGRATIONS, SCHEMA_VERSION
from pipeline.taxonomy import Taxonomy
from pipeline.touchpoints import said_at

ITEM_COLUMNS = [
    "item_id", "channel", "source", "locator", "external_id", "feedback_kind", "entity", "touchpoint",
    "journey_stage", "created_at", "rating", "rating_scale", "language", "raw_text", "text",
    "content_hash", "meta", "ingested_at", "ingest_run_id", "duplicate_of", "ingest_seq", "created_offset_min",
    "customer",
]
CALL_SIGNAL_COLUMNS = ["item_id", "duration_s", "turns", "customer_turns", "agent_turns", "transfers", "holds",
                       "identity_checks", "resolved", "role_confidence"]
QUARANTINE_COLUMNS = ["quarantine_id", "channel", "source", "locator", "reason", "raw_payload",
                      "quarantined_at", "ingest_run_id"]
SEGMENT_COLUMNS = ["segment_id", "item_id", "idx", "text", "start_char", "end_char", "tokens", "score",
                   "sentiment", "model_version", "coded_at"]
CODE_COLUMNS = ["code_id", "item_id", "segment_id", "dimension", "sub_dimension", "sentiment", "score",
                "confidence", "evidence", "evidence_start", "evidence_end", "model_version",
                "taxonomy_version", "coded_at", "is_current"]
SCORE_COLUMNS = ["item_id", "model_version", "taxonomy_version", "sentiment", "score", "n_segments",
                 "n_codes", "coded_at", "is_current"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class IngestCounts(NamedTuple):
    """Of a batch: items stored now (duplicates included), items already stored, exact duplicates, and
    records whose id was already taken by a different text (quarantined as conflicting ids)."""

    new: int
    existing: int
    duplicates: int
    conflicts: int = 0


class ReadOnlyError(RuntimeError):
    """A write was attempted through a read-only connection, or a query is not one reading statement."""


class StoreBusy(RuntimeError):
    """Another process holds the store's write lock (DuckDB allows one writer, and no reader beside it)."""


#: Statements `Store.read_query` accepts on PostgreSQL (first keyword); DuckDB classifies them itself.
READING_KEYWORDS = {"select", "with", "values", "table", "show", "explain"}


def one_reading_statement(sql: str) -> str:
    """The single statement of `sql` if it is a reading one (by its first keyword), else `ReadOnlyError`."""
    statements = split_statements(sql)
    if len(statements) != 1:
        raise ReadOnlyError(f"one statement per query, got {len(statements)}")
    keyword = re.match(r"[(\s]*(\w*)", statements[0]).group(1).lower()
    if keyword not in READING_KEYWORDS:
        raise ReadOnlyError(f"only reading statements ({', '.join(sorted(READING_KEYWORDS)).upper()}) are run; "
                            f"this one starts with {keyword.upper() or statements[0][:20]!r}")
    return statements[0]


def quoted_end(sql: str, i: int) -> int:
    """The index just past the quoted literal or name that opens at `i` (doubled quotes stay inside)."""
    ch, end, n = sql[i], i + 1, len(sql)
    while end < n and not (sql[end] == ch and not (end + 1 < n and sql[end + 1] == ch)):
        end += 2 if sql[end] == ch else 1
    return end + 1


def split_statements(sql: str) -> list[str]:
    """The statements of a SQL text, split at semicolons outside quotes, dollar quotes and comments."""
    statements, current, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = quoted_end(sql, i)
            current.append(sql[i:end])
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == "$" and (tag := re.match(r"\$[A-Za-z_]*\$", sql[i:])):
            end = sql.find(tag.group(), i + len(tag.group()))
            end = n if end < 0 else end + len(tag.group())
            current.append(sql[i:end])
            i = end
        elif ch == ";":
            statements.append("".join(current))
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


@dataclass
class CodedBatch:
    """Rows produced by coding a batch of items."""

    segments: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)
    item_scores: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: "CodedBatch") -> None:
        self.segments += other.segments
        self.codes += other.codes
        self.item_scores += other.item_scores


def _plain(value: Any) -> Any:
    """numpy scalars and NaN as plain Python values (what every driver adapts)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def is_postgres(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


class Store:
    """Open with `Store.open(path_or_url)`; use as a context manager."""

    def __init__(self, target: str, read_only: bool = False):
        self.path = target
        self.read_only = read_only

    @classmethod
    def open(cls, target: str | Path, read_only: bool = False, wait: float = 0.0,
             on_wait: Callable[[str], None] | None = None) -> "Store":
        """A DuckDB file path or a postgresql:// URL; writable stores are migrated on open.
        A DuckDB file held by another process is waited for up to `wait` seconds (`on_wait` hears once
        that it is waiting), then `StoreBusy`."""
        if is_postgres(target):
            store: Store = PostgresStore(str(target), read_only)
        else:
            store = DuckDBStore(str(target), read_only, wait, on_wait)
        if not read_only:
            store.migrate()
        return store

    def read_query(self, sql: str) -> pd.DataFrame:
        """Run one reading statement (an analyst's SQL); anything else is a `ReadOnlyError`."""
        raise NotImplementedError

    # -- engine primitives (per backend) -----------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        raise NotImplementedError

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], ignore_conflicts: bool) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.fetchall(sql, params)
        return rows[0][0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    # -- schema ---------------------------------------------------------------------------------
    def _lock_schema(self) -> None:
        """Serialise migrations between processes (inside the migration transaction)."""

    def _lock_ingest(self) -> None:
        """Serialise ingest batches between processes (inside the batch's transaction), so what a batch
        finds stored, the counts it adds and the ingest_seq it hands out are not raced by another run.
        DuckDB has one writer process anyway."""

    def _grant_readers(self) -> None:
        """Give the engine's reader role read access to the store's relations (PostgreSQL)."""

    def migrate(self) -> int:
        """Apply pending migrations and, when their definitions changed, re-create the views — in one
        transaction, so concurrent openers never see (or build) half a schema. Returns the version."""
        statements = view_statements()
        views_hash = stable_hash(*statements)
        with self.transaction():
            self._lock_schema()
            self.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)""")
            self.execute("CREATE TABLE IF NOT EXISTS schema_views (views_hash VARCHAR NOT NULL)")
            done = {v for (v,) in self.fetchall("SELECT version FROM schema_migrations")}
            changed = False
            for version, description, migration in MIGRATIONS:
                if version not in done:
                    for sql in migration:
                        self.execute(sql)
                    self.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                                 [version, description, utcnow()])
                    changed = True
            if self.scalar("SELECT max(views_hash) FROM schema_views") != views_hash:
                for sql in reversed(statements):  # dependants first: a view's columns may change
                    self.execute(f"DROP VIEW IF EXISTS {sql.split()[4]}")
                for sql in statements:
                    self.execute(sql)
                self.execute("DELETE FROM schema_views")
                self.execute("INSERT INTO schema_views (views_hash) VALUES (?)", [views_hash])
                changed = True
            if 6 not in done:  # the customer column is new: fill it for the items already stored
                self._fill_customers()
            if changed:
                self._grant_readers()
            if self.scalar("SELECT count(*) FROM store_config WHERE key = 'default_timezone'") == 0:
                self.execute("INSERT INTO store_config (key, value) VALUES ('default_timezone', ?) ON CONFLICT DO NOTHING",
                             [configured_zone()])
            if self.scalar("SELECT count(*) FROM store_config WHERE key = 'pii_salt'") == 0:
                # a new store gets its own secret salt; one that already holds pseudonyms keeps the salt they used
                held = self.scalar("SELECT count(*) FROM items")
                self.execute("INSERT INTO store_config (key, value) VALUES ('pii_salt', ?) ON CONFLICT DO NOTHING",
                             [LEGACY_SALT if held else secrets.token_hex(16)])
        return self.schema_version()

    def _fill_customers(self) -> None:
        """Items stored before v6 get their customer key from their meta (calls and e-mails carry one)."""
        import json

        rows = self.fetchall("SELECT item_id, meta FROM items WHERE customer IS NULL AND channel IN ('call', 'email')")
        keys = [(customer_key(json.loads(meta or "{}")), item_id) for item_id, meta in rows]
        for key, item_id in keys:
            if key:
                self.execute("UPDATE items SET customer = ? WHERE item_id = ?", [key, item_id])

    def pii_salt(self) -> str:
        """This installation's pseudonymisation salt (VOC_PII_SALT overrides it, see `redact.salt`)."""
        return self.scalar("SELECT value FROM store_config WHERE key = 'pii_salt'") or LEGACY_SALT

    def default_zone(self) -> str:
        """The zone naive timestamps are read in (set when the store was created, see pipeline/clock.py)."""
        return self.scalar("SELECT value FROM store_config WHERE key = 'default_timezone'") or DEFAULT_ZONE

    def schema_version(self) -> int:
        version = self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema version {version} is newer than this code ({SCHEMA_VERSION})")
        return version

    # -- writes ---------------------------------------------------------------------------------
    def _originals(self, hashes: Sequence[str]) -> dict[tuple[str, str | None, str], str]:
        """(channel, touchpoint, content hash) → id of the earliest-ingested item with that content
        said at that touchpoint: exact duplicates are per touchpoint, so a copy at another store counts there."""
        if not hashes:
            return {}
        rows = self.fetchall("""SELECT channel, said_at, content_hash, item_id FROM (
                                  SELECT channel, said_at, content_hash, item_id, row_number() OVER (
                                    PARTITION BY channel, said_at, content_hash ORDER BY ingest_seq, item_id) AS rn
                                  FROM (SELECT *, CASE WHEN touchpoint = channel || ':' || source THEN NULL
                                                       ELSE touchpoint END AS said_at FROM items) i
                                  WHERE duplicate_of IS NULL AND content_hash = ANY(?)) first_copies
                                WHERE rn = 1""", [list(hashes)])
        return {(c, t, h): i for c, t, h, i in rows}

    def _stored(self, ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """item_id → (content hash, touchpoint) of the stored items among `ids`."""
        if not ids:
            return {}
        return {i: (h, t) for i, h, t in self.fetchall(
            "SELECT item_id, content_hash, touchpoint FROM items WHERE item_id = ANY(?)", [list(ids)])}

    def _legacy_ids(self, items: Sequence[Item]) -> dict[str, str]:
        """item_id → the id the same record had in a store from before v4, which keyed external ids on
        the file's base name and content ids on the text alone (only for stores that held items then)."""
        legacy = {(c, s) for c, s in self.fetchall("SELECT channel, source FROM legacy_sources")}
        if not legacy:
            return {}
        out = {}
        for item in items:
            base = item.source.rsplit("/", 1)[-1]
            if item.external_id and base != item.source and (item.channel, base) in legacy:
                out[item.item_id] = make_item_id(item.channel, base, item.external_id, item.text)
            elif not item.external_id and said_at(item.channel, item.source, item.touchpoint) and item.channel != "email":
                out[item.item_id] = make_item_id(item.channel, item.source, None, item.text)
        return out

    def write_ingest_batch(self, items: Sequence[Item], quarantined: Sequence[Quarantined], run_id: str) -> IngestCounts:
        """Store items (skipping ones already stored) and quarantine records in one transaction, and add
        the batch's counts to its ingest run (so the run's counts always match what it committed).

        An item whose normalised text exactly repeats an earlier item of its channel is stored with
        `duplicate_of` pointing at that first copy (and is not coded). An item whose id is already taken
        by a different text (the same external id reused in one source) is never dropped: it is
        quarantined as a conflicting id, with its text. Returns the counts.
        """
        now = utcnow()
        unique: dict[str, Item] = {}
        conflicts: list[Quarantined] = []
        for item in items:
            first = unique.setdefault(item.item_id, item)
            if first is not item and first.content_hash != item.content_hash:
                conflicts.append(self._conflict(item, first.locator))
        with self.transaction():
            self._lock_ingest()
            stored = {i: h for i, (h, _) in self._stored(list(unique)).items()}
            legacy = self._legacy_ids([item for item in unique.values() if item.item_id not in stored])
            legacy_stored = self._stored(list(legacy.values()))
            fresh = []
            for item in unique.values():
                known = stored.get(item.item_id)
                if known is None and item.item_id in legacy:
                    old_hash, old_touchpoint = legacy_stored.get(legacy[item.item_id], (None, None))
                    known = old_hash if item.external_id or old_touchpoint == item.touchpoint else None
                if known is None:
                    fresh.append(item)
                elif known != item.content_hash:
                    conflicts.append(self._conflict(item, "an earlier ingest"))
            originals = self._originals([item.content_hash for item in fresh])
            seq = self.scalar("SELECT coalesce(max(ingest_seq), 0) FROM items")
            rows, signals = [], []
            for n, item in enumerate(fresh, start=1):
                key = (item.channel, said_at(item.channel, item.source, item.touchpoint), item.content_hash)
                original = originals.setdefault(key, item.item_id)
                row = item.to_row()
                row.update(ingested_at=now, ingest_run_id=run_id, ingest_seq=seq + n, customer=item.customer,
                           duplicate_of=None if original == item.item_id else original)
                rows.append(row)
                if item.channel == "call" and "call" in item.meta:
                    signals.append({"item_id": item.item_id, **{k: item.meta["call"].get(k) for k in CALL_SIGNAL_COLUMNS[1:]}})
            self._insert("items", ITEM_COLUMNS, rows, ignore_conflicts=True)
            self._insert("call_signals", CALL_SIGNAL_COLUMNS, signals, ignore_conflicts=True)
            q_rows = [dict(q.to_row(), quarantined_at=now, ingest_run_id=run_id) for q in [*quarantined, *conflicts]]
            self._insert("quarantine", QUARANTINE_COLUMNS, q_rows, ignore_conflicts=True)
            duplicates = sum(1 for r in rows if r["duplicate_of"])
            counts = IngestCounts(len(rows), len(items) - len(rows) - len(conflicts), duplicates, len(conflicts))
            self.execute("""UPDATE ingest_runs SET records_read = records_read + ?, items_new = items_new + ?,
                            items_existing = items_existing + ?, quarantined = quarantined + ?,
                            duplicates = duplicates + ? WHERE run_id = ?""",
                         [len(items) + len(quarantined), counts.new, counts.existing,
                          len(quarantined) + counts.conflicts, duplicates, run_id])
        return counts

    @staticmethod
    def _conflict(item: Item, first: str) -> Quarantined:
        return Quarantined(item.channel, item.source, item.locator,
                           f"conflicting id: external id {item.external_id!r} already has a different text "
                           f"(first seen at {first}); stored text kept, this version quarantined", item.raw_text)

    def claim_source(self, path: str, proposed: str) -> str:
        """The source name of the landing file at (resolved) `path`: the one it was first ingested under,
        else `proposed` — lengthened with the file's parent folders while another file holds that name."""
        known = self.scalar("SELECT source FROM source_paths WHERE path = ?", [path])
        if known is not None:
            return known
        parents = list(Path(path).parent.parts[::-1])
        candidate = proposed
        while self.scalar("SELECT count(*) FROM source_paths WHERE source = ? AND path <> ?", [candidate, path]):
            if not parents or parents[0] in ("/", ""):
                candidate = f"{proposed}#{stable_hash(path, length=8)}"
                break
            head = parents.pop(0)
            if not candidate.startswith(f"{head}/"):
                candidate = f"{head}/{candidate}"
        self.execute("INSERT INTO source_paths (path, source, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                     [path, candidate, utcnow()])
        return self.scalar("SELECT source FROM source_paths WHERE path = ?", [path])

    def start_ingest_run(self, run_id: str, channel: str, source: str, path: str) -> None:
        self.execute("""INSERT INTO ingest_runs (run_id, channel, source, path, started_at, records_read, items_new,
                        items_existing, quarantined, duplicates, status, pid, host)
                        VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 'running', ?, ?)""",
                     [run_id, channel, source, path, utcnow(), os.getpid(), socket.gethostname()])

    def finish_ingest_run(self, run_id: str) -> None:
        self.execute("UPDATE ingest_runs SET finished_at = ?, status = 'finished' WHERE run_id = ?", [utcnow(), run_id])

    def write_taxonomy(self, taxonomy: Taxonomy) -> None:
        rows = [
            {"taxonomy_version": taxonomy.version, "dimension": dim.id, "sub_dimension": sub.id,
             "dimension_zh": dim.name_zh, "dimension_en": dim.name_en,
             "sub_dimension_zh": sub.name_zh, "sub_dimension_en": sub.name_en}
            for dim in taxonomy.dimensions for sub in dim.sub_dimensions
        ]
        with self.transaction():
            self._insert("taxonomy_nodes", list(rows[0]), rows, ignore_conflicts=True)

    def write_coded_batch(self, batch: CodedBatch, model_version: str) -> None:
        """Replace the items' segments, demote their earlier codes to history, add the new ones."""
        ids = [row["item_id"] for row in batch.item_scores]
        if not ids:
            return
        with self.transaction():
            where = "item_id = ANY(?)"
            self.execute(f"DELETE FROM segments WHERE {where}", [ids])
            self.execute(f"DELETE FROM codes WHERE {where} AND model_version = ?", [ids, model_version])
            self.execute(f"DELETE FROM item_scores WHERE {where} AND model_version = ?", [ids, model_version])
            self.execute(f"UPDATE codes SET is_current = false WHERE {where} AND is_current", [ids])
            self.execute(f"UPDATE item_scores SET is_current = false WHERE {where} AND is_current", [ids])
            self._insert("segments", SEGMENT_COLUMNS, batch.segments, ignore_conflicts=False)
            self._insert("codes", CODE_COLUMNS, batch.codes, ignore_conflicts=False)
            self._insert("item_scores", SCORE_COLUMNS, batch.item_scores, ignore_conflicts=False)

    # -- near duplicates --------------------------------------------------------------------------
    def dedup_watermark(self) -> int:
        """The last ingest_seq the near-duplicate pass has hashed."""
        return int(self.scalar("SELECT value FROM store_config WHERE key = 'near_dup_seq'") or 0)

    def items_to_hash(self, after_seq: int, limit: int) -> list[tuple[str, str, int, str]]:
        """(item_id, channel, ingest_seq, text) of the next items past `after_seq` (exact duplicates aside),
        in ingest order."""
        return [tuple(r) for r in self.fetchall(
            f"""SELECT item_id, channel, ingest_seq, text FROM items
                WHERE ingest_seq > ? AND duplicate_of IS NULL ORDER BY ingest_seq LIMIT {int(limit)}""", [after_seq])]

    def write_band_keys(self, rows: Sequence[tuple[str, str, int, int]]) -> None:
        self._insert("minhash_bands", ["item_id", "channel", "band", "band_key"],
                     [dict(zip(("item_id", "channel", "band", "band_key"), r)) for r in rows], ignore_conflicts=True)

    def original_candidates(self, bands: Sequence[tuple[str, str, int, int]],
                            per_item: int) -> dict[str, list[tuple[str, str]]]:
        """item_id → [(original_id, text)]: the stored near-duplicate originals of the item's channel that
        share one of its LSH bands, at most `per_item`, earliest first (call in a transaction)."""
        if not bands:
            return {}
        self.execute("""CREATE TEMPORARY TABLE IF NOT EXISTS batch_bands (
                            item_id VARCHAR, channel VARCHAR, band INTEGER, band_key BIGINT)""")
        self.execute("DELETE FROM batch_bands")
        self._insert("batch_bands", ["item_id", "channel", "band", "band_key"],
                     [dict(zip(("item_id", "channel", "band", "band_key"), r)) for r in bands], ignore_conflicts=False)
        rows = self.fetchall(f"""
            WITH pairs AS (SELECT DISTINCT n.item_id, o.item_id AS candidate
                           FROM batch_bands n JOIN minhash_bands o
                             ON o.channel = n.channel AND o.band = n.band AND o.band_key = n.band_key),
                 ranked AS (SELECT p.item_id, p.candidate, i.text, i.ingest_seq,
                                   row_number() OVER (PARTITION BY p.item_id ORDER BY i.ingest_seq) AS rn
                            FROM pairs p JOIN items i ON i.item_id = p.candidate)
            SELECT item_id, candidate, text FROM ranked WHERE rn <= {int(per_item)} ORDER BY item_id, ingest_seq""")
        out: dict[str, list[tuple[str, str]]] = {}
        for item_id, candidate, text in rows:
            out.setdefault(item_id, []).append((candidate, text))
        return out

    def flag_near_duplicates(self, pairs: Sequence[tuple[str, str]], watermark: int) -> None:
        """Point each item at its near-duplicate original and move the watermark (call in a transaction)."""
        if pairs:
            self.execute("CREATE TEMPORARY TABLE IF NOT EXISTS near_dup_pairs (item_id VARCHAR, original VARCHAR)")
            self.execute("DELETE FROM near_dup_pairs")
            self._insert("near_dup_pairs", ["item_id", "original"],
                         [{"item_id": i, "original": o} for i, o in pairs], ignore_conflicts=False)
            self.execute("""UPDATE items SET near_duplicate_of = p.original FROM near_dup_pairs p
                            WHERE items.item_id = p.item_id AND items.near_duplicate_of IS NULL""")
        self.execute("DELETE FROM store_config WHERE key = 'near_dup_seq'")
        self.execute("INSERT INTO store_config (key, value) VALUES ('near_dup_seq', ?)", [str(watermark)])

    # -- reads ----------------------------------------------------------------------------------
    def items_to_code(self, model_version: str, recode: bool = False, limit: int | None = None,
                      after: str | None = None) -> list[tuple[str, str]]:
        """(item_id, text) of items without a current coding by this model version (all if recode), in
        item_id order; `after` and `limit` page through them (keyset), so a caller never holds them all."""
        sql = "SELECT item_id, text FROM items i WHERE duplicate_of IS NULL"
        params: list[Any] = []
        if not recode:
            sql += """ AND NOT EXISTS (SELECT 1 FROM item_scores s WHERE s.item_id = i.item_id
                       AND s.model_version = ? AND s.is_current)"""
            params.append(model_version)
        if after is not None:
            sql += " AND item_id > ?"
            params.append(after)
        sql += " ORDER BY item_id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [tuple(r) for r in self.fetchall(sql, params)]

    def count_to_code(self, model_version: str, recode: bool = False) -> int:
        sql = "SELECT count(*) FROM items i WHERE duplicate_of IS NULL"
        if recode:
            return self.scalar(sql)
        return self.scalar(sql + """ AND NOT EXISTS (SELECT 1 FROM item_scores s WHERE s.item_id = i.item_id
                                     AND s.model_version = ? AND s.is_current)""", [model_version])

    def relations(self) -> set[str]:
        """Names of the tables and views of the store's own schema."""
        return {r[0] for r in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}


class DuckDBStore(Store):
    """One embedded DuckDB file. Read-only connections also have file-system access switched off and
    their configuration locked, so no statement can attach, copy to or read another file."""

    READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}

    #: How long a writer waits, between its batches, for readers to let go of the file.
    WRITER_WAIT = 600.0

    def __init__(self, target: str, read_only: bool = False, wait: float = 0.0,
                 on_wait: Callable[[str], None] | None = None):
        super().__init__(target, read_only)
        if read_only and not Path(target).exists():
            raise FileNotFoundError(f"no store at {target} (run `voc ingest` or `voc run` first)")
        if not read_only:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self._depth = 0
        self._con: duckdb.DuckDBPyConnection | None = self._connect(wait, on_wait)

    def _connect(self, wait: float, on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
        """A connection; while another process holds the file, retried for up to `wait` seconds
        (`on_wait` hears once that it is waiting), then `StoreBusy`."""
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                return duckdb.connect(self.path, read_only=self.read_only,
                                      config=self.READ_ONLY_CONFIG if self.read_only else {})
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                holder = re.search(r"PID (\d+)", str(exc))
                busy = StoreBusy(f"{self.path} is in use by another process"
                                 f"{f' (pid {holder.group(1)})' if holder else ''}: a run is writing it. "
                                 "Wait for it (--wait SECONDS) or try again later")
                if time.monotonic() >= deadline:
                    raise busy from exc
                if on_wait and not told:
                    on_wait(f"{busy}; waiting up to {wait:.0f} s")
                    told = True
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection, reopened after a release (waiting up to WRITER_WAIT for readers)."""
        if self._con is None:
            self._con = self._connect(self.WRITER_WAIT)
        return self._con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction; a writer lets go of the file after each commit, so readers (`voc query`,
        `voc report`, a notebook) get their turn between a run's batches."""
        self._depth += 1
        try:
            with super().transaction():
                yield
        finally:
            self._depth -= 1
        if self._depth == 0 and not self.read_only:
            self.release()

    def release(self) -> None:
        """Close the connection until the next statement (DuckDB lets one process hold a file for writing)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def read_query(self, sql: str) -> pd.DataFrame:
        """One SELECT/EXPLAIN statement, as DuckDB's own parser classifies it."""
        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise ValueError(f"query failed: {exc}") from exc
        if len(statements) != 1:
            raise ReadOnlyError(f"one statement per query, got {len(statements)}")
        kind = statements[0].type
        if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
            raise ReadOnlyError(f"only reading statements (SELECT, EXPLAIN) are run; this one is {kind.name}")
        return self.query(sql)

    def _run(self, sql: str, params: Sequence[Any] | None):
        try:
            return self.con.execute(sql, params or [])
        except duckdb.InvalidInputException as exc:
            if self.read_only and "read-only" in str(exc).lower():
                raise ReadOnlyError(f"the store is opened read-only; this statement writes: {exc}") from exc
            raise

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._run(sql, params).fetchall()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self._run(sql, params).df()

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._run(sql, params).fetchall()

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], ignore_conflicts: bool) -> None:
        if not rows:
            return
        frame = pd.DataFrame.from_records(rows, columns=list(columns))
        self.con.register("_batch", frame)
        try:
            cols = ", ".join(columns)
            conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _batch{conflict}")
        finally:
            self.con.unregister("_batch")

    def close(self) -> None:
        self.release()


class PostgresStore(Store):
    """A PostgreSQL database (psycopg 3); the same schema, the same SQL."""

    def __init__(self, target: str, read_only: bool = False):
        import psycopg

        super().__init__(target, read_only)
        self._errors = psycopg.errors
        self.con = psycopg.connect(target, autocommit=True)
        if read_only:
            self.con.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def _lock_schema(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(7102026)")

    def _lock_ingest(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(7102027)")

    def _grant_readers(self) -> None:
        """A `voc_reader` role (no login) with SELECT on every table and view of the store's schema, now
        and later: grant it to the team's analysts. Skipped, with a notice, without CREATEROLE."""
        self.con.execute("""DO $$
            BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'voc_reader') THEN
                CREATE ROLE voc_reader NOLOGIN;
              END IF;
              EXECUTE format('GRANT USAGE ON SCHEMA %I TO voc_reader', current_schema());
              EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO voc_reader', current_schema());
              EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO voc_reader',
                             current_schema());
            EXCEPTION WHEN insufficient_privilege OR unique_violation THEN
              RAISE NOTICE 'voc_reader role not set up: %', SQLERRM;
            END $$""")

    def read_query(self, sql: str) -> pd.DataFrame:
        """One reading statement inside a READ ONLY transaction that is rolled back afterwards; the
        statement is sent as it is (no placeholder rewriting), alone, so it cannot end the transaction."""
        self.con.execute("BEGIN READ ONLY")
        try:
            statement = one_reading_statement(sql)
            try:
                cursor = self.con.execute(statement, prepare=False)
            except self._errors.ReadOnlySqlTransaction as exc:
                raise ReadOnlyError(f"the store is opened read-only; this statement writes: {exc}") from exc
            return self._frame(cursor)
        finally:
            self.con.execute("ROLLBACK")

    @staticmethod
    def _sql(sql: str) -> str:
        """`?` placeholders as psycopg's `%s` — outside string literals and quoted names only (a
        normalised `？` in a LIKE pattern stays a question mark); every `%` escaped."""
        out, i, n = [], 0, len(sql)
        while i < n:
            ch = sql[i]
            if ch in "'\"":
                end = quoted_end(sql, i)
                out.append(sql[i:end].replace("%", "%%"))
                i = end
                continue
            out.append("%s" if ch == "?" else "%%" if ch == "%" else ch)
            i += 1
        return "".join(out)

    def _cursor(self, sql: str, params: Sequence[Any] | None):
        try:
            return self.con.execute(self._sql(sql), [_plain(p) for p in params or []])
        except self._errors.ReadOnlySqlTransaction as exc:
            raise ReadOnlyError(f"the store is opened read-only; this statement writes: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._cursor(sql, params)

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._cursor(sql, params).fetchall()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self._frame(self._cursor(sql, params))

    @staticmethod
    def _frame(cursor: Any) -> pd.DataFrame:
        if cursor.description is None:
            return pd.DataFrame()
        frame = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
        for column in frame.columns:  # numeric → float, as DuckDB gives doubles
            if frame[column].map(lambda v: type(v).__name__ == "Decimal").any():
                frame[column] = frame[column].astype(float)
        return frame

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], ignore_conflicts: bool) -> None:
        if not rows:
            return
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)}){conflict}"
        with self.con.cursor() as cursor:
            cursor.executemany(sql, [[_plain(row.get(c)) for c in columns] for row in rows])

    def close(self) -> None:
        self.con.close()
