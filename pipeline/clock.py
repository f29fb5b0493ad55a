"""One clock rule for every channel: timestamps are stored in UTC, with the source's UTC offset.

An aware timestamp (an ISO time with an offset, an e-mail Date header) keeps its own offset; a naive one
(a CSV's `2026-05-01 12:30`) is read in the store's default zone — `Asia/Shanghai` unless `VOC_TIMEZONE`
named another when the store was created (kept in `store_config`). Views bucket days and months on the
source's wall clock (UTC + offset), so a review written at 07:00 in Chongqing counts on its own day.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
_zone: ContextVar[str] = ContextVar("voc_default_zone", default=DEFAULT_ZONE)


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from exc


def configured_zone() -> str:
    """The zone a new store reads naive timestamps in: `VOC_TIMEZONE`, else Asia/Shanghai."""
    name = os.environ.get("VOC_TIMEZONE") or DEFAULT_ZONE
    zone(name)
    return name


@contextmanager
def using_zone(name: str) -> Iterator[None]:
    """Read naive timestamps in zone `name` while ingesting (the store's default zone)."""
    zone(name)
    token = _zone.set(name)
    try:
        yield
    finally:
        _zone.reset(token)


def to_utc(stamp: datetime) -> tuple[datetime, int]:
    """(naive UTC time, the source's UTC offset in minutes): aware times keep their offset, naive ones
    are wall-clock times in the default zone."""
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        stamp = stamp.replace(tzinfo=zone(_zone.get()))
    offset = stamp.utcoffset()
    return (stamp - offset).replace(tzinfo=None), int(offset.total_seconds() // 60)
