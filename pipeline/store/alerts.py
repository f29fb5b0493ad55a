"""Alerts repository: the touchpoint × dimension cells per period that alerts are read from, and the
alerts raised (once each)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.aggregate import GRAINS
from pipeline.store.engine import Engine, utcnow


def cells_by_period(engine: Engine, grain: str) -> pd.DataFrame:
    """channel, touchpoint, dimension, period, mentions, negative of every cell per `grain` period."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    return engine.query(f"""SELECT channel, touchpoint, dimension, period, mentions, negative
                            FROM v_touchpoint_dimension_{grain} ORDER BY period""")


def insert(engine: Engine, alert_id: str, row: dict[str, Any]) -> bool:
    """Store an alert unless one with its id exists; whether this call stored it."""
    return bool(engine.fetchall(
        """INSERT INTO alerts (alert_id, channel, touchpoint, dimension, grain, period, mentions, negative_share,
                               baseline_share, baseline_periods, raised_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING alert_id""",
        [alert_id, row["channel"], row["touchpoint"], row["dimension"], row["grain"], row["period"],
         row["mentions"], row["negative_share"], row["baseline_share"], row["baseline_periods"], utcnow()]))
