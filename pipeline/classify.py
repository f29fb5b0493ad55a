"""Aspect classification: which taxonomy sub-dimensions a clause is about.

Every aspect model has the scikit-learn face: `fit(X, y)`, `predict(X)` (a binary indicator matrix
over `classes_`), `predict_proba(X)`. X is a list of clauses, each a list of tokens (a str is
segmented with jieba first).
"""

from __future__ import annotations

from typing import Sequence

import jieba
import numpy as np
from spacy.tokens import Doc

from pipeline.segment import AspectHit
from pipeline.taxonomy import Taxonomy

Tokens = Sequence[str]


def as_tokens(x: str | Tokens) -> list[str]:
    return jieba.lcut(x) if isinstance(x, str) else list(x)


class LexiconAspectClassifier:
    """Keyword classifier over the taxonomy's lexicon; needs no training.

    Confidence grows with the number of distinct cue words: 1 − (1 − base)^hits.
    """

    def __init__(self, taxonomy: Taxonomy, base_confidence: float = 0.6, threshold: float = 0.5):
        self.taxonomy = taxonomy
        self.base_confidence = base_confidence
        self.threshold = threshold
        self.classes_ = np.array([s.id for s in taxonomy.sub_dimensions])
        self._index: dict[str, list[int]] = {}
        for j, sub in enumerate(taxonomy.sub_dimensions):
            for word in sub.keywords:
                self._index.setdefault(word, []).append(j)

    @property
    def version(self) -> str:
        return f"lexicon@{self.taxonomy.version}"

    def fit(self, X: Sequence[str | Tokens], y: object = None) -> "LexiconAspectClassifier":
        """Nothing to learn: the lexicon is the model. Present for interface parity."""
        return self

    def cues(self, tokens: Tokens) -> dict[int, list[int]]:
        """Class index → token positions of its cue words."""
        found: dict[int, list[int]] = {}
        for pos, token in enumerate(tokens):
            for j in self._index.get(token, ()):
                found.setdefault(j, []).append(pos)
        return found

    def _proba_one(self, tokens: Tokens) -> np.ndarray:
        row = np.zeros(len(self.classes_))
        for j, positions in self.cues(tokens).items():
            distinct = len({tokens[p] for p in positions})
            row[j] = 1 - (1 - self.base_confidence) ** distinct
        return row

    def predict_proba(self, X: Sequence[str | Tokens]) -> np.ndarray:
        return np.vstack([self._proba_one(as_tokens(x)) for x in X]) if len(X) else np.zeros((0, len(self.classes_)))

    def predict(self, X: Sequence[str | Tokens]) -> np.ndarray:
        return (self.predict_proba(X) >= self.threshold).astype(int)

    def hits(self, tokens: Tokens) -> list[AspectHit]:
        """The sub-dimensions found in one clause, with cue positions (used for evidence)."""
        out = []
        for j, positions in sorted(self.cues(tokens).items()):
            distinct = len({tokens[p] for p in positions})
            confidence = 1 - (1 - self.base_confidence) ** distinct
            if confidence >= self.threshold:
                sub = self.taxonomy.sub(self.classes_[j])
                out.append(AspectHit(sub.id, sub.dimension, round(confidence, 4), tuple(positions)))
        return out


class AspectTagger:
    """spaCy component `voc_aspects`: fills `clause.aspects` for every clause of the Doc."""

    def __init__(self, model: LexiconAspectClassifier):
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        for clause in doc._.clauses:
            clause.aspects = self.model.hits(clause.tokens)
        return doc
