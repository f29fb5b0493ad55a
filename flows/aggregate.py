"""Aggregates and alerts: the views are live; this raises alerts and publishes the summary."""

from __future__ import annotations

from prefect import flow

from flows.tasks import publish_run_summary, refresh_alerts, top_negative
from pipeline.paths import DEFAULT_DB


@flow(name="voc-aggregate", log_prints=True)
def aggregate(db: str = DEFAULT_DB, alert_rules: str | None = None, publish: bool = True) -> dict:
    alerts = refresh_alerts(db, alert_rules)
    negatives = top_negative(db)
    print(f"{len(alerts)} new alerts")
    if publish:
        publish_run_summary("VoC aggregate", [], None, alerts, negatives)
    return {"alerts": alerts, "top_negative": negatives}
