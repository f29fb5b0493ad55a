"""Small tasks, each a call into the library. Tasks touching files or the store retry with backoff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from pipeline.aggregate import TOP_NEGATIVE
from pipeline.alerts import AlertRules, raise_alerts
from pipeline.dedup import flag_near_duplicates
from pipeline.ingest.runner import ingest_file
from pipeline.manifest import LandingFile, mark_done, pending_files
from pipeline.store import open_store

RETRY = {"retries": 3, "retry_delay_seconds": [2, 10, 30]}


@task(**RETRY, timeout_seconds=300)
def find_pending(db: str, sources: list[str]) -> list[LandingFile]:
    with open_store(db) as store:
        return pending_files(store, sources)


@task(**RETRY, timeout_seconds=3600)
def ingest_landing_file(db: str, landing: LandingFile, channel: str | None = None,
                        batch_size: int = 1000) -> dict[str, Any]:
    """Ingest one file (batches commit as they go), then mark it done in the manifest — with the
    fingerprint of the very bytes that were parsed, so a file rewritten meanwhile is taken again."""
    path = Path(landing.path)
    with open_store(db) as store:
        report = ingest_file(store, path, channel, source=landing.source or None, batch_size=batch_size,
                             problem=landing.problem)
        if report.content_hash:  # streamed and hashed as parsed; an unreadable file stays pending
            landing = LandingFile(landing.path, report.size, report.content_hash, landing.source)
        else:
            landing = LandingFile(landing.path, 0, "", landing.source, landing.problem or "not read")
        mark_done(store, landing, report)
    return {"path": report.path, "channel": report.channel, "records": report.records_read, "new": report.items_new,
            "duplicates": report.duplicates, "existing": report.items_existing, "quarantined": report.quarantined,
            "reasons": dict(report.reasons)}


@task(**RETRY, timeout_seconds=600)
def flag_duplicates(db: str) -> int:
    with open_store(db) as store:
        return flag_near_duplicates(store)


@task(**RETRY, timeout_seconds=7200)
def code_items(db: str, taxonomy: str, models: str, recode: bool, workers: int, lexicon: bool = False) -> dict[str, Any]:
    from pipeline.coder import Coder, code_pending

    coder = Coder(taxonomy, registry=models, lexicon=lexicon)
    with open_store(db) as store:
        coded = code_pending(store, coder, recode, workers)
    return {"coded": coded, "model_version": coder.model_version}


@task(**RETRY, timeout_seconds=600)
def refresh_alerts(db: str, rules_path: str | None = None) -> pd.DataFrame:
    rules = AlertRules.load(Path(rules_path)) if rules_path else AlertRules.load()
    with open_store(db) as store:
        return raise_alerts(store, rules)


@task(**RETRY, timeout_seconds=600)
def open_new_cases(db: str, rules: str | None = None, touchpoints: str | None = None) -> pd.DataFrame:
    """Open cases for the newly coded items the rules match (pipeline/cases.py); the new ones."""
    from pipeline.cases import CaseRules, open_cases
    from pipeline.config import case_settings
    from pipeline.touchpoints import TouchpointMap

    config = case_settings(rules, touchpoints)
    with open_store(db) as store:
        opened = open_cases(store, CaseRules.load(config.rules), TouchpointMap.load(config.touchpoints))
    return pd.DataFrame(opened.cases, columns=["case_id", "channel", "touchpoint", "owner", "severity", "rules"])[
        ["case_id", "channel", "touchpoint", "owner", "severity", "rules"]]


@task(retries=2, retry_delay_seconds=[30, 120], timeout_seconds=600)
def notify_case_owners(db: str) -> list[dict[str, Any]]:
    """One message per owner with their open cases not yet sent ([notify] settings; none: nothing sent).
    A delivery that failed is retried; what was delivered is recorded, so a retry never sends it twice."""
    from pipeline.config import case_settings
    from pipeline.notify import notify_owners

    settings = case_settings().notify
    with open_store(db) as store:
        deliveries = notify_owners(store, settings)
    failed = [d for d in deliveries if not d.ok and not d.skipped]
    if failed:
        raise RuntimeError("could not notify " + "; ".join(f"{d.recipient} by {d.via}: {d.error}" for d in failed))
    return [d.__dict__ for d in deliveries]


@task(**RETRY, timeout_seconds=300)
def top_negative(db: str, limit: int = 10, min_mentions: int = 5) -> pd.DataFrame:
    with open_store(db, read_only=True) as store:
        return store.query(TOP_NEGATIVE, [min_mentions, limit])


@task(**RETRY, timeout_seconds=600)
def publish_report(db: str, out: str | None = None) -> pd.DataFrame:
    """The report's red cells as a table artifact; with `out`, also the HTML report and a link to it."""
    from pipeline.report import Filters, build_report, gather, red_cells

    with open_store(db, read_only=True) as store:
        cells = red_cells(gather(store, Filters())["cells"])
        if out:
            build_report(store, Path(out))
    cells = cells[["channel", "touchpoint", "dimension_zh", "net_sentiment", "negative_share", "mentions"]].reset_index(drop=True)
    create_table_artifact(key="red-cells", table=cells.to_dict("records"),
                          description="touchpoint × dimension cells in red on the report heatmap (net < 0 or ≥ 30% negative)")
    if out:
        create_link_artifact(key="voc-report", link=Path(out).resolve().as_uri(), description="the HTML report")
    return cells


