"""Mapping source metadata to touchpoints (configuration, not code: a YAML file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: The owner of cases at a touchpoint nobody owns (no entry and no default in the touchpoint file).
UNASSIGNED = "unassigned"

#: Where each channel sits on the customer lifecycle unless the mapping says otherwise.
CHANNEL_STAGES = {"review": "use", "call": "service", "email": "service"}


def default_touchpoint(channel: str, source: str) -> str:
    """The touchpoint of an item whose source names none (no store, queue or mailbox): the source itself."""
    return f"{channel}:{source}"


def said_at(channel: str, source: str, touchpoint: str | None) -> str | None:
    """Where an item was said, for identity and exact duplicates: its touchpoint, or None when that is
    only the default (the file), so the same text re-delivered in another file still links."""
    return None if touchpoint in (None, default_touchpoint(channel, source)) else touchpoint


@dataclass(frozen=True)
class TouchpointMap:
    """entity → {touchpoint, journey_stage}; channel → default journey stage; touchpoint → who owns
    it and where its cases escalate (`default` for the touchpoints not listed).

    YAML shape::

        channels: {review: use, call: service}
        entities:
          解放碑店: {touchpoint: 重庆·解放碑店, journey_stage: use}
        default: {owner: cx-team@example.com, escalation: cx-director@example.com}
        touchpoints:
          重庆·解放碑店: {owner: manager.jfb@example.com, escalation: area.cq@example.com}
    """

    entities: dict[str, dict[str, str]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=lambda: dict(CHANNEL_STAGES))
    touchpoints: dict[str, dict[str, str]] = field(default_factory=dict)
    default: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> "TouchpointMap":
        if path is None:
            return cls()
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        unknown = set(doc) - {"entities", "channels", "touchpoints", "default"}
        if unknown:
            raise ValueError(f"{path}: unknown sections {sorted(unknown)} (entities, channels, touchpoints, default)")
        touchpoints = doc.get("touchpoints") or {}
        for name, entry in [*touchpoints.items(), ("default", doc.get("default") or {})]:
            extra = set(entry or {}) - {"owner", "escalation"}
            if extra:
                raise ValueError(f"{path}: touchpoint {name}: unknown keys {sorted(extra)} (owner, escalation)")
        return cls(entities=doc.get("entities", {}) or {}, channels={**CHANNEL_STAGES, **(doc.get("channels") or {})},
                   touchpoints={str(k): dict(v or {}) for k, v in touchpoints.items()},
                   default=dict(doc.get("default") or {}))

    def owners(self, touchpoint: str | None) -> tuple[str, str | None]:
        """(owner, escalation) of a touchpoint: its own entry, else `default`, else the unassigned queue."""
        entry = {**self.default, **self.touchpoints.get(touchpoint or "", {})}
        return entry.get("owner") or UNASSIGNED, entry.get("escalation")

    def resolve(self, channel: str, source: str, entity: str | None, touchpoint: str | None,
                journey_stage: str | None) -> tuple[str, str | None]:
        """(touchpoint, journey_stage): explicit values win, then the entity's mapping, then defaults."""
        mapped = self.entities.get(entity or "", {})
        tp = touchpoint or mapped.get("touchpoint") or entity or default_touchpoint(channel, source)
        stage = journey_stage or mapped.get("journey_stage") or self.channels.get(channel)
        return tp, stage
