"""Near-duplicate flagging with MinHash LSH (datasketch): copy-pasted reviews, the same complaint
sent twice with another greeting. Exact duplicates are linked at ingest (`items.duplicate_of`);
near duplicates are flagged (`items.near_duplicate_of`) and still coded."""

from __future__ import annotations

from datasketch import MinHash, MinHashLSH

from pipeline.store import Store

SHINGLE = 3


def minhash(text: str, num_perm: int = 64) -> MinHash:
    shingles = {text[i:i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}
    m = MinHash(num_perm=num_perm)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def flag_near_duplicates(store: Store, threshold: float = 0.8, num_perm: int = 64) -> int:
    """Point every item at the earliest earlier item of its channel it nearly repeats; returns how many."""
    rows = store.query("""SELECT item_id, channel, text, near_duplicate_of FROM items
                          WHERE duplicate_of IS NULL ORDER BY ingested_at, item_id""")
    found: list[tuple[str, str]] = []
    for channel, group in rows.groupby("channel", sort=False):
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        order: dict[str, int] = {}
        for item_id, text, flagged in group[["item_id", "text", "near_duplicate_of"]].itertuples(index=False):
            signature = minhash(text, num_perm)
            matches = [m for m in lsh.query(signature) if m in order]
            if matches and flagged is None:
                found.append((item_id, min(matches, key=order.__getitem__)))
            order[item_id] = len(order)
            lsh.insert(item_id, signature)
    if found:
        with store.transaction():
            for item_id, original in found:
                store.con.execute("UPDATE items SET near_duplicate_of = ? WHERE item_id = ?", [original, item_id])
    return len(found)
