"""The lexicon pipeline seen as a document-level aspect model, so it can be evaluated like the others."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from spacy.tokens import Doc

from models.features import analyse
from pipeline.contracts import NOT_MENTIONED, SENTIMENT_CODES
from pipeline.nlp import cached_taxonomy
from pipeline.sentiment import label_for


class LexiconDocAspects:
    """Mentioned if the taxonomy cues the aspect anywhere; polarity from the summed pair scores."""

    role = "aspects"

    def __init__(self, taxonomy: str = "restaurant", neutral_band: float = 0.15):
        self.taxonomy = taxonomy
        self.neutral_band = neutral_band
        self.classes_ = np.array([s.id for s in cached_taxonomy(taxonomy).sub_dimensions])

    def fit(self, X: Sequence[str | Doc], Y: object = None) -> "LexiconDocAspects":
        return self

    def predict(self, X: Sequence[str | Doc]) -> np.ndarray:
        column = {a: j for j, a in enumerate(self.classes_)}
        out = np.full((len(X), len(self.classes_)), NOT_MENTIONED)
        for i, doc in enumerate(analyse(X, self.taxonomy)):
            sums: dict[str, float] = {}
            for clause in doc._.clauses:
                for hit in clause.aspects:
                    sums[hit.sub_dimension] = sums.get(hit.sub_dimension, 0.0) + hit.score
            for sub, total in sums.items():
                out[i, column[sub]] = SENTIMENT_CODES[label_for(float(np.tanh(total)), self.neutral_band)]
        return out


class LexiconBinarySentiment:
    """The lexicon scorer as a binary classifier (score > 0 → positive)."""

    role = "sentiment"

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        """The lexicon pipeline's item score in [-1, 1]."""
        return self.readings(X)[0]

    def readings(self, X: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The item scores and how many polar clauses each rests on (what weighs it against a model)."""
        docs = list(analyse(X, "restaurant"))
        return (np.array([d._.score for d in docs], dtype=float), np.array([d._.polar_clauses for d in docs]))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)
