"""Accuracy, training time and prediction speed of every model kind, in one run.

    python bench/accuracy.py [--folds 5] [--transformer-base DIR] [--skip-transformer]

1. Aspect models, K-fold CV on the 1,500 labelled AIC 2018 reviews (data/labelled/): the AIC metric
   (mean over aspects of 4-class macro-F1), mention F1, polarity accuracy. Rows:
   - TF-IDF + LinearSVC: the published plain baseline (doc word+char TF-IDF only), for reference;
   - lexicon: the rule pipeline, no training;
   - sklearn: the default AspectSentimentClassifier;
   - transformer: fine-tuned from --transformer-base (e.g. `voc pretrain` output or a local
     bert-base-chinese); skipped when none is given.
2. Overall sentiment on a held-out 10% of the binary corpora (the full 70k in ../shared when present,
   else the 10k sample in data/labelled/): lexicon vs OverallSentimentClassifier.
Prediction speed is reviews/s on one process, features included.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold, train_test_split
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.aspect_sentiment import AspectSentimentClassifier  # noqa: E402
from models.labels import load_aspect_data, load_binary_data  # noqa: E402
from models.lexicon_baseline import LexiconBinarySentiment, LexiconDocAspects  # noqa: E402
from models.metrics import aspect_metrics, binary_metrics  # noqa: E402
from models.overall_sentiment import OverallSentimentClassifier  # noqa: E402
from pipeline.normalise import normalise_text  # noqa: E402

AIC = ROOT / "data" / "labelled" / "aic2018_labelled1500.csv"
SHARED_SENTIMENT = ROOT.parent / "shared" / "datasets" / "sentiment"
SAMPLE_SENTIMENT = ROOT / "data" / "labelled" / "sentiment_binary_10k.csv"


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


def cv_aspects(name: str, make, data, folds: int) -> dict:
    fold_metrics, fit_s, predict_s, predicted = [], 0.0, 0.0, 0
    for train, test in KFold(folds, shuffle=True, random_state=0).split(data.texts):
        start = time.perf_counter()
        model = make().fit([data.texts[i] for i in train], data.labels.iloc[train].reset_index(drop=True))
        fit_s += time.perf_counter() - start
        start = time.perf_counter()
        pred = model.predict([data.texts[i] for i in test])
        predict_s += time.perf_counter() - start
        predicted += len(test)
        fold_metrics.append(aspect_metrics(data.labels.iloc[test].reset_index(drop=True),
                                           pd.DataFrame(pred, columns=list(model.classes_))))
        print(f"  {name}: fold {len(fold_metrics)}/{folds} macro-F1 {fold_metrics[-1]['macro_f1']:.4f}", file=sys.stderr, flush=True)
    return {"model": name,
            "macro_f1": float(np.mean([m["macro_f1"] for m in fold_metrics])),
            "macro_f1_std": float(np.std([m["macro_f1"] for m in fold_metrics])),
            "mention_f1": float(np.mean([m["mention_f1"] for m in fold_metrics])),
            "polarity_accuracy": float(np.mean([m["polarity_accuracy"] for m in fold_metrics])),
            "fit_seconds_per_fold": fit_s / folds, "predict_reviews_per_s": predicted / predict_s}


def sentiment_rows() -> tuple[list[dict], str]:
    shared = sorted(SHARED_SENTIMENT.glob("*.csv")) if SHARED_SENTIMENT.exists() else []
    paths = shared or [SAMPLE_SENTIMENT]
    data = load_binary_data(paths)
    x_train, x_test, y_train, y_test = train_test_split(data.texts, data.labels, test_size=0.1, random_state=0,
                                                        stratify=data.labels)
    rows = []
    start = time.perf_counter()
    lexicon_pred = LexiconBinarySentiment().predict(x_test)
    rows.append({"model": "lexicon", "fit_seconds": 0.0, "predict_reviews_per_s": len(x_test) / (time.perf_counter() - start),
                 **binary_metrics(y_test, lexicon_pred)})
    start = time.perf_counter()
    model = OverallSentimentClassifier().fit(x_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    pred = model.predict(x_test)
    rows.append({"model": "overall (char TF-IDF + calibrated LR)", "fit_seconds": fit_s,
                 "predict_reviews_per_s": len(x_test) / (time.perf_counter() - start), **binary_metrics(y_test, pred)})
    source = f"{len(data.texts)} reviews from {', '.join(p.name for p in paths)}; train {len(x_train)}, held out {len(x_test)}"
    return rows, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--transformer-base", help="local checkpoint folder to fine-tune")
    parser.add_argument("--transformer-epochs", type=int, default=3)
    parser.add_argument("--skip-transformer", action="store_true")
    parser.add_argument("--transformer-only", action="store_true", help="only the transformer row")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    data = load_aspect_data(AIC)
    aspect_rows = [] if args.transformer_only else [
        cv_aspects("TF-IDF + LinearSVC (plain baseline)", PlainTfidfSVC, data, args.folds),
        cv_aspects("lexicon (no training)", LexiconDocAspects, data, args.folds),
        cv_aspects("sklearn AspectSentimentClassifier (default)", AspectSentimentClassifier, data, args.folds),
    ]
    if args.transformer_base and not args.skip_transformer:
        from models.transformer import TransformerAspectClassifier

        aspect_rows.append(cv_aspects(
            f"transformer from {Path(args.transformer_base).name}",
            lambda: TransformerAspectClassifier(base_model=args.transformer_base, epochs=args.transformer_epochs,
                                                max_length=256, batch_size=16, learning_rate=1e-4),
            data, args.folds))
    sentiment, source = ([], "skipped") if args.transformer_only else sentiment_rows()

    print(f"\nAspect models: {args.folds}-fold CV on {AIC.name} ({len(data)} reviews, 20 aspects)")
    print("| model | AIC macro-F1 | ± | mention F1 | polarity acc. | fit s/fold | predict reviews/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in aspect_rows:
        print(f"| {r['model']} | {r['macro_f1']:.4f} | {r['macro_f1_std']:.4f} | {r['mention_f1']:.4f} | "
              f"{r['polarity_accuracy']:.4f} | {r['fit_seconds_per_fold']:.1f} | {r['predict_reviews_per_s']:.0f} |")
    print(f"\nOverall sentiment: {source}")
    print("| model | accuracy | F1 | fit s | predict reviews/s |")
    print("|---|---:|---:|---:|---:|")
    for r in sentiment:
        print(f"| {r['model']} | {r['accuracy']:.4f} | {r['f1']:.4f} | {r['fit_seconds']:.1f} | {r['predict_reviews_per_s']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"aspects": aspect_rows, "sentiment": sentiment, "sentiment_data": source},
                                        ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
