"""`voc`: the command line. Thin: every command calls into the pipeline modules."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable, Optional

import pandas as pd
import typer

from pipeline.cli_common import (DbOption, EXIT_INCOMPLETE, EXIT_MISMATCH, LexiconOption, ModelsOption, TaxonomyOption,
                                 WaitOption, WorkersOption, _progress, err, fail, open_store, print_frame, settings)
from pipeline.cases_cli import cases_app, open_cases_now
from pipeline.themes_cli import themes


app = typer.Typer(help="Voice-of-customer pipeline for Chinese customer feedback.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
ingest_app = typer.Typer(help="Ingest feedback files into the store.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(cases_app, name="cases")


# -- ingest -----------------------------------------------------------------------------------
def _ingest(db: str, paths: list[str], channel: Optional[str], mapping_file: Optional[Path] = None,
            text_col: Optional[str] = None, id_col: Optional[str] = None, source: Optional[str] = None,
            touchpoints_file: Optional[Path] = None, wait: float = 0.0) -> list:
    """Ingest files of one channel, or of any channel routed by content (channel None)."""
    from pipeline.dedup import flag_near_duplicates
    from pipeline.ingest.reviews import ColumnMapping
    from pipeline.ingest.runner import discover, ingest_file
    from pipeline.touchpoints import TouchpointMap

    try:
        files = discover(paths)
        mapping = ColumnMapping.load(mapping_file) if mapping_file else ColumnMapping()
        if text_col or id_col:
            mapping = ColumnMapping(**{**mapping.__dict__, **({"text": text_col} if text_col else {}),
                                       **({"external_id": id_col} if id_col else {})})
        touchpoints = TouchpointMap.load(touchpoints_file)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    if not files:
        fail(f"no input files under {', '.join(paths)}")
    if source and len(files) > 1:
        fail(f"--source names the id space of one file; {len(files)} files were given")
    reports = []
    with open_store(db, wait=wait) as store, _progress() as progress:
        for found in files:
            task = progress.add_task(f"ingest {found.source}", total=None)
            report = ingest_file(store, found.path, channel, mapping, touchpoints, source or found.source,
                                 progress=lambda n, t=task: progress.advance(t, n), problem=found.problem,
                                 named_source=bool(source))
            reports.append(report)
        near = flag_near_duplicates(store)
    for r in reports:
        err.print(f"{r.path} [{r.channel}]: {r.records_read} records → {r.items_new} new "
                  f"({r.duplicates} exact duplicates), {r.items_existing} already stored, {r.quarantined} quarantined")
        for reason, count in r.reasons.most_common(5):
            err.print(f"  [yellow]quarantined[/] {count} × {reason}")
    if near:
        err.print(f"flagged {near} near-duplicate items (items.near_duplicate_of)")
    return reports


PathsArgument = typer.Argument(..., help="Files, folders or globs.")


@ingest_app.command("reviews")
def ingest_reviews(
    paths: list[str] = PathsArgument,
    db: str = DbOption,
    mapping: Optional[Path] = typer.Option(None, help="YAML column mapping (text, external_id, rating, entity, touchpoint, journey_stage, created_at, rating_scale)."),
    text_col: Optional[str] = typer.Option(None, help="Column holding the review text."),
    id_col: Optional[str] = typer.Option(None, help="Column holding the source's review id."),
    source: Optional[str] = typer.Option(None, help="Source name, the id space of the file's ids (default: its path under the landing folder)."),
    touchpoints: Optional[Path] = typer.Option(None, help="YAML mapping of entities to touchpoints."),
    wait: float = WaitOption,
) -> None:
    """Ingest review exports (CSV, TSV, JSONL, JSON, Parquet); re-ingesting adds nothing."""
    _ingest(db, paths, "review", mapping, text_col, id_col, source, touchpoints, wait)


@ingest_app.command("calls")
def ingest_calls(paths: list[str] = PathsArgument, db: str = DbOption,
                 touchpoints: Optional[Path] = typer.Option(None, help="YAML mapping of queues to touchpoints."),
                 wait: float = WaitOption) -> None:
    """Ingest call transcripts (JSON/JSONL per call, or text dialogues)."""
    _ingest(db, paths, "call", touchpoints_file=touchpoints, wait=wait)


@ingest_app.command("emails")
def ingest_emails(paths: list[str] = PathsArgument, db: str = DbOption,
                  touchpoints: Optional[Path] = typer.Option(None, help="YAML mapping of mailboxes to touchpoints."),
                  wait: float = WaitOption) -> None:
    """Ingest emails (.eml files, mbox files)."""
    _ingest(db, paths, "email", touchpoints_file=touchpoints, wait=wait)


# -- code -------------------------------------------------------------------------------------
def _code(db: Optional[str], taxonomy: str, recode: bool, workers: int, models: Optional[str] = None,
          wait: float = 0.0, lexicon: bool = False) -> int:
    from pipeline.coder import Coder, code_pending

    config = settings(db, models)
    err.print(f"[dim]{config.describe()}[/]")
    try:
        coder = Coder(taxonomy, registry=config.models, lexicon=lexicon)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(str(exc))
    version = coder.model_version
    with open_store(db, wait=wait) as store, _progress() as progress:
        task = progress.add_task("code", total=None)
        coded = code_pending(store, coder, recode, workers,
                             progress=lambda n, total: progress.update(task, total=total, advance=n))
    if not coded:
        err.print(f"nothing to code: every item is coded by {version}")
    else:
        err.print(f"coded {coded} items with {version} (taxonomy {coder.taxonomy.version})")
    return coded


@app.command()
def code(db: str = DbOption, taxonomy: str = TaxonomyOption,
         recode: bool = typer.Option(False, help="Recode every item, keeping earlier codes as history."),
         workers: int = WorkersOption, models: str = ModelsOption, wait: float = WaitOption,
         lexicon: bool = LexiconOption) -> None:
    """Code every stored item not yet coded by the current (promoted) models."""
    _code(db, taxonomy, recode, workers, models, wait, lexicon)


# -- run --------------------------------------------------------------------------------------
@app.command()
def run(paths: list[str] = typer.Argument(..., help="Files or folders of reviews, calls and emails (routed by content)."),
        db: str = DbOption, taxonomy: str = TaxonomyOption, workers: int = WorkersOption,
        models: str = ModelsOption, touchpoints: Optional[Path] = typer.Option(None, help="YAML mapping of entities to touchpoints."),
        wait: float = WaitOption, lexicon: bool = LexiconOption) -> None:
    """Ingest + code + open cases (data/cases.yaml) + aggregate, then print the touchpoint × dimension summary."""
    from pipeline.aggregate import SUMMARY_SQL
    from pipeline.store import coding as coding_repo

    if not lexicon:  # fail before ingesting when there is nothing to code with
        from pipeline.coder import NoModels, promoted_models

        try:
            promoted_models(settings(db, models).models, taxonomy)
        except NoModels as exc:
            fail(str(exc))
    _ingest(db, paths, None, touchpoints_file=touchpoints, wait=wait)
    _code(db, taxonomy, False, workers, models, wait, lexicon)
    open_cases_now(db, wait=wait)
    with open_store(db, read_only=True, wait=wait) as store:
        coded = coding_repo.coded_items(store)
        summary = store.query(SUMMARY_SQL)
    print_frame(summary, title=f"{coded} items coded · touchpoint × dimension · {settings(db).db}")


# -- query / stats ----------------------------------------------------------------------------
def _writer(fmt: str) -> Callable[[pd.DataFrame], str]:
    return {
        "csv": lambda f: f.to_csv(index=False),
        "json": lambda f: f.to_json(orient="records", force_ascii=False, date_format="iso"),
    }[fmt]


@app.command()
def query(sql: str = typer.Argument(..., help="One reading SQL statement (SELECT / WITH / EXPLAIN)."), db: str = DbOption,
          format: str = typer.Option("table", "--format", "-f", help="table, csv, json or parquet (with --out)."),
          out: Optional[Path] = typer.Option(None, help="Write to this file instead of stdout."),
          wait: float = WaitOption) -> None:
    """Run one read-only SQL statement against the store (no writes, no other files)."""
    from pipeline.store import ReadOnlyError

    if format not in ("table", *EXPORT_FORMATS):
        fail(f"unknown format {format!r} (table, {', '.join(EXPORT_FORMATS)})")
    if format == "parquet" and out is None:
        fail("--format parquet needs --out FILE")
    if out is not None:
        check_output_path(out)
    with open_store(db, read_only=True, wait=wait) as store:
        try:
            frame = store.read_query(sql)
        except ReadOnlyError as exc:
            fail(str(exc))
        except Exception as exc:  # SQL errors from the engine: show them plainly
            fail(f"query failed: {exc}")
    if format == "table" and out is None:
        print_frame(frame)
        return
    fmt = "csv" if format == "table" else format
    if out:
        _write_frame(frame, fmt, out)
        err.print(f"wrote {len(frame)} rows to {out}")
    else:
        text = _writer(fmt)(frame)
        sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))


def check_output_path(out: Path) -> None:
    """Refuse, with a clear error, an output path that is a folder or cannot be created."""
    if out.is_dir():
        fail(f"--out {out} is a folder; name a file in it")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        fail(f"--out {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK):
        fail(f"--out {out}: cannot write in {parent}")


EXPORT_FORMATS = ("parquet", "csv", "json")


def _write_frame(frame: pd.DataFrame, fmt: str, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            frame.to_parquet(out, index=False)
        else:
            out.write_text(_writer(fmt)(frame), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")


@app.command()
def export(relation: str = typer.Argument(..., help="Table or view, e.g. v_codes, v_touchpoint_dimension_month."),
           format: str = typer.Option("parquet", "--format", "-f", help="parquet, csv or json."),
           out: Path = typer.Option(..., help="Output file."),
           period: Optional[str] = typer.Option(None, help="2026-10, 2026-10-05 or START..END (on occurred_at/period/created_at)."),
           channel: list[str] = typer.Option([], help="Only these channels (repeatable)."),
           touchpoint: list[str] = typer.Option([], help="Only these touchpoints (repeatable)."),
           db: str = DbOption, wait: float = WaitOption) -> None:
    """Export a table or view, filtered by period, channel and touchpoint where it has those columns."""
    from pipeline.aggregate import VIEWS
    from pipeline.report import Filters, parse_period
    from pipeline.store import relations

    if format not in EXPORT_FORMATS:
        fail(f"unknown format {format!r} ({', '.join(EXPORT_FORMATS)})")
    check_output_path(out)
    try:
        since, until = parse_period(period)
        with open_store(db, read_only=True, wait=wait) as store:
            known = set(VIEWS) | store.relations()
            if relation not in known:
                fail(f"unknown table or view {relation!r} (known: {', '.join(sorted(known))})")
            columns = relations.columns(store, relation)
            date_column = next((c for c in ("occurred_at", "period", "created_at") if c in columns), None)
            wanted = Filters(since, until, tuple(touchpoint), tuple(channel))
            missing = [name for name, used in (("touchpoint", touchpoint), ("channel", channel), ("date", period))
                       if used and (date_column is None if name == "date" else name not in columns)]
            if missing:
                fail(f"{relation} has no {' or '.join(missing)} column to filter on")
            where, params = wanted.where(date_column or "occurred_at")
            frame = relations.select(store, relation, where, params)
    except ValueError as exc:
        fail(str(exc))
    except FileNotFoundError as exc:
        fail(str(exc))
    _write_frame(frame, format, out)
    err.print(f"wrote {len(frame)} rows of {relation} to {out}")


@app.command()
def report(out: Path = typer.Option(Path("report.html"), help="HTML file to write."),
           period: Optional[str] = typer.Option(None, help="2026-10, 2026-10-05 or START..END."),
           touchpoint: list[str] = typer.Option([], help="Only these touchpoints (repeatable)."),
           channel: list[str] = typer.Option([], help="Only these channels (repeatable)."),
           min_mentions: int = typer.Option(10, help="Mentions a cell needs to be coloured and called red (smaller: grey, with n)."),
           db: str = DbOption, wait: float = WaitOption) -> None:
    """Write a self-contained HTML report (heatmaps per channel, trends, volume, NPS, drivers, evidence)."""
    from pipeline.report import Filters, build_report, parse_period

    check_output_path(out)
    try:
        since, until = parse_period(period)
        with open_store(db, read_only=True, wait=wait) as store:
            path = build_report(store, out, Filters(since, until, tuple(touchpoint), tuple(channel)),
                                min_mentions=min_mentions)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    err.print(f"wrote {path} ({path.stat().st_size // 1024} KiB, works offline)")


@app.command()
def stats(db: str = DbOption, as_json: bool = typer.Option(False, "--json", help="Print JSON."),
          wait: float = WaitOption) -> None:
    """Counts per channel and source, and the reconciliation of input records.
    Exit 1: a mismatch (records unaccounted for); exit 4: reconciled, but an ingest was interrupted (re-run it)."""
    from pipeline.store.stats import collect_stats

    with open_store(db, read_only=True, wait=wait) as store:
        result = collect_stats(store)
    recon = result["reconciliation"]
    if as_json:
        print(json.dumps({k: v.to_dict(orient="records") for k, v in result.items()}, ensure_ascii=False, default=str))
    else:
        print_frame(result["sources"], title="items by channel and source")
        print_frame(recon, title="reconciliation: records = new + existing + quarantined; stored = new over all runs")
        if len(result["quarantine"]):
            print_frame(result["quarantine"], title="quarantine reasons")
    if len(recon) and not recon["ok"].all():
        fail("reconciliation failed for some sources (see above)", code=EXIT_MISMATCH)
    unfinished = recon[recon["last_run"] != "finished"] if len(recon) else recon
    if len(unfinished):
        fail(f"{len(unfinished)} source(s) with an unfinished ingest ({', '.join(sorted(set(unfinished['last_run'])))}): "
             f"{', '.join(unfinished['source'].head(5))} — what they stored is accounted for; re-run the ingest "
             "to finish them", code=EXIT_INCOMPLETE)


app.command()(themes)


def mount_commands(root: typer.Typer, group: str = "voc.commands") -> None:
    """Add the command groups other packages declare under the `voc.commands` entry point (models/
    declares train, evaluate, pretrain, models, label): the library never imports them itself."""
    from importlib.metadata import entry_points

    for entry in entry_points(group=group):
        root.add_typer(entry.load())


mount_commands(app)

if __name__ == "__main__":
    app()
