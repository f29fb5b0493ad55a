"""Reading the word lists in data/lexicons (`word<TAB>weight` lines, `#` comments)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator, Sequence

from pipeline.paths import LEXICON_DIR

#: What jieba glues after a word (慢得, 热情地, 贵些, 吵得): the word still speaks
GLUED_AFTER = frozenset("得地些")


def glued_stem(token: str) -> str | None:
    """The word before a glued-on 得/地/些 (慢得 → 慢, 热情地 → 热情, 贵些 → 贵); None where there is none,
    and for 好些 (many), which is no 好."""
    return token[:-1] if len(token) > 1 and token[-1] in GLUED_AFTER and token != "好些" else None


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


def _pattern_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of a file of regular expressions, less blank and `#` comment lines (a
    missing file has none)."""
    if not path.exists():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def read_phrases(path: Path) -> tuple[tuple[re.Pattern, float], ...]:
    """Read a `pattern<TAB>weight` file of regular expressions (a missing file is empty)."""
    out = []
    for number, line in _pattern_lines(path):
        pattern, sep, weight = line.rpartition("\t")
        try:
            out.append((re.compile(pattern.strip()), float(weight)))
        except (re.error, ValueError) as exc:
            raise ValueError(f"{path}:{number}: {exc if sep else 'use pattern<TAB>weight'}") from exc
    return tuple(out)


def read_patterns(path: Path) -> re.Pattern | None:
    """Read a file of regular expressions, one per line, as one pattern that matches where any of
    them does (None for a missing or empty file)."""
    alternatives = []
    for number, line in _pattern_lines(path):
        try:
            re.compile(line.strip())
        except re.error as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
        alternatives.append(f"(?:{line.strip()})")
    return re.compile("|".join(alternatives)) if alternatives else None


def first_chars(pattern: re.Pattern) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with, or None where that is not a short list (a
    negated class, `.`, a pattern that can match nothing, flags): a clause holding none of them cannot
    match, so a caller may skip the pattern there. Read from Python's own parse of the pattern."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE | re.DOTALL | re.MULTILINE):  # inline flags too: do not guess
        return None
    try:
        from re import _constants as c, _parser as parser
    except ImportError:  # another Python: no prefilter, every pattern is tried
        return None

    def sequence(items) -> tuple[set[str] | None, bool]:
        out: set[str] = set()
        for op, av in items:
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero width
                continue
            first, nullable = item(op, av)
            if first is None:
                return None, False
            out |= first
            if not nullable:
                return out, False
        return out, True

    def item(op, av) -> tuple[set[str] | None, bool]:
        if op is c.LITERAL:
            return {chr(av)}, False
        if op is c.IN:
            chars: set[str] = set()
            for o, a in av:
                if o is c.LITERAL:
                    chars.add(chr(a))
                elif o is c.RANGE and a[1] - a[0] < 256:
                    chars.update(chr(k) for k in range(a[0], a[1] + 1))
                else:
                    return None, False
            return chars, False
        if op is c.SUBPATTERN:
            return sequence(av[-1])
        if op is c.BRANCH:
            out: set[str] = set()
            nullable = False
            for branch in av[1]:
                first, empty = sequence(branch)
                if first is None:
                    return None, False
                out |= first
                nullable |= empty
            return out, nullable
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            first, empty = sequence(av[2])
            return first, (empty or av[0] == 0) if first is not None else False
        return None, False

    try:
        first, nullable = sequence(parser.parse(pattern.pattern))
    except Exception:  # noqa: BLE001 - a prefilter that cannot read a pattern just does not filter
        return None
    return frozenset(first) if first and not nullable else None


class StartIndex:
    """Which of a list of patterns can match a text: the ones a match of which can start at one of the
    text's characters (`first_chars`), plus those that can start anywhere — so a clause is run only
    through the few patterns that may match it (one alternation of all of them is slower than that)."""

    def __init__(self, patterns: Sequence[re.Pattern]):
        self._at: dict[str, list[int]] = {}
        self._anywhere: list[int] = []
        for k, pattern in enumerate(patterns):
            first = first_chars(pattern)
            if first is None:
                self._anywhere.append(k)
            for char in first or ():
                self._at.setdefault(char, []).append(k)

    def candidates(self, text: str) -> list[int]:
        """Indices, in list order, of the patterns that may match `text`."""
        at = self._at
        found = {k for char in set(text) for k in at.get(char, ())}
        found.update(self._anywhere)
        return sorted(found)


def _word_set(path: Path) -> frozenset[str]:
    """The words of a one-word-per-line file (a missing file is empty)."""
    return frozenset(read_word_weights(path)) if path.exists() else frozenset()


