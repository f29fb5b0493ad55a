"""Near-duplicate flagging with MinHash LSH (datasketch): copy-pasted reviews, the same complaint
sent twice with another greeting. Exact duplicates are linked at ingest (`items.duplicate_of`);
near duplicates are flagged (`items.near_duplicate_of`) and still coded."""

from __future__ import annotations

import pandas as pd
from datasketch import MinHash, MinHashLSH

from pipeline.store import Store

SHINGLE = 3


def minhash(text: str, num_perm: int = 64) -> MinHash:
    shingles = {text[i:i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}
    m = MinHash(num_perm=num_perm)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def flag_near_duplicates(store: Store, threshold: float = 0.7, num_perm: int = 128) -> int:
    """Point every item at the earliest-ingested earlier item of its channel whose estimated Jaccard similarity
    (character 3-grams) is at least `threshold`; returns how many were flagged now.

    LSH finds candidates at a looser threshold (banding misses pairs near the line); the MinHash
    estimate then confirms them.
    """
    rows = store.query("""SELECT item_id, channel, text, near_duplicate_of FROM items
                          WHERE duplicate_of IS NULL ORDER BY ingest_seq""")
    found: list[tuple[str, str]] = []
    for channel, group in rows.groupby("channel", sort=False):
        lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=num_perm)
        signatures: dict[str, MinHash] = {}
        for item_id, text, flagged in group[["item_id", "text", "near_duplicate_of"]].itertuples(index=False):
            signature = minhash(text, num_perm)
            matches = [m for m in lsh.query(signature) if signature.jaccard(signatures[m]) >= threshold]
            if matches and pd.isna(flagged):
                found.append((item_id, min(matches, key=list(signatures).index)))
            signatures[item_id] = signature
            lsh.insert(item_id, signature)
    if found:
        with store.transaction():
            for item_id, original in found:
                store.execute("UPDATE items SET near_duplicate_of = ? WHERE item_id = ?", [original, item_id])
    return len(found)
