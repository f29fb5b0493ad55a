"""Gold sets (`data/gold/<channel>_<taxonomy>.yaml`): hand-labelled items, and the coder scored on them.

Each gold item goes through its channel's real intake (a review through `build_item`, a call through
`call_to_item`, an e-mail as a MIME message through `message_to_item`), then through the same coding
pipeline as a stored item; its item-level codes (`pipeline.coder.item_codes`) are compared with the
labels: code precision / recall / F1 on (sub-dimension, polarity), the same on the sub-dimension alone
(mention), item exact match, item-sentiment accuracy, evidence hits, and for calls the resolution.
"""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from pipeline.ingest.calls import call_from_json, call_to_item
from pipeline.ingest.emails import message_to_item
from pipeline.ingest.intake import build_item
from pipeline.items import Item
from pipeline.normalise import normalise_text
from pipeline.taxonomy import load_taxonomy
from pipeline.touchpoints import TouchpointMap

POLARITY = {"+": "positive", "-": "negative", "0": "neutral"}
CHANNELS = {"reviews": "review", "calls": "call", "emails": "email"}
SENTIMENTS = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class GoldItem:
    """One labelled item: its record as written, codes sub-dimension → polarity, evidence per code."""

    id: str
    channel: str
    taxonomy: str
    record: dict[str, Any]
    codes: dict[str, str]
    evidence: dict[str, str]
    sentiment: str
    resolved: bool | None = None

    @property
    def customer_text(self) -> str:
        """The text the labels are about: a review, an e-mail body, or a call's customer turns."""
        if self.channel == "call":
            return "\n".join(t.split(":", 1)[1].strip() for t in self.record["turns"] if t.startswith("customer:"))
        return self.record["body"] if self.channel == "email" else self.record["text"]


@dataclass
class Prediction:
    codes: dict[str, str]
    evidence: dict[str, tuple[int, int]] = field(default_factory=dict)
    sentiment: str = "neutral"
    resolved: bool | None = None
    text: str = ""


def parse_code(code: str, where: str) -> tuple[str, str, str]:
    """`taste- 太咸了` → ("taste", "negative", "太咸了")."""
    head, _, evidence = str(code).partition(" ")
    if not head or head[-1] not in POLARITY or not evidence.strip():
        raise ValueError(f"{where}: code {code!r} is not `<sub-dimension><+|-|0> <evidence>`")
    return head[:-1], POLARITY[head[-1]], evidence.strip()


def _record_codes(record: dict, where: str, known: set[str], taxonomy: str,
                  evidence: bool = True) -> dict[str, tuple[str, str]]:
    """Sub-dimension → (polarity, evidence) of one labelled record, checked: its sentiment, each code's
    form (`taste- 太咸了`, or `taste-` where `evidence` is False), known sub-dimensions, one code each."""
    if record.get("sentiment") not in SENTIMENTS:
        raise ValueError(f"{where}: sentiment must be one of {SENTIMENTS}")
    codes: dict[str, tuple[str, str]] = {}
    for code in record.get("codes") or []:
        if evidence:
            sub, polarity, ev = parse_code(code, where)
        elif str(code)[-1:] in POLARITY:
            sub, polarity, ev = str(code)[:-1], POLARITY[str(code)[-1]], ""
        else:
            raise ValueError(f"{where}: code {code!r} is not `<sub-dimension><+|-|0>`")
        if sub not in known:
            raise ValueError(f"{where}: {sub!r} is not a sub-dimension of taxonomy {taxonomy}")
        if sub in codes:
            raise ValueError(f"{where}: {sub} is coded twice (one code per sub-dimension)")
        codes[sub] = (polarity, ev)
    return codes


def load_gold_file(path: Path) -> list[GoldItem]:
    """The items of one gold file, checked: known channel, taxonomy and sub-dimensions, one code per
    sub-dimension, evidence found verbatim in the customer's text."""
    channel_name, _, taxonomy = path.stem.partition("_")
    if channel_name not in CHANNELS or not taxonomy:
        raise ValueError(f"{path}: name gold files <reviews|calls|emails>_<taxonomy>.yaml")
    known = {s.id for s in load_taxonomy(taxonomy).sub_dimensions}
    items = []
    for n, record in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or [], start=1):
        where = f"{path}: item {n} ({record.get('id')})"
        checked = _record_codes(record, where, known, taxonomy)
        codes = {sub: polarity for sub, (polarity, _) in checked.items()}
        evidence = {sub: ev for sub, (_, ev) in checked.items()}
        item = GoldItem(str(record["id"]), CHANNELS[channel_name], taxonomy, record, codes, evidence,
                        record["sentiment"], record.get("resolved"))
        for sub, ev in evidence.items():
            if ev not in item.customer_text:
                raise ValueError(f"{where}: evidence of {sub} {ev!r} is not in the customer's text")
        items.append(item)
    return items


def load_second_labels(path: Path, gold: list[GoldItem]) -> tuple[list[GoldItem], list[Prediction]]:
    """A second labeller's reading of some gold items (`id: {sentiment, codes: [taste+, …]}`, labelled
    blind from the texts alone), as predictions beside the gold items they relabel: scoring one
    against the other (`score`) is the agreement of two labellers, the ceiling a coder is held to."""
    by_id = {g.id: g for g in gold}
    subs = {t: {s.id for s in load_taxonomy(t).sub_dimensions} for t in {g.taxonomy for g in gold}}
    items, labels = [], []
    for item_id, record in (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).items():
        where = f"{path}: item {item_id}"
        if str(item_id) not in by_id:
            raise ValueError(f"{where}: no gold item has this id")
        g = by_id[str(item_id)]
        checked = _record_codes(record, where, subs[g.taxonomy], g.taxonomy, evidence=False)
        codes = {sub: polarity for sub, (polarity, _) in checked.items()}
        items.append(g)
        labels.append(Prediction(codes, sentiment=record["sentiment"]))
    return items, labels


