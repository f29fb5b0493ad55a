"""The item model shared by every channel, and the quarantine record for what cannot be stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from pipeline.redact import redact

Channel = Literal["review", "call", "email"]
FeedbackKind = Literal["customer-initiated", "event-triggered", "company-initiated"]
JOURNEY_STAGES = ("pre-purchase", "purchase", "use", "service")
#: A quarantined payload longer than this is cut (the reason says how long it was).
MAX_PAYLOAD_CHARS = 65_536


def stable_hash(*parts: str, length: int = 16) -> str:
    """A short, stable hex digest of the parts (used for ids)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def make_item_id(channel: str, source: str, external_id: str | None, text: str, touchpoint: str | None = None) -> str:
    """Stable id: from source + external id when the source has ids, else from the content *where it
    was said* — the same short text at two touchpoints is two items (a touchpoint-less item keeps the
    content-only id it always had)."""
    if external_id:
        return stable_hash(channel, source, str(external_id))
    if touchpoint:
        return stable_hash(channel, "content", text, f"@{touchpoint}")
    return stable_hash(channel, "content", text)


@dataclass(slots=True)
class Item:
    """One piece of customer feedback (a review, a call, an email), normalised and ready to code.

    `touchpoint` is what analysts group by (a store, a hotline queue, a mailbox); `entity` is the
    business object behind it; `journey_stage` places it on the customer lifecycle.
    """

    item_id: str
    channel: Channel
    source: str
    locator: str
    text: str
    raw_text: str
    language: str
    content_hash: str
    external_id: str | None = None
    feedback_kind: FeedbackKind = "customer-initiated"
    entity: str | None = None
    touchpoint: str | None = None
    journey_stage: str | None = None
    created_at: datetime | None = None  # naive UTC (pipeline/clock.py)
    created_offset_min: int | None = None  # the source's UTC offset: created_at + offset = its wall clock
    rating: float | None = None
    rating_scale: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def customer(self) -> str | None:
        """The pseudonymised customer behind the item, where its channel names one (see `customer_key`)."""
        return customer_key(self.meta)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["meta"] = json.dumps(self.meta, ensure_ascii=False, default=str)
        return row


def customer_key(meta: dict[str, Any]) -> str | None:
    """A call's pseudonymised customer id or an e-mail's pseudonymised sender (None where there is none)."""
    value = meta.get("customer") or meta.get("sender")
    return str(value) if value else None


@dataclass(slots=True)
class Quarantined:
    """An input record that could not become an item, with where it came from and why.

    The reason and the payload are redacted here, whoever builds one (a bad record quotes whatever
    it holds), and the payload is cut at `MAX_PAYLOAD_CHARS`.
    """

    channel: str
    source: str
    locator: str
    reason: str
    raw_payload: str

    def __post_init__(self) -> None:
        payload = self.raw_payload
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", "replace")
        if len(payload) > MAX_PAYLOAD_CHARS:
            payload = payload[:MAX_PAYLOAD_CHARS] + f"… [cut: {len(payload)} characters]"
        self.raw_payload = redact(payload)
        self.reason = redact(self.reason)

    @property
    def quarantine_id(self) -> str:
        return stable_hash(self.channel, self.source, self.locator, self.raw_payload)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["quarantine_id"] = self.quarantine_id
        return row
