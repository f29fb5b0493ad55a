"""Emerging themes: what customers feel strongly about that the taxonomy does not cover.

Taken are the clauses that carry clear sentiment but no code and no cue word of the taxonomy (and
clauses whose only codes the model was unsure of). Their content words — jieba tokens less function
words and the lexicon's sentiment, degree and negation words, so a theme is *what* is talked about,
not how it feels — are weighted by TF-IDF, reduced by LSA (so words that occur together, 扫码 / 点餐
/ 二维码, pull the same way), and clustered by density (HDBSCAN), negative and positive clauses apart. Each cluster is named by its most
distinctive terms (class-based TF-IDF: frequent in the cluster, rare in the others), and reported
with its size, polarity, trend per month and the clauses nearest its centre. `propose_patch` turns
the coherent clusters into candidate sub-dimensions for a person to review.

The LSA is randomised, and density clusters of a few dozen clauses form for some of its seeds and
not for others. So the clustering is run with several seeds, and a theme is reported only where it
forms in most of the runs (`ThemeSettings.min_stability`), as the run's version that overlaps the
others most: a theme that one seed happens to make is not one an analyst should act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import yaml
from sklearn.cluster import HDBSCAN
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from pipeline.aggregate import OPINION_STRENGTH
from pipeline.lexicon import Lexicon, read_word_weights
from pipeline.paths import LEXICON_DIR
from pipeline.store import Engine
from pipeline.store import coverage as coverage_repo
from pipeline.taxonomy import Taxonomy

STOPWORDS = LEXICON_DIR / "stopwords.txt"
_CONTENT = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")


@dataclass(frozen=True)
class ThemeSettings:
    """How clauses are chosen and clustered."""

    min_strength: float = OPINION_STRENGTH  # |clause score| at least this: clear sentiment (as v_coverage)
    unsure_below: float = 0.5  # a clause whose codes all have a confidence below this counts as uncovered
    max_clauses: int = 60_000  # a fixed pseudo-random sample of them, when there are more
    min_size: int = 8  # smallest cluster reported (HDBSCAN's min_cluster_size)
    max_df: float = 0.05  # words in more of the clauses than this share say little about a topic
    components: int = 50  # LSA dimensions
    min_cohesion: float = 0.6  # share of members holding one of the cluster's 3 most distinctive words
    recent_periods: int = 2  # the latest months, for growth
    rising_z: float = 3.0  # a theme is rising when its share of clauses in the recent months is this many
                           # standard errors above that share over all the clauses clustered (binomial)
    random_state: int = 0  # the first LSA seed; the runs use this one and the next ones
    runs: int = 5  # clusterings, one LSA seed each
    min_stability: float = 0.5  # share of the runs a theme must form in to be reported
    same_theme: float = 0.3  # Jaccard overlap of members at which two runs' clusters are one theme


@dataclass
class Theme:
    """One cluster of uncovered opinionated clauses."""

    terms: list[str]
    size: int
    items: int
    cohesion: float
    negative_share: float
    positive_share: float
    mean_score: float
    trend: dict[str, int]
    growth: float  # share of the theme's clauses in the recent months ÷ that share over all clauses
    growth_z: float  # the same difference in binomial standard errors
    rising: bool
    examples: list[str]
    segment_ids: list[str] = field(repr=False, default_factory=list)
    stability: float = 1.0  # share of the clustering runs in which the theme formed

    @property
    def order(self) -> tuple:
        """Rising themes first, the most significant growth first; then the others, largest first."""
        return (not self.rising, -self.growth_z if self.rising else -self.size, self.name)

    @property
    def name(self) -> str:
        return "/".join(self.terms[:3])

    @property
    def polarity(self) -> str:
        if self.negative_share >= 0.6:
            return "negative"
        if self.positive_share >= 0.6:
            return "positive"
        return "mixed"


def uncovered_clauses(store: Engine, settings: ThemeSettings = ThemeSettings(), since: date | None = None,
                      until: date | None = None, channels: Sequence[str] = ()) -> pd.DataFrame:
    """Clauses with clear sentiment and no code, or only codes the model was unsure of (see
    `pipeline.store.coverage.uncovered_clauses`), with this run's settings."""
    return coverage_repo.uncovered_clauses(store, settings.min_strength, settings.unsure_below, settings.max_clauses,
                                           since, until, channels)


