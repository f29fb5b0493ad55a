"""Overall (item / clause) sentiment from binary-labelled reviews: char n-gram TF-IDF + logistic
regression, with sigmoid-calibrated probabilities. Score = 2·P(positive) − 1 ∈ [-1, 1].

With `nb_power` > 0 each n-gram's TF-IDF column is scaled by |r|^nb_power, r its naive-Bayes
log-count ratio between positive and negative texts (Wang & Manning's NB features, softened): the
model leans on the n-grams that carry polarity in any domain rather than on what a domain talks
about. Leave-one-domain-out on the binary corpora: see bench/accuracy.py and the README.

Self-training: texts labelled `UNLABELLED` (-1, scikit-learn's semi-supervised convention) are the
domain the model will code, without labels. The model is fitted on the labelled texts, reads the
unlabelled ones together with the lexicon (weighed as the pipeline weighs them), and is fitted again
with those it reads surely, where the lexicon does not say the opposite, as pseudo-labelled examples."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy.sparse import diags

from pipeline.normalise import normalise_text
from pipeline.sentiment import label_for, weighed_score

UNLABELLED = -1


class OverallSentimentClassifier(BaseEstimator):
    """fit(texts, y) with y 1 positive / 0 negative / -1 unlabelled; decision_function → calibrated score
    in [-1, 1]. `self_training_threshold`: how sure (|score| of model + lexicon) an unlabelled text's
    reading must be to train on; None ignores unlabelled texts."""

    role = "sentiment"

    def __init__(self, C: float = 4.0, ngram_max: int = 3, max_features: int = 200000,
                 neutral_band: float = 0.2, calibration_folds: int = 3, nb_power: float = 0.5,
                 self_training_threshold: float | None = 0.5):
        self.C = C
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.neutral_band = neutral_band
        self.calibration_folds = calibration_folds
        self.nb_power = nb_power
        self.self_training_threshold = self_training_threshold

    def fit(self, X: Sequence[str], y: Sequence[int]) -> "OverallSentimentClassifier":
        y = np.asarray(y)
        unlabelled = y == UNLABELLED
        texts = [x for x, u in zip(X, unlabelled) if not u]
        self._fit_labelled(texts, y[~unlabelled])
        self.pseudo_labelled_ = 0
        if unlabelled.any() and self.self_training_threshold is not None:
            extra, labels = pseudo_labels(self, [x for x, u in zip(X, unlabelled) if u], self.self_training_threshold)
            if extra:
                self._fit_labelled(texts + extra, np.concatenate([y[~unlabelled], labels]))
                self.pseudo_labelled_ = len(extra)
        return self

    def _fit_labelled(self, X: Sequence[str], y: np.ndarray) -> None:
        if len(set(y.tolist())) < 2:
            raise ValueError("sentiment training needs positive and negative labelled texts")
        self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, self.ngram_max), min_df=2,
                                           sublinear_tf=True, max_features=self.max_features)
        matrix = self.vectorizer_.fit_transform([normalise_text(x) for x in X])
        self.vectorizer_.stop_words_ = None
        self.feature_weights_ = self._nb_weights(matrix, y) if self.nb_power > 0 else None
        base = LogisticRegression(C=self.C, max_iter=2000)
        self.model_ = CalibratedClassifierCV(base, method="sigmoid", cv=self.calibration_folds).fit(self._weighted(matrix), y)
        self.classes_ = self.model_.classes_

    def _nb_weights(self, matrix, y: np.ndarray) -> np.ndarray:
        """|log-count ratio|^nb_power per n-gram, from document frequencies with add-one smoothing."""
        present = matrix > 0
        positive = np.asarray(present[y == 1].sum(axis=0)).ravel() + 1.0
        negative = np.asarray(present[y != 1].sum(axis=0)).ravel() + 1.0
        ratio = np.log((positive / positive.sum()) / (negative / negative.sum()))
        return (np.abs(ratio) ** self.nb_power).astype(np.float32)

    def _weighted(self, matrix):
        weights = getattr(self, "feature_weights_", None)  # None: unweighted, or an artifact from before
        return matrix @ diags(weights) if weights is not None else matrix

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """(n, 2): P(negative), P(positive)."""
        return self.model_.predict_proba(self._weighted(self.vectorizer_.transform([normalise_text(x) for x in X])))

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        return 2 * self.predict_proba(X)[:, 1] - 1 if len(X) else np.zeros(0)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def label(self, score: float) -> str:
        return label_for(score, self.neutral_band)


def pseudo_labels(model: OverallSentimentClassifier, texts: Sequence[str], threshold: float) -> tuple[list[str], np.ndarray]:
    """The texts a fitted model reads surely together with the lexicon (`sure_readings`), each with the
    label it reads (1 positive / 0 negative)."""
    from models.lexicon_baseline import LexiconBinarySentiment

    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if not texts:
        return [], np.zeros(0, dtype=int)
    lexicon, polar_clauses = LexiconBinarySentiment().readings(texts)
    sure, labels = sure_readings(model.decision_function(texts), lexicon, polar_clauses, threshold)
    return [t for t, s in zip(texts, sure) if s], labels


def weighed_scores(learned: np.ndarray, lexicon: np.ndarray, polar_clauses: np.ndarray) -> np.ndarray:
    """Texts' scores from the model's readings and the lexicon's, weighed as the pipeline weighs one
    item (`pipeline.sentiment.weighed_score`)."""
    return np.array([weighed_score(m, v, int(k)) for m, v, k in zip(learned, lexicon, polar_clauses)])


def sure_readings(learned: np.ndarray, lexicon: np.ndarray, polar_clauses: np.ndarray,
                  threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Which texts, read by the model (`learned`) and the lexicon (its score and polar clauses), are read
    surely enough to train on: |score| ≥ threshold, the two weighed as the pipeline weighs them
    (`weighed_scores`), where the lexicon's own reading is not the opposite of the model's. Returns the
    mask and the label each sure text reads (1 positive / 0 negative)."""
    score = weighed_scores(learned, lexicon, polar_clauses)
    sure = (np.abs(score) >= threshold) & ~((lexicon != 0) & (np.sign(lexicon) != np.sign(learned)))
    return sure, (score[sure] > 0).astype(int)
