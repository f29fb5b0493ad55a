"""The intake boundary: every channel turns what it read into an `Item` here, or a `Quarantined`.

One sequence for all channels: length check → redact (PII found on the folded text, masked in the
text as given) → normalise → redact again (the normalised form) → empty check → identifiers and
metadata redacted → the clock rule (UTC plus the source's offset, pipeline/clock.py) → Item. Reasons and payloads of `Quarantined` are redacted by the class itself.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.ingest.records import MAX_TEXT_CHARS, LandingStream
from pipeline.clock import to_utc
from pipeline.items import Item, Quarantined, make_item_id, stable_hash
from pipeline.normalise import detect_language, normalise_text
from pipeline.redact import pseudonymise, redact, redact_value
from pipeline.touchpoints import said_at

#: How much of an unreadable file is kept as its quarantine payload.
FILE_PAYLOAD_BYTES = 2000


def file_quarantine(channel: str, source: str, path: Path, reason: str,
                    head: "bytes | LandingStream | None" = None) -> Quarantined:
    """One quarantine row for a whole file (or a folder) that cannot be read, with its first bytes."""
    if isinstance(head, LandingStream):
        head = head.head(FILE_PAYLOAD_BYTES)
    if head is None:
        try:
            with open(path, "rb") as f:
                head = f.read(FILE_PAYLOAD_BYTES)
        except OSError:
            head = b""
    return Quarantined(channel, source, "file", f"{path}: {reason}",
                       head[:FILE_PAYLOAD_BYTES].decode("utf-8", "replace"))


def clean_text(raw: str) -> tuple[str, str]:
    """(raw text with PII masked, normalised text with PII masked)."""
    masked = redact(raw)
    return masked, redact(normalise_text(masked))


def safe_identifier(value: Any) -> str | None:
    """An identifier as stored: as given, or a salted pseudonym when it holds PII (a phone as an id)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return text if redact(text) == text else pseudonymise(text, "id")


def build_item(channel: str, source: str, locator: str, raw_text: str, payload: str, *, what: str = "text",
               external_id: Any = None, entity: str | None = None, touchpoint: str | None = None,
               journey_stage: str | None = None, created_at: datetime | None = None, rating: float | None = None,
               rating_scale: int | None = None, meta: dict[str, Any] | None = None,
               identity: str | None = None, company_touchpoint: bool = False,
               empty: str | None = None) -> Item | Quarantined:
    """The one way an input becomes an Item. `payload` is what a quarantine row keeps (redacted there);
    `identity` is a ready item id (emails key on the message id); `company_touchpoint` keeps entity and
    touchpoint as given because they are the company's own address (an email's receiving mailbox);
    `empty` is the channel's own reason for a text that normalises to nothing."""

    def bad(reason: str) -> Quarantined:
        return Quarantined(channel, source, locator, reason, payload)

    if len(raw_text) > MAX_TEXT_CHARS:
        return bad(f"{what} is {len(raw_text)} characters, over the {MAX_TEXT_CHARS} limit")
    raw, text = clean_text(raw_text)
    if not text:
        return bad(empty or f"{what} is empty after normalisation (only whitespace, control characters or nothing)")
    ext = safe_identifier(external_id)
    touchpoint = touchpoint if company_touchpoint or not touchpoint else redact(touchpoint)
    created_at, offset = to_utc(created_at) if created_at is not None else (None, None)
    return Item(
        item_id=identity or make_item_id(channel, source, ext, text, said_at(channel, source, touchpoint)),
        channel=channel,  # type: ignore[arg-type]
        source=source,
        locator=locator,
        text=text,
        raw_text=raw,
        language=detect_language(text),
        content_hash=stable_hash(text),
        external_id=ext,
        entity=entity if company_touchpoint or not entity else redact(entity),
        touchpoint=touchpoint,
        journey_stage=redact(journey_stage) if journey_stage else journey_stage,
        created_at=created_at,
        created_offset_min=offset,
        rating=rating,
        rating_scale=rating_scale,
        meta=redact_value(meta or {}),
    )
