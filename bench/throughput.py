"""Throughput of the coding pipeline against bare jieba, timed in the same run.

    python bench/throughput.py [--repeat 3] [--workers 2]

Texts: the 2,000 real AIC 2018 reviews in data/samples/reviews/ (the shared `aic2018_unlabelled2000`).
Rows:
  bare jieba.lcut (1 process)        the floor for any jieba-based pipeline
  lexicon coding, 1 process           normalised text → spaCy/jieba → clauses → aspects → sentiment → rows
  lexicon coding, N processes         the same, forked workers (what `voc code` does)
  end to end, N processes             CSV → normalise + redact → DuckDB items → coding → DuckDB codes
  trained models, N processes         coding with the promoted models of --models (when it has them)
Each timing is the best of --repeat runs; ratios are against bare jieba in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.coder import Coder, code_pending, iter_coded  # noqa: E402
from pipeline.ingest.runner import ingest_reviews_file  # noqa: E402
from pipeline.normalise import normalise_text  # noqa: E402
from pipeline.store import open_store  # noqa: E402

SAMPLE = ROOT / "data" / "samples" / "reviews" / "dianping_aic2018.csv"


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--models", default="voc-models", help="registry whose promoted models to time as well")
    args = parser.parse_args()

    with SAMPLE.open(encoding="utf-8", newline="") as f:
        raw = [row["content"] for row in csv.DictReader(f)]
    texts = [normalise_text(t) for t in raw]
    pairs = [(str(i), t) for i, t in enumerate(texts)]
    n, chars = len(texts), sum(len(t) for t in texts)

    coder = Coder("restaurant", "lexicon", "lexicon")  # loads jieba with the domain dictionary, as bare jieba below uses
    import jieba

    jieba.lcut(texts[0])
    results: dict[str, float] = {}
    results["bare jieba.lcut (1 process)"] = best_of(args.repeat, lambda: [jieba.lcut(t) for t in texts])
    results["lexicon coding, 1 process"] = best_of(args.repeat, lambda: list(iter_coded(coder, pairs, n_process=1)))
    results[f"lexicon coding, {args.workers} processes"] = best_of(
        args.repeat, lambda: list(iter_coded(coder, pairs, n_process=args.workers)))

    def end_to_end() -> None:
        with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.duckdb") as store:
            ingest_reviews_file(store, SAMPLE)
            code_pending(store, coder, n_process=args.workers)

    results[f"end to end with DuckDB, {args.workers} processes"] = best_of(args.repeat, end_to_end)
    from pipeline.registry import Registry

    registry = Registry(args.models)
    if registry.promoted("aspects") or registry.promoted("sentiment"):
        trained = Coder("restaurant", registry=args.models)
        results[f"trained models ({trained.model_version}), {args.workers} processes"] = best_of(
            args.repeat, lambda: list(iter_coded(trained, pairs, n_process=args.workers)))

    base = results["bare jieba.lcut (1 process)"]
    rows = [{"what": k, "seconds": round(v, 3), "items_per_s": round(n / v), "chars_per_s": round(chars / v),
             "ratio_to_bare_jieba": round(base / v, 3)} for k, v in results.items()]
    if args.json:
        print(json.dumps({"items": n, "chars": chars, "rows": rows}, ensure_ascii=False))
        return
    print(f"{n} reviews, {chars} characters (mean {statistics.mean(len(t) for t in texts):.0f}), best of {args.repeat}")
    print(f"{'what':<44}{'s':>8}{'items/s':>10}{'chars/s':>12}{'× jieba':>9}")
    for r in rows:
        print(f"{r['what']:<44}{r['seconds']:>8.2f}{r['items_per_s']:>10}{r['chars_per_s']:>12}{r['ratio_to_bare_jieba']:>9.2f}")


if __name__ == "__main__":
    main()
