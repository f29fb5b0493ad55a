"""`voc themes`: what customers feel strongly about that no sub-dimension covers (pipeline/themes.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from pipeline.aggregate import OPINION_STRENGTH
from pipeline.cli_common import DbOption, TaxonomyOption, WaitOption, console, err, fail, open_store, print_frame


def themes(period: Optional[str] = typer.Option(None, help="2026-10, 2026-10-05 or START..END (on when the item was said)."),
           channel: list[str] = typer.Option([], help="Only these channels (repeatable)."),
           taxonomy: str = TaxonomyOption,
           top: int = typer.Option(15, help="Show this many themes."),
           min_size: int = typer.Option(8, help="Smallest cluster reported (clauses)."),
           min_strength: float = typer.Option(OPINION_STRENGTH, help="|clause sentiment| a clause needs to count as opinionated."),
           examples: int = typer.Option(3, help="Example clauses per theme."),
           propose: Optional[Path] = typer.Option(None, help="Write the themes as candidate sub-dimensions (YAML) for review."),
           db: str = DbOption, wait: float = WaitOption) -> None:
    """Cluster opinionated clauses that carry no code (or only unsure ones) into themes: size, polarity,
    trend per month, distinctive terms and examples; rising themes first."""
    from pipeline.nlp import cached_lexicon, cached_taxonomy
    from pipeline.report import parse_period
    from pipeline.store.coverage import uncoded_share
    from pipeline.themes import ThemeSettings, find_themes, propose_patch, themes_table, uncovered_clauses

    try:
        since, until = parse_period(period)
        tax = cached_taxonomy(taxonomy)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        fail(str(exc))
    settings = ThemeSettings(min_size=min_size, min_strength=min_strength)
    with open_store(db, read_only=True, wait=wait) as store:
        clauses = uncovered_clauses(store, settings, since, until, channel)
        share = uncoded_share(store)
    found = find_themes(clauses, tax, cached_lexicon(), settings)
    err.print(f"{len(clauses)} opinionated clauses without a sure code → {len(found)} themes "
              f"(rising first: binomial z ≥ {settings.rising_z} on the last {settings.recent_periods} months)")
    if share is not None:
        err.print(f"coverage: {share:.1%} of opinionated clauses carry no code (v_coverage, per channel and month)")
    if not found:
        err.print("no theme found")
        return
    table = themes_table(found[:top])
    print_frame(table.drop(columns=["example"]), title=f"themes {period or 'all periods'}"
                + (f" · {', '.join(channel)}" if channel else ""))
    for n, theme in enumerate(found[:top], start=1):
        console.print(f"[bold]{n}. {escape(theme.name)}[/] ({theme.size} clauses, {theme.polarity}"
                      + (", rising" if theme.rising else "") + ")")
        for clause in theme.examples[:examples]:
            console.print(f"   「{escape(clause)}」")
    if propose:
        propose_patch(found[:top], tax, propose, source=f"voc themes --period {period or 'all'} on {store.path}")
        err.print(f"wrote {min(top, len(found))} candidate sub-dimensions to {propose} (review before merging)")
