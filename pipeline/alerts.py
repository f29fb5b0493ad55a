"""Alerts: a touchpoint × dimension whose negative share jumps against its own recent baseline."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
import yaml

from pipeline.aggregate import GRAINS
from pipeline.items import stable_hash
from pipeline.paths import DATA_DIR
from pipeline.store import Store, utcnow

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


def detect(store: Store, rules: AlertRules) -> pd.DataFrame:
    """Alerts for the latest period of each touchpoint × dimension (not stored)."""
    frame = store.query(f"""SELECT channel, touchpoint, dimension, period, mentions, negative
                            FROM v_touchpoint_dimension_{rules.grain} ORDER BY period""")
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


def raise_alerts(store: Store, rules: AlertRules) -> pd.DataFrame:
    """Detect and store alerts; an alert for the same cell and period is stored once. Returns the new ones."""
    found = detect(store, rules)
    new = []
    with store.transaction():
        for row in found.to_dict("records"):
            alert_id = stable_hash(row["channel"], row["touchpoint"], row["dimension"], row["grain"], str(row["period"]))
            stored = store.fetchall(
                """INSERT INTO alerts (alert_id, channel, touchpoint, dimension, grain, period, mentions, negative_share,
                                       baseline_share, baseline_periods, raised_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING alert_id""",
                [alert_id, row["channel"], row["touchpoint"], row["dimension"], row["grain"], row["period"],
                 row["mentions"], row["negative_share"], row["baseline_share"], row["baseline_periods"], utcnow()])
            if stored:  # a concurrent run that raised it first leaves nothing to return: raised once
                new.append(row)
    return pd.DataFrame(new, columns=found.columns)
