"""Store engines: one class of connection logic per backend, chosen by the target — a DuckDB file path
(the default, embedded) or a `postgresql://` URL (for a team). SQL is written once with `?` parameters
and portable types; the engines differ only in how they connect, insert batches, lock and fetch.
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import duckdb
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ReadOnlyError(RuntimeError):
    """A write was attempted through a read-only connection, or a query is not one reading statement."""


class StoreBusy(RuntimeError):
    """Another process holds the store's write lock (DuckDB allows one writer, and no reader beside it)."""


#: Statements `PostgresEngine.read_query` accepts on PostgreSQL (first keyword); DuckDB classifies them itself.
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


def _plain(value: Any) -> Any:
    """numpy scalars and NaN as plain Python values (what every driver adapts)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def is_postgres(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


#: Advisory locks (PostgreSQL): migrations, and ingest batches (what a batch finds stored, the counts
#: it adds and the ingest_seq it hands out must not be raced by another run). DuckDB has one writer.
SCHEMA_LOCK, INGEST_LOCK = 7102026, 7102027


class Engine:
    """A connection to the store, per backend: statements, batch inserts, transactions, read-only
    queries. Open one with `pipeline.store.open_store(path_or_url)`; use it as a context manager. What
    is read and written lives in the repositories beside this module (ingest, coding, cases…)."""

    def __init__(self, target: str, read_only: bool = False):
        self.path = target
        self.read_only = read_only

    def read_query(self, sql: str) -> pd.DataFrame:
        """Run one reading statement (an analyst's SQL); anything else is a `ReadOnlyError`."""
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        raise NotImplementedError

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], ignore_conflicts: bool) -> None:
        """Insert rows (dicts keyed by column) in one batch; `ignore_conflicts` skips rows whose key is taken."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Engine":
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

    def lock(self, key: int) -> None:
        """Hold an advisory lock until the transaction ends (PostgreSQL; nothing to do on DuckDB)."""

    def grant_readers(self) -> None:
        """Give the engine's reader role read access to the store's relations (PostgreSQL)."""

    def relations(self) -> set[str]:
        """Names of the tables and views of the store's own schema."""
        return {r[0] for r in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}


def connect(target: str | Path, read_only: bool = False, wait: float = 0.0,
            on_wait: Callable[[str], None] | None = None) -> Engine:
    """An engine for a DuckDB file path or a postgresql:// URL (not migrated: see `open_store`). A DuckDB
    file held by another process is waited for up to `wait` seconds (`on_wait` hears once that it is
    waiting), then `StoreBusy`."""
    if is_postgres(target):
        return PostgresEngine(str(target), read_only)
    return DuckDBEngine(str(target), read_only, wait, on_wait)


