"""`voc cases`: open cases from the rules, list and show them, walk one open → acknowledged → closed,
and notify owners."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from pipeline.cli_common import DbOption, WaitOption, console, err, fail, open_store, print_frame

cases_app = typer.Typer(help="Cases: single items that need a person (rules in data/cases.yaml).",
                        no_args_is_help=True)

RulesOption = typer.Option(None, "--rules", help="Case rules YAML (else VOC_CASES, voc.toml [cases], data/cases.yaml).")
TouchpointsOption = typer.Option(None, "--touchpoints", help="Touchpoint owners YAML (else VOC_TOUCHPOINTS, voc.toml [cases], data/touchpoints.yaml).")


def load_case_config(rules: Optional[Path] = None, touchpoints: Optional[Path] = None):
    """(settings, rules, touchpoint map), or a clear error naming the file."""
    from pipeline.cases import CaseRules
    from pipeline.config import case_settings
    from pipeline.touchpoints import TouchpointMap

    try:
        config = case_settings(rules, touchpoints)
        return config, CaseRules.load(config.rules), TouchpointMap.load(config.touchpoints)
    except (FileNotFoundError, ValueError, TypeError) as exc:
        fail(str(exc))


@cases_app.command("open")
def open_(db: str = DbOption, rules: Optional[Path] = RulesOption, touchpoints: Optional[Path] = TouchpointsOption,
          all_items: bool = typer.Option(False, "--all", help="Consider every coded item, not only those coded since the last pass (after the rules changed)."),
          notify: bool = typer.Option(False, help="Then send each owner their new cases ([notify] settings)."),
          wait: float = WaitOption) -> None:
    """Open cases for the coded items the rules match (never twice for the same item)."""
    open_cases_now(db, rules, touchpoints, all_items, notify, wait)


def open_cases_now(db: Optional[str], rules: Optional[Path] = None, touchpoints: Optional[Path] = None,
                   all_items: bool = False, notify: bool = False, wait: float = 0.0) -> None:
    """Open the cases the rules call for (and notify their owners with `notify`), saying how many."""
    from pipeline.cases import open_cases

    config, case_rules, owners = load_case_config(rules, touchpoints)
    with open_store(db, wait=wait) as store:
        opened = open_cases(store, case_rules, owners, all_items=all_items)
        err.print(f"opened {len(opened.cases)} case(s) ({opened.considered} matching items without one; `voc cases list`)")
        if notify:
            _notify(store, config.notify)


def _notify(store, settings) -> None:
    from pipeline.notify import notify_owners

    if not settings.ways:
        fail("no notification configured: set [notify] smtp_host and/or webhook in voc.toml (or VOC_SMTP_HOST, VOC_WEBHOOK)")
    failed = 0
    for d in notify_owners(store, settings):
        if d.ok:
            err.print(f"sent {d.cases} case(s) to {d.recipient} by {d.via}")
        elif d.skipped:
            err.print(f"[yellow]not sent[/] {d.cases} case(s) for {d.recipient} by {d.via}: {d.error}")
        else:
            failed += 1
            err.print(f"[red]could not send[/] {d.cases} case(s) to {d.recipient} by {d.via}: {d.error} (retried next run)")
    if failed:
        raise typer.Exit(1)


@cases_app.command("notify")
def notify(db: str = DbOption, wait: float = WaitOption) -> None:
    """Send each owner (and escalation contact) one message with their open cases not sent yet."""
    config, _, _ = load_case_config()
    with open_store(db, wait=wait) as store:
        _notify(store, config.notify)


@cases_app.command("list")
def list_(status: list[str] = typer.Option([], help="open, acknowledged, closed (repeatable; default: not closed)."),
          touchpoint: list[str] = typer.Option([], help="Only these touchpoints (repeatable)."),
          owner: list[str] = typer.Option([], help="Only these owners (repeatable)."),
          severity: list[str] = typer.Option([], help="low, medium, high, critical (repeatable)."),
          channel: list[str] = typer.Option([], help="Only these channels (repeatable)."),
          all_statuses: bool = typer.Option(False, "--all", help="Closed cases too."),
          limit: int = typer.Option(200, help="At most this many rows."),
          db: str = DbOption, wait: float = WaitOption) -> None:
    """Cases, most severe and oldest first."""
    from pipeline.cases import CASE_LIST_COLUMNS, SEVERITIES, STATUSES, list_cases

    for name, values, allowed in (("status", status, STATUSES), ("severity", severity, SEVERITIES)):
        wrong = set(values) - set(allowed)
        if wrong:
            fail(f"unknown {name} {sorted(wrong)} (one of {', '.join(allowed)})")
    if not status and not all_statuses:
        status = ["open", "acknowledged"]
    with open_store(db, read_only=True, wait=wait) as store:
        frame = list_cases(store, status, touchpoint, owner, severity, channel, limit)
    if frame.empty:
        err.print("no cases match")
        return
    print_frame(frame[list(CASE_LIST_COLUMNS)], title=f"{len(frame)} case(s)")


@cases_app.command("show")
def show(case: str = typer.Argument(..., help="Case id (or its unambiguous start)."), db: str = DbOption,
         wait: float = WaitOption) -> None:
    """One case: why it was opened, its evidence, who owns it, its history."""
    from pipeline.cases import CaseError, get_case

    with open_store(db, read_only=True, wait=wait) as store:
        try:
            c = get_case(store, case)
        except CaseError as exc:
            fail(str(exc))
    console.print(f"[bold]{c['case_id']}[/] {escape('[' + c['severity'] + ']')} {c['status']} · {c['channel']} · "
                  f"{escape(str(c['touchpoint']))}")
    console.print(f"owner: {c['owner']}" + (f"; escalated to {c['escalation']}" if c["escalated"] else ""))
    console.print(f"reason: {c['reason']} (rules: {c['rules']}; rules version {c['rules_version']})")
    console.print(f"item: {c['item_id']}; occurred {c['occurred_at']}; item sentiment {c['item_score']:.3f}; "
                  f"coded by {c['model_version']}")
    for clause in c["evidence"]:
        console.print(f"  evidence: 「{escape(clause)}」")
    console.print(f"opened {c['opened_at']}")
    if c["acknowledged_at"] is not None and str(c["acknowledged_at"]) != "NaT":
        console.print(f"acknowledged {c['acknowledged_at']}" + (f" by {c['acknowledged_by']}" if c["acknowledged_by"] else ""))
    if c["status"] == "closed":
        console.print(f"closed {c['closed_at']}" + (f" by {c['closed_by']}" if c["closed_by"] else "")
                      + f": {c['closing_note']}")


@cases_app.command("ack")
def ack(case: str = typer.Argument(..., help="Case id (or its unambiguous start)."),
        by: Optional[str] = typer.Option(None, help="Who acknowledges it."), db: str = DbOption,
        wait: float = WaitOption) -> None:
    """Acknowledge an open case (someone is on it)."""
    from pipeline.cases import CaseError, acknowledge

    with open_store(db, wait=wait) as store:
        try:
            c = acknowledge(store, case, by)
        except CaseError as exc:
            fail(str(exc))
    err.print(f"{c['case_id']} acknowledged")


@cases_app.command("close")
def close(case: str = typer.Argument(..., help="Case id (or its unambiguous start)."),
          note: str = typer.Option(..., help="What was done (kept with the case)."),
          by: Optional[str] = typer.Option(None, help="Who closes it."), db: str = DbOption,
          wait: float = WaitOption) -> None:
    """Close a case with a note saying what was done."""
    from pipeline.cases import CaseError, close as close_case

    with open_store(db, wait=wait) as store:
        try:
            c = close_case(store, case, note, by)
        except CaseError as exc:
            fail(str(exc))
    err.print(f"{c['case_id']} closed after {c['hours_to_close']:.1f} h")
