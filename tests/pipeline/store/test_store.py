import json

import duckdb
import pytest

from pipeline.ingest.reviews import read_reviews
from pipeline.ingest.runner import ingest_file
from pipeline.redact import pseudonymise
from pipeline.items import Item, Quarantined
from pipeline.store.schema import SCHEMA_VERSION
from pipeline.store import open_store
from pipeline.store import settings as store_settings
from pipeline.store import migrator
from pipeline.store import ingest as ingest_repo
from pipeline.store import coding as coding_repo
from tests.conftest import write


def ingest(store, path):
    entries = list(read_reviews(path))
    items = [e for e in entries if isinstance(e, Item)]
    bad = [e for e in entries if isinstance(e, Quarantined)]
    return ingest_repo.write_batch(store, items, bad, "run-1")


def test_schema_is_versioned_and_migrations_are_idempotent(tmp_path):
    path = tmp_path / "v.duckdb"
    with open_store(path) as store:
        assert migrator.schema_version(store) == SCHEMA_VERSION
        assert migrator.migrate(store) == SCHEMA_VERSION
    with open_store(path) as store:
        assert store.scalar("SELECT count(*) FROM schema_migrations") == SCHEMA_VERSION


def test_reingest_adds_nothing(store, tmp_path):
    path = write(tmp_path / "r.csv", "id,content\n1,好吃\n2,难吃\n2,难吃\n3,\n")
    assert ingest(store, path) == (2, 1, 0, 0)
    assert ingest(store, path) == (0, 3, 0, 0)
    assert store.scalar("SELECT count(*) FROM items") == 2
    assert store.scalar("SELECT count(*) FROM quarantine") == 1


def test_coding_writes_segments_codes_and_keeps_history(store, tmp_path, coder):
    write_path = write(tmp_path / "r.csv", "id,content\n1,服务员态度很差，但是菜很好吃\n")
    ingest(store, write_path)
    version = coder.model_version
    pairs = coding_repo.items_to_code(store, version)
    assert [p[2] for p in pairs] == ["review"]  # the channel comes along: what is politeness depends on it
    coding_repo.write_batch(store, coder.code(pairs), version)
    assert coding_repo.items_to_code(store, version) == []
    assert store.scalar("SELECT count(*) FROM segments") == 2
    assert store.scalar("SELECT count(*) FROM codes WHERE is_current") == 2
    # a recode with the same version replaces; with another version the old codes become history
    coding_repo.write_batch(store, coder.code(pairs), version)
    assert store.scalar("SELECT count(*) FROM codes") == 2
    batch = coder.code(pairs)
    for row in batch.codes + batch.item_scores:
        row["model_version"] = "other@2"
    for row in batch.codes:
        row["code_id"] += "-2"
    coding_repo.write_batch(store, batch, "other@2")
    assert store.scalar("SELECT count(*) FROM codes") == 4
    assert store.scalar("SELECT count(*) FROM codes WHERE is_current AND model_version = 'other@2'") == 2
    assert coding_repo.items_to_code(store, version) == pairs


def test_a_failed_batch_writes_nothing(store, tmp_path, coder):
    ingest(store, write(tmp_path / "r.csv", "id,content\n1,好吃\n"))
    batch = coder.code(coding_repo.items_to_code(store, coder.model_version))
    batch.codes.append(dict(batch.codes[0]) if batch.codes else {"code_id": None})
    batch.codes[-1]["code_id"] = None  # violates NOT NULL / PRIMARY KEY
    import psycopg

    with pytest.raises((duckdb.Error, psycopg.Error)):
        coding_repo.write_batch(store, batch, coder.model_version)
    assert store.scalar("SELECT count(*) FROM segments") == 0
    assert store.scalar("SELECT count(*) FROM item_scores") == 0


def test_read_only_store_refuses_writes(tmp_path):
    from pipeline.store import ReadOnlyError

    path = tmp_path / "ro.duckdb"
    open_store(path).close()
    with open_store(path, read_only=True) as store:
        with pytest.raises(ReadOnlyError):
            store.query("DELETE FROM items")


def test_read_only_open_of_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="voc ingest"):
        open_store(tmp_path / "missing.duckdb", read_only=True)


