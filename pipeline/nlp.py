"""The spaCy pipeline: jieba tokenizer → voc_clauses → voc_aspects → voc_sentiment → voc_claims → voc_carry
[→ voc_aspect_model] [→ voc_polarity_model] [→ voc_sentiment_model] → voc_judgements.

The lexicon components always run: they find clauses, cue words and polarity, which trained models
use as features and as evidence. A trained model (a registry reference such as
`restaurant-aspects@2`) is added after them. Components are registered factories whose config holds
only names, so `nlp.config` says exactly what coded a Doc.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spacy.language import Language

from pipeline.classify import AspectTagger, LexiconAspectClassifier, ModelAspectTagger
from pipeline.items import stable_hash
from pipeline.lexicon import Lexicon
from pipeline.paths import USER_DICT
from pipeline.segment import ClauseSplitter, blank_zh, jieba_for
from pipeline.sentiment import (ClaimReader, JudgementFilter, LexiconSentiment, ModelPolarityScorer, ModelSentimentScorer,
                                SentimentScorer, TopicCarrier)
from pipeline.taxonomy import Taxonomy, load_taxonomy

LEXICON = "lexicon"


@lru_cache(maxsize=None)
def cached_taxonomy(name: str) -> Taxonomy:
    return load_taxonomy(name)


@lru_cache(maxsize=1)
def cached_lexicon() -> Lexicon:
    return Lexicon.load()


# Bumped whenever the code's reading of the language data changes (how cues are matched, what a bare
# mention is), so that stored codes are recoded like after an edit of the data itself.
READING_REVISION = "2026.12.23"  # an aspect's own words judge the clause and the item (性价比高 is praise, not 0)


def language_version(taxonomy: Taxonomy, lexicon: Lexicon, user_dict: Path = USER_DICT) -> str:
    """A short hash of the language data that shapes every code, whatever model codes: the taxonomy's
    keywords and flags, all of the lexicon (`Lexicon.content`), the jieba user dictionary, and the
    revision of the code that reads them. It is part of `model_version`, so editing any of them
    triggers a recode."""
    content = repr((taxonomy, lexicon.content(), user_dict.read_bytes() if user_dict.exists() else b"",
                    READING_REVISION))
    return stable_hash(content, length=10)


def vocabulary(taxonomy: Taxonomy) -> frozenset[str]:
    """The words the taxonomy and the lexicon know (kept whole by jieba, used to split compounds)."""
    return frozenset(taxonomy.keywords() | cached_lexicon().words())


def load_registered(ref: str, registry: str, role: str):
    """A fitted model from the registry, checked to play `role`."""
    from pipeline.registry import Registry

    reg = Registry(registry)
    model = reg.load(ref)
    if getattr(model, "role", None) != role:
        raise ValueError(f"{ref} is not a{'n' if role == 'aspects' else ''} {role} model")
    return model, str(reg.resolve(ref))


@Language.factory("voc_clauses", default_config={"taxonomy": "restaurant"})
def make_clause_splitter(nlp: Language, name: str, taxonomy: str) -> ClauseSplitter:
    lexicon = cached_lexicon()
    subs = cached_taxonomy(taxonomy).sub_dimensions
    judged = {w for sub in subs for w in (*sub.positive, *sub.negative)} | set(lexicon.polarity)
    topics = {w for sub in subs for w in sub.keywords} - judged  # 价格, 服务员: what a lead clause may name
    known = getattr(getattr(nlp.tokenizer, "jieba_seg", None), "FREQ", None)  # jieba's dictionary, as loaded
    return ClauseSplitter(lexicon.contrast, vocabulary(cached_taxonomy(taxonomy)), lexicon.formulas,
                          lexicon.frames | topics, frozenset(lexicon.polarity), known,
                          lexicon.contrast_after_verdict, judged | lexicon.lukewarm)


@Language.factory("voc_aspects", default_config={"taxonomy": "restaurant"})
def make_aspect_tagger(nlp: Language, name: str, taxonomy: str) -> AspectTagger:
    return AspectTagger(LexiconAspectClassifier(cached_taxonomy(taxonomy), modifiers=cached_lexicon().modifiers,
                                               time_words=cached_lexicon().time_words))


@Language.factory("voc_sentiment", default_config={"taxonomy": "restaurant"})
def make_sentiment_scorer(nlp: Language, name: str, taxonomy: str) -> SentimentScorer:
    return SentimentScorer(LexiconSentiment(cached_lexicon()), cached_taxonomy(taxonomy))


@Language.factory("voc_claims")
def make_claim_reader(nlp: Language, name: str) -> ClaimReader:
    """Scores a claim the story belies again with the pipeline's own lexicon scorer (added before it)."""
    return ClaimReader(nlp.get_pipe("voc_sentiment"))


