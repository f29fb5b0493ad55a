"""Segmentation: jieba through spaCy's `zh` tokenizer, and clause splitting as a spaCy component."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.paths import USER_DICT

#: Characters that end a clause. The enumeration comma 、 is left out: 环境、服务都好 is one clause.
CLAUSE_PUNCT = set("。！？!?；;，,~～…\n") | {"...", "。。", "！！", "？？"}
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")


@dataclass(slots=True)
class AspectHit:
    """A taxonomy sub-dimension found in a clause, with the token positions that cued it."""

    sub_dimension: str
    dimension: str
    confidence: float
    cues: tuple[int, ...] = ()
    score: float = 0.0
    label: str = "neutral"


@dataclass(slots=True)
class Clause:
    """A clause of a Doc: char offsets into the normalised text, its tokens, and what was found."""

    index: int
    start: int
    end: int
    text: str
    tokens: list[str]
    aspects: list[AspectHit] = field(default_factory=list)
    score: float = 0.0
    label: str = "neutral"


for _name, _default in (("clauses", None), ("score", 0.0), ("label", "neutral")):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


@lru_cache(maxsize=None)
def prepare_jieba(extra_words: frozenset[str] = frozenset()) -> None:
    """Load the domain user dictionary (and extra words, e.g. taxonomy keywords) into jieba once."""
    jieba.setLogLevel(60)
    jieba.initialize()
    if USER_DICT.exists():
        jieba.load_userdict(str(USER_DICT))
    for word in sorted(extra_words):
        if len(word) > 1 and not jieba.dt.FREQ.get(word):
            jieba.add_word(word)


def blank_zh() -> Language:
    """A blank spaCy Chinese pipeline whose tokenizer is jieba."""
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def _is_boundary(text: str) -> bool:
    return text in CLAUSE_PUNCT or (not _CONTENT.search(text) and any(c in CLAUSE_PUNCT for c in text))


def split_clauses(doc: Doc, contrast: frozenset[str]) -> list[Clause]:
    """Split a Doc at clause punctuation and before contrast words (但是/不过/可是…)."""
    clauses: list[Clause] = []
    current: list = []

    def close() -> None:
        words = [t for t in current if not t.is_space]
        if words and any(_CONTENT.search(t.text) for t in words):
            start, end = words[0].idx, words[-1].idx + len(words[-1].text)
            clauses.append(Clause(len(clauses), start, end, doc.text[start:end], [t.text for t in words]))
        current.clear()

    for token in doc:
        if _is_boundary(token.text) or ("\n" in token.text and token.is_space):
            close()
        elif token.text in contrast:
            close()
            current.append(token)
        else:
            current.append(token)
    close()
    return clauses


class ClauseSplitter:
    """spaCy component `voc_clauses`: sets `doc._.clauses`."""

    def __init__(self, contrast: Iterable[str]):
        self.contrast = frozenset(contrast)

    def __call__(self, doc: Doc) -> Doc:
        doc._.clauses = split_clauses(doc, self.contrast)
        return doc
