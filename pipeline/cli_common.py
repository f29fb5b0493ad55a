"""What every `voc` command shares: consoles, options, exit codes, opening the store, printing tables.

Command modules (pipeline/cli.py, pipeline/cases_cli.py, models/cli.py) import from here, not from
each other.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import pandas as pd
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

# Piped or captured output is not cut to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

DbOption = typer.Option(None, "--db", help="DuckDB file, or a postgresql:// URL (else VOC_DB, voc.toml, voc.duckdb).")
WorkersOption = typer.Option(min(2, os.cpu_count() or 1), "--workers", "-w", help="Coding processes.")
TaxonomyOption = typer.Option("restaurant", "--taxonomy", "-t", help="Taxonomy name or YAML path.")
ModelsOption = typer.Option(None, "--models", help="Model registry folder; its promoted models code (else VOC_MODELS, voc.toml, voc-models).")
LexiconOption = typer.Option(False, "--lexicon", help="Code with the lexicon, not the registry's models (on purpose).")


def settings(db: Optional[str] = None, models: Optional[str] = None):
    """The store and registry this command uses (flag > environment > voc.toml > defaults)."""
    from pipeline.config import resolve

    try:
        return resolve(db, models)
    except ValueError as exc:
        fail(str(exc))


#: Exit codes: 0 fine, 1 reconciliation mismatch, 2 bad usage or input, 3 store busy (another
#: process writes it), 4 reconciled but incomplete (an ingest run was interrupted: re-run it).
EXIT_MISMATCH, EXIT_USAGE, EXIT_BUSY, EXIT_INCOMPLETE = 1, 2, 3, 4


def fail(message: str, code: int = EXIT_USAGE) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


WaitOption = typer.Option(60.0, "--wait", help="Seconds to wait, with a message, for another process holding the DuckDB store (0: fail at once, exit 3).")


def open_store(db: Optional[str], read_only: bool = False, wait: float = 0.0):
    """The store (resolved by `settings`), or a clear error: missing file (exit 2), held by another
    process (exit 3)."""
    from pipeline.store import StoreBusy, open_store

    db = settings(db).db
    try:
        return open_store(db, read_only=read_only, wait=wait, on_wait=lambda m: err.print(f"[yellow]{m}[/]"))
    except StoreBusy as exc:
        fail(str(exc), code=EXIT_BUSY)
    except FileNotFoundError as exc:
        fail(str(exc))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


def print_frame(frame: pd.DataFrame, title: str | None = None, max_rows: int = 200) -> None:
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        justify = "right" if pd.api.types.is_numeric_dtype(frame[column]) else "left"
        table.add_column(str(column), justify=justify, no_wrap=True, min_width=cell_len(str(column)))
    for row in frame.head(max_rows).itertuples(index=False):
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else ("" if v is None else str(v)) for v in row])
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"… {len(frame) - max_rows} more rows")
