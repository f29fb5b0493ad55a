"""Aspect classification: which taxonomy sub-dimensions a clause is about.

Every aspect model has the scikit-learn face: `fit(X, y)`, `predict(X)` (a binary indicator matrix
over `classes_`), `predict_proba(X)`. X is a list of clauses, each a list of tokens (a str is
segmented with jieba first).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Iterable, Iterator, Sequence

import jieba
import numpy as np
from sklearn.base import BaseEstimator
from spacy.tokens import Doc
from spacy.util import minibatch

from pipeline.contracts import CODE_LABELS, LABEL_VALUES
from pipeline.lexicon import StartIndex, glued_stem
from pipeline.segment import CLAUSE_PUNCT, AspectHit, Clause, token_at, token_starts
from pipeline.taxonomy import Taxonomy

Tokens = Sequence[str]

#: What follows a time word that is none: 的 (当天的特价菜); after 以后, an adverb of the future (以后再来)
_NOT_A_FRAME_AFTER = frozenset("的")
_FUTURE_AFTER = frozenset("再还也会要一常都")
#: What a time frame never reaches across: clause punctuation, and the enumeration comma that does not split clauses
_FRAME_STOPS = frozenset(CLAUSE_PUNCT) | {"、"}
#: A slight denied on some account (没有因为团购而怠慢, 并没有因为换了店面而下降): the account — the `cause` —
#: is not what the clause judges
_DENIED_CAUSE = re.compile(r"(?:没有?|不会?|并未|未|从不|从没有?)(?:因为|因)(?P<cause>[^，,。！!？?]{1,12}?)(?:而|就|(?=变|降低|下降|减少|缩水|打折扣))")


def _outside(hits: list[AspectHit], frame: set[int]) -> list[AspectHit]:
    """The hits less those cued only at positions inside `frame`, unless that would leave none."""
    framed = [h for h in hits if frame and all(p in frame for p in h.cues)]
    return [h for h in hits if h not in framed] if framed and len(framed) < len(hits) else hits


def as_tokens(x: str | Tokens) -> list[str]:
    return jieba.lcut(x) if isinstance(x, str) else list(x)


class LexiconAspectClassifier(BaseEstimator):
    """Keyword classifier over the taxonomy's lexicon; needs no training.

    Confidence grows with the number of distinct cue words: 1 − (1 − base)^hits. The constructor keeps
    only its parameters (scikit-learn can `clone` it); the classes and the keyword index follow from
    the taxonomy.
    """

    def __init__(self, taxonomy: Taxonomy, base_confidence: float = 0.6, threshold: float = 0.5,
                 modifiers: frozenset[str] = frozenset(), time_words: frozenset[str] = frozenset(),
                 time_reach: int = 3):
        self.taxonomy = taxonomy
        self.base_confidence = base_confidence
        self.threshold = threshold
        self.modifiers = modifiers  # degree and negation words jieba glues onto a cue (太吵, 很脏, 不贵)
        self.time_words = time_words  # 的时候, 那天, 以后: the tokens before them say when, not what
        self.time_reach = time_reach  # how many tokens before a time word it covers

    @property
    def classes_(self) -> np.ndarray:
        return np.array([s.id for s in self.taxonomy.sub_dimensions])

    @cached_property
    def _index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for j, sub in enumerate(self.taxonomy.sub_dimensions):
            for word in sub.keywords:
                index.setdefault(word, []).append(j)
        return index

    @property
    def version(self) -> str:
        return f"lexicon@{self.taxonomy.version}"

    def fit(self, X: Sequence[str | Tokens], y: object = None) -> "LexiconAspectClassifier":
        """Nothing to learn: the lexicon is the model. Present for interface parity."""
        return self

    @cached_property
    def _long_cues(self) -> tuple[re.Pattern, list[tuple[str, list[int]]]]:
        long = [(word, js) for word, js in self._index.items() if len(word) >= 2]
        return re.compile("|".join(re.escape(w) for w, _ in long) or "(?!)"), long

    @cached_property
    def _inside_memo(self) -> dict[str, tuple[int, ...]]:
        return {}

    @cached_property
    def _modifier_lengths(self) -> list[int]:
        return sorted({len(m) for m in self.modifiers if len(m) <= 2}, reverse=True)

    def _peeled(self, token: str) -> list[int]:
        """Classes of the cue left when jieba's glued-on modifiers are peeled off (太吵 → 吵, 不太贵 → 贵)."""
        for length in self._modifier_lengths:
            rest = token[length:]
            if rest and token[:length] in self.modifiers:
                return self._index.get(rest) or self._peeled(rest)
        return []

    def _inside(self, token: str) -> tuple[int, ...]:
        """Classes of the cues inside a token (memoised: tokens repeat): cues of two or more characters
        anywhere in it, and a cue of any length under glued-on modifiers or before a glued-on 得/地/些."""
        memo = self._inside_memo
        if token not in memo:
            if len(memo) > 200_000:
                memo.clear()
            gate, long = self._long_cues
            inside = [j for word, js in long if word in token for j in js] if len(token) > 2 and gate.search(token) else []
            stem = glued_stem(token)
            if stem:  # 吵得(要命), 脏得: the cue before what jieba glued on
                inside += self._index.get(stem) or self._peeled(stem)
            memo[token] = tuple(dict.fromkeys(inside + self._peeled(token)))
        return memo[token]

    @cached_property
    def _objects(self) -> dict[int, re.Pattern]:
        """Class index → the node's object patterns, as one expression."""
        return {j: re.compile("|".join(f"(?:{p})" for p in sub.objects))
                for j, sub in enumerate(self.taxonomy.sub_dimensions) if sub.objects}

    @cached_property
    def _patterns(self) -> list[tuple[int, re.Pattern]]:
        """(class index, the node's cue patterns as one expression) for the nodes that have any."""
        return [(j, re.compile("|".join(f"(?:{p})" for p in sub.patterns)))
                for j, sub in enumerate(self.taxonomy.sub_dimensions) if sub.patterns]

    @cached_property
    def _pattern_index(self) -> StartIndex:
        return StartIndex([pattern for _, pattern in self._patterns])

    def _pattern_cues(self, tokens: Tokens, found: dict[int, list[int]]) -> None:
        """Add the token where each match of a node's cue patterns starts as a cue of that node."""
        text = "".join(tokens)
        starts = None
        for k in self._pattern_index.candidates(text):
            j, pattern = self._patterns[k]
            for match in pattern.finditer(text):
                if starts is None:
                    starts = token_starts(tokens)
                pos = token_at(starts, match.start())
                if pos not in found.get(j, ()):
                    found.setdefault(j, []).append(pos)

    def _drop_objects(self, tokens: Tokens, found: dict[int, list[int]]) -> dict[int, list[int]]:
        """Cue positions that lie inside a match of their node's object patterns are not cues."""
        text = "".join(tokens)
        starts = token_starts(tokens)
        out: dict[int, list[int]] = {}
        for j, positions in found.items():
            pattern = self._objects.get(j)
            spans = [m.span() for m in pattern.finditer(text)] if pattern else []
            kept = [p for p in positions if not any(a <= starts[p] < b for a, b in spans)]
            if kept:
                out[j] = kept
        return out

    def cues(self, tokens: Tokens) -> dict[int, list[int]]:
        """Class index → token positions of its cue words. A cue jieba cuts in two (上得 as 上 / 得,
        再来 as 再 / 来) is found across the two tokens, at the first; a cue of two or more characters
        that jieba keeps inside a longer word (电话 in 打电话, 停车 in 停车难) is found in it, and so is a
        cue under the degree and negation words jieba glues onto it (吵 in 太吵, 脏 in 很脏). A cue
        inside one of its node's object patterns (推荐的菜) is none; a match of a node's cue patterns
        (就两片肉) cues it at the token where the match starts."""
        found: dict[int, list[int]] = {}
        for pos, token in enumerate(tokens):
            own = self._index.get(token)
            for j in own or (self._inside(token) if len(token) > 1 else ()):
                found.setdefault(j, []).append(pos)
            if pos + 1 < len(tokens):
                for j in self._index.get(token + tokens[pos + 1], ()):
                    if pos not in found.get(j, ()):
                        found.setdefault(j, []).append(pos)
        if self._patterns:
            self._pattern_cues(tokens, found)
        return self._drop_objects(tokens, found) if self._objects.keys() & found.keys() else found

    def _proba_one(self, tokens: Tokens) -> np.ndarray:
        row = np.zeros(len(self.classes_))
        for j, positions in self.cues(tokens).items():
            distinct = len({tokens[p] for p in positions})
            row[j] = 1 - (1 - self.base_confidence) ** distinct
        return row

    def predict_proba(self, X: Sequence[str | Tokens]) -> np.ndarray:
        return np.vstack([self._proba_one(as_tokens(x)) for x in X]) if len(X) else np.zeros((0, len(self.classes_)))

    def predict(self, X: Sequence[str | Tokens]) -> np.ndarray:
        return (self.predict_proba(X) >= self.threshold).astype(int)

    def hits(self, tokens: Tokens) -> list[AspectHit]:
        """The sub-dimensions found in one clause, with cue positions (used for evidence). A
        sub-dimension marked `alone` (overall) is dropped where another one is cued."""
        out = []
        for j, positions in sorted(self.cues(tokens).items()):
            distinct = len({tokens[p] for p in positions})
            confidence = 1 - (1 - self.base_confidence) ** distinct
            if confidence >= self.threshold:
                sub = self.taxonomy.sub(self.classes_[j])
                out.append(AspectHit(sub.id, sub.dimension, round(confidence, 4), tuple(positions)))
        if any(not self.taxonomy.sub(h.sub_dimension).alone for h in out):
            out = [h for h in out if not self.taxonomy.sub(h.sub_dimension).alone]
        # 没有因为团购而怠慢: the service is judged, not the voucher (the account of a slight denied);
        # 签合同的时候多了一笔服务费: the contract is when, the fee what (the time frame) — before the anchors
        # give way: 服务员上菜的时候把汤洒了 is the waiter's doing, 上菜 only when
        for frame in (self._denied_cause, self._time_frame):
            if len(out) > 1:
                out = _outside(out, frame(tokens))
        anchored = [h for h in out if all(tokens[p] in self.taxonomy.sub(h.sub_dimension).anchors for p in h.cues)]
        if anchored and len(anchored) < len(out):  # 服务员上菜很慢: the waiter is who, serving speed is what
            others = {h.sub_dimension for h in out if h not in anchored}
            out = [h for h in out if h not in anchored or not self._gives_way(h.sub_dimension, others)]
        return out

    @staticmethod
    def _denied_cause(tokens: Tokens) -> set[int]:
        """Positions of the tokens that are the account of a slight denied (没有因为|团购|而怠慢)."""
        text = "".join(tokens)
        if "因" not in text:
            return set()
        starts = token_starts(tokens)
        return {pos for m in _DENIED_CAUSE.finditer(text) for pos, at in enumerate(starts)
                if m.start("cause") <= at < m.end("cause")}

    def _time_frame(self, tokens: Tokens) -> set[int]:
        """Positions of the tokens a time word makes the clause's time (签合同|的时候, 交车|那天, 定金交了|以后):
        up to `time_reach` tokens before it, not across a punctuation mark, less the words that only say
        who or where (服务员上菜的时候: the waiter stays out of the frame). A time word before 的 or an
        adverb of the future is none (当天的特价菜, 我以后也会常来, 值得以后再来)."""
        frame: set[int] = set()
        who = self._anchor_words
        for pos, token in enumerate(tokens):
            after = tokens[pos + 1][:1] if pos + 1 < len(tokens) else ""
            if token in self.time_words and after not in _NOT_A_FRAME_AFTER \
                    and not (token == "以后" and after in _FUTURE_AFTER):
                for before in range(pos - 1, max(-1, pos - 1 - self.time_reach), -1):
                    if not tokens[before].strip() or tokens[before] in _FRAME_STOPS:
                        break
                    if tokens[before] not in who:  # 服务员上菜的时候把汤洒了: the waiter is who did it, not when
                        frame.add(before)
        return frame

    @cached_property
    def _anchor_words(self) -> frozenset[str]:
        """The words that name who or where rather than what is judged (every node's `anchors`)."""
        return frozenset(w for sub in self.taxonomy.sub_dimensions for w in sub.anchors)

    def _gives_way(self, sub_id: str, others: set[str]) -> bool:
        yields_to = self.taxonomy.sub(sub_id).yields_to
        return bool(others & set(yields_to)) if yields_to else True


