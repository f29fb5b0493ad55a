from pipeline.coder import code_pending
from pipeline.ingest.runner import ingest_reviews_file
from tests.conftest import write


def test_code_pending_codes_once_reports_progress_and_recodes(store, tmp_path, coder):
    ingest_reviews_file(store, write(tmp_path / "r.csv", "id,content\n1,服务员态度很差\n2,菜很好吃\n3,菜很好吃\n"))
    seen = []
    assert code_pending(store, coder, progress=lambda n, total: seen.append((n, total))) == 2  # item 3 duplicates 2
    assert seen == [(2, 2)]
    assert store.scalar("SELECT count(*) FROM taxonomy_nodes") == len(coder.taxonomy.sub_dimensions)
    assert code_pending(store, coder) == 0
    assert code_pending(store, coder, recode=True) == 2
    assert store.scalar("SELECT count(*) FROM item_scores") == 2  # same model version: replaced, not added


def test_code_pending_pages_through_the_store(store, tmp_path, coder):
    from pipeline.coder import code_pending

    rows = "".join(f"{i},第{i}条：服务员态度很差\n" for i in range(23))
    ingest_reviews_file(store, write(tmp_path / "p.csv", "id,content\n" + rows))
    seen = []
    assert code_pending(store, coder, window=5, progress=lambda n, total: seen.append((n, total))) == 23
    assert sum(n for n, _ in seen) == 23 and {t for _, t in seen} == {23}
    assert store.scalar("SELECT count(*) FROM item_scores WHERE is_current") == 23
    assert code_pending(store, coder, window=5) == 0
    assert code_pending(store, coder, recode=True, window=7) == 23


def test_model_version_changes_with_the_language_data(tmp_path):
    """Editing a lexicon, a taxonomy keyword or the jieba dictionary must trigger a recode."""
    import dataclasses

    from pipeline.nlp import cached_lexicon, cached_taxonomy, language_version

    taxonomy, lexicon = cached_taxonomy("restaurant"), cached_lexicon()
    user_dict = tmp_path / "userdict.txt"
    user_dict.write_text("招牌菜 10 n\n", encoding="utf-8")
    base = language_version(taxonomy, lexicon, user_dict)
    more_words = dataclasses.replace(lexicon, polarity={**lexicon.polarity, "惊艳": 1.2})
    assert language_version(taxonomy, more_words, user_dict) != base
    assert language_version(cached_taxonomy("auto_dealer"), lexicon, user_dict) != base
    user_dict.write_text("招牌菜 10 n\n锅包肉 5 n\n", encoding="utf-8")
    assert language_version(taxonomy, lexicon, user_dict) != base


def test_a_bare_mention_is_not_a_code_a_lukewarm_judgement_is_neutral(coder):
    from pipeline.coder import item_codes

    codes = item_codes(coder.nlp("人均80，服务员很热情"))
    assert set(codes) == {"staff_attitude"}  # 人均80 names the price without judging it
    assert item_codes(coder.nlp("价格也ok"))["price_level"][0] == "neutral"
    assert item_codes(coder.nlp("价格太贵了"))["price_level"][0] == "negative"
    assert item_codes(coder.nlp("味道一般"))["taste"][0] == "neutral"  # 一般 weighs on the item score, not on the code


def test_a_lukewarm_verdict_weighs_in_the_items_lean(coder):
    """One sub-dimension judged in several clauses: the lean decides, and a lukewarm verdict counts
    against it (one dish praised and 味道一般 is a balance; two praised and 一般 still a lean)."""
    from pipeline.coder import item_codes

    assert item_codes(coder.nlp("鱼很好吃，但是味道一般"))["taste"][0] == "neutral"
    assert item_codes(coder.nlp("鱼很好吃，虾也很好吃，汤的味道一般"))["taste"][0] == "positive"
    assert item_codes(coder.nlp("鱼很好吃，虾太难吃了，汤很难吃"))["taste"][0] == "negative"


def test_a_coder_reads_thanks_as_politeness_in_a_call_and_as_a_verdict_in_a_review(monkeypatch):
    """The channel of each item reaches the sentiment model: 好的，谢谢 is no feedback in a call."""
    import numpy as np

    import pipeline.nlp
    from pipeline.coder import Coder

    class Pleased:
        def decision_function(self, texts):
            return np.full(len(texts), 0.9)

        def label(self, score):
            return "positive" if score > 0.2 else "negative" if score < -0.2 else "neutral"

    monkeypatch.setattr(pipeline.nlp, "load_registered", lambda ref, registry, role: (Pleased(), ref))
    coder = Coder("restaurant", aspect_model="lexicon", sentiment_model="pleased@1")
    batch = coder.code([("a", "好的，谢谢。", "call"), ("b", "好的，谢谢。", "review"), ("c", "好的，谢谢。")])
    assert [s["sentiment"] for s in batch.item_scores] == ["neutral", "positive", "positive"]
