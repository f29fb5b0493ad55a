"""Segmentation: jieba through spaCy's `zh` tokenizer, and clause splitting as a spaCy component."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Iterable, Mapping, Sequence

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.paths import USER_DICT

#: Characters that end a clause. The enumeration comma 、 is left out: 环境、服务都好 is one clause.
CLAUSE_PUNCT = set("。！？!?；;，,~～…\n") | {"...", "。。", "！！", "？？"}
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(slots=True)
class AspectHit:
    """A taxonomy sub-dimension found in a clause, with the token positions that cued it."""

    sub_dimension: str
    dimension: str
    confidence: float
    cues: tuple[int, ...] = ()
    score: float = 0.0
    label: str = "neutral"
    lukewarm: bool = False  # judged only by a lukewarm word (服务很好环境一般: the decor), so neutral


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
    judged: bool = False  # the lexicon found a word of opinion in it (a lukewarm one counts)
    lukewarm: bool = False  # its only words of opinion are lukewarm (价格还行, 总体还成)
    claimed: tuple[int, int] | None = None  # tokens telling a claim or expectation the story belies (本以为会很好吃)


for _name, _default in (("clauses", None), ("score", 0.0), ("label", "neutral"), ("polar_clauses", 0), ("channel", None)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def token_starts(tokens: Sequence[str]) -> list[int]:
    """The character offset where each token starts in the tokens joined."""
    return list(accumulate((len(t) for t in tokens[:-1]), initial=0)) if tokens else []


def token_at(starts: list[int], offset: int) -> int:
    """The token (by `token_starts`) that holds the character at `offset` of the joined text."""
    return bisect_right(starts, offset) - 1


@lru_cache(maxsize=None)
def jieba_for(extra_words: frozenset[str] = frozenset()) -> jieba.Tokenizer:
    """A private jieba tokenizer with the domain user dictionary and `extra_words` (a taxonomy's and
    the lexicon's words). Each vocabulary gets its own, so coding one taxonomy never changes how
    another is segmented, whatever was loaded first (jieba's module-level tokenizer is left alone)."""
    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if USER_DICT.exists():
        tokenizer.load_userdict(str(USER_DICT))
    for word in sorted(extra_words):  # new words, and words jieba knows too rarely to keep whole (无语, 难喝)
        if len(word) > 1 and (not tokenizer.FREQ.get(word) or len(tokenizer.lcut(word, HMM=False)) > 1):
            tokenizer.add_word(word)
    return tokenizer


def blank_zh(segmenter: jieba.Tokenizer | None = None) -> Language:
    """A blank spaCy Chinese pipeline whose tokenizer is jieba (`segmenter`, else jieba's default)."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    if segmenter is not None:
        nlp.tokenizer.jieba_seg = segmenter
    return nlp


def _is_boundary(text: str) -> bool:
    return text in CLAUSE_PUNCT or (not _CONTENT.search(text) and any(c in CLAUSE_PUNCT for c in text))


def _space_between_han(token: str, space: str, following: str | None) -> bool:
    """A space between two Han characters works as punctuation (一般吧 服务员态度差)."""
    return bool(space and following and _HAN.match(token[-1]) and _HAN.match(following[0]))


def split_compound(token: str, vocab: frozenset[str], min_len: int = 3) -> list[str]:
    """Split an unknown token into known words if it is made of nothing else.

    jieba's HMM glues unseen compounds together (价格便宜, 态度超好); the taxonomy and the lexicon
    need their parts. Tokens that do not decompose completely are left alone.
    """
    if len(token) < min_len or token in vocab:
        return [token]

    def parts(rest: str) -> list[str] | None:
        if not rest:
            return []
        for end in range(len(rest), 0, -1):  # longest known prefix first
            head = rest[:end]
            if head in vocab:
                tail = parts(rest[end:])
                if tail is not None:
                    return [head, *tail]
        return None

    return parts(token) or [token]


@lru_cache(maxsize=8)
def _longest(words: frozenset[str]) -> int:
    return max(map(len, words))


def is_formula(text: str, formulas: frozenset[str]) -> bool:
    """Whether a clause is nothing but greetings/thanks/sign-off formulas (您好, 好的谢谢, 此致敬礼)."""
    core = "".join(_CONTENT.findall(text))
    if not core or not formulas:
        return False
    longest = _longest(formulas)
    reachable = [True] + [False] * len(core)  # can core[:i] be cut into formulas?
    for i in range(len(core)):
        if reachable[i]:
            for j in range(i + 1, min(len(core), i + longest) + 1):
                if core[i:j] in formulas:
                    reachable[j] = True
    return reachable[-1]


#: Channels where the customer speaks to the company (a hotline call, an e-mail to it): there 好的，谢谢
#: is politeness and 请问… a question. In a review the same words judge: on the binary review corpora
#: a clause of 谢谢 alone belongs to a positive review 79 times in 100, of 好 alone 86.
CONVERSATIONAL = frozenset({"call", "email"})


def feedback_text(doc: Doc, enquiry: frozenset[str] = frozenset()) -> str:
    """The Doc's text less what is not feedback, in a conversational channel (`doc._.channel` in
    `CONVERSATIONAL`): the greeting, thanks and sign-off formulas that `split_clauses` left out of the
    clauses (您好：…谢谢！ → …！) and, where `enquiry` words are given, the clauses that ask for
    information and judge nothing (请问发票怎么开？). What is kept keeps the punctuation and spaces
    around it; a Doc of formulas alone has none left (好的，谢谢。 → ，。). Elsewhere the whole text. In
    every channel, what a clause tells of a claim or an expectation the story belies (`Clause.claimed`:
    说是很新鲜，结果… · 本以为会很好吃，结果…) is left out."""
    conversational = doc._.channel in CONVERSATIONAL
    if not conversational and not any(c.claimed for c in doc._.clauses or ()):
        return doc.text
    text, kept, at = doc.text, [], 0
    for clause in doc._.clauses or ():
        if conversational and not clause.judged and enquiry and any(word in clause.text for word in enquiry):
            continue  # its words go with the gap after it
        gap = text[at:clause.start]
        kept += [_CONTENT.sub("", gap) if conversational else gap, unclaimed_text(clause)]
        at = clause.end
    kept.append(_CONTENT.sub("", text[at:]) if conversational else text[at:])
    return "".join(kept).strip()


def unclaimed_text(clause: Clause) -> str:
    """A clause's text less the tokens, from its mark on, that tell a claim or an expectation the story
    belies (原以为服务会很热情 → nothing; 服务员说是现做的 → 服务员): what was claimed or expected is not the
    customer's verdict."""
    if not clause.claimed or "".join(clause.tokens) != clause.text:
        return clause.text
    starts = token_starts(clause.tokens) + [len(clause.text)]
    first, last = clause.claimed
    return clause.text[:starts[first]] + clause.text[starts[last]:]


def has_content(text: str) -> bool:
    """Whether a text has a word character (not only punctuation and spaces)."""
    return bool(_CONTENT.search(text))


#: Boundaries after which a lead clause (a frame or a bare topic) is read with the next clause.
LEAD_BOUNDARIES = frozenset("，,")


def split_clauses(doc: Doc, contrast: frozenset[str], vocab: frozenset[str] = frozenset(),
                  formulas: frozenset[str] = frozenset(), frames: frozenset[str] = frozenset(),
                  polar: frozenset[str] = frozenset(), known: Mapping[str, int] | None = None,
                  after_verdict: frozenset[str] = frozenset(), verdict: frozenset[str] = frozenset()) -> list[Clause]:
    """Split a Doc at clause punctuation and before contrast words (但是/不过/可是…), and before an
    `after_verdict` word right after a `verdict` word (味道还行|就是有点贵; 就是那家 stays whole). Clauses that are
    only formulas (greetings, thanks, sign-offs) are not feedback and are left out. A lead clause made
    only of `frames` words (frames and topics: 总体而言, 价格嘛) with no `polar` word, followed by a
    comma, is joined to the clause after it (总体而言，值得一尝 is one judgement).

    Clause tokens are the Doc's tokens, with unknown compounds split into `vocab` words. Where `known`
    (the segmenter's dictionary) is given, a one-character contrast word that jieba's HMM glued onto
    the next word (但量, 却脏: no word of the dictionary) is cut off and starts its clause.
    """
    clauses: list[Clause] = []
    # (text, char offset, trailing space) of every token, read once: each spaCy Token access builds an object
    tokens = [(t.text, t.idx, t.whitespace_) for t in doc]
    text = "".join(word + space for word, _, space in tokens)
    current: list[tuple[str, int, str]] = []
    lead: list[tuple[str, int, str]] = []  # a frame clause waiting for the clause it announces

    def emit(words: list[tuple[str, int, str]]) -> None:
        start, end = words[0][1], words[-1][1] + len(words[-1][0])
        parts = [part for word, _, _ in words for part in split_compound(word, vocab)]
        clauses.append(Clause(len(clauses), start, end, text[start:end], parts))

    def close(boundary: str | None = None) -> None:
        words = [t for t in current if not t[0].isspace()]
        current.clear()
        if not words or not any(_CONTENT.search(word) for word, _, _ in words):
            return
        start, end = words[0][1], words[-1][1] + len(words[-1][0])
        if is_formula(text[start:end], formulas):
            return
        if (boundary in LEAD_BOUNDARIES and all(w in frames for w, _, _ in words)
                and not any(w in polar for w, _, _ in words)):
            lead.extend(words)
            return
        emit(lead + words)
        lead.clear()

    for k, token in enumerate(tokens):
        word = token[0]
        if _is_boundary(word) or ("\n" in word and word.isspace()):
            close(word)
            continue
        if known is not None and len(word) > 1 and word[0] in contrast and not known.get(word):
            close()
            current.extend([(word[0], token[1], ""), (word[1:], token[1] + 1, token[2])])
            continue
        if word in contrast or (word in after_verdict and current and current[-1][0] in verdict):
            close()
        current.append(token)
        if _space_between_han(word, token[2], tokens[k + 1][0] if k + 1 < len(tokens) else None):
            close()
    close()
    if lead:  # a frame at the very end announces nothing: it stays a clause of its own
        emit(lead)
    return clauses


class ClauseSplitter:
    """spaCy component `voc_clauses`: sets `doc._.clauses`."""

    def __init__(self, contrast: Iterable[str], vocab: Iterable[str] = (), formulas: Iterable[str] = (),
                 frames: Iterable[str] = (), polar: Iterable[str] = (), known: Mapping[str, int] | None = None,
                 after_verdict: Iterable[str] = (), verdict: Iterable[str] = ()):
        self.known = known
        self.after_verdict = frozenset(after_verdict)
        self.verdict = frozenset(verdict)
        self.contrast = frozenset(contrast)
        self.vocab = frozenset(vocab)
        self.formulas = frozenset(formulas)
        self.frames = frozenset(frames)
        self.polar = frozenset(polar)

    def __call__(self, doc: Doc) -> Doc:
        doc._.clauses = split_clauses(doc, self.contrast, self.vocab, self.formulas, self.frames, self.polar,
                                      self.known, self.after_verdict, self.verdict)
        return doc
