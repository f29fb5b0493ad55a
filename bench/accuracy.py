"""Accuracy of the coding pipeline and of every model kind, in one run.

    python bench/accuracy.py [--models voc-models] [--skip-cross-domain] [--transformer-base DIR] [--json FILE]

1. Gold sets (data/gold, labelled by hand): the whole pipeline per channel and taxonomy — code
   precision/recall/F1 on (sub-dimension, polarity), item exact match, item sentiment — with the
   lexicon alone (the baseline) and with the registry's promoted models (run `make models` first);
   then the same on the sealed test sets (data/gold/test), which no change to the coder was read against.
2. Aspect models trained on data/labelled/aic2018_train.csv, scored on the committed held-out file
   aic2018_heldout.csv (never trained on): the AIC metric (mean over aspects of 4-class macro-F1),
   mention F1, polarity accuracy. Rows: the published plain TF-IDF + LinearSVC baseline, the lexicon,
   the default AspectSentimentClassifier, and a fine-tuned transformer when --transformer-base is given.
3. Clause polarity on the held-out file's clauses: the lexicon against the promoted polarity model.
4. Overall sentiment on the binary corpora (the full 70k in ../shared when present, else the 10k
   sample): a stratified 10 % held out (in-domain), and leave-one-domain-out (hotel, and each
   shopping category held out in turn; cross-domain), for the lexicon, the model, and both averaged;
   cross-domain also after self-training on half of the held-out domain's texts (no labels), scored
   on the other half.
Prediction speed is reviews/s on one process, features included.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.aspect_sentiment import AspectSentimentClassifier  # noqa: E402
from models.labels import load_aspect_data, load_binary_data  # noqa: E402
from models.lexicon_baseline import LexiconBinarySentiment, LexiconDocAspects  # noqa: E402
from models.metrics import aspect_metrics, binary_metrics  # noqa: E402
from models.overall_sentiment import OverallSentimentClassifier, sure_readings, weighed_scores  # noqa: E402
from pipeline.normalise import normalise_text  # noqa: E402

LABELLED = ROOT / "data" / "labelled"
AIC_TRAIN, AIC_HELDOUT = LABELLED / "aic2018_train.csv", LABELLED / "aic2018_heldout.csv"
GOLD = ROOT / "data" / "gold"
SEALED = GOLD / "test"
SHARED_SENTIMENT = ROOT.parent / "shared" / "datasets" / "sentiment"
SAMPLE_SENTIMENT = LABELLED / "sentiment_binary_10k.csv"
#: The restaurant and car clauses the shipped sentiment model also learns from (`make models`): added to
#: the training side of every split below, never to a held-out binary domain.
EXTRA_SENTIMENT = [LABELLED / "aste_sentences.csv", LABELLED / "ccf_car2018_polarity.csv", AIC_TRAIN]  # as `make models`


class PlainTfidfSVC:
    """The reference baseline: document TF-IDF (jieba words + chars) and a LinearSVC per aspect."""

    role = "aspects"

    def fit(self, X, Y: pd.DataFrame):
        import jieba

        self.classes_ = np.array(Y.columns)
        self.vec_ = TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        matrix = self.vec_.fit_transform([normalise_text(x) for x in X])
        self.svms_ = [LinearSVC().fit(matrix, Y[a]) for a in self.classes_]
        return self

    def predict(self, X):
        matrix = self.vec_.transform([normalise_text(x) for x in X])
        return np.column_stack([svm.predict(matrix) for svm in self.svms_])


def gold_rows(models: str, directory: Path = GOLD) -> list[dict]:
    """The pipeline on the gold sets of `directory`, lexicon alone and with the promoted models."""
    from models.gold import evaluate_with_coders
    from pipeline.coder import NoModels

    rows = [{"coded_with": "lexicon (baseline)", **r} for r in evaluate_with_coders(directory, models, lexicon=True)]
    try:
        rows += [{"coded_with": "promoted models", **r} for r in evaluate_with_coders(directory, models)]
    except NoModels as exc:
        print(f"  gold: {exc}", file=sys.stderr)
    return rows


def heldout_aspects(name: str, make, train, test) -> dict:
    start = time.perf_counter()
    model = make().fit(train.texts, train.labels)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    pred = model.predict(test.texts)
    predict_s = time.perf_counter() - start
    metrics = aspect_metrics(test.labels, pd.DataFrame(pred, columns=list(model.classes_)))
    print(f"  {name}: held-out macro-F1 {metrics['macro_f1']:.4f}", file=sys.stderr, flush=True)
    return {"model": name, "macro_f1": metrics["macro_f1"], "mention_f1": metrics["mention_f1"],
            "polarity_accuracy": metrics["polarity_accuracy"], "fit_seconds": fit_s,
            "predict_reviews_per_s": len(test) / predict_s}


def polarity_rows(models: str) -> list[dict]:
    """Clause polarity on the held-out file's clauses: lexicon vs the promoted polarity model."""
    from sklearn.metrics import accuracy_score, f1_score

    from models.clause_polarity import clause_examples
    from pipeline.registry import Registry
    from pipeline.sentiment import label_for

    test = clause_examples([AIC_HELDOUT])
    rows = [{"model": "lexicon", "accuracy": accuracy_score(test.label, [label_for(v, 0.15) for v in test.aspect_score]),
             "macro_f1": f1_score(test.label, [label_for(v, 0.15) for v in test.aspect_score], average="macro")}]
    ref = Registry(models).promoted("polarity", "restaurant")
    if ref:
        pred = Registry(models).load(ref).predict(test[["text", "aspect_score", "clause_score"]])
        rows.append({"model": ref, "accuracy": accuracy_score(test.label, pred),
                     "macro_f1": f1_score(test.label, pred, average="macro")})
    for row in rows:
        row["clauses"] = len(test)
    return rows


