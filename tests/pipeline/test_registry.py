import pytest

from pipeline.registry import Registry


class Dummy:
    role = "aspects"
    classes_ = ["a"]


def test_versions_increment_and_resolve(tmp_path):
    reg = Registry(tmp_path)
    assert str(reg.register("m", "sklearn", Dummy(), {"rows": 3})) == "m@1"
    assert str(reg.register("m", "sklearn", Dummy(), {"rows": 4})) == "m@2"
    assert str(reg.resolve("m")) == "m@2" and str(reg.resolve("m@1")) == "m@1"
    card = reg.card("m@1")
    assert (card["rows"], card["role"], card["kind"]) == (3, "aspects", "sklearn")
    assert isinstance(reg.load("m@1"), Dummy)


def test_promote_is_per_role_and_taxonomy(tmp_path):
    reg = Registry(tmp_path)
    reg.register("m", "sklearn", Dummy(), {"taxonomy": "restaurant"})
    reg.register("d", "sklearn", Dummy(), {"taxonomy": "auto_dealer"})
    reg.register("s", "sentiment", Dummy(), {})
    assert reg.promoted("aspects", "restaurant") is None and not reg.any_promoted()
    assert reg.promote("m")[:2] == ("aspects", "restaurant")
    assert reg.promote("s@1")[:2] == ("sentiment", "*")
    # an aspect model codes only its own taxonomy; a sentiment model serves every taxonomy
    assert reg.promoted("aspects", "restaurant") == "m@1" and reg.promoted("aspects", "auto_dealer") is None
    assert reg.promoted("sentiment", "auto_dealer") == "s@1"
    reg.promote("d")
    assert (reg.promoted("aspects", "restaurant"), reg.promoted("aspects", "auto_dealer")) == ("m@1", "d@1")
    with pytest.raises(ValueError, match="codes taxonomy auto_dealer, not restaurant"):
        reg.promote("d", "restaurant")
    assert {r["model"]: r["promoted_for"] for r in reg.list()} == {"d@1": "auto_dealer", "m@1": "restaurant", "s@1": "*"}


def test_sentiment_model_scoped_to_one_taxonomy(tmp_path):
    reg = Registry(tmp_path)
    reg.register("s", "sentiment", Dummy(), {})
    reg.register("car", "sentiment", Dummy(), {})
    reg.promote("s")
    reg.promote("car", "auto_dealer")
    assert (reg.promoted("sentiment", "restaurant"), reg.promoted("sentiment", "auto_dealer")) == ("s@1", "car@1")


def test_registry_written_before_per_taxonomy_promotion_still_reads(tmp_path):
    import json

    reg = Registry(tmp_path)
    reg.register("m", "sklearn", Dummy(), {"taxonomy": "restaurant"})
    reg.register("s", "sentiment", Dummy(), {})
    (tmp_path / "promoted.json").write_text(json.dumps({"aspects": "m@1", "sentiment": "s@1"}))
    assert reg.promoted("aspects", "restaurant") == "m@1" and reg.promoted("aspects", "auto_dealer") is None
    assert reg.promoted("sentiment", "auto_dealer") == "s@1"


@pytest.mark.parametrize("ref, message", [("nope", "no model named 'nope'"), ("m@7", "has no version '7'")])
def test_unknown_refs_are_clear(tmp_path, ref, message):
    reg = Registry(tmp_path)
    reg.register("m", "sklearn", Dummy(), {})
    with pytest.raises(KeyError, match=message):
        reg.resolve(ref)


def test_bad_names_and_kinds(tmp_path):
    reg = Registry(tmp_path)
    with pytest.raises(ValueError, match="model name"):
        reg.register("../x", "sklearn", Dummy(), {})
    with pytest.raises(ValueError, match="unknown model kind"):
        reg.register("x", "xgboost", Dummy(), {})