class AspectTagger:
    """spaCy component `voc_aspects`: fills `clause.aspects` from the taxonomy lexicon."""

    def __init__(self, model: LexiconAspectClassifier):
        self.model = model
        self.version = model.version

    def __call__(self, doc: Doc) -> Doc:
        for clause in doc._.clauses:
            clause.aspects = self.model.hits(clause.tokens)
        return doc




def _evidence_clause(clauses: list[Clause], sub_id: str, label: str) -> tuple[Clause, tuple[int, ...]] | None:
    """The clause that best shows a document-level (aspect, polarity) decision: a clause the taxonomy
    cues for the aspect, preferring one whose own polarity agrees; None where no clause names it."""
    cued = [(c, h) for c in clauses for h in c.aspects if h.sub_dimension == sub_id]
    if not cued:
        return None
    agreeing = [(c, h) for c, h in cued if h.label == label] or cued
    clause, hit = max(agreeing, key=lambda ch: abs(ch[1].score))
    return clause, hit.cues


class ModelAspectTagger:
    """spaCy component `voc_aspect_model`: a trained document-level aspect model decides which
    aspects an item mentions and with which polarity; each decision is attached to its evidence
    clause. A decision is kept only where a clause that judges (a word of opinion, a phrase, a
    lukewarm word) names its aspect: that clause is its evidence, and a bare mention is no code.

    The model completes the lexicon rather than overruling it: a sub-dimension that a clause
    already judges by the lexicon's reading (a word of opinion, a phrase, a lukewarm word) keeps
    those clause-level hits — they are evidence the customer judged it, where the model answers the
    training labels' document-level question (was it mentioned at all; the AIC labels mark bare
    mentions too) — and the model's decision fills the sub-dimensions that a judging clause names
    but reads as neutral (停车场好是好就是贵: the price). The
    sub-dimensions the model was not trained on stay the lexicon's, so a model trained on 3 aspects
    does not silence the other 17. Needs `voc_aspects` and `voc_sentiment` before it."""

    def __init__(self, model, ref: str, taxonomy: Taxonomy, batch_size: int = 128):
        missing = [a for a in model.classes_ if a not in {s.id for s in taxonomy.sub_dimensions}]
        if missing:
            raise ValueError(f"model {ref} codes {missing}, which taxonomy {taxonomy.version} does not have")
        self.model, self.version, self.taxonomy, self.batch_size = model, ref, taxonomy, batch_size

    def _assign(self, doc: Doc, proba: np.ndarray) -> None:
        clauses = doc._.clauses
        if not clauses:
            return
        judged = {h.sub_dimension for c in clauses for h in c.aspects if h.label != "neutral" or c.lukewarm or h.lukewarm}
        found: dict[int, list[AspectHit]] = {c.index: [] for c in clauses}
        for j, sub_id in enumerate(self.model.classes_):
            if sub_id in judged:
                continue
            p = proba[j]
            code = LABEL_VALUES[int(np.argmax(p))]
            if code == -2:
                continue
            label = CODE_LABELS[code]
            mentioned = max(1e-9, 1 - p[0])
            evidence = _evidence_clause([c for c in clauses if c.judged], sub_id, label)
            if evidence is None:
                # no clause that judges names the aspect: the evidence would be some clause of the same
                # mood (right 12 % of the time on the gold reviews), or a bare mention (在世贸广场五楼 as
                # business_district+: AIC labels mark mentions; right on 23 of 77 gold codes they made)
                continue
            clause, cues = evidence
            found[clause.index].append(AspectHit(
                sub_id, self.taxonomy.sub(sub_id).dimension, round(float(mentioned), 4), cues,
                round(float((p[3] - p[1]) / mentioned), 4), label))
        decided = set(self.model.classes_) - judged
        for clause in clauses:
            clause.aspects = found[clause.index] + [h for h in clause.aspects if h.sub_dimension not in decided]

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size or self.batch_size):
            for doc, proba in zip(batch, self.model.predict_proba(batch)):
                self._assign(doc, proba)
                yield doc

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))
