"""The store's own settings (`store_config`): the pseudonymisation salt, the default zone, and the
watermarks of incremental passes."""

from __future__ import annotations

from pipeline.clock import DEFAULT_ZONE
from pipeline.redact import LEGACY_SALT
from pipeline.store.engine import Engine


def get(engine: Engine, key: str) -> str | None:
    return engine.scalar("SELECT value FROM store_config WHERE key = ?", [key])


def put(engine: Engine, key: str, value: str) -> None:
    """Set a setting (call in a transaction where it must move with other writes)."""
    engine.execute("DELETE FROM store_config WHERE key = ?", [key])
    engine.execute("INSERT INTO store_config (key, value) VALUES (?, ?)", [key, value])


def pii_salt(engine: Engine) -> str:
    """This installation's pseudonymisation salt (VOC_PII_SALT overrides it, see `redact.salt`)."""
    return get(engine, "pii_salt") or LEGACY_SALT


def default_zone(engine: Engine) -> str:
    """The zone naive timestamps are read in (set when the store was created, see pipeline/clock.py)."""
    return get(engine, "default_timezone") or DEFAULT_ZONE
