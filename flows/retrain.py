"""Retraining: train on a labelled-data folder, compare with the promoted model on held-out rows,
promote only if better; the comparison is a table artifact."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from pipeline.registry import DEFAULT_ROOT, Registry
from models.train import retrain_and_compare


@task(retries=1, retry_delay_seconds=10, timeout_seconds=7200)
def retrain_one(path: str, name: str, models: str, taxonomy: str) -> dict:
    return retrain_and_compare(Path(path), name, Registry(models), taxonomy)


@flow(name="voc-retrain", log_prints=True)
def retrain(labelled: str, name: str = "restaurant-aspects", models: str = DEFAULT_ROOT,
            taxonomy: str = "restaurant") -> list[dict]:
    """Every .csv in `labelled` (a folder or one file) trains a candidate version of `name`."""
    folder = Path(labelled)
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else [folder]
    results = [retrain_one(str(f), name, models, taxonomy) for f in files]
    create_table_artifact(key="retrain-comparison", table=results,
                          description="candidate vs promoted model on the same held-out rows (AIC macro-F1)")
    for r in results:
        print(f"{r['candidate']}: {r['candidate_macro_f1']:.4f} vs {r['incumbent']}: {r['incumbent_macro_f1']} "
              f"→ {'promoted' if r['promoted'] else 'kept the incumbent'}")
    return results