class DuckDBEngine(Engine):
    """One embedded DuckDB file. Read-only connections also have file-system access switched off and
    their configuration locked, so no statement can attach, copy to or read another file."""

    READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}

    #: DuckDB's buffer pool cap (its own default is 80 % of RAM, and a writer that checkpoints a growing
    #: store fills it: peak RSS rose ~3.8 KB per stored review). Beyond it DuckDB evicts or spills to
    #: `<store>.tmp`. `VOC_DUCKDB_MEMORY_LIMIT` (e.g. "4GB") overrides it.
    MEMORY_LIMIT = "512MB"

    #: How long a writer waits, between its batches, for readers to let go of the file.
    WRITER_WAIT = 600.0
    #: The longest a writer holds the file across commits when no reader has asked for a turn.
    HOLD = 10.0
    #: How long a writer that let go for a reader waits for that reader to get in.
    READER_TURN = 5.0

    def __init__(self, target: str, read_only: bool = False, wait: float = 0.0,
                 on_wait: Callable[[str], None] | None = None):
        super().__init__(target, read_only)
        if read_only and not Path(target).exists():
            raise FileNotFoundError(f"no store at {target} (run `voc ingest` or `voc run` first)")
        if not read_only:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self._depth = 0
        self._con: duckdb.DuckDBPyConnection | None = self._connect(wait, on_wait)
        self._held_since = time.monotonic()

    def _connect(self, wait: float, on_wait: Callable[[str], None] | None = None,
                 ask: bool = True) -> duckdb.DuckDBPyConnection:
        """A connection; while another process holds the file, retried for up to `wait` seconds
        (`on_wait` hears once that it is waiting), then `StoreBusy`. With `ask`, the holder is asked
        for a turn (`<store>.wait`)."""
        deadline = time.monotonic() + wait
        told = asked = False
        while True:
            try:
                con = duckdb.connect(self.path, read_only=self.read_only, config=self.config())
                if asked:
                    self._turn_request.unlink(missing_ok=True)
                return con
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                holder = re.search(r"PID (\d+)", str(exc))
                busy = StoreBusy(f"{self.path} is in use by another process"
                                 f"{f' (pid {holder.group(1)})' if holder else ''}: a run is writing it. "
                                 "Wait for it (--wait SECONDS) or try again later")
                if time.monotonic() >= deadline:
                    if asked:
                        self._turn_request.unlink(missing_ok=True)
                    raise busy from exc
                if on_wait and not told:
                    on_wait(f"{busy}; waiting up to {wait:.0f} s")
                    told = True
                try:  # ask the holder for a turn: it lets go at its next commit
                    if ask:
                        self._turn_request.touch()
                        asked = True
                except OSError:  # a folder this process cannot write: wait for a release instead
                    pass
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    def config(self) -> dict[str, Any]:
        """DuckDB settings of this engine's connections."""
        limit = {"memory_limit": os.environ.get("VOC_DUCKDB_MEMORY_LIMIT") or self.MEMORY_LIMIT}
        return {**limit, **self.READ_ONLY_CONFIG} if self.read_only else limit

    @property
    def _turn_request(self) -> Path:
        """The file a waiting reader touches to ask the writer for a turn (`<store>.wait`)."""
        return Path(f"{self.path}.wait")

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection, reopened after a release (once the reader that asked is in, or READER_TURN
        has passed; then waiting up to WRITER_WAIT for readers to let go)."""
        if self._con is None:
            if not self.read_only and self._turn_request.exists():
                deadline = time.monotonic() + self.READER_TURN
                while self._turn_request.exists() and time.monotonic() < deadline:
                    time.sleep(0.02)
                self._turn_request.unlink(missing_ok=True)  # the reader is in by now, or gave up
            # readers hold the file for one query and never listen for a turn: asking them would only
            # leave the request behind for the next writer if this process is killed while it waits
            self._con = self._connect(self.WRITER_WAIT, ask=False)
            self._held_since = time.monotonic()
        return self._con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction. A writer lets go of the file after a commit when a reader has asked for a
        turn (`voc query`, `voc report` ask while they wait) or when it has held the file for HOLD
        seconds (a notebook, which cannot ask, gets its window), so readers read between a run's
        batches; reopening after every commit cost more than the batches (a checkpoint on closing, the
        catalogue and indexes on opening)."""
        self._depth += 1
        try:
            with super().transaction():
                yield
        finally:
            self._depth -= 1
        if self._depth == 0 and not self.read_only and (
                self._turn_request.exists() or time.monotonic() - self._held_since > self.HOLD):
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
        if self._depth == 0 and self._con is not None and not self.read_only and self._turn_request.exists():
            self.release()  # between transactions a waiting reader goes first
        try:
            return self.con.execute(sql, params or [])
        except duckdb.InvalidInputException as exc:
            if self.read_only and "read-only" in str(exc).lower():
                raise ReadOnlyError(f"the store is opened read-only; this statement writes: {exc}") from exc
            raise
        except duckdb.OutOfMemoryException as exc:
            if self._depth:  # inside a transaction: the caller's whole transaction fails
                raise self._out_of_memory(exc) from exc
        # Out of memory between transactions (a 1 M-review run hit it reading its next window after
        # 660k coded): what a long-held connection keeps in the pool goes with it, so let go and retry once.
        log.warning("%s: out of DuckDB's memory cap between transactions; reopening the store and retrying", self.path)
        self.release()
        try:
            return self.con.execute(sql, params or [])
        except duckdb.OutOfMemoryException as exc:
            raise self._out_of_memory(exc) from exc

    def _out_of_memory(self, exc: Exception) -> MemoryError:
        return MemoryError(f"{self.path}: DuckDB ran out of its memory cap ({self.config()['memory_limit']}); "
                           f"raise it with VOC_DUCKDB_MEMORY_LIMIT (e.g. 2GB). {str(exc).splitlines()[0]}")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._run(sql, params).fetchall()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self._run(sql, params).df()

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._run(sql, params).fetchall()

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], ignore_conflicts: bool) -> None:
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


class PostgresEngine(Engine):
    """A PostgreSQL database (psycopg 3); the same schema, the same SQL."""

    def __init__(self, target: str, read_only: bool = False):
        import psycopg

        super().__init__(target, read_only)
        self._errors = psycopg.errors
        self.con = psycopg.connect(target, autocommit=True)
        if read_only:
            self.con.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def lock(self, key: int) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", [key])

    def grant_readers(self) -> None:
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

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], ignore_conflicts: bool) -> None:
        if not rows:
            return
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)}){conflict}"
        with self.con.cursor() as cursor:
            cursor.executemany(sql, [[_plain(row.get(c)) for c in columns] for row in rows])

    def close(self) -> None:
        self.con.close()
