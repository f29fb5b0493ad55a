"""Coding: run the spaCy pipeline over stored items and turn each Doc into table rows.

Coding is embarrassingly parallel: `iter_coded` forks worker processes that inherit the loaded
pipeline (jieba's dictionary included) and send plain rows back.
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.items import stable_hash
from pipeline.registry import DEFAULT_ROOT as DEFAULT_REGISTRY
from pipeline.nlp import LEXICON, build_nlp, cached_lexicon, cached_taxonomy, language_version
from pipeline.segment import AspectHit, Clause
from pipeline.store import Engine, utcnow
from pipeline.store.coding import CodedBatch
from pipeline.store import coding as coding_repo

#: An item to code: (item_id, text), or (item_id, text, channel) where the channel is known.
ItemText = tuple[str, str] | tuple[str, str, str]
#: An item-level code: polarity label, score, and the evidence clause's char span in the item text.
ItemCode = tuple[str, float, tuple[int, int]]


def item_codes(doc: Doc) -> dict[str, ItemCode]:
    """The item's codes, one per sub-dimension: the lean of its clause-level hits (the sum of the
    polar hits' scores; neutral where none is polar or they cancel out), with the strongest hit of
    that polarity as evidence. A lukewarm verdict weighs in: where the sub-dimension is also judged
    neutral (味道一般), the lean stands only if more of its clauses lean that way than not (一般 and
    one dish praised is a balance, two dishes praised and 一般 a lean)."""
    hits: dict[str, list[tuple[AspectHit, Clause]]] = {}
    for clause in doc._.clauses:
        for hit in clause.aspects:
            hits.setdefault(hit.sub_dimension, []).append((hit, clause))
    out: dict[str, ItemCode] = {}
    for sub, found in hits.items():
        lean = sum(h.score for h, _ in found if h.label != "neutral")
        label = "neutral" if abs(lean) < 1e-9 else ("positive" if lean > 0 else "negative")
        if label != "neutral" and any(h.label == "neutral" for h, _ in found):
            leaning = sum(h.label == label for h, _ in found)
            if leaning <= len(found) - leaning:
                label = "neutral"
        agreeing = [(h, c) for h, c in found if h.label == label] or found
        hit, clause = max(agreeing, key=lambda hc: abs(hc[0].score))
        out[sub] = (label, round(lean if label != "neutral" else hit.score, 4), (clause.start, clause.end))
    return out


#: The roles a coder fills: which aspects, their and the clauses' polarity, the item's sentiment.
ROLES = ("aspects", "polarity", "sentiment")


class NoModels(ValueError):
    """The registry to code with is missing or has no promoted model (and the lexicon was not asked for)."""


def promoted_models(registry: str, taxonomy: str | None = None) -> dict[str, str | None]:
    """role → the model the registry promoted for `taxonomy` (None where it has none: that role codes
    with the lexicon); `NoModels` when the registry is missing or has nothing promoted at all."""
    from pipeline.registry import Registry

    reg = Registry(registry)
    if not reg.any_promoted():
        where = "does not exist" if not Path(registry).exists() else "has no promoted model"
        raise NoModels(f"model registry {registry} {where}: train and promote models (`make models`), point at "
                       "the registry (--models, VOC_MODELS or voc.toml), or code with the lexicon on purpose (--lexicon)")
    return {role: reg.promoted(role, taxonomy) for role in ROLES}


class Coder:
    """Codes (item_id, text) pairs with one taxonomy and one aspect/sentiment model pair.

    Models left as None are the ones the registry promoted for this taxonomy (the lexicon for a role
    with none: a taxonomy without a trained aspect model has its aspects found by the lexicon and
    scored by the promoted sentiment model).
    A registry that is missing or has nothing promoted is a `NoModels` error — coding silently with the
    lexicon because a path was wrong is how a scheduled run goes bad — unless `lexicon` asks for it.
    """

    def __init__(self, taxonomy: str = "restaurant", aspect_model: str | None = None,
                 sentiment_model: str | None = None, registry: str = DEFAULT_REGISTRY, batch_size: int = 256,
                 lexicon: bool = False, polarity_model: str | None = None):
        self.taxonomy = cached_taxonomy(taxonomy)
        self.batch_size = batch_size
        chosen = {"aspects": aspect_model, "polarity": polarity_model, "sentiment": sentiment_model}
        promoted = dict.fromkeys(ROLES)
        if not lexicon and (aspect_model is None or sentiment_model is None):  # both named: no registry lookup
            promoted = promoted_models(registry, self.taxonomy.name)
        self.aspect_model, self.polarity_model, self.sentiment_model = (
            chosen[role] or promoted[role] or LEXICON for role in ROLES)
        self.nlp: Language = build_nlp(taxonomy, self.aspect_model, self.sentiment_model, registry, self.polarity_model)

    def _version(self, *pipes: str) -> str:
        return next(self.nlp.get_pipe(p).version for p in pipes if p in self.nlp.pipe_names)

    @property
    def model_version(self) -> str:
        """Which models and language data coded: `aspects=<ref or lexicon@taxonomy>;sentiment=<ref or
        lexicon@hash>`, `;polarity=<ref>` where a clause polarity model scored the aspects, and
        `;language=<hash>` of the taxonomy, lexicons and jieba dictionary (`language_version`)."""
        version = (f"aspects={self._version('voc_aspect_model', 'voc_aspects')};"
                   f"sentiment={self._version('voc_sentiment_model', 'voc_sentiment')}")
        if "voc_polarity_model" in self.nlp.pipe_names:
            version += f";polarity={self._version('voc_polarity_model')}"
        return version + f";language={language_version(self.taxonomy, cached_lexicon())}"

    def doc_rows(self, item_id: str, doc: Doc, model_version: str, coded_at: object) -> CodedBatch:
        batch = CodedBatch()
        n_codes = 0
        for clause in doc._.clauses:
            segment_id = f"{item_id}:{clause.index}"
            batch.segments.append({
                "segment_id": segment_id, "item_id": item_id, "idx": clause.index, "text": clause.text,
                "start_char": clause.start, "end_char": clause.end, "tokens": " ".join(clause.tokens),
                "score": round(clause.score, 4), "sentiment": clause.label,
                "model_version": model_version, "coded_at": coded_at,
            })
            for hit in clause.aspects:
                n_codes += 1
                batch.codes.append({
                    "code_id": stable_hash(item_id, str(clause.index), hit.sub_dimension, model_version),
                    "item_id": item_id, "segment_id": segment_id, "dimension": hit.dimension,
                    "sub_dimension": hit.sub_dimension, "sentiment": hit.label, "score": hit.score,
                    "confidence": hit.confidence, "evidence": clause.text, "evidence_start": clause.start,
                    "evidence_end": clause.end, "model_version": model_version,
                    "taxonomy_version": self.taxonomy.version, "coded_at": coded_at, "is_current": True,
                })
        batch.item_scores.append({
            "item_id": item_id, "model_version": model_version, "taxonomy_version": self.taxonomy.version,
            "sentiment": doc._.label, "score": doc._.score, "n_segments": len(doc._.clauses),
            "n_codes": n_codes, "coded_at": coded_at, "is_current": True,
        })
        return batch

    def docs(self, items: Iterable[tuple[str, str | None]]) -> Iterator[Doc]:
        """The coded Docs of (text, channel) pairs, in order; the channel (`doc._.channel`, None where
        unknown) tells what is politeness rather than feedback (`pipeline.segment.feedback_text`)."""
        def made() -> Iterator[Doc]:
            for text, channel in items:
                doc = self.nlp.make_doc(text)
                doc._.channel = channel
                yield doc
        return self.nlp.pipe(made(), batch_size=self.batch_size)

    def code(self, pairs: Sequence[ItemText]) -> CodedBatch:
        """Code a batch in this process."""
        version, now = self.model_version, utcnow()
        out = CodedBatch()
        docs = self.docs((p[1], p[2] if len(p) > 2 else None) for p in pairs)
        for (item_id, *_), doc in zip(pairs, docs):
            out.extend(self.doc_rows(item_id, doc, version, now))
        return out


_worker_coder: Coder | None = None


def _code_in_worker(pairs: Sequence[ItemText]) -> CodedBatch:
    assert _worker_coder is not None, "worker started without a coder"
    return _worker_coder.code(pairs)


def chunks(seq: Sequence[ItemText], size: int) -> Iterator[Sequence[ItemText]]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


def iter_coded(coder: Coder, pairs: Sequence[ItemText], n_process: int = 1,
               chunk_size: int = 200) -> Iterator[tuple[int, CodedBatch]]:
    """Yield (items in chunk, rows) chunk by chunk, in input order, over `n_process` processes."""
    global _worker_coder
    if n_process <= 1 or len(pairs) <= chunk_size:
        for chunk in chunks(pairs, chunk_size):
            yield len(chunk), coder.code(chunk)
        return
    _worker_coder = coder  # inherited by the forked workers, not pickled
    try:
        with mp.get_context("fork").Pool(n_process) as pool:
            parts = list(chunks(pairs, chunk_size))
            for chunk, batch in zip(parts, pool.imap(_code_in_worker, parts)):
                yield len(chunk), batch
    finally:
        _worker_coder = None


def code_pending(store: Engine, coder: Coder, recode: bool = False, n_process: int = 1,
                 progress: Callable[[int, int], None] | None = None, window: int = 10_000,
                 bounds: tuple[str | None, str | None] = (None, None)) -> int:
    """Code the store's items that the coder's models have not coded yet (all of them with `recode`),
    with item_id in `bounds` (after, until] (a partition: `coding_repo.partitions_to_code`), reading
    them `window` at a time (memory stays flat as the store grows) and committing chunk by chunk;
    `progress(items_done_now, total)` after each chunk. Returns the count."""
    coding_repo.write_taxonomy(store, coder.taxonomy)
    last, until = bounds
    total = coding_repo.count_to_code(store, coder.model_version, recode=recode, after=last, until=until)
    done = 0
    for pairs in coding_repo.iter_items_to_code(store, coder.model_version, recode=recode, window=window,
                                                after=last, until=until):
        for n, batch in iter_coded(coder, pairs, n_process=n_process):
            coding_repo.write_batch(store, batch, coder.model_version)
            done += n
            if progress:
                progress(n, total)
    return done
