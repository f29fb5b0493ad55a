import numpy as np
import pytest

from models.labels import load_binary_data
from models.overall_sentiment import OverallSentimentClassifier


@pytest.fixture(scope="module")
def fitted(binary_small):
    data = load_binary_data([binary_small])
    return OverallSentimentClassifier().fit(data.texts[:500], data.labels[:500]), data


def test_beats_chance_on_held_out_reviews(fitted):
    model, data = fitted
    accuracy = (model.predict(data.texts[500:]) == data.labels[500:]).mean()
    assert accuracy > 0.75


def test_scores_in_range_and_labels_follow_the_band(fitted):
    model, _ = fitted
    scores = model.decision_function(["质量很好，非常满意，推荐购买", "太差了，退货，再也不买了", "收到了"])
    assert np.all(np.abs(scores) <= 1)
    assert scores[0] > 0.2 > -0.2 > scores[1]
    assert model.label(0.1) == "neutral" and model.label(0.5) == "positive"
    texts = ["质量很好，非常满意，推荐购买", "太差了，退货，再也不买了", "收到了"]
    # the score is 2·P(positive) − 1 of the calibrated probabilities, and predict follows its sign
    np.testing.assert_allclose(scores, 2 * model.predict_proba(texts)[:, 1] - 1, atol=1e-9)
    assert list(model.predict(texts)[:2]) == [1, 0]