def test_read_only_postgres_refuses_writes(postgres):
    from pipeline.store import ReadOnlyError

    url = postgres.new_database()
    open_store(url).close()
    with open_store(url, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM items") == 0
        with pytest.raises(ReadOnlyError):
            store.query("DELETE FROM items")


def test_each_installation_has_its_own_pseudonymisation_salt(tmp_path, monkeypatch):
    monkeypatch.delenv("VOC_PII_SALT", raising=False)
    call = '{"call_id": "c1", "customer_id": "13912345678", "turns": [{"speaker": "客户", "text": "上菜太慢"}]}\n'
    pseudonyms, salts = [], []
    for name in ("a", "b"):
        with open_store(tmp_path / f"{name}.duckdb") as store:
            salts.append(store_settings.pii_salt(store))
            ingest_file(store, write(tmp_path / f"{name}.jsonl", call), "call")
            pseudonyms.append(store.scalar("SELECT meta FROM items"))
    assert salts[0] != salts[1] and len(salts[0]) == 32 and "voc-local-salt" not in salts
    customer = [json.loads(m)["customer"] for m in pseudonyms]
    assert customer[0] != customer[1] and customer[0] != pseudonymise("13912345678")  # not the public default
    with open_store(tmp_path / "a.duckdb") as store:  # the salt is kept: the same customer links across runs
        assert store_settings.pii_salt(store) == salts[0]
        ingest_file(store, write(tmp_path / "a2.jsonl", call.replace("c1", "c2")), "call")
        assert {json.loads(m)["customer"] for (m,) in store.fetchall("SELECT meta FROM items")} == {customer[0]}


def test_question_marks_in_literals_are_not_placeholders(store, tmp_path):
    ingest(store, write(tmp_path / "q.csv", "id,content\n1,有包间吗？\n2,好吃\n"))
    assert store.scalar("SELECT count(*) FROM items WHERE text LIKE '%吗?%' AND external_id = ?", ["1"]) == 1
    assert store.scalar("SELECT 'it''s ? 100%' || ?", ["!"]) == "it's ? 100%!"


def test_concurrent_postgres_batches_count_and_number_items_once(postgres, tmp_path, monkeypatch):
    """Two runs writing at the same moment: the same file's items are new for one of them only, and two
    files' items get distinct ingest_seq values (the race is widened by a pause inside each batch)."""
    import threading
    import time

    url = postgres.new_database()
    same = write(tmp_path / "same.csv", "id,content\n" + "".join(f"{i},第{i}条评价：服务员态度很好\n" for i in range(30)))
    other = write(tmp_path / "other.csv", "id,content\n" + "".join(f"{i},另一家店的第{i}条：价格很贵\n" for i in range(30)))
    original = ingest_repo._originals

    def slow(engine, hashes):
        time.sleep(0.5)
        return original(engine, hashes)

    monkeypatch.setattr(ingest_repo, "_originals", slow)
    barrier, counts = threading.Barrier(3), {}

    def run(name, path):
        with open_store(url) as store:
            entries = [e for e in read_reviews(path) if isinstance(e, Item)]
            ingest_repo.start_run(store, name, "review", path.name, str(path))
            barrier.wait()
            counts[name] = ingest_repo.write_batch(store, entries, [], name)

    threads = [threading.Thread(target=run, args=args) for args in (("a", same), ("b", same), ("c", other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open_store(url, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM items") == 60
        assert store.scalar("SELECT count(DISTINCT ingest_seq) FROM items") == 60
        new = dict(store.fetchall("SELECT run_id, items_new FROM ingest_runs"))
    assert counts["a"].new + counts["b"].new == 30 and counts["a"].existing + counts["b"].existing == 30
    assert new["a"] + new["b"] == 30 and new["c"] == 30


def test_partitions_cover_the_items_to_code_once_in_ranges(store, tmp_path, coder):
    """Distributed coding sends workers keyset ranges, not texts: together they hold each item to code
    exactly once, in about equal parts, and a range reads only its own items."""
    rows = "".join(f"{n},第{n}条评论：服务员态度很好\n" for n in range(1, 24))
    ingest(store, write(tmp_path / "r.csv", "id,content\n" + rows))
    version = coder.model_version
    everything = coding_repo.items_to_code(store, version)
    coding_repo.write_batch(store, coder.code(everything[:3]), version)  # three already coded
    todo = coding_repo.items_to_code(store, version)
    parts = coding_repo.partitions_to_code(store, version, 4)
    assert len(parts) == 4 and parts[0][0] is None and parts[-1][1] == todo[-1][0]
    ranges = [coding_repo.items_to_code(store, version, after=a, until=u) for a, u in parts]
    assert [p for r in ranges for p in r] == todo
    assert sorted(len(r) for r in ranges) == [5, 5, 5, 5]
    assert sum(coding_repo.count_to_code(store, version, after=a, until=u) for a, u in parts) == 20
    assert len(coding_repo.partitions_to_code(store, version, 50)) == 20  # never more parts than items
