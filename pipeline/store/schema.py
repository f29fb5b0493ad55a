"""The store's schema, as ordered migrations. `schema_migrations` records which ran.

Layers, each rebuildable from the one below: items → segments → codes / item_scores → views.
Types are portable SQL so that the same DDL serves DuckDB and PostgreSQL.
"""

from __future__ import annotations

SCHEMA_VERSION = 6

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "core tables: items, segments, codes, item_scores, quarantine, ingest_runs, taxonomy_nodes", [
        """CREATE TABLE IF NOT EXISTS items (
            item_id VARCHAR PRIMARY KEY,
            channel VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            locator VARCHAR,
            external_id VARCHAR,
            feedback_kind VARCHAR,
            entity VARCHAR,
            touchpoint VARCHAR,
            journey_stage VARCHAR,
            created_at TIMESTAMP,
            rating DOUBLE PRECISION,
            rating_scale INTEGER,
            language VARCHAR,
            raw_text VARCHAR,
            text VARCHAR NOT NULL,
            content_hash VARCHAR,
            meta VARCHAR,
            ingested_at TIMESTAMP NOT NULL,
            ingest_run_id VARCHAR
        )""",
        """CREATE TABLE IF NOT EXISTS segments (
            segment_id VARCHAR PRIMARY KEY,
            item_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            text VARCHAR NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            tokens VARCHAR,
            score DOUBLE PRECISION,
            sentiment VARCHAR,
            model_version VARCHAR,
            coded_at TIMESTAMP
        )""",
        """CREATE TABLE IF NOT EXISTS codes (
            code_id VARCHAR PRIMARY KEY,
            item_id VARCHAR NOT NULL,
            segment_id VARCHAR NOT NULL,
            dimension VARCHAR NOT NULL,
            sub_dimension VARCHAR NOT NULL,
            sentiment VARCHAR NOT NULL,
            score DOUBLE PRECISION NOT NULL,
            confidence DOUBLE PRECISION NOT NULL,
            evidence VARCHAR NOT NULL,
            evidence_start INTEGER NOT NULL,
            evidence_end INTEGER NOT NULL,
            model_version VARCHAR NOT NULL,
            taxonomy_version VARCHAR NOT NULL,
            coded_at TIMESTAMP NOT NULL,
            is_current BOOLEAN NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS item_scores (
            item_id VARCHAR NOT NULL,
            model_version VARCHAR NOT NULL,
            taxonomy_version VARCHAR NOT NULL,
            sentiment VARCHAR NOT NULL,
            score DOUBLE PRECISION NOT NULL,
            n_segments INTEGER NOT NULL,
            n_codes INTEGER NOT NULL,
            coded_at TIMESTAMP NOT NULL,
            is_current BOOLEAN NOT NULL,
            PRIMARY KEY (item_id, model_version)
        )""",
        """CREATE TABLE IF NOT EXISTS quarantine (
            quarantine_id VARCHAR PRIMARY KEY,
            channel VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            locator VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            raw_payload VARCHAR,
            quarantined_at TIMESTAMP NOT NULL,
            ingest_run_id VARCHAR
        )""",
        """CREATE TABLE IF NOT EXISTS ingest_runs (
            run_id VARCHAR PRIMARY KEY,
            channel VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            records_read INTEGER,
            items_new INTEGER,
            items_existing INTEGER,
            quarantined INTEGER
        )""",
        """CREATE TABLE IF NOT EXISTS taxonomy_nodes (
            taxonomy_version VARCHAR NOT NULL,
            dimension VARCHAR NOT NULL,
            sub_dimension VARCHAR NOT NULL,
            dimension_zh VARCHAR, dimension_en VARCHAR,
            sub_dimension_zh VARCHAR, sub_dimension_en VARCHAR,
            PRIMARY KEY (taxonomy_version, sub_dimension)
        )""",
        "CREATE INDEX IF NOT EXISTS codes_item ON codes (item_id)",
        "CREATE INDEX IF NOT EXISTS segments_item ON segments (item_id)",
    ]),
    (2, "omnichannel: duplicate links on items, duplicates per ingest, call process signals", [
        "ALTER TABLE items ADD COLUMN duplicate_of VARCHAR",
        "ALTER TABLE items ADD COLUMN near_duplicate_of VARCHAR",
        "ALTER TABLE items ADD COLUMN ingest_seq BIGINT",
        "ALTER TABLE ingest_runs ADD COLUMN duplicates INTEGER",
        """CREATE TABLE IF NOT EXISTS call_signals (
            item_id VARCHAR PRIMARY KEY,
            duration_s DOUBLE PRECISION,
            turns INTEGER,
            customer_turns INTEGER,
            agent_turns INTEGER,
            transfers INTEGER,
            holds INTEGER,
            identity_checks INTEGER,
            resolved BOOLEAN,
            role_confidence DOUBLE PRECISION
        )""",
    ]),
    (3, "orchestration: ingest manifest, alerts", [
        """CREATE TABLE IF NOT EXISTS ingest_manifest (
            path VARCHAR NOT NULL,
            size BIGINT NOT NULL,
            content_hash VARCHAR NOT NULL,
            channel VARCHAR,
            run_id VARCHAR,
            records_read INTEGER,
            items_new INTEGER,
            quarantined INTEGER,
            done_at TIMESTAMP NOT NULL,
            PRIMARY KEY (path, size, content_hash)
        )""",
        """CREATE TABLE IF NOT EXISTS alerts (
            alert_id VARCHAR PRIMARY KEY,
            channel VARCHAR NOT NULL,
            touchpoint VARCHAR NOT NULL,
            dimension VARCHAR NOT NULL,
            grain VARCHAR NOT NULL,
            period DATE NOT NULL,
            mentions INTEGER NOT NULL,
            negative_share DOUBLE PRECISION NOT NULL,
            baseline_share DOUBLE PRECISION NOT NULL,
            baseline_periods INTEGER NOT NULL,
            raised_at TIMESTAMP NOT NULL
        )""",
    ]),
    (4, "trust: run status with per-batch counts, legacy source names, conflicting ids", [
        "ALTER TABLE ingest_runs ADD COLUMN status VARCHAR",
        "ALTER TABLE ingest_runs ADD COLUMN pid INTEGER",
        "ALTER TABLE ingest_runs ADD COLUMN host VARCHAR",
        "UPDATE ingest_runs SET status = CASE WHEN finished_at IS NULL THEN 'interrupted' ELSE 'finished' END",
        # Before v4 a record's id space was its file's base name; items stored then keep their ids, and a
        # file now named by its path under the landing root finds them through this list.
        "CREATE TABLE legacy_sources AS SELECT DISTINCT channel, source FROM items",
        # Each landing file keeps the source name (id space) it was first ingested under, however it is
        # named later (as a folder's member or on its own).
        # Per-installation settings; `pii_salt` keys the pseudonyms (generated when the store is created).
        "CREATE TABLE IF NOT EXISTS store_config (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
        # Near-duplicate LSH band keys of every hashed item (see pipeline/dedup.py)
        """CREATE TABLE IF NOT EXISTS minhash_bands (
            item_id VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            band INTEGER NOT NULL,
            band_key BIGINT NOT NULL,
            PRIMARY KEY (item_id, band)
        )""",
        "CREATE INDEX IF NOT EXISTS minhash_bands_key ON minhash_bands (channel, band, band_key)",
        "CREATE INDEX IF NOT EXISTS items_seq ON items (ingest_seq)",
        """CREATE TABLE IF NOT EXISTS source_paths (
            path VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            first_seen TIMESTAMP NOT NULL
        )""",
    ]),
    (5, "one clock: created_at in UTC with the source's UTC offset", [
        # Rows stored before v5 keep created_at as they were given (mixed clocks) and a NULL offset:
        # views read them as they are. From v5 on, created_at is UTC and created_offset_min the offset
        # of the source's wall clock (its own, or the store's default zone for naive times).
        "ALTER TABLE items ADD COLUMN created_offset_min INTEGER",
    ]),
    (6, "close the loop: cases per item, their notifications, the customer key on items", [
        # The pseudonymised customer (a call's customer id, an e-mail's sender) as a column, so repeat
        # complaints are found in SQL; rows stored before v6 are filled from their meta by the migrator.
        "ALTER TABLE items ADD COLUMN customer VARCHAR",
        "CREATE INDEX IF NOT EXISTS items_customer ON items (customer)",
        """CREATE TABLE IF NOT EXISTS cases (
            case_id VARCHAR PRIMARY KEY,
            item_id VARCHAR NOT NULL UNIQUE,
            channel VARCHAR NOT NULL,
            touchpoint VARCHAR,
            owner VARCHAR NOT NULL,
            escalation VARCHAR,
            escalated BOOLEAN NOT NULL,
            severity VARCHAR NOT NULL,
            severity_rank INTEGER NOT NULL,
            rules VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            evidence VARCHAR NOT NULL,
            item_score DOUBLE PRECISION,
            occurred_at TIMESTAMP,
            model_version VARCHAR,
            rules_version VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            opened_at TIMESTAMP NOT NULL,
            acknowledged_at TIMESTAMP,
            acknowledged_by VARCHAR,
            closed_at TIMESTAMP,
            closed_by VARCHAR,
            closing_note VARCHAR
        )""",
        "CREATE INDEX IF NOT EXISTS cases_status ON cases (status, touchpoint)",
        """CREATE TABLE IF NOT EXISTS case_notifications (
            case_id VARCHAR NOT NULL,
            recipient VARCHAR NOT NULL,
            via VARCHAR NOT NULL,
            sent_at TIMESTAMP NOT NULL,
            PRIMARY KEY (case_id, recipient, via)
        )""",
    ]),
]
