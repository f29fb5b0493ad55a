"""Aggregates and alerts: the views are live; this raises alerts and publishes the summary."""

from __future__ import annotations

from prefect import flow

from flows.tasks import publish_report, publish_run_summary, refresh_alerts, top_negative
from pipeline.config import resolve


@flow(name="voc-aggregate", log_prints=True)
def aggregate(db: str | None = None, alert_rules: str | None = None, publish: bool = True,
              report: str | None = None) -> dict:
    """Raise alerts, publish the top negative touchpoints and the report's red cells (and the HTML
    report itself when `report` names a file)."""
    db = resolve(db).db
    alerts = refresh_alerts(db, alert_rules)
    negatives = top_negative(db)
    publish_report(db, report)
    print(f"{len(alerts)} new alerts")
    if publish:
        publish_run_summary("VoC aggregate", [], None, alerts, negatives)
    return {"alerts": alerts, "top_negative": negatives}