#: jieba dictionary tags of words that do not name a topic: adjectives, adverbs, pronouns, conjunctions,
#: prepositions, particles, numerals, measure words, locality and time words, interjections, onomatopoeia.
NON_TOPIC_TAGS = ("a", "ad", "an", "d", "r", "c", "p", "u", "m", "q", "f", "t", "e", "o", "y", "z", "zg", "ug", "uj", "ul", "uv", "uz")


@dataclass(frozen=True)
class ContentFilter:
    """Which tokens of a clause say what it is about."""

    ignored: frozenset[str]  # function words (data/lexicons/stopwords.txt) and the lexicon's sentiment words
    prefixes: frozenset[str]  # one-character degree and negation words: 很香, 太久, 不爽 are judgements
    tags: dict[str, str]  # jieba's dictionary part-of-speech tags

    @classmethod
    def load(cls, lexicon: Lexicon) -> "ContentFilter":
        import jieba.posseg

        stop = set(read_word_weights(STOPWORDS)) if STOPWORDS.exists() else set()
        ignored = stop | set(lexicon.polarity) | set(lexicon.negation) | set(lexicon.degree) | set(lexicon.contrast)
        prefixes = {w for w in (*lexicon.degree, *lexicon.negation) if len(w) == 1}
        jieba.posseg.dt.tokenizer.check_initialized()
        return cls(frozenset(ignored), frozenset(prefixes), jieba.posseg.dt.word_tag_tab)

    def __call__(self, tokens: str) -> list[str]:
        """A clause's content words: Han or Latin words of two characters or more that are not ignored,
        not a degree/negation word glued to a short judgement, and not tagged as a non-topic word."""
        out = []
        for t in (tokens or "").split():
            if not _CONTENT.match(t) or t in self.ignored:
                continue
            if len(t) <= 3 and t[0] in self.prefixes:
                continue
            if self.tags.get(t) in NON_TOPIC_TAGS:
                continue
            out.append(t)
        return out


def cued(text: str, keywords: set[str]) -> bool:
    """Whether a clause holds one of the taxonomy's cue words (two characters or more) — a topic the
    taxonomy covers, though no code cites this clause."""
    return any(k in text for k in keywords)


def find_themes(clauses: pd.DataFrame, taxonomy: Taxonomy, lexicon: Lexicon,
                settings: ThemeSettings = ThemeSettings()) -> list[Theme]:
    """Cluster the uncovered clauses (see `uncovered_clauses`) into themes, negative and positive
    clauses apart (a complaint and a praise of the same thing are two themes). Clusters are dense
    regions (HDBSCAN over LSA vectors): clauses in none are left out, clusters under `min_size`
    or `min_cohesion` are dropped, and so are those that form in fewer than `min_stability` of the
    runs (see `stable_themes`). Rising themes first, then the largest (see `Theme.order`)."""
    keywords = {k for k in taxonomy.keywords() if len(k) >= 2}
    content = ContentFilter.load(lexicon)
    frame = clauses[(clauses.why == "unsure") | ~clauses.text.map(lambda t: cued(t, keywords))].copy()
    frame["content"] = frame.tokens.map(content)
    frame = frame[frame.content.map(len) > 0]
    frame["month"] = pd.to_datetime(frame.occurred_at).dt.strftime("%Y-%m")
    months = sorted(frame.month.unique())
    themes: list[Theme] = []
    for negative in (True, False):
        part = frame[(frame.score < 0) == negative].reset_index(drop=True)
        themes += _cluster(part, months, settings)
    return sorted(themes, key=lambda t: t.order)


