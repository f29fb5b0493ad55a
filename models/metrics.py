"""Evaluation metrics: the AIC 2018 metric and friends, and binary sentiment metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

from pipeline.contracts import LABEL_VALUES, NOT_MENTIONED


def aspect_metrics(y_true: pd.DataFrame, y_pred: pd.DataFrame) -> dict:
    """On the columns both frames share:
    - macro_f1: the AIC metric, mean over aspects of the 4-class macro-F1;
    - per_aspect_f1: that F1 for each aspect;
    - mention_f1: binary F1 of "mentioned" (≠ −2) over all aspect cells;
    - polarity_accuracy: among cells the truth marks as mentioned, the share predicted with the right polarity.
    """
    columns = [c for c in y_true.columns if c in y_pred.columns]
    if not columns:
        raise ValueError("no aspect in common between the labels and the model")
    t, p = y_true[columns].to_numpy(), y_pred[columns].to_numpy()
    per = {c: float(f1_score(t[:, j], p[:, j], labels=list(LABEL_VALUES), average="macro", zero_division=0))
           for j, c in enumerate(columns)}
    mentioned = t != NOT_MENTIONED
    return {
        "macro_f1": float(np.mean(list(per.values()))),
        "per_aspect_f1": per,
        "mention_f1": float(f1_score(mentioned.ravel(), (p != NOT_MENTIONED).ravel(), zero_division=0)),
        "polarity_accuracy": float((t[mentioned] == p[mentioned]).mean()) if mentioned.any() else float("nan"),
        "aspects": len(columns),
        "rows": int(len(t)),
    }


def binary_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    return {"accuracy": float(accuracy_score(y_true, y_pred)), "f1": float(f1_score(y_true, y_pred)),
            "rows": int(len(y_true))}
