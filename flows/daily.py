"""The daily flow: ingest → code → aggregate, with one summary artifact for the run."""

from __future__ import annotations

from prefect import flow

from flows.aggregate import aggregate
from flows.code import code
from flows.ingest import ingest
from flows.tasks import notify_case_owners, open_new_cases, publish_run_summary
from pipeline.coder import promoted_models
from pipeline.config import resolve


@flow(name="voc-daily", log_prints=True)
def daily(sources: list[str], db: str | None = None, taxonomy: str = "restaurant", models: str | None = None,
          workers: int = 2, alert_rules: str | None = None, report: str | None = None, lexicon: bool = False,
          cases: bool = True, case_rules: str | None = None, touchpoints: str | None = None) -> dict:
    """Store and registry: the arguments, else VOC_DB / VOC_MODELS, else voc.toml (see pipeline/config.py).
    A registry that is missing or empty fails the run unless `lexicon` asks for lexicon coding.
    After coding, `cases` opens cases for the new items the rules match and notifies each owner once
    (voc.toml [notify]; rules and owners from `case_rules` / `touchpoints`, else [cases], else data/)."""
    config = resolve(db, models)
    print(config.describe())
    if not lexicon:
        promoted_models(config.models, taxonomy)  # a missing or empty registry fails here, before any work, not retried
    reports = ingest(sources, config.db, publish=False)
    coded = code(config.db, taxonomy, config.models, workers=workers, lexicon=lexicon)
    opened = open_new_cases(config.db, case_rules, touchpoints) if cases else None
    aggregates = aggregate(config.db, alert_rules, publish=False, report=report)
    notifying = notify_case_owners(config.db, return_state=True) if cases else None
    notified = notifying.result(raise_on_failure=False) if notifying is not None else None
    failed = notifying is not None and not notifying.is_completed()
    summary = publish_run_summary("VoC daily run", reports, coded, aggregates["alerts"], aggregates["top_negative"],
                                  config.describe(), opened, None if failed else notified)
    if failed:  # everything else is done and published; the run still says the owners were not told
        raise RuntimeError(f"notifying case owners failed: {notified}")
    return {"ingested": reports, "coded": coded, "alerts": aggregates["alerts"], "cases": opened,
            "notified": notified, "summary": summary}
