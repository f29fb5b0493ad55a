"""Coding: every stored item without a current code from the promoted models (all, with recode)."""

from __future__ import annotations

from prefect import flow

from flows.tasks import code_items
from pipeline.coder import promoted_models
from pipeline.config import resolve


@flow(name="voc-code", log_prints=True)
def code(db: str | None = None, taxonomy: str = "restaurant", models: str | None = None, recode: bool = False,
         workers: int = 2, lexicon: bool = False) -> dict:
    config = resolve(db, models)
    print(config.describe())
    if not lexicon:
        promoted_models(config.models, taxonomy)  # a missing or empty registry fails here, before any work, not retried
    result = code_items(config.db, taxonomy, config.models, recode, workers, lexicon)
    print(f"coded {result['coded']} items with {result['model_version']}")
    return result