def _cluster(frame: pd.DataFrame, months: list[str], settings: ThemeSettings) -> list[Theme]:
    if len(frame) < settings.min_size * 2:
        return []
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=2, max_df=settings.max_df, sublinear_tf=True)
    try:
        tfidf = vectorizer.fit_transform(frame.content)
    except ValueError:  # no word in two clauses
        return []
    keep = np.asarray(tfidf.sum(axis=1)).ravel() > 0
    frame, tfidf = frame[keep].reset_index(drop=True), tfidf[keep]
    if len(frame) < settings.min_size * 2 or tfidf.shape[1] < 3:
        return []
    components = max(2, min(settings.components, tfidf.shape[1] - 1, len(frame) - 1))
    terms = np.array(vectorizer.get_feature_names_out())
    runs = []
    for seed in range(settings.random_state, settings.random_state + max(1, settings.runs)):
        reduced = normalize(TruncatedSVD(components, random_state=seed).fit_transform(tfidf))
        labels = HDBSCAN(min_cluster_size=settings.min_size, copy=True).fit_predict(reduced)
        runs.append(_run_themes(frame, tfidf, terms, reduced, labels, months, settings))
    return stable_themes(runs, settings)


def stable_themes(runs: list[list[Theme]], settings: ThemeSettings) -> list[Theme]:
    """The themes that form in at least `min_stability` of the runs. A run's theme is the same as one
    of an earlier run where their members overlap by `same_theme` (Jaccard) or more; of each theme
    the version reported is the one that shares the most clauses with its other versions."""
    groups: list[list[tuple[int, Theme, set[str]]]] = []
    founded_by: dict[str, list[int]] = {}  # clause → the groups whose first theme holds it
    for r, themes in enumerate(runs):
        for theme in themes:
            members = set(theme.segment_ids)
            best, overlap = None, 0.0
            for g in {g for sid in members for g in founded_by.get(sid, ())}:
                if any(run == r for run, _, _ in groups[g]):
                    continue
                first = groups[g][0][2]
                jaccard = len(members & first) / len(members | first)
                if jaccard > overlap:
                    best, overlap = g, jaccard
            if best is not None and overlap >= settings.same_theme:
                groups[best].append((r, theme, members))
            else:
                for sid in members:
                    founded_by.setdefault(sid, []).append(len(groups))
                groups.append([(r, theme, members)])
    out = []
    for group in groups:
        stability = len(group) / len(runs)
        if stability >= settings.min_stability:
            _, theme, _ = max(group, key=lambda g: sum(len(g[2] & other) for _, _, other in group))
            theme.stability = round(stability, 2)
            out.append(theme)
    return out


def _run_themes(frame: pd.DataFrame, tfidf, terms: np.ndarray, reduced: np.ndarray, labels: np.ndarray,
                months: list[str], settings: ThemeSettings) -> list[Theme]:
    """The themes of one clustering run (cluster labels of the clauses)."""
    k = labels.max() + 1
    if k <= 0:
        return []
    counts = np.vstack([np.asarray((tfidf[labels == c] > 0).sum(axis=0)).ravel() for c in range(k)])
    ctfidf = _class_tfidf(counts)
    recent = set(months[-settings.recent_periods:])
    base_recent = float(frame.month.isin(recent).mean())
    themes = []
    present = tfidf > 0
    for c in range(k):
        members = np.flatnonzero(labels == c)
        order = [j for j in np.argsort(-ctfidf[c])[:8] if counts[c, j] >= 2]
        # cohesion: the share of members that hold one of the cluster's three most distinctive words
        # (a cluster of clauses that LSA merely could not place has none in common)
        holds = np.asarray(present[members][:, order[:3]].sum(axis=1)).ravel().astype(bool) if order else np.zeros(0, bool)
        cohesion = float(holds.mean()) if order else 0.0
        if len(members) < settings.min_size or cohesion < settings.min_cohesion:
            continue
        # a theme is the members that name it: a clause LSA placed here without any of the cluster's
        # three most distinctive words is density noise, not an example or a count of the theme
        members = members[holds]
        if len(members) < settings.min_size:
            continue
        top = [terms[j] for j in order]
        centre = reduced[members].mean(axis=0)
        similarity = reduced[members] @ (centre / (np.linalg.norm(centre) or 1.0))
        group = frame.iloc[members]
        share = float(group.month.isin(recent).mean())
        spread = np.sqrt(base_recent * (1 - base_recent) / len(group))
        growth_z = (share - base_recent) / spread if spread > 0 else 0.0
        themes.append(_theme(group, top, cohesion, similarity, share / base_recent if base_recent else 1.0,
                             growth_z, settings))
    return themes


