"""Ingest repository: items and quarantine rows in committed batches, with the duplicate policy, the
run's counts and status, and each landing file's id space."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import NamedTuple, Sequence

from pipeline.items import Item, Quarantined, make_item_id, stable_hash
from pipeline.store.engine import INGEST_LOCK, Engine, utcnow
from pipeline.touchpoints import said_at

ITEM_COLUMNS = [
    "item_id", "channel", "source", "locator", "external_id", "feedback_kind", "entity", "touchpoint",
    "journey_stage", "created_at", "rating", "rating_scale", "language", "raw_text", "text",
    "content_hash", "meta", "ingested_at", "ingest_run_id", "duplicate_of", "ingest_seq", "created_offset_min",
    "customer",
]
CALL_SIGNAL_COLUMNS = ["item_id", "duration_s", "turns", "customer_turns", "agent_turns", "transfers", "holds",
                       "identity_checks", "resolved", "role_confidence"]
QUARANTINE_COLUMNS = ["quarantine_id", "channel", "source", "locator", "reason", "raw_payload",
                      "quarantined_at", "ingest_run_id"]


class IngestCounts(NamedTuple):
    """Of a batch: items stored now (duplicates included), items already stored, exact duplicates, and
    records whose id was already taken by a different text (quarantined as conflicting ids)."""

    new: int
    existing: int
    duplicates: int
    conflicts: int = 0


def _originals(engine: Engine, hashes: Sequence[str]) -> dict[tuple[str, str | None, str], str]:
    """(channel, touchpoint, content hash) → id of the earliest-ingested item with that content
    said at that touchpoint: exact duplicates are per touchpoint, so a copy at another store counts there."""
    if not hashes:
        return {}
    rows = engine.fetchall("""SELECT channel, said_at, content_hash, item_id FROM (
                              SELECT channel, said_at, content_hash, item_id, row_number() OVER (
                                PARTITION BY channel, said_at, content_hash ORDER BY ingest_seq, item_id) AS rn
                              FROM (SELECT channel, content_hash, item_id, ingest_seq,
                                           CASE WHEN touchpoint = channel || ':' || source THEN NULL
                                                ELSE touchpoint END AS said_at
                                    FROM items WHERE duplicate_of IS NULL AND content_hash = ANY(?)) i) first_copies
                            WHERE rn = 1""", [list(hashes)])
    return {(c, t, h): i for c, t, h, i in rows}


def _stored(engine: Engine, ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """item_id → (content hash, touchpoint) of the stored items among `ids`."""
    if not ids:
        return {}
    return {i: (h, t) for i, h, t in engine.fetchall(
        "SELECT item_id, content_hash, touchpoint FROM items WHERE item_id = ANY(?)", [list(ids)])}


def _legacy_ids(engine: Engine, items: Sequence[Item]) -> dict[str, str]:
    """item_id → the id the same record had in a store from before v4, which keyed external ids on
    the file's base name and content ids on the text alone (only for stores that held items then)."""
    legacy = {(c, s) for c, s in engine.fetchall("SELECT channel, source FROM legacy_sources")}
    if not legacy:
        return {}
    out = {}
    for item in items:
        base = item.source.rsplit("/", 1)[-1]
        if item.external_id and base != item.source and (item.channel, base) in legacy:
            out[item.item_id] = make_item_id(item.channel, base, item.external_id, item.text)
        elif not item.external_id and said_at(item.channel, item.source, item.touchpoint) and item.channel != "email":
            out[item.item_id] = make_item_id(item.channel, item.source, None, item.text)
    return out


