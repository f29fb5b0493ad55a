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


# Self-training: the unlabelled texts (label -1) of a domain the labelled texts never saw.
POSITIVE_FRAMES = ["质量很好，非常满意，推荐购买", "非常满意，下次还会再来", "很好很好，超级喜欢", "服务很好，非常满意"]
NEGATIVE_FRAMES = ["太差了，退货，再也不买了", "非常失望，太差了", "很差劲，再也不来了", "太差了，非常不满意"]


def _domain_texts(word: str, frames: list[str], n: int = 24) -> list[str]:
    return [f"{word}{i % 7}号，{frames[i % len(frames)]}" for i in range(n)]


def test_self_training_learns_the_words_of_an_unlabelled_domain(fitted):
    """A word only the unlabelled texts have (鲲鹏 beside praise, 螭吻 beside complaints) carries no weight
    for the model fitted on the labelled texts alone, and the polarity it keeps company with after
    self-training."""
    texts, labels = _first(fitted, 500)
    unlabelled = _domain_texts("鲲鹏", POSITIVE_FRAMES) + _domain_texts("螭吻", NEGATIVE_FRAMES)
    x, y = list(texts) + unlabelled, np.concatenate([labels, np.full(len(unlabelled), -1)])
    plain = OverallSentimentClassifier(self_training_threshold=None).fit(x, y)
    adapted = OverallSentimentClassifier().fit(x, y)
    assert plain.pseudo_labelled_ == 0 and "鲲" not in plain.vectorizer_.vocabulary_
    assert adapted.pseudo_labelled_ >= 40
    before, after = plain.decision_function(["鲲鹏", "螭吻"]), adapted.decision_function(["鲲鹏", "螭吻"])
    assert after[0] > before[0] + 0.2 and after[1] < before[1] - 0.2
    assert after[0] > 0 > after[1]


def test_without_unlabelled_texts_or_threshold_the_fit_is_the_labelled_one(fitted):
    texts, labels = _first(fitted, 300)
    probe = ["质量很好", "太差了", "一般般"]
    plain = OverallSentimentClassifier().fit(texts, labels)
    ignored = OverallSentimentClassifier(self_training_threshold=None).fit(list(texts) + ["很好很好，非常满意"] * 3,
                                                                        np.concatenate([labels, [-1, -1, -1]]))
    np.testing.assert_allclose(plain.decision_function(probe), ignored.decision_function(probe))
    assert plain.pseudo_labelled_ == ignored.pseudo_labelled_ == 0
    with pytest.raises(ValueError, match="positive and negative labelled texts"):
        OverallSentimentClassifier().fit(["很好", "太差"], [-1, -1])


def test_pseudo_labels_are_sure_readings_the_lexicon_does_not_contradict(fitted, monkeypatch):
    from models import lexicon_baseline
    from models.overall_sentiment import pseudo_labels

    model, _ = fitted
    texts = ["质量很好，非常满意，推荐购买", "太差了，退货，再也不买了", "收到了", "质量很好，非常满意", ""]
    kept, read = pseudo_labels(model, texts, 0.5)
    assert [t for t in kept if t != texts[2]] == [texts[0], texts[1], texts[3]] and list(read)[:2] == [1, 0]
    assert pseudo_labels(model, texts, 1.01)[0] == []  # no reading is surer than certain
    # where the lexicon reads the opposite of the model, the text is not trained on, however sure the mix
    readings = {texts[0]: (-0.9, 1), texts[1]: (-0.9, 1), texts[2]: (0.0, 0), texts[3]: (0.0, 0)}
    monkeypatch.setattr(lexicon_baseline.LexiconBinarySentiment, "readings",
                        lambda self, xs: (np.array([readings[x][0] for x in xs]), np.array([readings[x][1] for x in xs])))
    kept, read = pseudo_labels(model, texts, 0.1)
    assert texts[0] not in kept and texts[1] in kept and texts[3] in kept