def _class_tfidf(counts: np.ndarray) -> np.ndarray:
    """Class-based TF-IDF of term counts per cluster: tf within the cluster × log(1 + mean cluster size
    in terms / the term's count over all clusters) — frequent here, rare elsewhere."""
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1))
    return tf * idf


def _theme(group: pd.DataFrame, terms: list[str], cohesion: float, similarity: np.ndarray, growth: float,
           growth_z: float, settings: ThemeSettings) -> Theme:
    trend = group.month.value_counts().sort_index().to_dict()
    examples: list[str] = []
    for j in np.argsort(-similarity):
        text = group.text.iloc[j]
        if text not in examples:
            examples.append(text)
        if len(examples) == 5:
            break
    return Theme(terms=terms, size=len(group), items=group.item_id.nunique(), cohesion=round(cohesion, 3),
                 negative_share=round(float((group.score < 0).mean()), 3),
                 positive_share=round(float((group.score > 0).mean()), 3),
                 mean_score=round(float(group.score.mean()), 3), trend={str(k): int(v) for k, v in trend.items()},
                 growth=round(growth, 2), growth_z=round(float(growth_z), 2), rising=bool(growth_z >= settings.rising_z),
                 examples=examples, segment_ids=list(group.segment_id))


def themes_table(themes: Sequence[Theme]) -> pd.DataFrame:
    """One row per theme, for printing."""
    return pd.DataFrame([{
        "theme": n, "terms": " ".join(t.terms[:6]), "clauses": t.size, "items": t.items, "polarity": t.polarity,
        "negative_share": t.negative_share, "cohesion": t.cohesion, "stability": t.stability, "growth": t.growth,
        "trend": " ".join(f"{p[2:]}:{c}" for p, c in list(t.trend.items())[-6:]) + (" ↑" if t.rising else ""),
        "example": t.examples[0] if t.examples else "",
    } for n, t in enumerate(themes, start=1)])


def propose_patch(themes: Sequence[Theme], taxonomy: Taxonomy, path: Path, source: str = "") -> dict[str, Any]:
    """Write candidate sub-dimensions (one per theme) as YAML for a person to review and merge into the
    taxonomy file: id, names to fill in, keywords (the theme's distinctive terms), the evidence."""
    proposals = []
    for n, theme in enumerate(themes, start=1):
        proposals.append({
            "id": f"theme_{n}",
            "name_zh": "、".join(theme.terms[:3]),
            "name_en": "TODO",
            "dimension": "TODO: one of " + ", ".join(d.id for d in taxonomy.dimensions) + ", or a new one",
            "keywords": theme.terms[:6],
            "evidence": {"clauses": theme.size, "items": theme.items, "polarity": theme.polarity,
                         "negative_share": theme.negative_share, "cohesion": theme.cohesion,
                         "stability": theme.stability,
                         "trend": theme.trend, "examples": theme.examples[:3]},
        })
    patch = {"taxonomy": taxonomy.name, "base_version": taxonomy.version, "source": source,
             "how_to_merge": "review each proposal; give it a real id and names, pick its dimension, keep the "
                             "keywords that say the topic (not how it felt), copy it under that dimension's "
                             "sub_dimensions in the taxonomy file, bump `version`, then `voc code --recode`",
             "proposals": proposals}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(patch, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return patch