def binary_frame() -> tuple[pd.DataFrame, str]:
    """label, review, domain: the full corpora (shopping categories and hotels) when ../shared has
    them, else the 10k sample (two domains: its `source` column)."""
    shop, hotel = SHARED_SENTIMENT / "online_shopping_10_cats.csv", SHARED_SENTIMENT / "ChnSentiCorp_htl_all.csv"
    if shop.exists() and hotel.exists():
        frames = [pd.read_csv(shop, dtype=str).rename(columns={"cat": "domain"}),
                  pd.read_csv(hotel, dtype=str).assign(domain="酒店")]
        source = "online_shopping_10_cats + ChnSentiCorp_htl_all (../shared)"
    else:
        frames = [pd.read_csv(SAMPLE_SENTIMENT, dtype=str).rename(columns={"source": "domain"})]
        source = f"{SAMPLE_SENTIMENT.name} (two domains)"
    frame = pd.concat(frames, ignore_index=True)
    frame["review"] = frame.review.fillna("").str.replace("\ufeff", "", regex=False).str.strip()
    frame = frame[frame.review != ""]
    frame["label"] = frame.label.astype(int)
    return frame[["label", "review", "domain"]].reset_index(drop=True), source


@lru_cache(maxsize=1)
def extra_sentiment():
    """The polar clauses and AIC reviews of EXTRA_SENTIMENT, read once for every split."""
    return load_binary_data(EXTRA_SENTIMENT)


