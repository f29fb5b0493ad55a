"""Coding repository: taxonomy names, coded rows (segments, codes, item scores) with history, and the
items still to code, paged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pipeline.store.engine import Engine
from pipeline.taxonomy import Taxonomy

SEGMENT_COLUMNS = ["segment_id", "item_id", "idx", "text", "start_char", "end_char", "tokens", "score",
                   "sentiment", "model_version", "coded_at"]
CODE_COLUMNS = ["code_id", "item_id", "segment_id", "dimension", "sub_dimension", "sentiment", "score",
                "confidence", "evidence", "evidence_start", "evidence_end", "model_version",
                "taxonomy_version", "coded_at", "is_current"]
SCORE_COLUMNS = ["item_id", "model_version", "taxonomy_version", "sentiment", "score", "n_segments",
                 "n_codes", "coded_at", "is_current"]


@dataclass
class CodedBatch:
    """Rows produced by coding a batch of items."""

    segments: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)
    item_scores: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: "CodedBatch") -> None:
        self.segments += other.segments
        self.codes += other.codes
        self.item_scores += other.item_scores


def write_taxonomy(engine: Engine, taxonomy: Taxonomy) -> None:
    rows = [
        {"taxonomy_version": taxonomy.version, "dimension": dim.id, "sub_dimension": sub.id,
         "dimension_zh": dim.name_zh, "dimension_en": dim.name_en,
         "sub_dimension_zh": sub.name_zh, "sub_dimension_en": sub.name_en}
        for dim in taxonomy.dimensions for sub in dim.sub_dimensions
    ]
    with engine.transaction():
        engine.insert("taxonomy_nodes", list(rows[0]), rows, ignore_conflicts=True)


def write_batch(engine: Engine, batch: CodedBatch, model_version: str) -> None:
    """Replace the items' segments, demote their earlier codes to history, add the new ones."""
    ids = [row["item_id"] for row in batch.item_scores]
    if not ids:
        return
    with engine.transaction():
        where = "item_id = ANY(?)"
        # segments and codes are only ever written with an item score: items without one (a first
        # coding, the common case) have nothing to replace, and five scans of growing tables are saved
        coded = [r[0] for r in engine.fetchall(f"SELECT DISTINCT item_id FROM item_scores WHERE {where}", [ids])]
        if coded:
            engine.execute(f"DELETE FROM segments WHERE {where}", [coded])
            engine.execute(f"DELETE FROM codes WHERE {where} AND model_version = ?", [coded, model_version])
            engine.execute(f"DELETE FROM item_scores WHERE {where} AND model_version = ?", [coded, model_version])
            engine.execute(f"UPDATE codes SET is_current = false WHERE {where} AND is_current", [coded])
            engine.execute(f"UPDATE item_scores SET is_current = false WHERE {where} AND is_current", [coded])
        engine.insert("segments", SEGMENT_COLUMNS, batch.segments, ignore_conflicts=False)
        engine.insert("codes", CODE_COLUMNS, batch.codes, ignore_conflicts=False)
        engine.insert("item_scores", SCORE_COLUMNS, batch.item_scores, ignore_conflicts=False)



def _to_code(model_version: str, recode: bool, after: str | None = None,
             until: str | None = None) -> tuple[str, list[Any]]:
    """FROM/WHERE of the items without a current coding by this model version (all if recode), with
    item_id in (after, until]."""
    bounds, bound_params = "", []
    if after is not None:
        bounds += " AND {0}item_id > ?"
        bound_params.append(after)
    if until is not None:
        bounds += " AND {0}item_id <= ?"
        bound_params.append(until)
    sql = "FROM items i WHERE duplicate_of IS NULL" + bounds.format("i.")
    params: list[Any] = list(bound_params)
    if not recode:
        # the range bounds the scores side too: DuckDB builds the anti-join's hash table on it, and
        # unbounded that table held every coding so far (950k at the end of a 1 M run: 2x slower, and
        # out of a 100 MB cap where the bounded read fits)
        sql += f""" AND NOT EXISTS (SELECT 1 FROM item_scores s WHERE s.item_id = i.item_id
                   AND s.model_version = ? AND s.is_current{bounds.format("s.")})"""
        params += [model_version, *bound_params]
    return sql, params


def items_to_code(engine: Engine, model_version: str, recode: bool = False, limit: int | None = None,
                  after: str | None = None, until: str | None = None) -> list[tuple[str, str, str]]:
    """(item_id, text, channel) of items without a current coding by this model version (all if recode), in
    item_id order; `after`, `until` and `limit` page through them (keyset), so a caller never holds them all."""
    where, params = _to_code(model_version, recode, after, until)
    # the window is chosen on ids alone, then its texts are joined: sorting and anti-joining with every
    # remaining text aboard needed memory that grew with the store (DuckDB ran out of a 512 MB cap
    # after 660k of 1 M reviews were coded); ids only, the same read was 4x faster and fits a 20 MB cap
    chosen = f"SELECT item_id {where} ORDER BY item_id" + (f" LIMIT {int(limit)}" if limit else "")
    sql = f"WITH chosen AS ({chosen}) SELECT i.item_id, i.text, i.channel FROM items i JOIN chosen c ON c.item_id = i.item_id ORDER BY i.item_id"
    return [tuple(r) for r in engine.fetchall(sql, params)]


def iter_items_to_code(engine: Engine, model_version: str, recode: bool = False, window: int = 10_000,
                       after: str | None = None, until: str | None = None) -> Iterator[list[tuple[str, str, str]]]:
    """`items_to_code` a window at a time, each read when the caller asks for it (keyset paging)."""
    while pairs := items_to_code(engine, model_version, recode=recode, limit=window, after=after, until=until):
        yield pairs
        after = pairs[-1][0]


def count_to_code(engine: Engine, model_version: str, recode: bool = False, after: str | None = None,
                  until: str | None = None) -> int:
    where, params = _to_code(model_version, recode, after, until)
    return engine.scalar(f"SELECT count(*) {where}", params)


def partitions_to_code(engine: Engine, model_version: str, parts: int, recode: bool = False) -> list[tuple[str | None, str]]:
    """The items to code cut into up to `parts` keyset ranges of about equal size, as (after, until]
    bounds (after None for the first): a worker reads its own range, nobody holds every text."""
    where, params = _to_code(model_version, recode)
    lasts = [r[0] for r in engine.fetchall(
        f"""SELECT max(item_id) AS last FROM (SELECT item_id, ntile({int(parts)}) OVER (ORDER BY item_id) AS part
            {where}) ranked GROUP BY part ORDER BY last""", params)]
    return [(lasts[k - 1] if k else None, last) for k, last in enumerate(lasts)]


def last_coded_at(engine: Engine) -> Any:
    """When the latest current coding was written (None in an uncoded store)."""
    return engine.scalar("SELECT max(coded_at) FROM item_scores WHERE is_current")


def coded_items(engine: Engine) -> int:
    """How many items carry a current coding."""
    return engine.scalar("SELECT count(*) FROM item_scores WHERE is_current")
