"""Everyday phrasings per taxonomy (tests/data/phrasebook/<taxonomy>.tsv) and the codes the lexicon
coder gives them: the vocabulary a coder needs beyond the gold sets' sentences."""

from pathlib import Path

import pytest

from pipeline.coder import item_codes
from pipeline.nlp import build_nlp

BOOK = Path(__file__).resolve().parent.parent / "data" / "phrasebook"
SIGN = {"+": "positive", "-": "negative", "0": "neutral"}


def entries(taxonomy: str) -> list[tuple[str, dict[str, str]]]:
    out = []
    for line in (BOOK / f"{taxonomy}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, _, codes = line.partition("\t")
            out.append((text, {c[:-1]: SIGN[c[-1]] for c in codes.split()}))
    return out


def codes(doc) -> dict[str, str]:
    """The item's codes as the pipeline stores them: sub-dimension → polarity."""
    return {sub: code[0] for sub, code in item_codes(doc).items()}


@pytest.mark.parametrize("taxonomy", ["restaurant", "auto_dealer"])
def test_phrasebook(taxonomy):
    book = entries(taxonomy)
    assert len(book) >= 50
    nlp = build_nlp(taxonomy)
    wrong = [(text, want, codes(doc)) for (text, want), doc in zip(book, nlp.pipe(t for t, _ in book))
             if codes(doc) != want]
    assert not wrong, "\n".join(f"{t}: want {w}, got {g}" for t, w, g in wrong)
