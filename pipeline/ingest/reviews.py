"""Review exports (CSV / JSONL / JSON / Parquet) → review `Item`s, with a column mapping."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterator

import yaml

from pipeline.ingest.intake import build_item, file_quarantine
from pipeline.ingest.records import UnreadableFile, parse_datetime, read_records
from pipeline.items import Item, Quarantined
from pipeline.touchpoints import TouchpointMap

#: Column names tried, in order, when the mapping leaves a field unset.
AUTO_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "review", "comment", "body", "评论", "内容", "评价"),
    "external_id": ("id", "review_id", "external_id", "编号"),
    "rating": ("rating", "stars", "score", "star", "评分"),
    "entity": ("store", "entity", "shop", "门店", "店铺"),
    "touchpoint": ("touchpoint", "触点"),
    "journey_stage": ("journey_stage", "stage"),
    "created_at": ("created_at", "date", "time", "timestamp", "日期", "时间"),
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column feeds which item field. Only `text` is required; unset fields are
    looked up among common names (AUTO_COLUMNS)."""

    text: str | None = None
    external_id: str | None = None
    rating: str | None = None
    entity: str | None = None
    touchpoint: str | None = None
    journey_stage: str | None = None
    created_at: str | None = None
    rating_scale: int = 5

    @classmethod
    def load(cls, path: Path) -> "ColumnMapping":
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        known = {f.name for f in fields(cls)}
        unknown = set(doc) - known
        if unknown:
            raise ValueError(f"{path}: unknown mapping keys {sorted(unknown)} (known: {sorted(known)})")
        return cls(**doc)

    def resolve(self, columns: list[str]) -> dict[str, str]:
        """field → column present in the record."""
        out = {}
        for name, candidates in AUTO_COLUMNS.items():
            chosen = getattr(self, name)
            if chosen is not None:
                if chosen in columns:
                    out[name] = chosen
                continue
            for candidate in candidates:
                if candidate in columns:
                    out[name] = candidate
                    break
        return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _parse_rating(value: Any, scale: int) -> float:
    rating = float(value)
    if not 0 <= rating <= scale:
        raise ValueError(f"rating {value!r} is outside 0–{scale}")
    return rating


def record_to_item(record: dict[str, Any], locator: str, source: str, columns: dict[str, str],
                   mapping: ColumnMapping, touchpoints: TouchpointMap) -> Item | Quarantined:
    """One record → an Item (PII redacted), or a Quarantined naming the reason (payload redacted too)."""
    payload = json.dumps(record, ensure_ascii=False, default=str)

    def bad(reason: str) -> Quarantined:
        return Quarantined("review", source, locator, reason, payload)

    if "text" not in columns:
        return bad(f"no text column (looked for {mapping.text or ', '.join(AUTO_COLUMNS['text'])})")
    raw = record.get(columns["text"])
    if _blank(raw):
        return bad(f"empty text in column {columns['text']!r}")

    def get(name: str) -> str | None:
        value = record.get(columns[name]) if name in columns else None
        return None if _blank(value) else str(value).strip()

    rating = created_at = None
    if (value := get("rating")) is not None:
        try:
            rating = _parse_rating(value, mapping.rating_scale)
        except ValueError as exc:
            return bad(f"bad rating in column {columns['rating']!r}: {exc}")
    if (value := get("created_at")) is not None:
        try:
            created_at = parse_datetime(value)
        except (ValueError, TypeError, OverflowError) as exc:
            return bad(f"bad date {value!r} in column {columns['created_at']!r}: {exc}")

    entity = get("entity")
    touchpoint, stage = touchpoints.resolve("review", source, entity, get("touchpoint"), get("journey_stage"))
    used = set(columns.values())
    return build_item(
        "review", source, locator, str(raw), payload, external_id=get("external_id"), entity=entity,
        touchpoint=touchpoint, journey_stage=stage, created_at=created_at, rating=rating,
        rating_scale=mapping.rating_scale if rating is not None else None,
        meta={k: v for k, v in record.items() if k not in used and not _blank(v)},
    )


def read_reviews(path: Path, mapping: ColumnMapping = ColumnMapping(), source: str | None = None,
                 touchpoints: TouchpointMap = TouchpointMap(), data: bytes | None = None) -> Iterator[Item | Quarantined]:
    """Every record of a review export as an Item or a Quarantined; never raises for bad data."""
    source = source or path.name
    try:
        for entry in read_records(path, data):
            if isinstance(entry, Quarantined):
                entry.channel, entry.source = "review", source
                yield entry
                continue
            locator, record = entry
            columns = mapping.resolve(list(record))
            yield record_to_item(record, locator, source, columns, mapping, touchpoints)
    except UnreadableFile as exc:
        yield file_quarantine("review", source, path, str(exc), data)
