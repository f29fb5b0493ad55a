"""The spaCy pipeline: jieba tokenizer → voc_clauses → voc_aspects → voc_sentiment.

Components are registered factories whose config holds only names (taxonomy, model reference),
so `nlp.config` says exactly what coded a Doc.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language

from pipeline.classify import AspectTagger, LexiconAspectClassifier
from pipeline.lexicon import Lexicon
from pipeline.segment import ClauseSplitter, blank_zh, prepare_jieba
from pipeline.sentiment import LexiconSentiment, SentimentScorer
from pipeline.taxonomy import Taxonomy, load_taxonomy


@lru_cache(maxsize=None)
def cached_taxonomy(name: str) -> Taxonomy:
    return load_taxonomy(name)


@lru_cache(maxsize=1)
def cached_lexicon() -> Lexicon:
    return Lexicon.load()


def resolve_aspect_model(ref: str, taxonomy: Taxonomy):
    """Turn a model reference from the config into a fitted aspect classifier."""
    if ref == "lexicon":
        return LexiconAspectClassifier(taxonomy)
    raise ValueError(f"unknown aspect model {ref!r} (known: lexicon)")


def resolve_sentiment_model(ref: str):
    """Turn a model reference from the config into a fitted sentiment model."""
    if ref == "lexicon":
        return LexiconSentiment(cached_lexicon())
    raise ValueError(f"unknown sentiment model {ref!r} (known: lexicon)")


def vocabulary(taxonomy: Taxonomy) -> frozenset[str]:
    """The words the taxonomy and the lexicon know (kept whole by jieba, used to split compounds)."""
    return frozenset(taxonomy.keywords() | cached_lexicon().words())


@Language.factory("voc_clauses", default_config={"taxonomy": "restaurant"})
def make_clause_splitter(nlp: Language, name: str, taxonomy: str) -> ClauseSplitter:
    return ClauseSplitter(cached_lexicon().contrast, vocabulary(cached_taxonomy(taxonomy)))


@Language.factory("voc_aspects", default_config={"taxonomy": "restaurant", "model": "lexicon"})
def make_aspect_tagger(nlp: Language, name: str, taxonomy: str, model: str) -> AspectTagger:
    return AspectTagger(resolve_aspect_model(model, cached_taxonomy(taxonomy)))


@Language.factory("voc_sentiment", default_config={"taxonomy": "restaurant", "model": "lexicon"})
def make_sentiment_scorer(nlp: Language, name: str, taxonomy: str, model: str) -> SentimentScorer:
    return SentimentScorer(resolve_sentiment_model(model), cached_taxonomy(taxonomy))


def build_nlp(taxonomy: str = "restaurant", aspect_model: str = "lexicon",
              sentiment_model: str = "lexicon") -> Language:
    """The coding pipeline for one taxonomy and model pair."""
    prepare_jieba(vocabulary(cached_taxonomy(taxonomy)))
    nlp = blank_zh()
    nlp.add_pipe("voc_clauses", config={"taxonomy": taxonomy})
    nlp.add_pipe("voc_aspects", config={"taxonomy": taxonomy, "model": aspect_model})
    nlp.add_pipe("voc_sentiment", config={"taxonomy": taxonomy, "model": sentiment_model})
    return nlp
