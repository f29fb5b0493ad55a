"""Rebuild data/samples/reviews/ and data/labelled/sentiment_binary_10k.csv from ../shared/datasets (run once by a maintainer, not at run time).

The AIC 2018 reviews carry no store, touchpoint or date. To show the touchpoint × period views,
each review is given an ILLUSTRATIVE store and date, derived deterministically from its id.
They are not real metadata.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets" / "aic2018"
STORES = ["解放碑店", "观音桥店", "南坪店", "沙坪坝店"]
START = date(2026, 5, 1)


def _bucket(key: str, n: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % n


def main() -> None:
    source = SHARED / "aic2018_unlabelled2000.csv"
    if not source.exists():
        sys.exit(f"{source} not found: this script needs the shared datasets beside the checkout")
    out = ROOT / "data" / "samples" / "reviews" / "dianping_aic2018.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with source.open(encoding="utf-8", newline="") as f_in, out.open("w", encoding="utf-8", newline="") as f_out:
        writer = csv.writer(f_out)
        writer.writerow(["id", "content", "store", "created_at"])
        for row in csv.DictReader(f_in):
            rid = row["id"]
            day = START + timedelta(days=_bucket("day" + rid, 200))
            writer.writerow([rid, row["content"], STORES[_bucket("store" + rid, len(STORES))], day.isoformat()])
    print(f"wrote {out}")


def build_sentiment_sample(n: int = 10000, seed: int = 0) -> None:
    """A stratified sample of the binary sentiment corpora, for the default overall-sentiment model."""
    import pandas as pd

    base = ROOT.parent / "shared" / "datasets" / "sentiment"
    frames = [pd.read_csv(base / "ChnSentiCorp_htl_all.csv").assign(source="ChnSentiCorp_htl_all"),
              pd.read_csv(base / "online_shopping_10_cats.csv").assign(source="online_shopping_10_cats")]
    data = pd.concat(frames, ignore_index=True)
    data["review"] = data["review"].astype(str).str.replace("\ufeff", "", regex=False).str.strip()
    data = data[(data["review"] != "") & (data["review"] != "nan")]
    sample = data.groupby("label").sample(n // 2, random_state=seed)
    out = ROOT / "data" / "labelled" / "sentiment_binary_10k.csv"
    sample.sample(frac=1, random_state=seed)[["label", "review", "source"]].to_csv(out, index=False)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
    build_sentiment_sample()