@dataclass(frozen=True)
class Lexicon:
    """The sentiment language data: polarity words, negators, degree adverbs, contrast words, polar
    phrase patterns (implicit complaints: 等了一个小时, 没人联系), formulas that are not feedback,
    frame words that announce the next clause's topic (总体而言, 说实话), lukewarm words that
    judge without leaning (一般, 还行), words that start a contrast only right after a verdict (还行就是有点贵:
    就是 alone is "exactly"), particles a modifier reaches across without spending its reach
    (没有想象中的好: 的), postposed negators that deny the polarity word before them (热情不够,
    服务有待提高), with the link words that may stand between (热情度不高, 热情还不够), time words
    that make what comes before them the clause's time, not its topic (签合同的时候, 交车那天), the
    words of a comparison that take up a negation that ran out of reach (没有评论说的那么好吃), and
    verbs of experience that take a negation themselves (没有见过这么差的服务), and the words that
    are both a degree adverb and an opinion word and judge only as the predicate (肉很实在, 实在太咸了),
    and the negators that compare, which deny no phrase (还不如地摊货), and the words that mark an
    enquiry (请问, 想问一下: a question that judges nothing is no feedback), and the marks of a claim
    somebody else made (说是, 号称, 答应) with the words that start the clause belying it (结果, 谁知):
    说可以免费停车，结果被收了二十块 praises nothing, and the marks of what the customer expected
    (本以为, 还以为), which judge nothing whether belied or not."""

    polarity: dict[str, float]
    negation: dict[str, float]
    degree: dict[str, float]
    contrast: frozenset[str]
    contrast_after_verdict: frozenset[str] = field(default_factory=frozenset)
    phrases: tuple[tuple[re.Pattern, float], ...] = ()
    formulas: frozenset[str] = field(default_factory=frozenset)
    frames: frozenset[str] = field(default_factory=frozenset)
    lukewarm: frozenset[str] = field(default_factory=frozenset)
    particles: frozenset[str] = field(default_factory=frozenset)
    postposed: frozenset[str] = field(default_factory=frozenset)
    links: frozenset[str] = field(default_factory=frozenset)
    time_words: frozenset[str] = field(default_factory=frozenset)
    comparative: frozenset[str] = field(default_factory=frozenset)
    experiential: frozenset[str] = field(default_factory=frozenset)
    predicative: frozenset[str] = field(default_factory=frozenset)
    comparing: frozenset[str] = field(default_factory=frozenset)
    enquiry: frozenset[str] = field(default_factory=frozenset)
    claims: re.Pattern | None = None
    belying: frozenset[str] = field(default_factory=frozenset)
    expectations: re.Pattern | None = None

    @classmethod
    def load(cls, directory: Path = LEXICON_DIR) -> "Lexicon":
        mined = directory / "opinion_words.txt"  # signed weights; the hand-written lists win
        polarity = read_word_weights(mined) if mined.exists() else {}
        polarity.update({w: -v for w, v in read_word_weights(directory / "negative.txt").items()})
        polarity.update(read_word_weights(directory / "positive.txt"))
        return cls(
            polarity=polarity,
            negation=read_word_weights(directory / "negation.txt"),
            degree=read_word_weights(directory / "degree.txt"),
            contrast=frozenset(read_word_weights(directory / "contrast.txt")),
            contrast_after_verdict=_word_set(directory / "contrast_after_verdict.txt"),
            phrases=read_phrases(directory / "phrases.txt"),
            frames=_word_set(directory / "frames.txt"),
            formulas=_word_set(directory / "formulas.txt"),
            lukewarm=_word_set(directory / "lukewarm.txt"),
            particles=_word_set(directory / "particles.txt"),
            postposed=_word_set(directory / "postposed.txt"),
            links=_word_set(directory / "links.txt"),
            time_words=_word_set(directory / "time_words.txt"),
            comparative=_word_set(directory / "comparative.txt"),
            experiential=_word_set(directory / "experiential.txt"),
            predicative=_word_set(directory / "predicative.txt"),
            comparing=_word_set(directory / "comparing.txt"),
            enquiry=_word_set(directory / "enquiry.txt"),
            claims=read_patterns(directory / "claims.txt"),
            belying=_word_set(directory / "belying.txt"),
            expectations=read_patterns(directory / "expectations.txt"),
        )

    def content(self) -> tuple:
        """Everything the lexicon holds, in a stable order (what its versions hash)."""
        return (sorted(self.polarity.items()), sorted(self.negation.items()), sorted(self.degree.items()),
                sorted(self.contrast), sorted(self.contrast_after_verdict), [(p.pattern, w) for p, w in self.phrases],
                sorted(self.formulas),
                sorted(self.frames), sorted(self.lukewarm), sorted(self.particles), sorted(self.postposed),
                sorted(self.links), sorted(self.time_words), sorted(self.comparative), sorted(self.experiential),
                sorted(self.predicative), sorted(self.comparing), sorted(self.enquiry),
                self.claims.pattern if self.claims else "", sorted(self.belying),
                self.expectations.pattern if self.expectations else "")

    @property
    def modifiers(self) -> frozenset[str]:
        """Negation and degree words: what modifies the word after it, and what jieba glues onto it (很差, 太吵)."""
        return frozenset(self.negation) | frozenset(self.degree)

    def is_lukewarm(self, text: str) -> bool:
        """Whether a clause holds a lukewarm judgement (一般, 还行, 价格也ok). A lukewarm word inside a
        phrase of weight 0 judges nothing (一般来说, 像魔术表演一般: usually, like)."""
        text = text.lower()
        if not any(word in text for word in self.lukewarm):
            return False
        for pattern in self._no_judgement:
            text = pattern.sub("|", text)
        return any(word in text for word in self.lukewarm)

    @cached_property
    def _no_judgement(self) -> tuple[re.Pattern, ...]:
        return tuple(pattern for pattern, weight in self.phrases if weight == 0)

    def words(self) -> set[str]:
        """Every word the lexicon knows (to keep jieba from splitting them)."""
        return set(self.polarity) | set(self.negation) | set(self.degree) | set(self.contrast) | set(self.lukewarm)
