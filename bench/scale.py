"""Scale: ingest and coding throughput and peak memory at growing store sizes, against bare jieba.

For each size, in a fresh process (so its peak RSS is its own): synthesise N reviews from the sample
(clusters of near-copies, as bench/near_duplicates.py), time bare `jieba.lcut` over the texts on one
process, then ingest the CSV into a new DuckDB store (near-duplicate pass included) and code every item
on 2 processes with the promoted models of `--models` (the lexicon with `--lexicon`).

    python bench/scale.py --sizes 10000 100000 [--models voc-models | --lexicon] [--json]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


class Progress:
    """Coding progress on stderr every 50k items: how many, the rate so far, this process's peak RSS."""

    def __init__(self, started: float, every: int = 50_000) -> None:
        self.started, self.every, self.done, self.next = started, every, 0, every

    def __call__(self, n: int, total: int) -> None:
        self.done += n
        if self.done >= self.next:
            self.next += self.every
            rate = self.done / (time.perf_counter() - self.started)
            print(f"coded {self.done:,}/{total:,} at {rate:.0f}/s, peak RSS {peak_rss_mb()} MB",
                  file=sys.stderr, flush=True)


def one(size: int, models: str | None, workers: int) -> dict:
    import jieba

    from near_duplicates import synthesise
    from pipeline.coder import Coder, code_pending
    from pipeline.dedup import flag_near_duplicates
    from pipeline.ingest.runner import ingest_reviews_file
    from pipeline.store import open_store

    coder = Coder("restaurant", registry=models or "", lexicon=models is None)  # loads jieba's dictionaries
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.csv"
        synthesise(path, size, copies=20)
        jieba_s = 0.0
        with open(path, encoding="utf-8") as f:  # timed 10k texts at a time: the file is never held whole
            rows = csv.DictReader(f)
            while texts := [row["content"] for row in itertools.islice(rows, 10_000)]:
                started = time.perf_counter()
                for text in texts:
                    jieba.lcut(text)
                jieba_s += time.perf_counter() - started
        with open_store(Path(tmp) / "v.duckdb") as store:
            started = time.perf_counter()
            ingest_reviews_file(store, path, batch_size=5000)
            flag_near_duplicates(store)
            ingest_s = time.perf_counter() - started
            started = time.perf_counter()
            coded = code_pending(store, coder, n_process=workers, progress=Progress(started))
            code_s = time.perf_counter() - started
    return {"reviews": size, "coded": coded, "model_version": coder.model_version,
            "jieba_per_s": round(size / jieba_s), "ingest_per_s": round(size / ingest_s),
            "code_per_s": round(coded / code_s), "end_to_end_per_s": round(size / (ingest_s + code_s)),
            "end_to_end_vs_jieba": round(jieba_s / (ingest_s + code_s), 2), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--models", default=None, help="registry whose promoted models code")
    parser.add_argument("--lexicon", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    models = None if args.lexicon else (args.models or "voc-models")
    if args.one:
        print(json.dumps(one(args.one, models, args.workers)))
        return
    rows = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), "--workers", str(args.workers)]
        command += ["--lexicon"] if args.lexicon else ["--models", models]
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)  # its stderr is shown
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if not args.json:
            print(rows[-1], flush=True)
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
