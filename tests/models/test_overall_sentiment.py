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


def test_nb_weights_favour_the_ngrams_that_carry_polarity(fitted):
    model, _ = fitted
    vocabulary = model.vectorizer_.vocabulary_
    weights = model.feature_weights_
    assert weights.shape == (len(vocabulary),) and (weights >= 0).all()
    assert weights[vocabulary["差"]] > weights[vocabulary["的"]]  # a judgement against a function word
    plain = OverallSentimentClassifier(nb_power=0).fit(*_first(fitted, 300))
    assert plain.feature_weights_ is None and plain.get_params()["nb_power"] == 0


def _first(fitted, n):
    _, data = fitted
    return data.texts[:n], data.labels[:n]


def test_clause_label_files_train_the_sentiment_model_on_their_polar_rows(tmp_path):
    path = tmp_path / "clauses.csv"
    path.write_text("text,label\n味道很好,positive\n服务太差,negative\n人均八十,neutral\n", encoding="utf-8")
    data = load_binary_data([path])
    assert data.texts == ["味道很好", "服务太差"] and list(data.labels) == [1, 0]


def test_aic_aspect_files_train_the_sentiment_model_on_their_polar_overall_verdicts(tmp_path):
    path = tmp_path / "aic.csv"
    path.write_text("id,content,dish_taste,others_overall_experience\n"
                    "1,总体很满意,1,1\n2,再也不来了,-1,-1\n3,还行吧,0,0\n4,在五楼,-2,-2\n", encoding="utf-8")
    data = load_binary_data([path])
    assert data.texts == ["总体很满意", "再也不来了"] and list(data.labels) == [1, 0]
