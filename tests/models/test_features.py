from models.features import analyse
from pipeline.coder import item_codes


def test_features_see_a_bare_mention_that_coding_drops(coder):
    """A model decides inside the coding pipeline before bare mentions are dropped, so the features it
    is trained on must see them too: 人均80 cues price_level for the model, and is no code."""
    doc = analyse(["人均80"], "restaurant")[0]
    assert [h.sub_dimension for c in doc._.clauses for h in c.aspects] == ["price_level"]
    assert item_codes(coder.nlp("人均80")) == {}
