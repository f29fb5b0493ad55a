"""Features for aspect models, built on the lexicon pipeline's analysis of each document.

For every aspect the lexicon pipeline finds the clauses that cue it (taxonomy keywords) and scores
them; the text of those clauses ("aspect context") and their sentiment statistics are what lets a
document-level classifier tell the waiter's attitude from the taste of the food.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.normalise import normalise_text

STAT_NAMES = ("cued", "log_clauses", "score_sum", "score_min", "score_max", "n_positive", "n_negative", "n_neutral")


@lru_cache(maxsize=None)
def lexicon_nlp(taxonomy: str) -> Language:
    from pipeline.nlp import build_nlp

    return build_nlp(taxonomy, "lexicon", "lexicon", judge=False)  # features see every cue, as in coding


def analyse(X: Sequence[str | Doc], taxonomy: str) -> list[Doc]:
    """Docs processed by the lexicon pipeline; strings are normalised first, Docs pass through."""
    texts = [normalise_text(x) for x in X if not isinstance(x, Doc)]
    parsed = iter(lexicon_nlp(taxonomy).pipe(texts, batch_size=256))
    return [x if isinstance(x, Doc) else next(parsed) for x in X]


def doc_tokens(doc: Doc) -> str:
    return " ".join(t for clause in doc._.clauses for t in clause.tokens)


def aspect_views(docs: Sequence[Doc], aspects: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    """Per aspect: the tokens of the clauses that cue it (one string per doc) and their statistics."""
    contexts: dict[str, list[str]] = {a: [] for a in aspects}
    stats: dict[str, list[list[float]]] = {a: [] for a in aspects}
    for doc in docs:
        cued: dict[str, list[tuple[list[str], float]]] = {}
        for clause in doc._.clauses:
            for hit in clause.aspects:
                cued.setdefault(hit.sub_dimension, []).append((clause.tokens, hit.score))
        for a in aspects:
            hits = cued.get(a, [])
            scores = [s for _, s in hits]
            contexts[a].append(" ".join(" ".join(tokens) for tokens, _ in hits))
            stats[a].append([float(bool(hits)), float(np.log1p(len(hits))), sum(scores), min(scores, default=0.0),
                             max(scores, default=0.0), sum(s > 0.15 for s in scores), sum(s < -0.15 for s in scores),
                             sum(abs(s) <= 0.15 for s in scores)])
    # squashed to (-1, 1): unscaled counts and sums slow the linear SVM's convergence fourfold
    return contexts, {a: np.tanh(np.array(v, dtype=float).reshape(len(docs), len(STAT_NAMES)) / 2) for a, v in stats.items()}
