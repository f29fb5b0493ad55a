"""Build data/labelled/ from ../shared/datasets (run once by a maintainer; the output is committed).

    python scripts/build_labelled.py [--shared ../shared/datasets]

- aic2018_train.csv / aic2018_heldout.csv: the 1,500 + 2,842 labelled AIC 2018 reviews, split 80/20
  at random (seed 2026). The held-out file is never trained on: `voc models promote` compares a
  candidate with the promoted model on it.
- ccf_car2018_polarity.csv: CCF BDCI 2018 car reviews whose topics all carry one polarity,
  `text,label,topic` (label negative/neutral/positive) — car-domain clause polarity.
- aste_sentences.csv: restaurant sentences of the ABSA triplet set whose opinions all carry one
  polarity, `text,label`, 8,000 drawn at random (seed 2026) from the training split.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "data" / "labelled"
POLARITY = {1: "positive", 0: "neutral", -1: "negative", "POS": "positive", "NEU": "neutral", "NEG": "negative"}


def aic(shared: Path) -> None:
    first = pd.read_csv(shared / "aic2018" / "aic2018_labelled1500.csv", dtype=str)
    extra = pd.read_csv(shared / "aic2018" / "aic2018_extra_labelled.csv", dtype=str)
    extra = extra[first.columns]
    both = pd.concat([first, extra], ignore_index=True).drop_duplicates("content")
    held = both.sample(frac=0.2, random_state=2026)
    both.drop(held.index).to_csv(OUT / "aic2018_train.csv", index=False)
    held.to_csv(OUT / "aic2018_heldout.csv", index=False)
    print(f"AIC: {len(both) - len(held)} train, {len(held)} held out")


def ccf(shared: Path) -> None:
    rows = pd.read_csv(shared / "ccf_car2018" / "train.csv", dtype={"sentiment_value": int})
    agree = rows.groupby("content").filter(lambda g: g.sentiment_value.nunique() == 1)
    out = agree.groupby("content").agg(label=("sentiment_value", "first"), topic=("subject", "first")).reset_index()
    out["label"] = out.label.map(POLARITY)
    out.rename(columns={"content": "text"})[["text", "label", "topic"]].to_csv(OUT / "ccf_car2018_polarity.csv", index=False)
    print(f"CCF: {len(out)} texts")


def aste(shared: Path, n: int = 8000) -> None:
    rows = []
    for line in (shared / "absa_zh" / "zhang_aste_train.txt").read_text(encoding="utf-8").splitlines():
        sentence, _, triplets = line.partition("####")
        labels = {t[2] for t in ast.literal_eval(triplets)} if triplets else set()
        if len(labels) == 1:
            rows.append((sentence.replace(" ", ""), POLARITY[labels.pop()]))
    out = pd.DataFrame(rows, columns=["text", "label"]).drop_duplicates("text").sample(n, random_state=2026)
    out.to_csv(OUT / "aste_sentences.csv", index=False)
    print(f"ASTE: {len(out)} sentences ({out.label.value_counts().to_dict()})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "datasets")
    args = parser.parse_args()
    aic(args.shared)
    ccf(args.shared)
    aste(args.shared)
