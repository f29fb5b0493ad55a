"""The lexicon's word lists: the built opinion words under the hand-written ones, and how they are built."""

import importlib.util
import shutil
from pathlib import Path

import pytest

from pipeline.lexicon import Lexicon, read_word_weights
from pipeline.paths import LEXICON_DIR
from pipeline.sentiment import LexiconSentiment

ROOT = Path(__file__).resolve().parents[2]


def _builder():
    spec = importlib.util.spec_from_file_location("build_opinion_words", ROOT / "scripts" / "build_opinion_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hand_written_lists_win_over_the_built_opinion_words(tmp_path):
    folder = tmp_path / "lexicons"
    shutil.copytree(LEXICON_DIR, folder)
    (folder / "opinion_words.txt").write_text("# built\n好吃\t-0.8\t# a wrong sign\n肥美\t0.8\n", encoding="utf-8")
    lexicon = Lexicon.load(folder)
    assert lexicon.polarity["好吃"] > 0 and lexicon.polarity["肥美"] == 0.8
    (folder / "opinion_words.txt").unlink()
    assert "肥美" not in Lexicon.load(folder).polarity  # the built list is optional


def test_the_shipped_opinion_words_are_signed_and_none_is_rejected():
    built = read_word_weights(LEXICON_DIR / "opinion_words.txt")
    rejected = set(read_word_weights(LEXICON_DIR / "opinion_words_rejected.txt"))
    assert len(built) > 50 and not built.keys() & rejected
    assert {abs(w) for w in built.values()} == {0.8} and any(w < 0 for w in built.values())
    assert LexiconSentiment().predict([["服务员", "很", "讨厌"], ["小狗", "很", "可爱"]]).tolist() == ["negative", "positive"]


def test_a_candidate_is_kept_only_where_polar_sentences_confirm_its_side():
    sentences = ([("鱼很肥美", 1)] * 6 + [("店里冷清", -1)] * 6 + [("机会难得", 1)] * 3 + [("机会难得", -1)] * 3
                 + [("好", 1)] * 20 + [("差", -1)] * 20)
    candidates = {"肥美": 1, "冷清": -1, "机会": 1, "华丽": -1, "不错误": 1}
    kept = _builder().confirmed(candidates, sentences, {"不"}, min_count=5, min_log_odds=1.0)
    assert set(kept) == {"肥美", "冷清"}  # 机会: both ways; 华丽: never seen; 不错误: starts with a negator
    assert kept["冷清"][0] == -1 and kept["肥美"][2] == 6


def test_claim_patterns_are_one_pattern_and_a_bad_line_is_named(tmp_path):
    from pipeline.lexicon import read_patterns

    good = tmp_path / "claims.txt"
    good.write_text("# a comment\n号称\n说(是|好的)\n", encoding="utf-8")
    pattern = read_patterns(good)
    assert pattern.search("酒店号称五星") and pattern.search("说好的优惠") and not pattern.search("说实话")
    assert read_patterns(tmp_path / "missing.txt") is None
    bad = tmp_path / "bad.txt"
    bad.write_text("号称\n说(是\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"{bad}:2"):
        read_patterns(bad)


#: The files read as words (with or without a weight), not as patterns
WORD_FILES = sorted(p for p in LEXICON_DIR.glob("*.txt")
                    if p.name not in {"phrases.txt", "claims.txt", "expectations.txt"})


@pytest.mark.parametrize("path", WORD_FILES, ids=lambda p: p.name)
def test_a_word_is_listed_once_per_file(path):
    """A word listed twice holds the later weight and hides the earlier one: 破 0.8 then 破 1.0 read as 1.0."""
    seen: dict[str, int] = {}
    twice = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        word = line.split("#", 1)[0].split("\t")[0].strip()
        if word:
            if word in seen:
                twice.append(f"{word} (lines {seen[word]} and {number})")
            seen[word] = number
    assert not twice, f"{path.name}: " + ", ".join(twice)
