"""The metrics against a hand-checked example."""

import numpy as np
import pandas as pd
import pytest

from models.metrics import aspect_metrics, binary_metrics

TRUE = pd.DataFrame({"a": [-2, 1, 1, -1], "b": [1, -2, -2, 0], "only_in_truth": [1, 1, 1, 1]})
PRED = pd.DataFrame({"a": [-2, 1, -1, -1], "b": [1, -2, 0, 0]})


def test_aic_metric_by_hand():
    m = aspect_metrics(TRUE, PRED)
    # a: F1(-2)=1, F1(-1)=2/3, F1(0)=0 (absent), F1(1)=2/3 → 7/12;  b: 2/3, 0, 2/3, 1 → 7/12
    assert m["per_aspect_f1"] == {"a": pytest.approx(7 / 12), "b": pytest.approx(7 / 12)}
    assert m["macro_f1"] == pytest.approx(7 / 12)
    # mentioned cells: truth 5, predicted 6, 5 shared → P 5/6, R 5/5
    assert m["mention_f1"] == pytest.approx(10 / 11)
    # polarity on the 5 truly mentioned cells: a1 ✓, a2 ✗, a3 ✓, b0 ✓, b3 ✓
    assert m["polarity_accuracy"] == pytest.approx(0.8)
    assert (m["aspects"], m["rows"]) == (2, 4)


def test_no_shared_aspect_is_an_error():
    with pytest.raises(ValueError, match="no aspect in common"):
        aspect_metrics(TRUE[["only_in_truth"]], PRED)


def test_binary_metrics_by_hand():
    m = binary_metrics(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0]))
    assert m["accuracy"] == 0.75
    assert m["f1"] == pytest.approx(2 / 3)
