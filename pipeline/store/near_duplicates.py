"""Near-duplicate repository: LSH band keys of the originals, candidate originals by band, the flags
and the pass's watermark (the MinHash logic is pipeline/dedup.py)."""

from __future__ import annotations

from typing import Sequence

from pipeline.store import settings
from pipeline.store.engine import Engine

def watermark(engine: Engine) -> int:
    """The last ingest_seq the near-duplicate pass has hashed."""
    return int(settings.get(engine, "near_dup_seq") or 0)


def items_to_hash(engine: Engine, after_seq: int, limit: int) -> list[tuple[str, str, int, str]]:
    """(item_id, channel, ingest_seq, text) of the next items past `after_seq` (exact duplicates aside),
    in ingest order."""
    return [tuple(r) for r in engine.fetchall(
        f"""SELECT item_id, channel, ingest_seq, text FROM items
            WHERE ingest_seq > ? AND duplicate_of IS NULL ORDER BY ingest_seq LIMIT {int(limit)}""", [after_seq])]


def write_band_keys(engine: Engine, rows: Sequence[tuple[str, str, int, int]]) -> None:
    engine.insert("minhash_bands", ["item_id", "channel", "band", "band_key"],
                 [dict(zip(("item_id", "channel", "band", "band_key"), r)) for r in rows], ignore_conflicts=True)


def original_candidates(engine: Engine, bands: Sequence[tuple[str, str, int, int]],
                        per_item: int) -> dict[str, list[tuple[str, str]]]:
    """item_id → [(original_id, text)]: the stored near-duplicate originals of the item's channel that
    share one of its LSH bands, at most `per_item`, earliest first (call in a transaction)."""
    if not bands:
        return {}
    engine.execute("""CREATE TEMPORARY TABLE IF NOT EXISTS batch_bands (
                        item_id VARCHAR, channel VARCHAR, band INTEGER, band_key BIGINT)""")
    engine.execute("DELETE FROM batch_bands")
    engine.insert("batch_bands", ["item_id", "channel", "band", "band_key"],
                 [dict(zip(("item_id", "channel", "band", "band_key"), r)) for r in bands], ignore_conflicts=False)
    rows = engine.fetchall(f"""
        WITH pairs AS (SELECT DISTINCT n.item_id, o.item_id AS candidate
                       FROM batch_bands n JOIN minhash_bands o
                         ON o.channel = n.channel AND o.band = n.band AND o.band_key = n.band_key),
             ranked AS (SELECT p.item_id, p.candidate, i.text, i.ingest_seq,
                               row_number() OVER (PARTITION BY p.item_id ORDER BY i.ingest_seq) AS rn
                        FROM pairs p JOIN items i ON i.item_id = p.candidate)
        SELECT item_id, candidate, text FROM ranked WHERE rn <= {int(per_item)} ORDER BY item_id, ingest_seq""")
    out: dict[str, list[tuple[str, str]]] = {}
    for item_id, candidate, text in rows:
        out.setdefault(item_id, []).append((candidate, text))
    return out


def flag(engine: Engine, pairs: Sequence[tuple[str, str]], watermark: int) -> None:
    """Point each item at its near-duplicate original and move the watermark (call in a transaction)."""
    if pairs:
        engine.execute("CREATE TEMPORARY TABLE IF NOT EXISTS near_dup_pairs (item_id VARCHAR, original VARCHAR)")
        engine.execute("DELETE FROM near_dup_pairs")
        engine.insert("near_dup_pairs", ["item_id", "original"],
                     [{"item_id": i, "original": o} for i, o in pairs], ignore_conflicts=False)
        engine.execute("""UPDATE items SET near_duplicate_of = p.original FROM near_dup_pairs p
                        WHERE items.item_id = p.item_id AND items.near_duplicate_of IS NULL""")
    settings.put(engine, "near_dup_seq", str(watermark))
