"""Training, cross-validation and evaluation: what `voc train` / `voc evaluate` run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, train_test_split

from models.aspect_sentiment import AspectSentimentClassifier
from models.features import analyse
from models.labels import (AspectData, file_kind, file_texts, load_aspect_data, load_binary_data, text_fingerprints,
                           training_overlap)
from models.lexicon_baseline import LexiconBinarySentiment, LexiconDocAspects
from models.metrics import aspect_metrics, binary_metrics
from models.overall_sentiment import UNLABELLED, OverallSentimentClassifier
from pipeline.registry import Ref, Registry
from pipeline.items import stable_hash
from pipeline.nlp import cached_taxonomy


def predict_frame(model: Any, X: list) -> pd.DataFrame:
    return pd.DataFrame(model.predict(X), columns=list(model.classes_))


def cross_validate(make_model: Callable[[], Any], data: AspectData, folds: int = 5, seed: int = 0) -> dict:
    """K-fold CV of an aspect model: macro_f1, mention_f1 and polarity_accuracy computed on each fold's
    held-out rows and averaged over the folds, with the spread of macro_f1 and per-aspect F1."""
    docs = analyse(data.texts, getattr(make_model(), "taxonomy", "restaurant"))
    per_fold = []
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(docs):
        model = make_model().fit([docs[i] for i in train], data.labels.iloc[train].reset_index(drop=True))
        pred = predict_frame(model, [docs[i] for i in test])
        per_fold.append(aspect_metrics(data.labels.iloc[test].reset_index(drop=True), pred))
    summary = {k: float(np.mean([m[k] for m in per_fold])) for k in ("macro_f1", "mention_f1", "polarity_accuracy")}
    summary["macro_f1_std"] = float(np.std([m["macro_f1"] for m in per_fold]))
    summary["per_aspect_f1"] = {a: float(np.mean([m["per_aspect_f1"][a] for m in per_fold])) for a in per_fold[0]["per_aspect_f1"]}
    summary["folds"] = folds
    return summary


def aspect_card(data_path: Path, data: AspectData, rows: int, model: Any, taxonomy: str, metrics: dict,
                train_seconds: float, **extra: Any) -> dict:
    """The model card of an aspect model: data, taxonomy, parameters, metrics, training time."""
    return {"data": str(data_path), "data_hash": data.data_hash, "rows": rows,
            "text_fingerprints": text_fingerprints(data.texts) if rows == len(data) else None,
            "aspects": list(map(str, model.classes_)), "taxonomy": taxonomy,
            "taxonomy_version": cached_taxonomy(taxonomy).version, "parameters": model.get_params(),
            "metrics": metrics, "train_seconds": round(train_seconds, 2), **extra}


def held_out_aspect_metrics(model: Any, heldout: Path) -> dict:
    """AIC metrics of a fitted aspect model on a labelled file it never saw."""
    data = load_aspect_data(heldout)
    return {**aspect_metrics(data.labels, predict_frame(model, data.texts)),
            "evaluation": f"held out: {Path(heldout).name}", "rows": len(data), "data_hash": data.data_hash}


def train_aspect_model(data_path: Path, kind: str, name: str, registry: Registry, taxonomy: str = "restaurant",
                       base_model: str | None = None, cv: int = 5, params: dict | None = None,
                       heldout: Path | None = None) -> Ref:
    """Fit on the whole file, cross-validate (sklearn) or hold out 20% (transformer), register; with
    `heldout`, the card also carries the metrics on that file (which training never sees)."""
    data = load_aspect_data(data_path)
    params = params or {}
    if kind == "sklearn":
        make = lambda: AspectSentimentClassifier(taxonomy=taxonomy, **params)  # noqa: E731
        metrics = cross_validate(make, data, folds=cv) if cv > 1 else {}
        start = time.perf_counter()
        model = make().fit(data.texts, data.labels)
    elif kind == "transformer":
        from models.transformer import TransformerAspectClassifier

        if not base_model:
            raise ValueError("--kind transformer needs --base-model PATH (a local Hugging Face checkpoint, or one from `voc pretrain`)")
        make = lambda: TransformerAspectClassifier(base_model=base_model, **params)  # noqa: E731
        train_idx, test_idx = train_test_split(np.arange(len(data)), test_size=0.2, random_state=0)
        held = make().fit([data.texts[i] for i in train_idx], data.labels.iloc[train_idx].reset_index(drop=True))
        metrics = aspect_metrics(data.labels.iloc[test_idx].reset_index(drop=True),
                                 predict_frame(held, [data.texts[i] for i in test_idx]))
        metrics["evaluation"] = "20% held out"
        start = time.perf_counter()
        model = make().fit(data.texts, data.labels)
    else:
        raise ValueError(f"unknown aspect model kind {kind!r} (sklearn, transformer)")
    train_seconds = time.perf_counter() - start
    extra = {"held_out_metrics": held_out_aspect_metrics(model, heldout), "heldout": str(heldout)} if heldout is not None else {}
    card = aspect_card(data_path, data, len(data), model, taxonomy, metrics, train_seconds, **extra)
    return registry.register(name, kind, model, card)


def train_sentiment_model(paths: list[Path], name: str, registry: Registry, holdout: float = 0.1,
                          params: dict | None = None, unlabelled: list[Path] = ()) -> Ref:
    """Fit the overall sentiment model on binary files; the card carries held-out accuracy against the lexicon.
    The texts of the `unlabelled` files (no labels: the feedback the model will code) self-train it."""
    data = load_binary_data(paths)
    x_train, x_test, y_train, y_test = train_test_split(data.texts, data.labels, test_size=holdout,
                                                        random_state=0, stratify=data.labels)
    extra = [t for p in unlabelled for t in file_texts(p)]
    start = time.perf_counter()
    model = OverallSentimentClassifier(**(params or {})).fit(
        list(x_train) + extra, np.concatenate([y_train, np.full(len(extra), UNLABELLED)]))
    train_seconds = time.perf_counter() - start
    metrics = binary_metrics(y_test, model.predict(x_test))
    metrics["lexicon_accuracy"] = binary_metrics(y_test, LexiconBinarySentiment().predict(x_test))["accuracy"]
    metrics["evaluation"] = f"{holdout:.0%} held out, stratified"
    card = {"data": [str(p) for p in paths], "data_hash": data.data_hash, "rows": len(data.texts),
            "unlabelled": [str(p) for p in unlabelled], "unlabelled_rows": len(extra),
            "pseudo_labelled": model.pseudo_labelled_,
            "text_fingerprints": text_fingerprints(list(x_train)),
            "parameters": model.get_params(), "metrics": metrics, "train_seconds": round(train_seconds, 2)}
    return registry.register(name, "sentiment", model, card)


def train_polarity_model(paths: list[Path], name: str, registry: Registry, taxonomy: str = "restaurant",
                         heldout: Path | None = None, params: dict | None = None) -> Ref:
    """Fit the clause polarity model on every clause example of the files; with `heldout` (an AIC-style
    file training never saw) the card carries clause-level accuracy and macro-F1 there, against the lexicon."""
    from sklearn.metrics import accuracy_score, f1_score

    from models.clause_polarity import ClausePolarityClassifier, clause_examples
    from models.labels import read_labelled_csv

    examples = clause_examples(paths, taxonomy)
    features = ["text", "aspect_score", "clause_score"]
    start = time.perf_counter()
    model = ClausePolarityClassifier(**(params or {})).fit(examples[features], examples.label)
    train_seconds = time.perf_counter() - start
    held_out = {}
    if heldout is not None:
        test = clause_examples([heldout], taxonomy)
        predicted, lexicon = model.predict(test[features]), [model.label(v) for v in test.aspect_score]
        held_out = {"evaluation": f"clauses of {Path(heldout).name}", "clauses": len(test),
                    "accuracy": float(accuracy_score(test.label, predicted)),
                    "macro_f1": float(f1_score(test.label, predicted, average="macro")),
                    "lexicon_accuracy": float(accuracy_score(test.label, lexicon)),
                    "lexicon_macro_f1": float(f1_score(test.label, lexicon, average="macro"))}
    card = {"data": [str(p) for p in paths], "data_hash": stable_hash(*(read_labelled_csv(p).to_csv() for p in paths), length=16),
            "rows": len(examples), "sources": examples.source.value_counts().to_dict(),
            "text_fingerprints": text_fingerprints([t for p in paths for t in file_texts(p)]),
            "heldout": str(heldout) if heldout is not None else None,
            "parameters": model.get_params(), "metrics": {}, "held_out_metrics": held_out,
            "train_seconds": round(train_seconds, 2)}
    return registry.register(name, "polarity", model, card)


def evaluate(ref: str, data_path: Path, registry: Registry, taxonomy: str = "restaurant") -> dict:
    """Metrics of a registered model (or `lexicon`, the baseline) on a labelled file, on whichever
    labels the file has: aspect files get the AIC metrics, `label,review` files accuracy and F1."""
    role = "sentiment" if file_kind(data_path) == "binary" else "aspects"
    if ref == "lexicon":
        model = LexiconBinarySentiment() if role == "sentiment" else LexiconDocAspects(taxonomy)
    else:
        model = registry.load(ref)
    if model.role != role:
        raise ValueError(f"{ref} is a{'n' if model.role == 'aspects' else ''} {model.role} model; "
                         f"{data_path} holds {role} labels")
    overlap = training_overlap(registry.card(ref), data_path) if ref != "lexicon" else None
    head = {"model": ref, "data": str(data_path), "training_overlap": overlap}
    if role == "sentiment":
        data = load_binary_data([data_path])
        return {**head, **binary_metrics(data.labels, model.predict(data.texts))}
    data = load_aspect_data(data_path)
    return {**head, **aspect_metrics(data.labels, predict_frame(model, data.texts))}


def retrain_and_compare(data_path: Path, name: str, registry: Registry, taxonomy: str = "restaurant",
                        holdout: float = 0.2, params: dict | None = None, seed: int = 0) -> dict:
    """Train a candidate on (1 − holdout) of a labelled file, evaluate it and the promoted aspect
    model on the same held-out rows, register the candidate, and promote it only if its AIC
    macro-F1 is higher (or nothing is promoted yet) and it codes every aspect the promoted one codes.
    The promoted model may have seen the held-out rows in training, which only makes the comparison
    harder for the candidate."""
    data = load_aspect_data(data_path)
    train_idx, test_idx = train_test_split(np.arange(len(data)), test_size=holdout, random_state=seed)
    truth = data.labels.iloc[test_idx].reset_index(drop=True)
    test_texts = [data.texts[i] for i in test_idx]
    start = time.perf_counter()
    candidate = AspectSentimentClassifier(taxonomy=taxonomy, **(params or {})).fit(
        [data.texts[i] for i in train_idx], data.labels.iloc[train_idx].reset_index(drop=True))
    train_seconds = time.perf_counter() - start
    candidate_metrics = aspect_metrics(truth, predict_frame(candidate, test_texts))
    incumbent_ref = registry.promoted("aspects", taxonomy)
    incumbent_metrics = None
    if incumbent_ref:
        incumbent = registry.load(incumbent_ref)
        incumbent_metrics = aspect_metrics(truth, predict_frame(incumbent, test_texts))
    card = aspect_card(data_path, data, len(train_idx), candidate, taxonomy,
                       {**candidate_metrics, "evaluation": f"{holdout:.0%} held out"}, train_seconds,
                       compared_with={"model": incumbent_ref, "metrics": incumbent_metrics})
    ref = registry.register(name, "sklearn", candidate, card)
    narrower = bool(incumbent_ref) and not set(registry.card(incumbent_ref).get("aspects") or []) <= set(candidate.classes_)
    better = not narrower and (incumbent_metrics is None or candidate_metrics["macro_f1"] > incumbent_metrics["macro_f1"])
    if better:
        registry.promote(str(ref))
    return {"candidate": str(ref), "incumbent": incumbent_ref, "promoted": better, "narrower": narrower,
            "candidate_macro_f1": candidate_metrics["macro_f1"],
            "incumbent_macro_f1": incumbent_metrics["macro_f1"] if incumbent_metrics else None,
            "candidate_mention_f1": candidate_metrics["mention_f1"],
            "incumbent_mention_f1": incumbent_metrics["mention_f1"] if incumbent_metrics else None}
