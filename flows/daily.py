"""The daily flow: ingest → code → aggregate, with one summary artifact for the run."""

from __future__ import annotations

from prefect import flow

from flows.aggregate import aggregate
from flows.code import code
from flows.ingest import ingest
from flows.tasks import publish_run_summary
from models.registry import DEFAULT_ROOT
from pipeline.paths import DEFAULT_DB


@flow(name="voc-daily", log_prints=True)
def daily(sources: list[str], db: str = DEFAULT_DB, taxonomy: str = "restaurant", models: str = DEFAULT_ROOT,
          workers: int = 2, alert_rules: str | None = None, report: str | None = None) -> dict:
    reports = ingest(sources, db, publish=False)
    coded = code(db, taxonomy, models, workers=workers)
    aggregates = aggregate(db, alert_rules, publish=False, report=report)
    summary = publish_run_summary("VoC daily run", reports, coded, aggregates["alerts"], aggregates["top_negative"])
    return {"ingested": reports, "coded": coded, "alerts": aggregates["alerts"], "summary": summary}
