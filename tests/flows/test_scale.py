"""Coding on a local Dask cluster of two worker processes, written back to PostgreSQL."""

import pytest

from pipeline.ingest.runner import ingest_reviews_file
from pipeline.store import open_store
from tests.conftest import write


def test_two_dask_workers_code_every_item_once(tmp_path, postgres):
    from prefect_dask import DaskTaskRunner

    from flows.scale import code_distributed

    url = postgres.new_database()
    rows = "\n".join(f"{n},第{n}家店服务员态度{'很好' if n % 3 else '很差'}，菜也好吃" for n in range(1, 41))
    with open_store(url) as store:
        ingest_reviews_file(store, write(tmp_path / "r.csv", "id,content\n" + rows + "\n"))
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    coded = code_distributed.with_options(task_runner=runner)(db=url, models=str(tmp_path / "none"), partitions=4, lexicon=True)
    assert coded == 40
    with open_store(url, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM item_scores WHERE is_current") == 40
        assert store.scalar("SELECT count(DISTINCT item_id) FROM codes WHERE sub_dimension = 'staff_attitude'") == 40
        negative = store.scalar("SELECT count(*) FROM codes WHERE sub_dimension = 'staff_attitude' AND sentiment = 'negative'")
    assert negative == 13  # n divisible by 3
    assert code_distributed(db=url, models=str(tmp_path / "none"), lexicon=True) == 0  # nothing left to code


def test_distributed_coding_refuses_duckdb(tmp_path):
    from flows.scale import code_distributed

    with pytest.raises(ValueError, match="postgresql"):
        code_distributed(db=str(tmp_path / "x.duckdb"))
