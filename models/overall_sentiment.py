"""Overall (item / clause) sentiment from binary-labelled reviews: char n-gram TF-IDF + logistic
regression, with sigmoid-calibrated probabilities. Score = 2·P(positive) − 1 ∈ [-1, 1]."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.normalise import normalise_text
from pipeline.sentiment import label_for


class OverallSentimentClassifier(BaseEstimator):
    """fit(texts, y) with y 1 positive / 0 negative; decision_function → calibrated score in [-1, 1]."""

    role = "sentiment"

    def __init__(self, C: float = 4.0, ngram_max: int = 3, max_features: int = 200000,
                 neutral_band: float = 0.2, calibration_folds: int = 3):
        self.C = C
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.neutral_band = neutral_band
        self.calibration_folds = calibration_folds

    def fit(self, X: Sequence[str], y: Sequence[int]) -> "OverallSentimentClassifier":
        self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, self.ngram_max), min_df=2,
                                           sublinear_tf=True, max_features=self.max_features)
        matrix = self.vectorizer_.fit_transform([normalise_text(x) for x in X])
        self.vectorizer_.stop_words_ = None
        base = LogisticRegression(C=self.C, max_iter=2000)
        self.model_ = CalibratedClassifierCV(base, method="sigmoid", cv=self.calibration_folds).fit(matrix, np.asarray(y))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """(n, 2): P(negative), P(positive)."""
        return self.model_.predict_proba(self.vectorizer_.transform([normalise_text(x) for x in X]))

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        return 2 * self.predict_proba(X)[:, 1] - 1 if len(X) else np.zeros(0)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def label(self, score: float) -> str:
        return label_for(score, self.neutral_band)
