"""Speed-up of the distributed coding flow from 1 to 2 Dask workers, on the 2,000 AIC reviews.

    python bench/dask_scaleout.py [--db postgresql://…] [--partitions 8]

Without --db a throwaway PostgreSQL server is started from Debian's binaries (as the tests do).
Each run recodes all 2,000 items with the lexicon models through `flows.scale.code_distributed` on a
fresh local Dask cluster; the time includes the cluster start and each worker loading the pipeline,
which is what a scheduled run pays.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest.runner import ingest_reviews_file  # noqa: E402
from pipeline.store import open_store  # noqa: E402

SAMPLE = ROOT / "data" / "samples" / "reviews" / "dianping_aic2018.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db")
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    server = None
    if not args.db:
        from tests.postgres import TestServer

        server = TestServer()
        args.db = server.new_database()
    from prefect.testing.utilities import prefect_test_harness
    from prefect_dask import DaskTaskRunner

    from flows.scale import code_distributed

    empty_registry = tempfile.mkdtemp()  # lexicon models: the same work on every run
    with open_store(args.db) as store:
        ingest_reviews_file(store, SAMPLE)
    times = {}
    try:
        with prefect_test_harness(server_startup_timeout=120):
            for workers in (1, 2):
                runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
                start = time.perf_counter()
                coded = code_distributed.with_options(task_runner=runner)(
                    db=args.db, models=empty_registry, partitions=args.partitions, recode=True)
                times[workers] = time.perf_counter() - start
                print(f"{workers} worker(s): {coded} items in {times[workers]:.1f} s ({coded / times[workers]:.0f} items/s)")
    finally:
        if server:
            server.stop()
    print(f"speed-up 1 → 2 workers: {times[1] / times[2]:.2f}×")


if __name__ == "__main__":
    main()
