"""Near-duplicate pass at scale: N reviews synthesised from the sample as clusters of near-copies
(each base review repeated with a varying greeting and a cut ending), ingested into a fresh DuckDB
store, then `flag_near_duplicates`; a second day's file shows the incremental cost.

    python bench/near_duplicates.py [--reviews 100000] [--copies 50]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.dedup import flag_near_duplicates  # noqa: E402
from pipeline.ingest.runner import ingest_reviews_file  # noqa: E402
from pipeline.paths import SAMPLES_DIR  # noqa: E402
from pipeline.store import open_store  # noqa: E402

GREETINGS = ["", "您好，", "老板好：", "说实话，", "补充一下：", "再评一次："]


def synthesise(path: Path, n: int, copies: int, offset: int = 0) -> None:
    with open(SAMPLES_DIR / "reviews" / "dianping_aic2018.csv", encoding="utf-8") as f:
        base = [r["content"].replace("\n", " ") for r in csv.DictReader(f)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "content"])
        for i in range(n):
            text = base[(i // copies) % len(base)]
            k = i % copies
            day = "" if offset == 0 else "（第二天）"
            cycle = i // (copies * len(base))  # past the sample's end, a new round of distinct texts
            variant = (GREETINGS[k % len(GREETINGS)] + text[: max(10, len(text) - (k // len(GREETINGS)))] + f"（{k}）{day}"
                       + (f"（第{cycle + 1}轮）" if cycle else ""))
            writer.writerow([offset + i, variant])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        day1, day2 = tmp / "day1.csv", tmp / "day2.csv"
        synthesise(day1, args.reviews, args.copies)
        synthesise(day2, args.reviews // 10, args.copies, offset=args.reviews)
        result = {"reviews": args.reviews, "copies": args.copies}
        with open_store(tmp / "v.duckdb") as store:
            started = time.perf_counter()
            ingest_reviews_file(store, day1, batch_size=5000)
            result["ingest_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            result["flagged"] = flag_near_duplicates(store)
            result["near_dup_s"] = round(time.perf_counter() - started, 1)
            ingest_reviews_file(store, day2, batch_size=5000)
            started = time.perf_counter()
            result["flagged_day2"] = flag_near_duplicates(store)
            result["near_dup_day2_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
