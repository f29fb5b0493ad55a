"""Active-learning round trip: export the items a model is least sure of, import annotations back.

Export: a CSV in the AIC wide format (model predictions pre-filled for correction) and Label Studio
tasks (one `choices` control per aspect, predictions attached) with its labelling config.
Import: Label Studio JSON exports or wide CSVs → rows appended to a long-format training file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from models.labels import load_aspect_data
from pipeline.contracts import LABEL_VALUES, NOT_MENTIONED, SENTIMENT_CODES

CODE_NAMES = {v: k for k, v in SENTIMENT_CODES.items()}
CHOICES = ("positive", "neutral", "negative")


def uncertainty(proba: np.ndarray) -> np.ndarray:
    """Per item: the smallest gap between the two likeliest labels over all aspects (small = unsure)."""
    top2 = np.sort(proba, axis=2)[:, :, -2:]
    return (top2[:, :, 1] - top2[:, :, 0]).min(axis=1)


def least_certain(model: Any, batches: Iterable[Sequence[tuple[str, str]]], n: int) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The `n` (id, text) items the model is least sure of, and their probabilities, from batches read
    one at a time (memory holds `n` plus one batch; ties go to the earlier item)."""
    kept: list[tuple[str, str]] = []
    kept_proba, kept_gap = None, np.zeros(0)
    for batch in batches:
        if not batch:
            continue
        proba = model.predict_proba([text for _, text in batch])
        items = kept + list(batch)
        proba = proba if kept_proba is None else np.concatenate([kept_proba, proba])
        gap = np.concatenate([kept_gap, uncertainty(proba[len(kept):])])
        order = np.argsort(gap, kind="stable")[:n]
        kept, kept_proba, kept_gap = [items[i] for i in order], proba[order], gap[order]
    return kept, kept_proba if kept_proba is not None else np.zeros((0, 0, 0))


def label_config(aspects: list[str]) -> str:
    controls = "\n".join(
        f'  <Header value="{a}"/>\n  <Choices name="{a}" toName="text" choice="single" showInline="true">\n'
        + "".join(f'    <Choice value="{c}"/>\n' for c in CHOICES) + "  </Choices>" for a in aspects)
    return f'<View>\n  <Text name="text" value="$text"/>\n{controls}\n</View>\n'


def export_tasks(items: list[tuple[str, str]], proba: np.ndarray, aspects: list[str], model_ref: str,
                 out_prefix: Path) -> list[Path]:
    codes = np.array(LABEL_VALUES)[proba.argmax(axis=2)]
    wide = pd.DataFrame(codes, columns=aspects)
    wide.insert(0, "content", [text for _, text in items])
    wide.insert(0, "id", [item_id for item_id, _ in items])
    tasks = []
    for (item_id, text), row in zip(items, codes):
        result = [{"from_name": a, "to_name": "text", "type": "choices", "value": {"choices": [CODE_NAMES[int(c)]]}}
                  for a, c in zip(aspects, row) if c != NOT_MENTIONED]
        tasks.append({"data": {"item_id": item_id, "text": text},
                      "predictions": [{"model_version": model_ref, "result": result}]})
    paths = [out_prefix.with_suffix(".csv"), out_prefix.with_suffix(".json"), Path(f"{out_prefix}.label_config.xml")]
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    wide.to_csv(paths[0], index=False)
    paths[1].write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    paths[2].write_text(label_config(aspects), encoding="utf-8")
    return paths


def read_annotations(path: Path) -> pd.DataFrame:
    """Long rows (text, sub_dimension, sentiment) from a Label Studio export or a wide/long CSV."""
    if path.suffix.lower() == ".json":
        rows = []
        for n, task in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
            annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
            if not annotations:
                continue
            text = task.get("data", {}).get("text")
            if not text:
                raise ValueError(f"{path}: task {n} has no data.text")
            for result in annotations[-1].get("result", []):  # the latest annotation wins
                choice = (result.get("value", {}).get("choices") or [None])[0]
                if choice not in SENTIMENT_CODES:
                    raise ValueError(f"{path}: task {n}, {result.get('from_name')}: choice {choice!r} not in {CHOICES}")
                rows.append({"text": text, "sub_dimension": result["from_name"], "sentiment": choice})
        return pd.DataFrame(rows, columns=["text", "sub_dimension", "sentiment"])
    from models.labels import to_long

    return to_long(load_aspect_data(path))


def import_annotations(path: Path, into: Path) -> tuple[int, int]:
    """Append new annotations to a long-format file; a text re-annotated replaces its old rows.
    Returns (texts imported, rows now in the file)."""
    new = read_annotations(path)
    old = pd.read_csv(into, dtype=str) if into.exists() else pd.DataFrame(columns=new.columns)
    merged = pd.concat([old[~old["text"].isin(set(new["text"]))], new], ignore_index=True)
    into.parent.mkdir(parents=True, exist_ok=True)
    merged.to_csv(into, index=False)
    return new["text"].nunique(), len(merged)
