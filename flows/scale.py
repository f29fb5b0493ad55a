"""Coding scaled out on Dask: items are partitioned, coded in parallel workers and written back to the
store by each worker (PostgreSQL takes concurrent writers; partitions never share an item).

    from prefect_dask import DaskTaskRunner
    # a local cluster of two worker processes
    code_distributed.with_options(task_runner=DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True}))(db=URL)
    # an existing cluster
    code_distributed.with_options(task_runner=DaskTaskRunner(address="tcp://scheduler:8786"))(db=URL)
"""

from __future__ import annotations

from functools import lru_cache

from prefect import flow, task

from flows.tasks import RETRY
from pipeline.coder import code_pending, promoted_models
from pipeline.config import resolve
from pipeline.store import is_postgres, open_store
from pipeline.store import coding as coding_repo


@lru_cache(maxsize=4)
def _coder(taxonomy: str, models: str, lexicon: bool = False):
    """One loaded pipeline per worker process, reused by every partition it codes."""
    from pipeline.coder import Coder

    return Coder(taxonomy, registry=models, lexicon=lexicon)


@task(**RETRY, timeout_seconds=300)
def plan_partitions(db: str, taxonomy: str, models: str, partitions: int, recode: bool,
                    lexicon: bool = False) -> list[tuple[str | None, str]]:
    """Keyset ranges of the items to code, about equal in size: only their bounds travel to workers."""
    coder = _coder(taxonomy, models, lexicon)
    with open_store(db) as store:
        coding_repo.write_taxonomy(store, coder.taxonomy)
        return coding_repo.partitions_to_code(store, coder.model_version, partitions, recode=recode)


@task(**RETRY)  # no timeout: on Dask worker threads Prefect cannot enforce one, it only warns
def code_partition(db: str, taxonomy: str, models: str, bounds: tuple[str | None, str], recode: bool = False,
                   lexicon: bool = False) -> int:
    """Code one range of items, read from the store a window at a time and written chunk by chunk."""
    coder = _coder(taxonomy, models, lexicon)
    with open_store(db) as store:
        return code_pending(store, coder, recode=recode, bounds=tuple(bounds))


@flow(name="voc-code-distributed", log_prints=True)
def code_distributed(db: str | None = None, taxonomy: str = "restaurant", models: str | None = None,
                     partitions: int = 8, recode: bool = False, lexicon: bool = False) -> int:
    """Code in parallel partitions on the flow's task runner (Dask for scale-out). Needs PostgreSQL:
    a DuckDB file takes one writer process at a time."""
    config = resolve(db, models)
    db, models = config.db, config.models
    print(config.describe())
    if not is_postgres(db):
        raise ValueError("distributed coding writes from several processes: use a postgresql:// store")
    if not lexicon:
        promoted_models(models, taxonomy)
    parts = plan_partitions(db, taxonomy, models, partitions, recode, lexicon)
    futures = code_partition.map(db, taxonomy, models, parts, recode, lexicon)
    coded = sum(f.result() for f in futures)
    print(f"coded {coded} items in {len(parts)} partitions")
    return coded
