"""How far two labellers agree on the gold reviews, and where the pipeline stands between them.

    python bench/agreement.py [--models voc-models] [--second data/gold/agreement/reviews_restaurant_second.yaml]

A second labeller relabelled some gold reviews blind (data/gold/agreement/). Scored with the gold
metrics (`models.gold.score`): the second labelling against the gold, and the coding pipeline (the
lexicon, and the registry's promoted models) on the same items against the gold and against the
second labelling. Two careful readers' exact match is the ceiling an item-level target can ask for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.gold import GoldItem, Prediction, coder_predictions, load_gold_file, load_second_labels, score, to_item  # noqa: E402

GOLD = ROOT / "data" / "gold" / "reviews_restaurant.yaml"
SECOND = ROOT / "data" / "gold" / "agreement" / "reviews_restaurant_second.yaml"


def as_truth(items: list[GoldItem], labels: list[Prediction]) -> list[GoldItem]:
    """The second labelling as the items to score against (it names no evidence)."""
    return [GoldItem(g.id, g.channel, g.taxonomy, g.record, p.codes, {}, p.sentiment) for g, p in zip(items, labels)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=str(ROOT / "voc-models"))
    parser.add_argument("--second", type=Path, default=SECOND)
    args = parser.parse_args()
    from pipeline.coder import Coder, NoModels

    items, second = load_second_labels(args.second, load_gold_file(GOLD))
    rows = [("second labeller", "gold", score(items, second))]
    coders = [("lexicon", dict(lexicon=True)), ("promoted models", {})]
    for name, kwargs in coders:
        try:
            coder = Coder(items[0].taxonomy, registry=args.models, **kwargs)
        except NoModels as exc:
            print(f"  {name}: {exc}", file=sys.stderr)
            continue
        predicted = [Prediction(p.codes, {}, p.sentiment) for p in coder_predictions(coder, [to_item(g) for g in items])]
        rows += [(name, "gold", score(items, predicted)), (name, "second labeller", score(as_truth(items, second), predicted))]
    print(f"\n{len(items)} gold reviews relabelled blind ({args.second.name})")
    print("| labels or coder | scored against | code P | code R | code F1 | mention F1 | exact match | item sentiment |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for who, against, r in rows:
        print(f"| {who} | {against} | {r['code_precision']:.3f} | {r['code_recall']:.3f} | {r['code_f1']:.3f} | "
              f"{r['mention_f1']:.3f} | {r['exact_match']:.3f} | {r['sentiment_accuracy']:.3f} |")


if __name__ == "__main__":
    main()
