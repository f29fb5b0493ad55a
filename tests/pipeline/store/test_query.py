"""`voc query` is read-only whatever the SQL says: each known bypass, on DuckDB and PostgreSQL."""

from __future__ import annotations


import pytest

from pipeline.store import ReadOnlyError, open_store
from pipeline.store.engine import split_statements
from tests.conftest import write

REFUSED_EVERYWHERE = [
    "DELETE FROM quarantine",
    "DROP VIEW v_codes",
    "SELECT 1; DELETE FROM quarantine",
    "COMMIT; BEGIN READ WRITE; DELETE FROM quarantine",
    "COMMIT",
    "SET enable_external_access = true",
]
DUCKDB_BYPASSES = [
    "ATTACH '{db}' AS w (READ_WRITE)",
    "ATTACH '{other}' AS o",
    "COPY quarantine TO '{out}'",
    "EXPORT DATABASE '{outdir}'",
    "SELECT * FROM read_csv('{csv}')",
    "USE memory",
    "DETACH memory",
    "INSTALL httpfs",
]
POSTGRES_BYPASSES = [
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "WITH d AS (DELETE FROM quarantine RETURNING 1) SELECT count(*) FROM d",
    "EXPLAIN ANALYZE DELETE FROM quarantine",
    "SELECT 1 /* ; */; DELETE FROM quarantine",
    "SELECT $$;$$; DELETE FROM quarantine",
]


@pytest.fixture
def filled(tmp_path):
    def fill(target):
        with open_store(target) as store:
            from pipeline.ingest.runner import ingest_reviews_file
            ingest_reviews_file(store, write(tmp_path / "r.csv", "id,content\n1,好吃\n2,\n"))
        return target
    return fill


def counts(target) -> tuple:
    with open_store(target, read_only=True) as store:
        return (store.scalar("SELECT count(*) FROM items"), store.scalar("SELECT count(*) FROM quarantine"),
                "v_codes" in store.relations())


def test_duckdb_query_cannot_write_or_touch_other_files(tmp_path, filled):
    db = filled(tmp_path / "voc.duckdb")
    open_store(tmp_path / "other.duckdb").close()
    before = counts(db)
    names = {"db": db, "other": tmp_path / "other.duckdb", "out": tmp_path / "q.csv", "outdir": tmp_path / "exp",
             "csv": tmp_path / "r.csv"}
    with open_store(db, read_only=True) as store:
        for sql in REFUSED_EVERYWHERE + [s.format(**names) for s in DUCKDB_BYPASSES]:
            with pytest.raises(Exception) as refused:
                store.read_query(sql)
            assert isinstance(refused.value, (ReadOnlyError, ValueError)) or "disabled" in str(refused.value), sql
        assert store.read_query("SELECT count(*) AS n FROM items")["n"].tolist() == [1]
        assert len(store.read_query("EXPLAIN SELECT * FROM v_codes")) >= 1
    assert counts(db) == before
    assert not (tmp_path / "q.csv").exists() and not (tmp_path / "exp").exists()


def test_postgres_query_runs_in_a_read_only_transaction_it_cannot_end(postgres, filled):
    url = filled(postgres.new_database())
    before = counts(url)
    with open_store(url, read_only=True) as store:
        for sql in REFUSED_EVERYWHERE + POSTGRES_BYPASSES:
            with pytest.raises(ReadOnlyError):
                store.read_query(sql)
        # one refused statement leaves the connection usable and still read-only
        assert store.read_query("SELECT count(*) AS n FROM items")["n"].tolist() == [1]
        assert store.read_query("SELECT current_setting('transaction_read_only') AS ro")["ro"].tolist() == ["on"]
        assert store.read_query("SELECT '%吗?%' AS s")["s"].tolist() == ["%吗?%"]  # sent as written
    assert counts(url) == before


def test_postgres_migrations_create_a_reader_role(postgres, filled):
    url = filled(postgres.new_database())
    with open_store(url, read_only=True) as store:
        assert store.read_query("SELECT has_table_privilege('voc_reader', 'items', 'SELECT') AS ok")["ok"].tolist() == [True]
        assert store.read_query("SELECT has_table_privilege('voc_reader', 'v_codes', 'SELECT') AS ok")["ok"].tolist() == [True]
        assert store.read_query("SELECT has_table_privilege('voc_reader', 'items', 'DELETE') AS ok")["ok"].tolist() == [False]


def test_statements_split_outside_quotes_and_comments():
    assert split_statements("SELECT ';' AS a; -- x; y\n SELECT $t$;$t$ /* ; */") == ["SELECT ';' AS a", "SELECT $t$;$t$"]
    assert split_statements("SELECT 'it''s; fine'") == ["SELECT 'it''s; fine'"]
    assert split_statements(" ; ;") == []
