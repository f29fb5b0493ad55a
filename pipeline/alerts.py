"""Alerts: a touchpoint × dimension whose negative share jumps against its own recent baseline."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
import yaml

from pipeline.aggregate import GRAINS
from pipeline.items import stable_hash
from pipeline.paths import DATA_DIR
from pipeline.store import Engine
from pipeline.store import alerts as alerts_repo

ALERTS_CONFIG = DATA_DIR / "alerts.yaml"


@dataclass(frozen=True)
class AlertRules:
    grain: str = "week"
    baseline_periods: int = 4
    min_mentions: int = 5
    min_baseline_mentions: int = 5
    jump: float = 0.15

    @classmethod
    def load(cls, path: Path = ALERTS_CONFIG) -> "AlertRules":
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        unknown = set(doc) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"{path}: unknown alert settings {sorted(unknown)}")
        rules = cls(**doc)
        if rules.grain not in GRAINS:
            raise ValueError(f"{path}: grain must be one of {GRAINS}")
        return rules


def detect(store: Engine, rules: AlertRules) -> pd.DataFrame:
    """Alerts for the latest period of each touchpoint × dimension (not stored)."""
    frame = alerts_repo.cells_by_period(store, rules.grain)
    out = []
    for (channel, touchpoint, dimension), group in frame.groupby(["channel", "touchpoint", "dimension"]):
        group = group.sort_values("period")
        latest = group.iloc[-1]
        baseline = group.iloc[:-1].tail(rules.baseline_periods)
        if latest.mentions < rules.min_mentions or baseline.mentions.sum() < rules.min_baseline_mentions:
            continue
        share = latest.negative / latest.mentions
        base_share = baseline.negative.sum() / baseline.mentions.sum()
        if share - base_share >= rules.jump:
            out.append({"channel": channel, "touchpoint": touchpoint, "dimension": dimension, "grain": rules.grain,
                        "period": latest.period, "mentions": int(latest.mentions), "negative_share": float(share),
                        "baseline_share": float(base_share), "baseline_periods": len(baseline)})
    return pd.DataFrame(out, columns=["channel", "touchpoint", "dimension", "grain", "period", "mentions",
                                      "negative_share", "baseline_share", "baseline_periods"])


def raise_alerts(store: Engine, rules: AlertRules) -> pd.DataFrame:
    """Detect and store alerts; an alert for the same cell and period is stored once. Returns the new ones."""
    found = detect(store, rules)
    new = []
    with store.transaction():
        for row in found.to_dict("records"):
            alert_id = stable_hash(row["channel"], row["touchpoint"], row["dimension"], row["grain"], str(row["period"]))
            if alerts_repo.insert(store, alert_id, row):  # False: a concurrent run raised it first; raised once
                new.append(row)
    return pd.DataFrame(new, columns=found.columns)
