"""A researcher's loop from the CLI alone: train, evaluate, compare, promote, code, recode, label."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.registry import Registry
from pipeline.cli import app

runner = CliRunner()


def all_not_mentioned(path) -> float:
    """The AIC metric of a model that answers "not mentioned" for every aspect of every review."""
    from models.labels import load_aspect_data
    from models.metrics import aspect_metrics

    data = load_aspect_data(path)
    return aspect_metrics(data.labels, data.labels * 0 - 2)["macro_f1"]


def voc(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, aic_small, binary_small):
    root = tmp_path_factory.mktemp("research")
    models = root / "models"
    voc("train", "--data", aic_small, "--kind", "sklearn", "--name", "asp", "--cv", "2",
        "--param", "max_features=3000", "--models", models)
    voc("train", "--data", binary_small, "--kind", "sentiment", "--name", "senti", "--models", models)
    reviews = root / "reviews.csv"
    reviews.write_text("id,content\n1,服务员态度很差，菜也很难吃\n2,环境很好，价格实惠，下次还来\n3,上菜太慢了\n",
                       encoding="utf-8")
    return root, models, reviews


def test_card_has_what_a_researcher_needs(workspace):
    _, models, _ = workspace
    card = json.loads(voc("models", "show", "asp@1", "--models", models).stdout)
    for key in ("data_hash", "rows", "taxonomy_version", "parameters", "metrics", "train_seconds"):
        assert key in card
    assert card["rows"] == 200 and card["parameters"]["max_features"] == 3000
    assert card["metrics"]["folds"] == 2 and 0 < card["metrics"]["macro_f1"] <= 1


def test_evaluate_json_and_compare_with_lexicon(workspace, aic_small, aic_unseen, binary_small):
    _, models, _ = workspace
    trained = json.loads(voc("evaluate", "--model", "asp", "--data", aic_unseen, "--json", "--models", models).stdout)
    lexicon = json.loads(voc("evaluate", "--model", "lexicon", "--data", aic_unseen, "--json", "--models", models).stdout)
    assert trained["aspects"] == lexicon["aspects"] == 4 and not trained.get("training_overlap")
    # on reviews it never saw, 200 training reviews beat answering "not mentioned" everywhere
    assert trained["macro_f1"] > all_not_mentioned(aic_unseen) + 0.1
    assert lexicon["macro_f1"] > all_not_mentioned(aic_unseen)
    on_training = runner.invoke(app, ["evaluate", "--model", "asp", "--data", str(aic_small), "--models", str(models)])
    assert on_training.exit_code == 0 and "100% of the texts in" in on_training.output and "were in asp's training data" in on_training.output
    binary = json.loads(voc("evaluate", "--model", "senti@1", "--data", binary_small, "--json", "--models", models).stdout)
    assert binary["accuracy"] > 0.8 and "f1" in binary


def test_evaluate_refuses_a_model_of_the_wrong_role(workspace, binary_small):
    _, models, _ = workspace
    result = runner.invoke(app, ["evaluate", "--model", "asp", "--data", str(binary_small), "--models", str(models)])
    assert result.exit_code == 2 and "aspects model" in result.output


def test_promoted_models_code_and_recode_keeps_history(workspace):
    root, models, reviews = workspace
    db = root / "voc.duckdb"
    voc("run", reviews, "--db", db, "--models", models, "--workers", "1", "--lexicon")  # nothing promoted yet
    voc("models", "promote", "asp@1", "--models", models)
    voc("models", "promote", "senti", "--models", models)
    listing = voc("models", "list", "--models", models).stdout
    assert "asp@1" in listing and "senti@1" in listing
    voc("code", "--db", db, "--models", models, "--workers", "1", "--recode")
    rows = json.loads(voc("query", "SELECT model_version, is_current, count(*) AS n FROM codes GROUP BY 1, 2 ORDER BY 1",
                          "--db", db, "--format", "json").stdout)
    current = [r for r in rows if r["is_current"]]
    assert len(current) == 1 and current[0]["model_version"].startswith("aspects=asp@1;sentiment=senti@1;language=")
    assert any(not r["is_current"] and r["model_version"].startswith("aspects=lexicon@") for r in rows)
    scores = json.loads(voc("query", "SELECT model_version FROM item_scores WHERE is_current", "--db", db,
                            "--format", "json").stdout)
    assert {s["model_version"].rsplit(";", 1)[0] for s in scores} == {"aspects=asp@1;sentiment=senti@1"}


def test_a_taxonomy_without_an_aspect_model_codes_with_the_promoted_sentiment_model(workspace):
    """The restaurant aspect model never codes another taxonomy; auto_dealer gets lexicon aspects
    scored by the sentiment model promoted for every taxonomy — and says so."""
    root, models, _ = workspace
    voc("models", "promote", "asp@1", "--models", models)
    voc("models", "promote", "senti", "--models", models)
    dealer = root / "dealer.csv"
    dealer.write_text("id,content\n1,销售顾问态度很冷漠，等了一个小时没人理\n", encoding="utf-8")
    db = root / "dealer.duckdb"
    result = voc("run", dealer, "--db", db, "--models", models, "--taxonomy", "auto_dealer", "--workers", "1")
    assert "aspects=lexicon@auto_dealer" in result.output and "sentiment=senti@1" in result.output
    codes = json.loads(voc("query", "SELECT sub_dimension, model_version, taxonomy_version FROM codes", "--db", db,
                           "--format", "json").stdout)
    assert {c["taxonomy_version"].split("-")[0] for c in codes} == {"auto_dealer"}
    assert "staff_attitude" in {c["sub_dimension"] for c in codes}
    assert {c["model_version"].split("-")[0] for c in codes} == {"aspects=lexicon@auto_dealer"}
    assert {c["model_version"].split(";")[1] for c in codes} == {"sentiment=senti@1"}


def test_label_export_and_import(workspace):
    root, models, reviews = workspace
    db = root / "label.duckdb"
    voc("ingest", "reviews", reviews, "--db", db)
    voc("label", "export", "--uncertain", "2", "--out", root / "lab" / "batch", "--model", "asp@1", "--db", db,
        "--models", models)
    tasks = json.loads((root / "lab" / "batch.json").read_text(encoding="utf-8"))
    assert len(tasks) == 2 and tasks[0]["predictions"][0]["model_version"] == "asp@1"
    assert "<Choices name=\"staff_attitude\"" in (root / "lab" / "batch.label_config.xml").read_text(encoding="utf-8")
    tasks[0]["annotations"] = [{"result": [{"from_name": "staff_attitude", "to_name": "text", "type": "choices",
                                            "value": {"choices": ["negative"]}}]}]
    (root / "lab" / "done.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    into = root / "lab" / "annotations.csv"
    voc("label", "import", root / "lab" / "done.json", "--into", into)
    lines = into.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "text,sub_dimension,sentiment" and lines[1].endswith(",staff_attitude,negative")
    voc("label", "import", root / "lab" / "done.json", "--into", into)  # importing again replaces, not duplicates
    assert len(into.read_text(encoding="utf-8").splitlines()) == 2


def test_transformer_through_the_cli(workspace, aic_small):
    root, models, _ = workspace
    base = root / "base"
    voc("pretrain", "--corpus", aic_small, "--out", base, "--steps", "3", "--hidden-size", "32", "--layers", "1",
        "--heads", "2", "--batch-size", "8", "--max-length", "64")
    voc("train", "--data", aic_small, "--kind", "transformer", "--base-model", base, "--name", "bert",
        "--param", "epochs=1", "--param", "max_length=64", "--models", models)
    card = json.loads(voc("models", "show", "bert", "--models", models).stdout)
    assert card["kind"] == "transformer" and card["metrics"]["evaluation"] == "20% held out"
    result = json.loads(voc("evaluate", "--model", "bert@1", "--data", aic_small, "--json", "--models", models).stdout)
    # the CLI scores the registered model itself: the same number as the library on the loaded model
    from models.labels import load_aspect_data
    from models.metrics import aspect_metrics
    from models.train import predict_frame

    data = load_aspect_data(aic_small)
    loaded = Registry(str(models)).load("bert@1")
    assert result["macro_f1"] == pytest.approx(aspect_metrics(data.labels, predict_frame(loaded, data.texts))["macro_f1"])


def test_promotion_compares_on_held_out_rows_and_refuses_a_worse_candidate(workspace, aic_small, tmp_path):
    import pandas as pd

    from tests.models.conftest import AIC

    _, models, _ = workspace
    heldout = tmp_path / "heldout.csv"
    columns = pd.read_csv(aic_small).columns
    pd.read_csv(AIC).iloc[300:420][columns].to_csv(heldout, index=False)
    voc("models", "promote", "asp@1", "--models", models)
    voc("train", "--data", aic_small, "--kind", "sklearn", "--name", "asp", "--cv", "0", "--heldout", heldout,
        "--param", "C=0.0001", "--param", "max_features=20", "--models", models)
    weak = json.loads(voc("models", "show", "asp", "--models", models).stdout)["ref"]
    refused = runner.invoke(app, ["models", "promote", weak, "--models", str(models)])
    assert refused.exit_code == 1 and "scores below the promoted asp@1" in refused.output
    assert "macro_f1 on" in refused.output  # the comparison is shown
    assert Registry(models).promoted("aspects", "restaurant") == "asp@1"
    voc("models", "promote", weak, "--models", models, "--force")


def test_evaluating_on_training_rows_warns(workspace, aic_small):
    _, models, _ = workspace
    result = voc("evaluate", "--model", "asp@1", "--data", aic_small, "--json", "--models", models)
    assert "100% of the texts" in result.output and "not a held-out estimate" in result.output


def test_the_sentiment_model_self_trains_on_unlabelled_feedback(workspace, binary_small, aic_small):
    """`--unlabelled` gives the sentiment model the texts of the domain it will code, without labels; the
    card says how many it read and how many it trained on. Other kinds refuse it."""
    root, models, reviews = workspace
    result = voc("train", "--data", binary_small, "--kind", "sentiment", "--name", "adapted",
                 "--unlabelled", aic_small, "--models", models)
    card = json.loads(voc("models", "show", "adapted@1", "--models", models).stdout)
    assert card["unlabelled"] == [str(aic_small)] and card["unlabelled_rows"] == 200
    assert 0 < card["pseudo_labelled"] <= 200
    assert f"self-trained on {card['pseudo_labelled']} of 200 unlabelled texts" in result.output
    refused = runner.invoke(app, ["train", "--data", str(aic_small), "--kind", "sklearn", "--name", "x",
                                  "--unlabelled", str(reviews), "--models", str(models)])
    assert refused.exit_code != 0 and "only the sentiment model" in refused.output
    missing = runner.invoke(app, ["train", "--data", str(binary_small), "--kind", "sentiment", "--name", "x",
                                  "--unlabelled", str(root / "nowhere.csv"), "--models", str(models)])
    assert missing.exit_code != 0 and "nowhere.csv: no such file" in missing.output