def _md_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    head = "| " + " | ".join(map(str, frame.columns)) + " |\n|" + "---|" * len(frame.columns) + "\n"
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    return head + "".join("| " + " | ".join(fmt(v) for v in row) + " |\n" for row in frame.itertuples(index=False))


@task
def publish_run_summary(title: str, ingested: list[dict[str, Any]], coded: dict[str, Any] | None,
                        alerts: pd.DataFrame | None, negatives: pd.DataFrame | None, settings: str = "",
                        cases: pd.DataFrame | None = None, notified: list[dict[str, Any]] | None = None) -> str:
    """The run's artifact: items in, coded, duplicates, quarantined with reasons, top negative touchpoints,
    alerts, new cases and who was told."""
    files = pd.DataFrame(ingested, columns=["path", "channel", "records", "new", "duplicates", "existing", "quarantined"])
    reasons: dict[str, int] = {}
    for report in ingested:
        for reason, n in report.get("reasons", {}).items():
            reasons[reason] = reasons.get(reason, 0) + n
    lines = [f"# {title}", "", *([f"- {settings}"] if settings else []),
             f"- files ingested: {len(files)}; records in: {int(files.records.sum()) if len(files) else 0}; "
             f"new items: {int(files.new.sum()) if len(files) else 0} (exact duplicates {int(files.duplicates.sum()) if len(files) else 0}); "
             f"quarantined: {int(files.quarantined.sum()) if len(files) else 0}"]
    if coded is not None:
        lines.append(f"- coded: {coded['coded']} items with `{coded['model_version']}`")
    lines += ["", "## Quarantine reasons", _md_table(pd.DataFrame(sorted(reasons.items(), key=lambda kv: -kv[1]),
                                                                    columns=["reason", "records"]))]
    lines += ["## Files", _md_table(files)]
    if alerts is not None:
        lines += ["## New alerts (negative share jumped against its baseline)", _md_table(alerts)]
    if cases is not None:
        lines += [f"## New cases ({len(cases)})", _md_table(cases.groupby(["touchpoint", "owner", "severity"]).size()
                                                         .reset_index(name="cases") if len(cases) else cases)]
    if notified is not None:
        lines += ["## Notified", _md_table(pd.DataFrame(notified, columns=["recipient", "via", "cases", "ok"]))]
    if negatives is not None:
        lines += ["## Top negative touchpoints", _md_table(negatives)]
        create_table_artifact(key="top-negative-touchpoints", table=negatives.to_dict("records"),
                              description="touchpoint × dimension cells with the highest share of negative mentions")
    markdown = "\n".join(lines)
    create_markdown_artifact(key="voc-run-summary", markdown=markdown, description=title)
    return markdown
