"""The migrator: applies pending schema migrations (pipeline/store/schema.py) and re-creates the views
when their SQL changed, in one transaction under a lock; sets up a new store's own settings."""

from __future__ import annotations

import json
import secrets

from pipeline.aggregate import view_statements
from pipeline.clock import configured_zone
from pipeline.items import customer_key, stable_hash
from pipeline.redact import LEGACY_SALT
from pipeline.store.engine import SCHEMA_LOCK, Engine, utcnow
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION

def migrate(engine: Engine) -> int:
    """Apply pending migrations and, when their definitions changed, re-create the views — in one
    transaction, so concurrent openers never see (or build) half a schema. Returns the version."""
    statements = view_statements()
    views_hash = stable_hash(*statements)
    with engine.transaction():
        engine.lock(SCHEMA_LOCK)
        engine.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)""")
        engine.execute("CREATE TABLE IF NOT EXISTS schema_views (views_hash VARCHAR NOT NULL)")
        done = {v for (v,) in engine.fetchall("SELECT version FROM schema_migrations")}
        changed = False
        for version, description, migration in MIGRATIONS:
            if version not in done:
                for sql in migration:
                    engine.execute(sql)
                engine.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                             [version, description, utcnow()])
                changed = True
        if engine.scalar("SELECT max(views_hash) FROM schema_views") != views_hash:
            for sql in reversed(statements):  # dependants first: a view's columns may change
                engine.execute(f"DROP VIEW IF EXISTS {sql.split()[4]}")
            for sql in statements:
                engine.execute(sql)
            engine.execute("DELETE FROM schema_views")
            engine.execute("INSERT INTO schema_views (views_hash) VALUES (?)", [views_hash])
            changed = True
        if 6 not in done:  # the customer column is new: fill it for the items already stored
            _fill_customers(engine)
        if changed:
            engine.grant_readers()
        if engine.scalar("SELECT count(*) FROM store_config WHERE key = 'default_timezone'") == 0:
            engine.execute("INSERT INTO store_config (key, value) VALUES ('default_timezone', ?) ON CONFLICT DO NOTHING",
                         [configured_zone()])
        if engine.scalar("SELECT count(*) FROM store_config WHERE key = 'pii_salt'") == 0:
            # a new store gets its own secret salt; one that already holds pseudonyms keeps the salt they used
            held = engine.scalar("SELECT count(*) FROM items")
            engine.execute("INSERT INTO store_config (key, value) VALUES ('pii_salt', ?) ON CONFLICT DO NOTHING",
                         [LEGACY_SALT if held else secrets.token_hex(16)])
    return schema_version(engine)


def _fill_customers(engine: Engine) -> None:
    """Items stored before v6 get their customer key from their meta (calls and e-mails carry one)."""
    rows = engine.fetchall("SELECT item_id, meta FROM items WHERE customer IS NULL AND channel IN ('call', 'email')")
    keys = [(customer_key(json.loads(meta or "{}")), item_id) for item_id, meta in rows]
    for key, item_id in keys:
        if key:
            engine.execute("UPDATE items SET customer = ? WHERE item_id = ?", [key, item_id])


def schema_version(engine: Engine) -> int:
    version = engine.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"{engine.path}: schema version {version} is newer than this code ({SCHEMA_VERSION})")
    return version
