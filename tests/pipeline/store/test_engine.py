import duckdb
import pytest

from pipeline.store.engine import DuckDBEngine


class RunsOutOnce:
    """A DuckDB connection whose next `times` statements (those containing `match`) run out of memory."""

    def __init__(self, con, times: int, match: str = ""):
        self.con, self.times, self.match = con, times, match

    def execute(self, sql, params=()):
        if self.times and self.match in sql:
            self.times -= 1
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")
        return self.con.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self.con, name)


def test_out_of_memory_between_transactions_lets_go_of_the_file_and_retries_once(tmp_path):
    engine = DuckDBEngine(tmp_path / "v.duckdb")
    engine.execute("CREATE TABLE t (x INTEGER)")
    engine.execute("INSERT INTO t VALUES (1), (2)")
    engine._con = RunsOutOnce(engine.con, 1)
    assert engine.scalar("SELECT sum(x) FROM t") == 3  # on a fresh connection
    assert not isinstance(engine._con, RunsOutOnce)
    engine.close()


def test_out_of_memory_that_persists_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("VOC_DUCKDB_MEMORY_LIMIT", "64MB")
    engine = DuckDBEngine(tmp_path / "v.duckdb")
    engine.execute("CREATE TABLE t (x INTEGER)")
    real = engine._connect
    monkeypatch.setattr(engine, "_connect", lambda *a, **k: RunsOutOnce(real(*a, **k), 1))
    engine._con = RunsOutOnce(engine.con, 1)
    with pytest.raises(MemoryError, match="64MB.*VOC_DUCKDB_MEMORY_LIMIT"):
        engine.scalar("SELECT count(*) FROM t")
    engine._con = RunsOutOnce(engine.con, 1, match="INSERT")
    with pytest.raises(MemoryError, match="VOC_DUCKDB_MEMORY_LIMIT"):  # inside a transaction: no retry
        with engine.transaction():
            engine.execute("INSERT INTO t VALUES (1)")
    assert engine.scalar("SELECT count(*) FROM t") == 0  # rolled back
    engine.close()
