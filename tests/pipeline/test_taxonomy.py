import pytest

from pipeline.taxonomy import load_taxonomy

MISSION_DIMENSIONS = {"staff", "location_facilities", "price", "process"}


@pytest.mark.parametrize("name", ["restaurant", "auto_dealer"])
def test_taxonomies_load_with_mission_dimensions(name):
    tax = load_taxonomy(name)
    assert tax.version.startswith(name)
    dims = {d.id for d in tax.dimensions}
    assert MISSION_DIMENSIONS <= dims
    for sub in tax.sub_dimensions:
        assert sub.keywords and sub.name_zh and sub.name_en


def test_restaurant_covers_every_aic_aspect_one_to_one():
    from models.labels import load_mapping

    mapping = load_mapping()
    subs = {s.id for s in load_taxonomy("restaurant").sub_dimensions}
    assert len(mapping) == 20 and len(set(mapping.values())) == 20
    assert set(mapping.values()) == subs
    assert mapping["service_waiters_attitude"] == "staff_attitude"


def test_auto_dealer_has_seed_article_dimensions():
    dims = {d.id for d in load_taxonomy("auto_dealer").dimensions}
    assert {"product_expert", "test_drive", "delivery_aftersales"} <= dims


def test_unknown_taxonomy_names_the_known_ones():
    with pytest.raises(FileNotFoundError, match="restaurant"):
        load_taxonomy("no_such_taxonomy")


def test_duplicate_sub_dimension_ids_are_refused(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("""taxonomy: t
version: t-1
dimensions:
  - {id: a, name_zh: 甲, name_en: A, sub_dimensions: [{id: x, name_zh: 子, name_en: X, keywords: [好]}]}
  - {id: b, name_zh: 乙, name_en: B, sub_dimensions: [{id: x, name_zh: 子, name_en: X, keywords: [坏]}]}
""", encoding="utf-8")
    with pytest.raises(ValueError, match="used twice"):
        load_taxonomy(path)


@pytest.mark.parametrize("node, why", [
    ("{id: x, name_zh: 子, name_en: X, keywords: [环境], anchors: [环境], yields_to: [nope]}", "are not sub-dimensions"),
    ("{id: x, name_zh: 子, name_en: X, keywords: [环境], yields_to: [y]}", "needs anchors"),
])
def test_a_node_yields_only_to_known_nodes_and_through_its_anchors(tmp_path, node, why):
    path = tmp_path / "t.yaml"
    path.write_text(f"""taxonomy: t
version: t-1
dimensions:
  - {{id: a, name_zh: 甲, name_en: A, sub_dimensions: [{node}, {{id: y, name_zh: 丑, name_en: Y, keywords: [干净]}}]}}
""", encoding="utf-8")
    with pytest.raises(ValueError, match=why):
        load_taxonomy(path)
