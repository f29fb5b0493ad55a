import numpy as np
import pytest

from models.aspect_sentiment import AspectSentimentClassifier
from models.labels import load_aspect_data
from pipeline.contracts import LABEL_VALUES
from models.metrics import aspect_metrics
from models.train import predict_frame


@pytest.fixture(scope="module")
def fitted(aic_small):
    data = load_aspect_data(aic_small)
    return AspectSentimentClassifier(max_features=3000).fit(data.texts[:160], data.labels.iloc[:160]), data


def test_fit_predict_shapes_and_values(fitted):
    model, data = fitted
    pred = model.predict(data.texts[160:])
    assert pred.shape == (40, 4)
    assert set(np.unique(pred)) <= set(LABEL_VALUES)
    assert list(model.classes_) == ["staff_attitude", "price_level", "taste", "cleanliness"]


def test_predict_proba_is_a_distribution_consistent_with_predict(fitted):
    model, data = fitted
    proba = model.predict_proba(data.texts[160:])
    assert proba.shape == (40, 4, 4)
    np.testing.assert_allclose(proba.sum(axis=2), 1.0, atol=1e-6)
    np.testing.assert_array_equal(np.array(LABEL_VALUES)[proba.argmax(axis=2)], model.predict(data.texts[160:]))


def test_learns_the_training_data(fitted):
    model, data = fitted
    train = aspect_metrics(data.labels.iloc[:160].reset_index(drop=True), predict_frame(model, data.texts[:160]))
    assert train["macro_f1"] > 0.8  # a linear model with these features can fit 160 reviews


def test_single_valued_aspect_becomes_a_constant(aic_small):
    data = load_aspect_data(aic_small)
    labels = data.labels.iloc[:60].copy()
    labels["cleanliness"] = -2
    model = AspectSentimentClassifier(max_features=2000).fit(data.texts[:60], labels)
    assert set(model.predict(data.texts[60:70])[:, 3]) == {-2}
    assert model.predict_proba(data.texts[60:62])[:, 3, 0].tolist() == [1.0, 1.0]


def test_metric_offsets_raise_the_macro_f1_they_are_tuned_on():
    """A rare code under-predicted by the margins: offsets move the boundary, and the score they report
    is sklearn's macro-F1 over the four codes."""
    from sklearn.metrics import f1_score
    from models.aspect_sentiment import metric_offsets

    rng = np.random.default_rng(0)
    classes = np.array(LABEL_VALUES)
    y = rng.choice(classes, 600, p=[0.7, 0.05, 0.1, 0.15])
    margins = rng.normal(size=(600, 4))
    margins[np.arange(600), np.searchsorted(classes, y)] += 1.0
    margins[:, 0] += 0.8  # "not mentioned" favoured, as a class-imbalanced SVM tends to
    offsets = metric_offsets(margins, y, classes)
    before = f1_score(y, classes[margins.argmax(1)], labels=list(classes), average="macro", zero_division=0)
    after = f1_score(y, classes[(margins + offsets).argmax(1)], labels=list(classes), average="macro", zero_division=0)
    assert after > before + 0.02
    assert ((margins + offsets).argmax(1) == 0).sum() < (margins.argmax(1) == 0).sum()  # fewer "not mentioned"


def test_offsets_are_fitted_per_aspect_and_can_be_switched_off(aic_small):
    data = load_aspect_data(aic_small)
    plain = AspectSentimentClassifier(max_features=2000, offset_folds=0).fit(data.texts[:120], data.labels.iloc[:120])
    assert all(not off.any() for off in plain.offsets_)
    tuned = AspectSentimentClassifier(max_features=2000).fit(data.texts[:120], data.labels.iloc[:120])
    assert len(tuned.offsets_) == 4 and any(off.any() for off in tuned.offsets_)
    plain_pred, tuned_pred = plain.predict(data.texts[120:]), tuned.predict(data.texts[120:])
    assert plain_pred.shape == tuned_pred.shape and (plain_pred != tuned_pred).any()


def test_hyperparameters_in_the_constructor():
    params = AspectSentimentClassifier(C=1.0).get_params()
    assert params["C"] == 1.0 and set(params) == {"taxonomy", "C", "doc_weight", "max_features", "class_weight",
                                                "offset_folds"}


def test_the_lexicon_keeps_coding_what_the_model_was_not_trained_on(fitted, tmp_path):
    """A 4-aspect model replaces the lexicon for its 4 aspects only: parking is still coded."""
    from pipeline.registry import Registry
    from pipeline.coder import Coder, item_codes

    model, _ = fitted
    registry = Registry(tmp_path)
    registry.register("four", "sklearn", model, {"taxonomy": "restaurant", "aspects": list(model.classes_)})
    coder = Coder("restaurant", aspect_model="four@1", sentiment_model="lexicon", registry=str(tmp_path))
    codes = item_codes(coder.nlp("停车很方便，服务员态度很好"))
    assert "parking" in codes and "parking" not in model.classes_


def test_a_candidate_that_codes_fewer_aspects_is_not_promoted(fitted, aic_small, tmp_path):
    from models.promotion import compare_for_promotion
    from pipeline.registry import Registry

    model, data = fitted
    registry = Registry(tmp_path)
    registry.register("wide", "sklearn", model, {"taxonomy": "restaurant", "aspects": list(model.classes_)})
    registry.promote("wide")
    narrow = AspectSentimentClassifier(max_features=2000).fit(data.texts[:100], data.labels.iloc[:100, :2])
    registry.register("narrow", "sklearn", narrow, {"taxonomy": "restaurant", "aspects": list(narrow.classes_)})
    comparison = compare_for_promotion(registry, "narrow", heldout=aic_small)
    assert comparison.worse and comparison.narrower == ["cleanliness", "taste"]