def load_gold(directory: Path) -> dict[tuple[str, str], list[GoldItem]]:
    """(channel, taxonomy) → items, for every gold file in a folder."""
    files = sorted(Path(directory).glob("*_*.yaml"))
    if not files:
        raise FileNotFoundError(f"{directory}: no gold files (<reviews|calls|emails>_<taxonomy>.yaml)")
    out: dict[tuple[str, str], list[GoldItem]] = {}
    for path in files:
        items = load_gold_file(path)
        if items:
            out.setdefault((items[0].channel, items[0].taxonomy), []).extend(items)
    return out


def to_item(gold: GoldItem) -> Item:
    """The gold item through its channel's intake, as an ingest would store it."""
    record, source = gold.record, "gold"
    if gold.channel == "review":
        result = build_item("review", source, gold.id, record["text"], record["text"], external_id=gold.id)
    elif gold.channel == "call":
        turns = [dict(zip(("speaker", "text"), (s.strip() for s in t.split(":", 1)))) for t in record["turns"]]
        result = call_to_item(call_from_json({"call_id": gold.id, "turns": turns}), source, gold.id, TouchpointMap())
    else:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["Message-ID"] = record.get("subject", ""), "customer@example.com", f"<{gold.id}@gold>"
        msg.set_content(record["body"])
        result = message_to_item(email.message_from_bytes(msg.as_bytes()), source, gold.id, TouchpointMap())
    if not isinstance(result, Item):
        raise ValueError(f"gold item {gold.id} was quarantined by its intake: {result.reason}")
    return result


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _evidence_span(text: str, evidence: str) -> tuple[int, int] | None:
    at = text.find(normalise_text(evidence))
    return (at, at + len(normalise_text(evidence))) if at >= 0 else None


def score(gold: list[GoldItem], predicted: list[Prediction]) -> dict[str, Any]:
    """Item-level metrics of predictions against gold items (same order)."""
    tp = fp = fn = m_tp = m_fp = m_fn = exact = sentiment_ok = ev_hit = ev_n = 0
    resolved = [(g.resolved, p.resolved) for g, p in zip(gold, predicted) if g.resolved is not None]
    for g, p in zip(gold, predicted):
        truth, guess = set(g.codes.items()), set(p.codes.items())
        tp, fp, fn = tp + len(truth & guess), fp + len(guess - truth), fn + len(truth - guess)
        m_tp += len(g.codes.keys() & p.codes.keys())
        m_fp += len(p.codes.keys() - g.codes.keys())
        m_fn += len(g.codes.keys() - p.codes.keys())
        exact += truth == guess
        sentiment_ok += g.sentiment == p.sentiment
        for sub in g.codes.keys() & p.codes.keys() & g.evidence.keys():  # evidence is scored where named
            span = _evidence_span(p.text, g.evidence[sub])
            if span and sub in p.evidence:
                ev_n += 1
                start, end = p.evidence[sub]
                ev_hit += start < span[1] and span[0] < end
    precision, recall, f1 = _f1(tp, fp, fn)
    n = len(gold)
    return {
        "items": n, "gold_codes": tp + fn, "predicted_codes": tp + fp,
        "code_precision": precision, "code_recall": recall, "code_f1": f1,
        "mention_f1": _f1(m_tp, m_fp, m_fn)[2],
        "exact_match": exact / n if n else 0.0,
        "sentiment_accuracy": sentiment_ok / n if n else 0.0,
        "evidence_hit": ev_hit / ev_n if ev_n else float("nan"),
        "resolved_accuracy": (sum(a == b for a, b in resolved) / len(resolved)) if resolved else float("nan"),
    }


def evaluate_gold(sets: dict[tuple[str, str], list[GoldItem]],
                  predict: Callable[[str, list[Item]], Iterable[Prediction]]) -> list[dict[str, Any]]:
    """One row of metrics per (channel, taxonomy); `predict(taxonomy, items)` codes items in order."""
    rows = []
    for (channel, taxonomy), items in sorted(sets.items()):
        predicted = list(predict(taxonomy, [to_item(g) for g in items]))
        rows.append({"channel": channel, "taxonomy": taxonomy, **score(items, predicted)})
    return rows


def coder_predictions(coder, items: list[Item]) -> Iterable[Prediction]:
    """Predictions of a `pipeline.coder.Coder` on items, as the pipeline would code them."""
    from pipeline.coder import item_codes

    for item, doc in zip(items, coder.docs((i.text, i.channel) for i in items)):
        codes = item_codes(doc)
        call = (item.meta or {}).get("call") or {}
        yield Prediction({s: c[0] for s, c in codes.items()}, {s: c[2] for s, c in codes.items()},
                         doc._.label, call.get("resolved"), doc.text)


def evaluate_with_coders(directory: Path, registry: str, lexicon: bool = False) -> list[dict[str, Any]]:
    """Gold metrics of the coder each taxonomy would code with (its promoted models, or the lexicon)."""
    from pipeline.coder import Coder

    coders: dict[str, Coder] = {}

    def predict(taxonomy: str, items: list[Item]) -> Iterable[Prediction]:
        if taxonomy not in coders:
            coders[taxonomy] = Coder(taxonomy, registry=registry, lexicon=lexicon)
        return coder_predictions(coders[taxonomy], items)

    rows = evaluate_gold(load_gold(directory), predict)
    for row in rows:
        row["models"] = coders[row["taxonomy"]].model_version
    return rows
