"""Any table or view of the store, for `voc export`: its columns, and its rows under a filter."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from pipeline.store.engine import Engine


def columns(engine: Engine, relation: str) -> list[str]:
    """The columns of a table or view of the store (name it among `engine.relations()` first)."""
    return list(engine.query(f"SELECT * FROM {relation} LIMIT 0").columns)


def select(engine: Engine, relation: str, where: str = "1 = 1", params: Sequence[Any] = ()) -> pd.DataFrame:
    """The relation's rows under a WHERE clause built from the caller's known columns, with its parameters."""
    return engine.query(f"SELECT * FROM {relation} WHERE {where}", list(params))
