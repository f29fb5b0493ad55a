"""The daily flow: ingest → code → aggregate, with one summary artifact for the run."""

from __future__ import annotations

from prefect import flow

from flows.aggregate import aggregate
from flows.code import code
from flows.ingest import ingest
from flows.tasks import publish_run_summary
from pipeline.coder import promoted_models
from pipeline.config import resolve


@flow(name="voc-daily", log_prints=True)
def daily(sources: list[str], db: str | None = None, taxonomy: str = "restaurant", models: str | None = None,
          workers: int = 2, alert_rules: str | None = None, report: str | None = None, lexicon: bool = False) -> dict:
    """Store and registry: the arguments, else VOC_DB / VOC_MODELS, else voc.toml (see pipeline/config.py).
    A registry that is missing or empty fails the run unless `lexicon` asks for lexicon coding."""
    config = resolve(db, models)
    print(config.describe())
    if not lexicon:
        promoted_models(config.models, taxonomy)  # a missing or empty registry fails here, before any work, not retried
    reports = ingest(sources, config.db, publish=False)
    coded = code(config.db, taxonomy, config.models, workers=workers, lexicon=lexicon)
    aggregates = aggregate(config.db, alert_rules, publish=False, report=report)
    summary = publish_run_summary("VoC daily run", reports, coded, aggregates["alerts"], aggregates["top_negative"],
                                  config.describe())
    return {"ingested": reports, "coded": coded, "alerts": aggregates["alerts"], "summary": summary}
