"""Near-duplicate flagging, incremental: copy-pasted reviews, the same complaint sent twice with another
greeting. Exact duplicates are linked at ingest (`items.duplicate_of`); near duplicates are flagged
(`items.near_duplicate_of`) and still coded.

Leader clustering over ingest order: an item whose character-3-gram Jaccard similarity with an earlier
*original* of its channel (an item not itself flagged) is at least the threshold points at the
earliest such original; otherwise it becomes an original. Each run hashes only the items ingested
since the last run (MinHash computed with numpy a batch at a time), finds candidate originals by
joining LSH band keys in SQL (`minhash_bands` holds the originals' keys only, so a heavy cluster costs
one row per band, not one per copy), confirms each with the exact Jaccard similarity of the shingle
sets, and stores the new originals' keys. A store that grows daily pays for the new items only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from pipeline.store import Engine
from pipeline.store import near_duplicates as near_repo

SHINGLE = 3
BANDS = 15
ROWS = 4  # 60 hash functions; a pair at Jaccard 0.7 shares a band with probability ≈ 0.98
_MASK = np.uint64(0xFFFFFFFF)
_RNG = np.random.default_rng(20261124)
_A = (_RNG.integers(1, 2**32, BANDS * ROWS, dtype=np.uint64) | np.uint64(1))  # odd multipliers
_B = _RNG.integers(0, 2**32, BANDS * ROWS, dtype=np.uint64)
_BAND_MIX = _RNG.integers(1, 2**31, ROWS, dtype=np.uint64)


def shingles(text: str) -> set[str]:
    return {text[i:i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}


def shingle_hashes(text: str) -> np.ndarray:
    """The sorted, unique 32-bit hashes of a text's character 3-grams (stable across processes)."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < SHINGLE:
        points = np.concatenate([points, np.zeros(SHINGLE - len(points), dtype=np.uint64)])
    h = points[:-2] * np.uint64(1_000_003) ^ points[1:-1] * np.uint64(8_191) ^ points[2:]
    return np.unique((h * np.uint64(0x9E3779B1)) & _MASK)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique hash arrays."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def band_keys(hashed: Sequence[np.ndarray]) -> np.ndarray:
    """(len(hashed), BANDS) signed 63-bit band keys: each band's ROWS MinHash values folded into one."""
    if not hashed:
        return np.zeros((0, BANDS), dtype=np.int64)
    lengths = np.array([len(h) for h in hashed])
    flat = np.concatenate(hashed)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    signature = np.empty((len(hashed), BANDS * ROWS), dtype=np.uint64)
    for k in range(BANDS * ROWS):  # one vectorised pass per hash function over every shingle of the batch
        signature[:, k] = np.minimum.reduceat((flat * _A[k] + _B[k]) & _MASK, starts)
    keys = (signature.reshape(len(hashed), BANDS, ROWS) * _BAND_MIX).sum(axis=2)
    return (keys & np.uint64(2**63 - 1)).astype(np.int64)


def flag_near_duplicates(store: Engine, threshold: float = 0.7, batch_size: int = 5000,
                         max_candidates: int = 20) -> int:
    """Flag the items ingested since the last pass, a batch at a time (memory stays flat); returns how
    many were flagged now."""
    flagged = 0
    watermark = near_repo.watermark(store)
    while True:
        batch = near_repo.items_to_hash(store, watermark, batch_size)
        if not batch:
            return flagged
        hashed = [shingle_hashes(text) for _, _, _, text in batch]
        keys = band_keys(hashed)
        with store.transaction():
            stored = near_repo.original_candidates(store,
                [(item_id, channel, band, int(keys[row, band]))
                 for row, (item_id, channel, _, _) in enumerate(batch) for band in range(BANDS)], max_candidates)
            found, originals = _cluster(batch, hashed, keys, stored, threshold, max_candidates)
            near_repo.write_band_keys(store, [(batch[row][0], batch[row][1], band, int(keys[row, band]))
                                   for row in originals for band in range(BANDS)])
            near_repo.flag(store, found, batch[-1][2])
        flagged += len(found)
        watermark = batch[-1][2]


def _cluster(batch: list[tuple[str, str, int, str]], hashed: list[np.ndarray], keys: np.ndarray,
             stored: dict[str, list[tuple[str, str]]], threshold: float,
             max_candidates: int) -> tuple[list[tuple[str, str]], list[int]]:
    """Walk the batch in ingest order: (item, original) pairs found, and the rows that are new originals.
    Candidates: stored originals sharing a band (earliest first), then this batch's earlier originals."""
    cache: dict[str, np.ndarray] = {}
    in_batch: dict[tuple[str, int, int], list[int]] = {}
    found: list[tuple[str, str]] = []
    originals: list[int] = []
    for row, (item_id, channel, _, _) in enumerate(batch):
        original = None
        for candidate, text in stored.get(item_id, []):
            if candidate not in cache:
                cache[candidate] = shingle_hashes(text)
            if jaccard(hashed[row], cache[candidate]) >= threshold:
                original = candidate
                break
        if original is None:
            earlier = sorted({r for band in range(BANDS) for r in in_batch.get((channel, band, int(keys[row, band])), [])})
            for r in earlier[:max_candidates]:
                if jaccard(hashed[row], hashed[r]) >= threshold:
                    original = batch[r][0]
                    break
        if original is not None:
            found.append((item_id, original))
            continue
        originals.append(row)
        for band in range(BANDS):
            in_batch.setdefault((channel, band, int(keys[row, band])), []).append(row)
    return found, originals