def write_batch(engine: Engine, items: Sequence[Item], quarantined: Sequence[Quarantined], run_id: str) -> IngestCounts:
    """Store items (skipping ones already stored) and quarantine records in one transaction, and add
    the batch's counts to its ingest run (so the run's counts always match what it committed).

    An item whose normalised text exactly repeats an earlier item of its channel is stored with
    `duplicate_of` pointing at that first copy (and is not coded). An item whose id is already taken
    by a different text (the same external id reused in one source) is never dropped: it is
    quarantined as a conflicting id, with its text. Returns the counts.
    """
    now = utcnow()
    unique: dict[str, Item] = {}
    conflicts: list[Quarantined] = []
    for item in items:
        first = unique.setdefault(item.item_id, item)
        if first is not item and first.content_hash != item.content_hash:
            conflicts.append(_conflict(item, first.locator))
    with engine.transaction():
        engine.lock(INGEST_LOCK)
        stored = {i: h for i, (h, _) in _stored(engine, list(unique)).items()}
        legacy = _legacy_ids(engine, [item for item in unique.values() if item.item_id not in stored])
        legacy_stored = _stored(engine, list(legacy.values()))
        fresh = []
        for item in unique.values():
            known = stored.get(item.item_id)
            if known is None and item.item_id in legacy:
                old_hash, old_touchpoint = legacy_stored.get(legacy[item.item_id], (None, None))
                known = old_hash if item.external_id or old_touchpoint == item.touchpoint else None
            if known is None:
                fresh.append(item)
            elif known != item.content_hash:
                conflicts.append(_conflict(item, "an earlier ingest"))
        originals = _originals(engine, [item.content_hash for item in fresh])
        seq = engine.scalar("SELECT coalesce(max(ingest_seq), 0) FROM items")
        rows, signals = [], []
        for n, item in enumerate(fresh, start=1):
            key = (item.channel, said_at(item.channel, item.source, item.touchpoint), item.content_hash)
            original = originals.setdefault(key, item.item_id)
            row = item.to_row()
            row.update(ingested_at=now, ingest_run_id=run_id, ingest_seq=seq + n, customer=item.customer,
                       duplicate_of=None if original == item.item_id else original)
            rows.append(row)
            if item.channel == "call" and "call" in item.meta:
                signals.append({"item_id": item.item_id, **{k: item.meta["call"].get(k) for k in CALL_SIGNAL_COLUMNS[1:]}})
        engine.insert("items", ITEM_COLUMNS, rows, ignore_conflicts=True)
        engine.insert("call_signals", CALL_SIGNAL_COLUMNS, signals, ignore_conflicts=True)
        q_rows = [dict(q.to_row(), quarantined_at=now, ingest_run_id=run_id) for q in [*quarantined, *conflicts]]
        engine.insert("quarantine", QUARANTINE_COLUMNS, q_rows, ignore_conflicts=True)
        duplicates = sum(1 for r in rows if r["duplicate_of"])
        counts = IngestCounts(len(rows), len(items) - len(rows) - len(conflicts), duplicates, len(conflicts))
        engine.execute("""UPDATE ingest_runs SET records_read = records_read + ?, items_new = items_new + ?,
                        items_existing = items_existing + ?, quarantined = quarantined + ?,
                        duplicates = duplicates + ? WHERE run_id = ?""",
                     [len(items) + len(quarantined), counts.new, counts.existing,
                      len(quarantined) + counts.conflicts, duplicates, run_id])
    return counts


def _conflict(item: Item, first: str) -> Quarantined:
    return Quarantined(item.channel, item.source, item.locator,
                       f"conflicting id: external id {item.external_id!r} already has a different text "
                       f"(first seen at {first}); stored text kept, this version quarantined", item.raw_text)


def claim_source(engine: Engine, path: str, proposed: str) -> str:
    """The source name of the landing file at (resolved) `path`: the one it was first ingested under,
    else `proposed` — lengthened with the file's parent folders while another file holds that name."""
    known = engine.scalar("SELECT source FROM source_paths WHERE path = ?", [path])
    if known is not None:
        return known
    parents = list(Path(path).parent.parts[::-1])
    candidate = proposed
    while engine.scalar("SELECT count(*) FROM source_paths WHERE source = ? AND path <> ?", [candidate, path]):
        if not parents or parents[0] in ("/", ""):
            candidate = f"{proposed}#{stable_hash(path, length=8)}"
            break
        head = parents.pop(0)
        if not candidate.startswith(f"{head}/"):
            candidate = f"{head}/{candidate}"
    engine.execute("INSERT INTO source_paths (path, source, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                 [path, candidate, utcnow()])
    return engine.scalar("SELECT source FROM source_paths WHERE path = ?", [path])


def start_run(engine: Engine, run_id: str, channel: str, source: str, path: str) -> None:
    engine.execute("""INSERT INTO ingest_runs (run_id, channel, source, path, started_at, records_read, items_new,
                    items_existing, quarantined, duplicates, status, pid, host)
                    VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 'running', ?, ?)""",
                 [run_id, channel, source, path, utcnow(), os.getpid(), socket.gethostname()])


def finish_run(engine: Engine, run_id: str) -> None:
    engine.execute("UPDATE ingest_runs SET finished_at = ?, status = 'finished' WHERE run_id = ?", [utcnow(), run_id])
