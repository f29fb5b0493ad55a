"""The gold sets load, are as large as promised, and the scorer counts what it says it counts."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from models.gold import GoldItem, Prediction, load_gold, load_gold_file, load_second_labels, score, to_item
from pipeline.cli import app
from pipeline.paths import DATA_DIR
from pipeline.taxonomy import load_taxonomy

GOLD = DATA_DIR / "gold"


@pytest.fixture(scope="module")
def gold():
    return load_gold(GOLD)


def test_gold_sets_are_the_promised_size(gold):
    assert len(gold[("review", "restaurant")]) >= 150
    assert sum(len([t for t in g.record["turns"] if t.startswith("customer:")]) for g in gold[("call", "restaurant")]) >= 50
    assert len(gold[("email", "restaurant")]) >= 50
    dealer = gold[("review", "auto_dealer")]
    assert len(dealer) >= 80
    covered = {sub for g in dealer for sub in g.codes}
    assert covered == {s.id for s in load_taxonomy("auto_dealer").sub_dimensions}  # every sub-dimension


def test_gold_reviews_are_sample_reviews_not_training_rows(gold):
    import pandas as pd

    sample = set(pd.read_csv(DATA_DIR / "samples" / "reviews" / "dianping_aic2018.csv").content)
    training = set(pd.read_csv(DATA_DIR / "labelled" / "aic2018_train.csv").content)
    texts = {g.record["text"] for g in gold[("review", "restaurant")]}
    assert texts <= sample and not texts & training


def test_the_sealed_test_sets_load_and_share_nothing_with_the_gold_sets(gold):
    import pandas as pd

    sealed = load_gold(GOLD / "test")
    assert set(sealed) == set(gold)  # every channel and taxonomy
    text = lambda g: g.customer_text  # noqa: E731
    assert not {text(g) for items in sealed.values() for g in items} & {text(g) for items in gold.values() for g in items}
    reviews = {g.record["text"] for g in sealed[("review", "restaurant")]}
    assert reviews <= set(pd.read_csv(DATA_DIR / "samples" / "reviews" / "dianping_aic2018.csv").content)
    assert not reviews & set(pd.read_csv(DATA_DIR / "labelled" / "aic2018_train.csv").content)


def test_every_gold_item_passes_its_channel_intake(gold):
    for items in gold.values():
        for g in items:
            item = to_item(g)
            assert item.channel == g.channel and item.text


def test_email_gold_is_coded_without_its_quoted_history(gold):
    quoted = next(g for g in gold[("email", "restaurant")] if "写道" in g.record["body"])
    assert "写道" not in to_item(quoted).text


@pytest.mark.parametrize("record, message", [
    ({"id": "x", "sentiment": "positive", "text": "很好吃", "codes": ["flavour+ 很好吃"]}, "not a sub-dimension"),
    ({"id": "x", "sentiment": "positive", "text": "很好吃", "codes": ["taste+ 很难吃"]}, "not in the customer's text"),
    ({"id": "x", "sentiment": "positive", "text": "很好吃", "codes": ["taste+ 很好吃", "taste0 很好吃"]}, "coded twice"),
    ({"id": "x", "sentiment": "great", "text": "很好吃", "codes": []}, "sentiment must be"),
    ({"id": "x", "sentiment": "positive", "text": "很好吃", "codes": ["taste 很好吃"]}, "is not `<sub-dimension>"),
])
def test_bad_gold_files_are_refused_with_the_item(tmp_path, record, message):
    path = tmp_path / "reviews_restaurant.yaml"
    path.write_text(yaml.safe_dump([record], allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_gold_file(path)


def test_the_second_labelling_relabels_gold_reviews(gold):
    items, labels = load_second_labels(GOLD / "agreement" / "reviews_restaurant_second.yaml", gold[("review", "restaurant")])
    assert len(items) == len(labels) >= 40 and len({g.id for g in items}) == len(items)
    agreement = score(items, labels)
    assert 0 < agreement["exact_match"] < 1 and agreement["code_f1"] > 0.8  # two readers: close, never identical


@pytest.mark.parametrize("record, message", [
    ({"1": {"sentiment": "positive", "codes": ["taste+"]}}, "no gold item has this id"),
    ({"9051": {"sentiment": "positive", "codes": ["flavour+"]}}, "not a sub-dimension of taxonomy restaurant"),
    ({"9051": {"sentiment": "positive", "codes": ["taste"]}}, "is not `<sub-dimension><"),
    ({"9051": {"sentiment": "positive", "codes": ["taste+", "taste-"]}}, "coded twice"),
    ({"9051": {"sentiment": "fine", "codes": []}}, "sentiment must be"),
])
def test_bad_second_labels_are_refused_with_the_item(tmp_path, gold, record, message):
    path = tmp_path / "second.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_second_labels(path, gold[("review", "restaurant")])


def test_evidence_is_scored_only_where_the_labels_name_it():
    unnamed = GoldItem("1", "review", "restaurant", {"text": "t"}, {"taste": "negative"}, {}, "negative")
    result = score([unnamed], [Prediction({"taste": "negative"}, {"taste": (0, 1)}, "negative", text="t")])
    assert result["exact_match"] == 1.0 and result["evidence_hit"] != result["evidence_hit"]  # nan: none named


def _gold(codes, sentiment="negative"):
    return GoldItem("1", "review", "restaurant", {"text": "t"}, codes, {s: "t" for s in codes}, sentiment)


def test_score_counts_codes_mentions_and_exact_items():
    gold = [_gold({"taste": "negative", "price_level": "negative"}), _gold({"staff_attitude": "positive"}, "positive")]
    predicted = [Prediction({"taste": "negative", "price_level": "positive", "noise": "negative"}, sentiment="negative"),
                 Prediction({"staff_attitude": "positive"}, sentiment="neutral")]
    result = score(gold, predicted)
    assert (result["gold_codes"], result["predicted_codes"]) == (3, 4)
    assert result["code_precision"] == pytest.approx(2 / 4) and result["code_recall"] == pytest.approx(2 / 3)
    assert result["mention_f1"] == pytest.approx(2 * (3 / 4) * 1 / (3 / 4 + 1))
    assert result["exact_match"] == 0.5 and result["sentiment_accuracy"] == 0.5


def test_voc_evaluate_gold_reports_every_set(tmp_path):
    small = tmp_path / "gold"
    small.mkdir()
    for name in ("reviews_restaurant.yaml", "calls_restaurant.yaml", "reviews_auto_dealer.yaml"):
        items = yaml.safe_load((GOLD / name).read_text(encoding="utf-8"))[:5]
        (small / name).write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--gold", str(small), "--lexicon", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["channel"], r["taxonomy"]) for r in rows} == {("review", "restaurant"), ("call", "restaurant"),
                                                            ("review", "auto_dealer")}
    assert all(r["items"] == 5 and 0 <= r["code_f1"] <= 1 and r["models"].startswith("aspects=lexicon@") for r in rows)
    assert next(r for r in rows if r["channel"] == "call")["resolved_accuracy"] >= 0
