"""Clause-level polarity (negative / neutral / positive) of an aspect in a clause, for every taxonomy.

The lexicon decides polarity from words it knows; this model learns it from labelled clauses and
keeps the lexicon's negation/degree/phrase reading as features rather than replacing it:
- character 1–3-grams of the clause (TF-IDF): the wording the lexicon does not know;
- the lexicon's score of the aspect in the clause and of the whole clause, and their signs.
One multinomial logistic regression. Training examples (`clause_examples`) come from three labelled
sources: AIC 2018 reviews (a document's label for an aspect, kept where exactly one clause cues that
aspect — so neutral mentions are learned too), CCF 2018 car reviews (car-domain polarity) and the
ASTE restaurant sentences (opinion polarity).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.normalise import normalise_text
from pipeline.sentiment import LABELS, label_for

#: One input: (clause text, lexicon score of the aspect in it, lexicon score of the clause).
ClauseInput = tuple[str, float, float]
CODE_LABELS = {1: "positive", 0: "neutral", -1: "negative"}


def _frame(X: Sequence[ClauseInput] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame(list(X), columns=["text", "aspect_score", "clause_score"])


class ClausePolarityClassifier(BaseEstimator):
    """fit(X, y) with X (text, aspect_score, clause_score) rows and y in negative/neutral/positive."""

    role = "polarity"

    def __init__(self, C: float = 1.0, ngram_max: int = 3, max_features: int = 150000,
                 lexicon_weight: float = 1.0, class_weight: str | None = "balanced", neutral_band: float = 0.15,
                 lexicon_floor: float | None = 0.15):
        self.C = C
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.lexicon_weight = lexicon_weight
        self.class_weight = class_weight
        self.neutral_band = neutral_band
        self.lexicon_floor = lexicon_floor

    def _dense(self, frame: pd.DataFrame) -> csr_matrix:
        a, c = frame.aspect_score.to_numpy(float), frame.clause_score.to_numpy(float)
        band = self.neutral_band
        return csr_matrix(np.column_stack([a, c, a > band, a < -band, c > band, c < -band]).astype(float)
                          * self.lexicon_weight)

    def _matrix(self, X, fit: bool = False):
        frame = _frame(X)
        # a clause and each aspect in it share one text: each distinct text is vectorised once
        unique, rows = np.unique(frame.text.to_numpy(str), return_inverse=True)
        texts = [normalise_text(t) for t in unique]
        if fit:
            self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, self.ngram_max), min_df=2,
                                               sublinear_tf=True, max_features=self.max_features)
            self.vectorizer_.fit([texts[r] for r in rows])  # document frequencies count every row, as before
            self.vectorizer_.stop_words_ = None
        return hstack([self.vectorizer_.transform(texts)[rows], self._dense(frame)]).tocsr()

    def fit(self, X: Sequence[ClauseInput] | pd.DataFrame, y: Sequence[str]) -> "ClausePolarityClassifier":
        self.model_ = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)
        self.model_.fit(self._matrix(X, fit=True), np.asarray(y))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Sequence[ClauseInput] | pd.DataFrame) -> np.ndarray:
        """Class probabilities; where the lexicon reads a polarity (|aspect score| ≥ `lexicon_floor`,
        by default its neutral band) and the model would say neutral, the neutral mass goes to the
        lexicon's side: the model may turn a reading round (不算贵, 一碗粉里就几根) but not erase it.
        Neutral is what a lukewarm word says (gold rule 2); AIC's annotators also mark mild praise
        neutral, which the model learnt — with the floor at 0.5 it erased 不算太贵 and 味道不错."""
        if not len(X):
            return np.zeros((0, len(self.classes_)))
        proba = self.model_.predict_proba(self._matrix(X))
        if self.lexicon_floor is not None:
            classes = list(self.classes_)
            neu, pos, neg = (classes.index(c) for c in ("neutral", "positive", "negative"))
            lexicon = _frame(X).aspect_score.to_numpy(float)
            sure = (np.abs(lexicon) >= self.lexicon_floor) & (np.argmax(proba, axis=1) == neu)
            side = np.where(lexicon > 0, pos, neg)
            rows = np.flatnonzero(sure)
            proba[rows, side[rows]] += proba[rows, neu]
            proba[rows, neu] = 0.0
        return proba

    def predict(self, X: Sequence[ClauseInput] | pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)] if len(X) else np.array([], dtype=str)

    def decision_function(self, X: Sequence[ClauseInput] | pd.DataFrame) -> np.ndarray:
        """P(positive) − P(negative), in [-1, 1]."""
        proba = self.predict_proba(X)
        columns = list(self.classes_)
        return proba[:, columns.index("positive")] - proba[:, columns.index("negative")] if len(X) else np.zeros(0)

    def label(self, score: float) -> str:
        return label_for(score, self.neutral_band)


# -- training data --------------------------------------------------------------------------------
def aic_clause_examples(texts: Sequence, labels: pd.DataFrame, taxonomy: str = "restaurant") -> pd.DataFrame:
    """(clause, aspect score, clause score, label) where a document's label for an aspect can be
    pinned on one clause: the only clause the lexicon cues for that aspect."""
    from models.features import analyse
    from pipeline.segment import unclaimed_text

    rows = []
    for doc, (_, row) in zip(analyse(list(texts), taxonomy), labels.iterrows()):
        cued: dict[str, list] = {}
        for clause in doc._.clauses:
            for hit in clause.aspects:
                cued.setdefault(hit.sub_dimension, []).append((clause, hit))
        for sub, value in row.items():
            if int(value) in CODE_LABELS and len(cued.get(sub, ())) == 1:
                clause, hit = cued[sub][0]
                rows.append((unclaimed_text(clause), hit.score, clause.score, CODE_LABELS[int(value)]))
    return pd.DataFrame(rows, columns=["text", "aspect_score", "clause_score", "label"])


def text_examples(texts: Iterable[str], labels: Iterable[str], taxonomy: str) -> pd.DataFrame:
    """Short labelled texts (a sentence, a car review) as clause examples: the lexicon's item score
    stands for both the aspect and the clause score."""
    from models.features import analyse

    texts = list(texts)
    scores = [doc._.score for doc in analyse(texts, taxonomy)]
    return pd.DataFrame({"text": texts, "aspect_score": scores, "clause_score": scores, "label": list(labels)})


def clause_examples(paths: Sequence[Path], taxonomy: str = "restaurant") -> pd.DataFrame:
    """Every clause example the labelled files yield, with a `source` column: AIC-style wide files
    through `aic_clause_examples`, `text,label` files (label negative/neutral/positive) as texts."""
    from models.labels import file_kind, load_aspect_data, read_labelled_csv

    parts = []
    for path in paths:
        kind = file_kind(path)
        if kind == "wide":
            data = load_aspect_data(path)
            part = aic_clause_examples(data.texts, data.labels, taxonomy)
        elif kind == "clauses":
            frame = read_labelled_csv(path)
            part = text_examples(frame.text, frame.label, taxonomy)
        else:
            raise ValueError(f"{path}: a {kind} file has no clause polarity labels (use an AIC-style file or text,label)")
        parts.append(part.assign(source=Path(path).stem))
    if not parts:
        raise ValueError("no labelled file given for clause polarity")
    out = pd.concat(parts, ignore_index=True)
    bad = set(out.label) - set(LABELS)
    if bad:
        raise ValueError(f"clause polarity labels must be one of {LABELS}, found {sorted(bad)[:5]}")
    return out
