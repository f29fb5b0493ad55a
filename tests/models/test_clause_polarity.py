"""The clause polarity model: scikit-learn face, training examples from every labelled source, the
lexicon's sure polarity kept, and its place in the coding pipeline."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from models.clause_polarity import ClausePolarityClassifier, aic_clause_examples, clause_examples
from pipeline.cli import app

CLAUSES = [("服务员态度很好", 0.8, 0.8, "positive"), ("菜很好吃", 0.8, 0.8, "positive"), ("环境不错", 0.6, 0.6, "positive"),
           ("上菜太慢了", -0.8, -0.8, "negative"), ("服务员很冷漠", -0.7, -0.7, "negative"), ("价格太贵", -0.8, -0.8, "negative"),
           ("点了一个招牌菜", 0.0, 0.0, "neutral"), ("我们是中午去的", 0.0, 0.0, "neutral"), ("店在二楼", 0.0, 0.0, "neutral")] * 4


@pytest.fixture(scope="module")
def examples():
    return pd.DataFrame(CLAUSES, columns=["text", "aspect_score", "clause_score", "label"])


def test_scikit_learn_face(examples):
    X = examples[["text", "aspect_score", "clause_score"]]
    model = ClausePolarityClassifier(lexicon_floor=None).fit(X, examples.label)
    assert set(model.classes_) == {"negative", "neutral", "positive"}
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    negative = list(model.classes_).index("negative")
    assert proba[3, negative] > proba[0, negative]  # 上菜太慢了 is more likely negative than 服务员态度很好
    assert (model.predict(X) == examples.label).mean() > 0.9
    assert set(model.get_params()) >= {"C", "ngram_max", "lexicon_floor"}
    scores = model.decision_function([("服务员态度很好", 0.8, 0.8), ("上菜太慢了", -0.8, -0.8)])
    assert scores[0] > 0 > scores[1]


def test_the_lexicons_sure_polarity_is_not_neutralised(examples):
    X = examples[["text", "aspect_score", "clause_score"]]
    unseen = [("这个做法我没见过", -0.9, -0.9)]  # words the model never saw; the lexicon is sure
    free = ClausePolarityClassifier(lexicon_floor=None).fit(X, examples.label)
    floored = ClausePolarityClassifier(lexicon_floor=0.5).fit(X, examples.label)
    if free.predict(unseen)[0] == "neutral":
        assert floored.predict(unseen)[0] == "negative"
    assert floored.predict([("店在二楼", 0.0, 0.0)])[0] == "neutral"  # no lexicon opinion: the model decides
    default = ClausePolarityClassifier().fit(X, examples.label)
    assert default.lexicon_floor == default.neutral_band  # any reading the lexicon calls polar stands
    if free.predict([("这个做法我没见过", 0.3, 0.3)])[0] == "neutral":
        assert default.predict([("这个做法我没见过", 0.3, 0.3)])[0] == "positive"


def test_aic_labels_are_pinned_on_the_one_clause_that_cues_the_aspect():
    labels = pd.DataFrame({"staff_attitude": [-1, 1], "taste": [1, -2]})
    out = aic_clause_examples(["服务员态度很差，菜很好吃", "服务员很热情，服务员也很耐心"], labels)
    # review 1: one clause each for staff and taste; review 2: staff cued twice -> not pinned; taste unmentioned
    assert sorted(zip(out.text, out.label)) == [("服务员态度很差", "negative"), ("菜很好吃", "positive")]


def test_clause_files_of_every_kind(tmp_path, aic_small):
    clauses = tmp_path / "clauses.csv"
    pd.DataFrame({"text": ["很好吃", "太贵了"], "label": ["positive", "negative"]}).to_csv(clauses, index=False)
    out = clause_examples([aic_small, clauses])
    assert set(out.source) == {aic_small.stem, "clauses"} and set(out.label) <= {"negative", "neutral", "positive"}
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"text": ["很好吃"], "label": ["good"]}).to_csv(wrong, index=False)
    with pytest.raises(ValueError, match="must be one of"):
        clause_examples([wrong])


def test_trained_polarity_model_codes_every_taxonomy(tmp_path, aic_small):
    runner = CliRunner()
    models = tmp_path / "models"
    clauses = tmp_path / "car.csv"
    pd.DataFrame(CLAUSES, columns=["text", "a", "c", "label"])[["text", "label"]].to_csv(clauses, index=False)
    result = runner.invoke(app, ["train", "--kind", "polarity", "--name", "pol", "--data", str(aic_small),
                                 "--data", str(clauses), "--heldout", str(aic_small), "--models", str(models)])
    assert result.exit_code == 0, result.output
    card = json.loads(runner.invoke(app, ["models", "show", "pol@1", "--models", str(models)]).stdout)
    assert card["role"] == "polarity" and card["held_out_metrics"]["clauses"] > 0 and card["text_fingerprints"]
    assert runner.invoke(app, ["models", "promote", "pol", "--models", str(models)]).exit_code == 0

    from pipeline.coder import Coder, item_codes

    coder = Coder("auto_dealer", registry=str(models))  # no aspect or sentiment model: lexicon for those
    assert ";polarity=pol@1;language=" in coder.model_version
    doc = coder.nlp("销售顾问态度很冷漠")
    assert item_codes(doc)["staff_attitude"][0] == "negative"


def test_a_clause_that_judges_nothing_keeps_the_lexicons_reading(tmp_path, examples):
    """A model taught that bare mentions lean positive (document labels pinned on clauses) does not
    turn 服务员在二楼 into a code; a clause that judges is still the model's."""
    from pipeline.coder import Coder, item_codes
    from pipeline.registry import Registry

    bare = examples.text.isin(["店在二楼", "点了一个招牌菜"])
    leaning = examples.assign(label=examples.label.where(~bare, "positive"))
    model = ClausePolarityClassifier().fit(leaning[["text", "aspect_score", "clause_score"]], leaning.label)
    assert model.predict([("服务员在二楼", 0.0, 0.0)])[0] == "positive"
    registry = Registry(str(tmp_path / "models"))
    ref = registry.register("leaning", "polarity", model, {"data": [], "metrics": {}})
    coder = Coder("restaurant", aspect_model="lexicon", sentiment_model="lexicon", polarity_model=str(ref),
                  registry=str(tmp_path / "models"))
    assert "staff_attitude" not in item_codes(coder.nlp("服务员在二楼"))
    assert item_codes(coder.nlp("服务员很冷漠"))["staff_attitude"][0] == "negative"