@Language.factory("voc_carry")
def make_topic_carrier(nlp: Language, name: str) -> TopicCarrier:
    """Reads joined clauses with the pipeline's own lexicon tagger and scorer (added before it)."""
    return TopicCarrier(nlp.get_pipe("voc_aspects").model, nlp.get_pipe("voc_sentiment"))


@Language.factory("voc_judgements")
def make_judgement_filter(nlp: Language, name: str) -> JudgementFilter:
    return JudgementFilter()


@Language.factory("voc_aspect_model", default_config={"taxonomy": "restaurant", "registry": "voc-models"})
def make_model_aspect_tagger(nlp: Language, name: str, model: str, taxonomy: str, registry: str) -> ModelAspectTagger:
    fitted, ref = load_registered(model, registry, "aspects")
    return ModelAspectTagger(fitted, ref, cached_taxonomy(taxonomy))


@Language.factory("voc_sentiment_model", default_config={"registry": "voc-models", "clauses": True})
def make_model_sentiment_scorer(nlp: Language, name: str, model: str, registry: str, clauses: bool) -> ModelSentimentScorer:
    fitted, ref = load_registered(model, registry, "sentiment")
    return ModelSentimentScorer(fitted, ref, clauses=clauses, enquiry=cached_lexicon().enquiry)


@Language.factory("voc_polarity_model", default_config={"registry": "voc-models"})
def make_model_polarity_scorer(nlp: Language, name: str, model: str, registry: str) -> ModelPolarityScorer:
    fitted, ref = load_registered(model, registry, "polarity")
    return ModelPolarityScorer(fitted, ref)


def build_nlp(taxonomy: str = "restaurant", aspect_model: str = LEXICON, sentiment_model: str = LEXICON,
              registry: str = "voc-models", polarity_model: str = LEXICON, judge: bool = True) -> Language:
    """The coding pipeline for one taxonomy; models are `lexicon` or registry references. Without
    `judge` the last step is left out and every cued clause keeps its aspects: what a model's
    features see (inside the coding pipeline, models also run before it).

    Order: clauses → lexicon aspects → lexicon sentiment → carried topics (a bare topic read with the
    judgement after it) → [aspect model: which aspects, from the lexicon's features] → [polarity
    model: clause and aspect polarity] → [sentiment model: the item] → judgements (bare mentions
    dropped, lukewarm ones neutral)."""
    nlp = blank_zh(jieba_for(vocabulary(cached_taxonomy(taxonomy))))
    nlp.add_pipe("voc_clauses", config={"taxonomy": taxonomy})
    nlp.add_pipe("voc_aspects", config={"taxonomy": taxonomy})
    nlp.add_pipe("voc_sentiment", config={"taxonomy": taxonomy})
    nlp.add_pipe("voc_claims")
    nlp.add_pipe("voc_carry")
    if aspect_model != LEXICON:
        nlp.add_pipe("voc_aspect_model", config={"model": aspect_model, "taxonomy": taxonomy, "registry": str(registry)})
    if polarity_model != LEXICON:
        nlp.add_pipe("voc_polarity_model", config={"model": polarity_model, "registry": str(registry)})
    if sentiment_model != LEXICON:
        nlp.add_pipe("voc_sentiment_model", config={"model": sentiment_model, "registry": str(registry),
                                                     "clauses": polarity_model == LEXICON})
    if judge:
        nlp.add_pipe("voc_judgements")
    return nlp
