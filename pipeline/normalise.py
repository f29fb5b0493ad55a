"""Text normalisation: width, whitespace, script (traditional → simplified), control characters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _drop_control(ch: str) -> str:
    if ch in "\n\t":
        return ch
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    if category in ("Cf", "Co", "Cs"):  # zero-width, private use, lone surrogates
        return ""
    return ch


def normalise_text(text: str) -> str:
    """Return text in one canonical form: NFKC (full-width → half-width), simplified script,
    no control or zero-width characters, single spaces, single newlines, stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(_drop_control(ch) for ch in text)
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return text.strip()


def detect_language(text: str, threshold: float = 0.8) -> str:
    """`zh`, `en` or `mixed` from the share of Han characters among letters; `unknown` if none.

    Latin letters are counted in words (an English word weighs like one Han character),
    so a Chinese review that mentions "wifi" stays `zh`.
    """
    han = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    total = han + latin_words
    if total == 0:
        return "unknown"
    share = han / total
    if share >= threshold:
        return "zh"
    if share <= 1 - threshold:
        return "en"
    return "mixed"
