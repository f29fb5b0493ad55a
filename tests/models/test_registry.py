import pytest

from models.registry import Registry


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


def test_promote_is_per_role(tmp_path):
    reg = Registry(tmp_path)
    reg.register("m", "sklearn", Dummy(), {})
    reg.register("s", "sentiment", Dummy(), {})
    assert reg.promoted("aspects") is None
    reg.promote("m")
    reg.promote("s@1")
    assert (reg.promoted("aspects"), reg.promoted("sentiment")) == ("m@1", "s@1")
    assert [r["promoted"] for r in reg.list()] == [True, True]


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