def sentiment_scores(train: pd.DataFrame, test: pd.DataFrame, self_train: bool = False) -> dict[str, np.ndarray]:
    """Scores in [-1, 1] of the lexicon, the model trained on `train` (and the extra clauses), and the two
    weighed as the pipeline weighs them. With `self_train`, also the mix after self-training on the test
    domain's unlabelled texts, kept honest by halves: the model self-trained on one random half of `test`
    (without its labels) scores the other half, and the other way round."""
    lexicon, polar_clauses = LexiconBinarySentiment().readings(test.review.tolist())
    extra = extra_sentiment()
    texts, labels = train.review.tolist() + extra.texts, np.concatenate([train.label.to_numpy(), extra.labels])
    model = OverallSentimentClassifier().fit(texts, labels)
    learned = model.decision_function(test.review.tolist())
    scores = {"lexicon": lexicon, "model": learned, "model + lexicon": weighed_scores(learned, lexicon, polar_clauses)}
    if self_train:
        adapted = np.zeros(len(test))
        order = np.random.default_rng(0).permutation(len(test))
        halves = [order[: len(test) // 2], order[len(test) // 2:]]
        for unlabelled, scored in (halves, halves[::-1]):  # the readings above, not read again
            sure, read = sure_readings(learned[unlabelled], lexicon[unlabelled], polar_clauses[unlabelled],
                                       model.self_training_threshold)
            pseudo = test.review.iloc[unlabelled[sure]].tolist()
            refit = OverallSentimentClassifier().fit(texts + pseudo, np.concatenate([labels, read]))
            adapted[scored] = refit.decision_function(test.review.iloc[scored].tolist())
        scores["model + lexicon, self-trained on the domain's other half"] = weighed_scores(adapted, lexicon, polar_clauses)
    return scores


def sentiment_rows(cross_domain: bool) -> tuple[list[dict], str]:
    frame, source = binary_frame()
    train, test = train_test_split(frame, test_size=0.1, random_state=0, stratify=frame.label)
    rows = [{"evaluation": "10% held out (in-domain)", "model": name, **binary_metrics(test.label, (s > 0).astype(int))}
            for name, s in sentiment_scores(train, test).items()]
    if cross_domain:
        per: dict[str, list[float]] = {}
        for domain in sorted(frame.domain.unique()):
            held = frame.domain == domain
            scores = sentiment_scores(frame[~held], frame[held], self_train=True)
            for name, s in scores.items():
                per.setdefault(name, []).append(float(((s > 0).astype(int) == frame[held].label).mean()))
            print(f"  cross-domain: {domain} held out: " + ", ".join(f"{n} {v[-1]:.4f}" for n, v in per.items()),
                  file=sys.stderr, flush=True)
        for name, accuracies in per.items():
            rows.append({"evaluation": f"leave-one-domain-out, mean of {len(accuracies)} domains", "model": name,
                         "accuracy": float(np.mean(accuracies)), "f1": float("nan"),
                         "worst_domain": float(np.min(accuracies))})
    return rows, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=str(ROOT / "voc-models"), help="registry with the promoted models")
    parser.add_argument("--transformer-base", help="local checkpoint folder to fine-tune")
    parser.add_argument("--transformer-epochs", type=int, default=3)
    parser.add_argument("--skip-cross-domain", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    gold, sealed = gold_rows(args.models), gold_rows(args.models, SEALED)
    for title, rows in (("Gold sets (data/gold): the pipeline item by item", gold),
                        ("Sealed test sets (data/gold/test): never read to change the coder", sealed)):
        print(f"\n{title}")
        print("| coded with | channel | taxonomy | items | code P | code R | code F1 | mention F1 | exact match | item sentiment | evidence hit |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['coded_with']} | {r['channel']} | {r['taxonomy']} | {r['items']} | {r['code_precision']:.3f} | "
                  f"{r['code_recall']:.3f} | {r['code_f1']:.3f} | {r['mention_f1']:.3f} | {r['exact_match']:.3f} | "
                  f"{r['sentiment_accuracy']:.3f} | {r['evidence_hit']:.3f} |")

    train, test = load_aspect_data(AIC_TRAIN), load_aspect_data(AIC_HELDOUT)
    aspect_rows = [
        heldout_aspects("TF-IDF + LinearSVC (plain baseline)", PlainTfidfSVC, train, test),
        heldout_aspects("lexicon (no training)", LexiconDocAspects, train, test),
        heldout_aspects("sklearn AspectSentimentClassifier (default)", AspectSentimentClassifier, train, test),
    ]
    if args.transformer_base:
        from models.transformer import TransformerAspectClassifier

        aspect_rows.append(heldout_aspects(
            f"transformer from {Path(args.transformer_base).name}",
            lambda: TransformerAspectClassifier(base_model=args.transformer_base, epochs=args.transformer_epochs,
                                                max_length=256, batch_size=16, learning_rate=1e-4), train, test))
    print(f"\nAspect models: trained on {AIC_TRAIN.name} ({len(train)}), scored on {AIC_HELDOUT.name} ({len(test)}, never trained on)")
    print("| model | AIC macro-F1 | mention F1 | polarity acc. | fit s | predict reviews/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in aspect_rows:
        print(f"| {r['model']} | {r['macro_f1']:.4f} | {r['mention_f1']:.4f} | {r['polarity_accuracy']:.4f} | "
              f"{r['fit_seconds']:.1f} | {r['predict_reviews_per_s']:.0f} |")

    polarity = polarity_rows(args.models)
    print(f"\nClause polarity on the {polarity[0]['clauses']} clauses of {AIC_HELDOUT.name} the labels pin down")
    print("| model | accuracy | macro-F1 |")
    print("|---|---:|---:|")
    for r in polarity:
        print(f"| {r['model']} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} |")

    sentiment, source = sentiment_rows(not args.skip_cross_domain)
    print(f"\nOverall sentiment: {source}")
    print("| evaluation | model | accuracy | worst domain |")
    print("|---|---|---:|---:|")
    for r in sentiment:
        worst = f"{r['worst_domain']:.4f}" if "worst_domain" in r else ""
        print(f"| {r['evaluation']} | {r['model']} | {r['accuracy']:.4f} | {worst} |")
    if args.json:
        args.json.write_text(json.dumps({"gold": gold, "sealed": sealed, "aspects": aspect_rows, "polarity": polarity,
                                         "sentiment": sentiment, "sentiment_data": source},
                                        ensure_ascii=False, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
