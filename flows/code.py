"""Coding: every stored item without a current code from the promoted models (all, with recode)."""

from __future__ import annotations

from prefect import flow

from flows.tasks import code_items
from models.registry import DEFAULT_ROOT
from pipeline.paths import DEFAULT_DB


@flow(name="voc-code", log_prints=True)
def code(db: str = DEFAULT_DB, taxonomy: str = "restaurant", models: str = DEFAULT_ROOT, recode: bool = False,
         workers: int = 2) -> dict:
    result = code_items(db, taxonomy, models, recode, workers)
    print(f"coded {result['coded']} items with {result['model_version']}")
    return result
