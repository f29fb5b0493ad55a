"""The store: schema migrations, transactional batch writes, reads, read-only queries.

One class of logic over two engines, chosen by the target: a DuckDB file path (the default,
embedded) or a `postgresql://` URL (for a team). SQL is written once with `?` parameters and
portable types; the backends differ only in how they connect, insert batches and fetch results.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Sequence

import duckdb
import numpy as np
import pandas as pd

from pipeline.aggregate import view_statements
from pipeline.items import Item, Quarantined, stable_hash
from pipeline.schema import MIGRATIONS, SCHEMA_VERSION
from pipeline.taxonomy import Taxonomy

ITEM_COLUMNS = [
    "item_id", "channel", "source", "locator", "external_id", "feedback_kind", "entity", "touchpoint",
    "journey_stage", "created_at", "rating", "rating_scale", "language", "raw_text", "text",
    "content_hash", "meta", "ingested_at", "ingest_run_id", "duplicate_of", "ingest_seq",
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
    """Of a batch: items stored now (duplicates included), items already stored, exact duplicates."""

    new: int
    existing: int
    duplicates: int


class ReadOnlyError(RuntimeError):
    """A write was attempted through a read-only connection."""


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
    def open(cls, target: str | Path, read_only: bool = False) -> "Store":
        """A DuckDB file path or a postgresql:// URL; writable stores are migrated on open."""
        store = PostgresStore(str(target), read_only) if is_postgres(target) else DuckDBStore(str(target), read_only)
        if not read_only:
            store.migrate()
        return store

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
            for version, description, migration in MIGRATIONS:
                if version not in done:
                    for sql in migration:
                        self.execute(sql)
                    self.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, description, utcnow()])
            if self.scalar("SELECT max(views_hash) FROM schema_views") != views_hash:
                for sql in reversed(statements):  # dependants first: a view's columns may change
                    self.execute(f"DROP VIEW IF EXISTS {sql.split()[4]}")
                for sql in statements:
                    self.execute(sql)
                self.execute("DELETE FROM schema_views")
                self.execute("INSERT INTO schema_views VALUES (?)", [views_hash])
        return self.schema_version()

    def schema_version(self) -> int:
        version = self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema version {version} is newer than this code ({SCHEMA_VERSION})")
        return version

    # -- writes ---------------------------------------------------------------------------------
    def _existing_ids(self, table: str, key: str, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        return {r[0] for r in self.fetchall(f"SELECT {key} FROM {table} WHERE {key} = ANY(?)", [list(ids)])}

    def _originals(self, hashes: Sequence[str]) -> dict[tuple[str, str], str]:
        """(channel, content hash) → id of the stored item that first had that content."""
        if not hashes:
            return {}
        rows = self.fetchall("""SELECT channel, content_hash, min(item_id) FROM items
                                WHERE duplicate_of IS NULL AND content_hash = ANY(?) GROUP BY 1, 2""", [list(hashes)])
        return {(c, h): i for c, h, i in rows}

    def write_ingest_batch(self, items: Sequence[Item], quarantined: Sequence[Quarantined], run_id: str) -> IngestCounts:
        """Store items (skipping ones already stored) and quarantine records in one transaction.

        An item whose normalised text exactly repeats an earlier item of its channel is stored with
        `duplicate_of` pointing at that first copy (and is not coded). Returns the counts.
        """
        now = utcnow()
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(item.item_id, item)
        with self.transaction():
            existing = self._existing_ids("items", "item_id", list(unique))
            fresh = [item for item in unique.values() if item.item_id not in existing]
            originals = self._originals([item.content_hash for item in fresh])
            seq = self.scalar("SELECT coalesce(max(ingest_seq), 0) FROM items")
            rows, signals = [], []
            for n, item in enumerate(fresh, start=1):
                original = originals.setdefault((item.channel, item.content_hash), item.item_id)
                row = item.to_row()
                row.update(ingested_at=now, ingest_run_id=run_id, ingest_seq=seq + n,
                           duplicate_of=None if original == item.item_id else original)
                rows.append(row)
                if item.channel == "call" and "call" in item.meta:
                    signals.append({"item_id": item.item_id, **{k: item.meta["call"].get(k) for k in CALL_SIGNAL_COLUMNS[1:]}})
            self._insert("items", ITEM_COLUMNS, rows, ignore_conflicts=True)
            self._insert("call_signals", CALL_SIGNAL_COLUMNS, signals, ignore_conflicts=True)
            q_rows = [dict(q.to_row(), quarantined_at=now, ingest_run_id=run_id) for q in quarantined]
            self._insert("quarantine", QUARANTINE_COLUMNS, q_rows, ignore_conflicts=True)
        duplicates = sum(1 for r in rows if r["duplicate_of"])
        return IngestCounts(len(rows), len(items) - len(rows), duplicates)

    def start_ingest_run(self, run_id: str, channel: str, source: str, path: str) -> None:
        self.execute("INSERT INTO ingest_runs (run_id, channel, source, path, started_at) VALUES (?, ?, ?, ?, ?)",
                     [run_id, channel, source, path, utcnow()])

    def finish_ingest_run(self, run_id: str, records_read: int, new: int, existing: int, quarantined: int,
                          duplicates: int = 0) -> None:
        self.execute("""UPDATE ingest_runs SET finished_at = ?, records_read = ?, items_new = ?,
                        items_existing = ?, quarantined = ?, duplicates = ? WHERE run_id = ?""",
                     [utcnow(), records_read, new, existing, quarantined, duplicates, run_id])

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

    # -- reads ----------------------------------------------------------------------------------
    def items_to_code(self, model_version: str, recode: bool = False, limit: int | None = None) -> list[tuple[str, str]]:
        """(item_id, text) of items without a current coding by this model version (all if recode)."""
        sql = "SELECT item_id, text FROM items i WHERE duplicate_of IS NULL"
        params: list[Any] = []
        if not recode:
            sql += """ AND NOT EXISTS (SELECT 1 FROM item_scores s WHERE s.item_id = i.item_id
                       AND s.model_version = ? AND s.is_current)"""
            params.append(model_version)
        sql += " ORDER BY item_id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [tuple(r) for r in self.fetchall(sql, params)]

    def relations(self) -> set[str]:
        """Names of the tables and views of the store's own schema."""
        return {r[0] for r in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}


class DuckDBStore(Store):
    """One embedded DuckDB file."""

    def __init__(self, target: str, read_only: bool = False):
        super().__init__(target, read_only)
        if read_only and not Path(target).exists():
            raise FileNotFoundError(f"no store at {target} (run `voc ingest` or `voc run` first)")
        if not read_only:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(target, read_only=read_only)

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
        self.con.close()


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

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

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
        cursor = self._cursor(sql, params)
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
