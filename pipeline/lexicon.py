"""Reading the word lists in data/lexicons (`word<TAB>weight` lines, `#` comments)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.paths import LEXICON_DIR


def read_word_weights(path: Path, default: float = 1.0) -> dict[str, float]:
    """Read a `word<TAB>weight` file; lines without a weight get `default`."""
    words: dict[str, float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split("\t")
        try:
            words[parts[0].strip()] = float(parts[1]) if len(parts) > 1 else default
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: weight {parts[1]!r} is not a number") from exc
    return words


def read_phrases(path: Path) -> tuple[tuple[re.Pattern, float], ...]:
    """Read a `pattern<TAB>weight` file of regular expressions (a missing file is empty)."""
    if not path.exists():
        return ()
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, sep, weight = line.rpartition("\t")
        try:
            out.append((re.compile(pattern.strip()), float(weight)))
        except (re.error, ValueError) as exc:
            raise ValueError(f"{path}:{number}: {exc if sep else 'use pattern<TAB>weight'}") from exc
    return tuple(out)


def _word_set(path: Path) -> frozenset[str]:
    """The words of a one-word-per-line file (a missing file is empty)."""
    return frozenset(read_word_weights(path)) if path.exists() else frozenset()


@dataclass(frozen=True)
class Lexicon:
    """The sentiment language data: polarity words, negators, degree adverbs, contrast words, polar
    phrase patterns (implicit complaints: 等了一个小时, 没人联系), formulas that are not feedback,
    frame words that announce the next clause's topic (总体而言, 说实话), lukewarm words that
    judge without leaning (一般, 还行), particles a modifier reaches across without spending its reach
    (没有想象中的好: 的), and postposed negators that deny the polarity word before them (热情不够,
    服务有待提高), with the link words that may stand between (热情度不高, 热情还不够)."""

    polarity: dict[str, float]
    negation: dict[str, float]
    degree: dict[str, float]
    contrast: frozenset[str]
    phrases: tuple[tuple[re.Pattern, float], ...] = ()
    formulas: frozenset[str] = field(default_factory=frozenset)
    frames: frozenset[str] = field(default_factory=frozenset)
    lukewarm: frozenset[str] = field(default_factory=frozenset)
    particles: frozenset[str] = field(default_factory=frozenset)
    postposed: frozenset[str] = field(default_factory=frozenset)
    links: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, directory: Path = LEXICON_DIR) -> "Lexicon":
        polarity = {w: -v for w, v in read_word_weights(directory / "negative.txt").items()}
        polarity.update(read_word_weights(directory / "positive.txt"))
        return cls(
            polarity=polarity,
            negation=read_word_weights(directory / "negation.txt"),
            degree=read_word_weights(directory / "degree.txt"),
            contrast=frozenset(read_word_weights(directory / "contrast.txt")),
            phrases=read_phrases(directory / "phrases.txt"),
            frames=_word_set(directory / "frames.txt"),
            formulas=_word_set(directory / "formulas.txt"),
            lukewarm=_word_set(directory / "lukewarm.txt"),
            particles=_word_set(directory / "particles.txt"),
            postposed=_word_set(directory / "postposed.txt"),
            links=_word_set(directory / "links.txt"),
        )

    def content(self) -> tuple:
        """Everything the lexicon holds, in a stable order (what its versions hash)."""
        return (sorted(self.polarity.items()), sorted(self.negation.items()), sorted(self.degree.items()),
                sorted(self.contrast), [(p.pattern, w) for p, w in self.phrases], sorted(self.formulas),
                sorted(self.frames), sorted(self.lukewarm), sorted(self.particles), sorted(self.postposed),
                sorted(self.links))

    def is_lukewarm(self, text: str) -> bool:
        """Whether a clause holds a lukewarm judgement (一般, 还行, 价格也ok)."""
        text = text.lower()
        return any(word in text for word in self.lukewarm)

    def words(self) -> set[str]:
        """Every word the lexicon knows (to keep jieba from splitting them)."""
        return set(self.polarity) | set(self.negation) | set(self.degree) | set(self.contrast)
