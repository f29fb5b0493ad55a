"""What the coding pipeline and the trained models agree on: the label codes of aspect models and the
faces of the three model roles. `models/` trains and writes to the registry (pipeline/registry.py);
`pipeline/` loads from it and codes. The dependency is one way: models → pipeline.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

#: AIC 2018 label codes, the column order of an aspect model's `predict_proba` per sub-dimension.
NOT_MENTIONED = -2
LABEL_VALUES = (-2, -1, 0, 1)
SENTIMENT_CODES = {"positive": 1, "neutral": 0, "negative": -1}
CODE_LABELS = {code: label for label, code in SENTIMENT_CODES.items()}


@runtime_checkable
class AspectModel(Protocol):
    """role "aspects": per sub-dimension (`classes_`) the probabilities of LABEL_VALUES for each Doc."""

    role: str
    classes_: Sequence[str]

    def predict_proba(self, docs: Sequence[Any]) -> Sequence[Any]: ...


@runtime_checkable
class PolarityModel(Protocol):
    """role "polarity": negative / neutral / positive of (clause text, aspect score, clause score) rows."""

    role: str
    classes_: Sequence[str]

    def predict_proba(self, rows: Sequence[tuple[str, float, float]]) -> Any: ...


@runtime_checkable
class SentimentModel(Protocol):
    """role "sentiment": a score in [-1, 1] per text, and the label of a score."""

    role: str

    def decision_function(self, texts: Sequence[str]) -> Any: ...

    def label(self, score: float) -> str: ...
