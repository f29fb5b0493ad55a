import pytest


def clauses(nlp, text):
    return [c.text for c in nlp(text)._.clauses]


def test_jieba_uses_the_domain_dictionary(nlp):
    tokens = [t.text for t in nlp("这家4S店的停车位很少，性价比不高")]
    assert {"4S店", "停车位", "性价比"} <= set(tokens)


def test_lexicon_words_jieba_knows_too_rarely_are_kept_whole(nlp):
    """jieba's dictionary has 无语 and 难喝 at frequency 3: without help it always splits them."""
    tokens = [t.text for t in nlp("服务员实在无语，咖啡太难喝")]
    assert {"无语", "难喝"} <= set(tokens)


def test_punctuation_splits_clauses(nlp):
    assert clauses(nlp, "菜很好吃。服务员态度很差！停车方便;环境不错") == ["菜很好吃", "服务员态度很差", "停车方便", "环境不错"]


def test_contrast_word_starts_a_new_clause(nlp):
    assert clauses(nlp, "菜很好吃但是服务员态度很差") == ["菜很好吃", "但是服务员态度很差"]
    assert clauses(nlp, "环境一般不过价格便宜") == ["环境一般", "不过价格便宜"]


def test_jiushi_starts_a_contrast_only_right_after_a_verdict(nlp):
    """就是 after a word of judgement, polar or lukewarm, is "only that": the two halves judge apart."""
    assert clauses(nlp, "味道还行就是有点贵") == ["味道还行", "就是有点贵"]
    assert clauses(nlp, "环境不错就是太吵了") == ["环境不错", "就是太吵了"]
    assert clauses(nlp, "九宫煮其实就是麻辣烫") == ["九宫煮其实就是麻辣烫"]  # "is just", after no verdict
    assert clauses(nlp, "就是那家店") == ["就是那家店"]


def test_a_contrast_word_glued_onto_the_next_word_is_cut_off(nlp):
    """jieba's HMM glues 但 onto an unseen pair (但量): it still starts a clause, and 量 is the portion's."""
    assert clauses(nlp, "价格偏高但量还是挺足的") == ["价格偏高", "但量还是挺足的"]
    doc = nlp("价格偏高但量还是挺足的")
    assert doc._.clauses[1].tokens[:2] == ["但", "量"]
    assert doc._.clauses[1].start == doc.text.index("但")
    assert nlp("但愿下次好点")._.clauses[0].tokens[0] == "但愿"  # a word of the dictionary stays whole


def test_enumeration_comma_does_not_split(nlp):
    assert clauses(nlp, "环境、服务都很好") == ["环境、服务都很好"]


def test_space_between_han_splits_but_not_around_latin(nlp):
    assert clauses(nlp, "一般吧 服务员态度差") == ["一般吧", "服务员态度差"]
    assert clauses(nlp, "有 wifi 很方便") == ["有 wifi 很方便"]


def test_offsets_point_into_the_text(nlp):
    text = "位置好找。\n但是上菜太慢了……"
    doc = nlp(text)
    for clause in doc._.clauses:
        assert text[clause.start:clause.end] == clause.text
    assert [c.index for c in doc._.clauses] == [0, 1]


def test_punctuation_only_text_has_no_clauses(nlp):
    assert clauses(nlp, "。。。！！") == []


def test_unknown_compounds_are_split_into_known_words(nlp):
    (clause,) = nlp("价格便宜")._.clauses
    assert clause.tokens == ["价格", "便宜"]


def test_split_compound_leaves_partial_matches_alone():
    from pipeline.segment import split_compound

    vocab = frozenset({"价格", "便宜", "很", "差"})
    assert split_compound("价格很便宜", vocab) == ["价格", "很", "便宜"]
    assert split_compound("价格公道", vocab) == ["价格公道"]
    assert split_compound("很差", vocab) == ["很差"]  # too short to split


@pytest.mark.parametrize("text, kept", [
    ("您好", []),
    ("好的，谢谢！", []),
    ("客服您好，我要投诉", ["我要投诉"]),
    ("谢谢你们的快速处理", ["谢谢你们的快速处理"]),   # thanks with content is feedback
    ("此致\n敬礼", []),
])
def test_formula_clauses_are_not_feedback(text, kept):
    from pipeline.coder import Coder

    doc = Coder("restaurant", "lexicon", "lexicon").nlp(text)
    assert [c.text for c in doc._.clauses] == kept


@pytest.mark.parametrize("text, feedback", [
    ("您好：\n菜很咸，希望改进。\n谢谢！", "：\n菜很咸，希望改进。\n！"),
    ("好的，谢谢。", "，。"),
    ("谢谢你们的快速处理", "谢谢你们的快速处理"),
    ("菜很咸", "菜很咸"),
])
def test_feedback_text_of_a_call_or_email_is_the_text_less_its_formulas(text, feedback):
    from pipeline.coder import Coder
    from pipeline.segment import feedback_text

    coder = Coder("restaurant", "lexicon", "lexicon")
    for channel in ("call", "email"):
        assert feedback_text(next(coder.docs([(text, channel)]))) == feedback
    assert feedback_text(next(coder.docs([(text, "review")]))) == text  # a review's thanks are its verdict
    assert feedback_text(next(coder.docs([(text, None)]))) == text


@pytest.mark.parametrize("text, feedback", [
    ("请问发票怎么开？昨天忘了开。", "？昨天忘了开。"),                   # an enquiry judges nothing: not feedback
    ("我想了解一下加盟的条件，请问联系哪个部门？", "，？"),
    ("请问为什么菜这么难吃？", "请问为什么菜这么难吃？"),                # an enquiry that judges is feedback
    ("这就是你们的服务？", "这就是你们的服务？"),                      # a rhetorical question has no enquiry word
    ("周末可以试驾吗？有没有优惠活动？", "周末可以试驾吗？？"),          # asking whether there is a discount
    ("有没有搞错，菜太咸了", "有没有搞错，菜太咸了"),                    # 错 judges: read
    ("对于想了解历史的朋友，这是不错的选择", "对于想了解历史的朋友，这是不错的选择"),  # wanting to learn is no enquiry
])
def test_feedback_text_leaves_out_enquiries_that_judge_nothing(text, feedback):
    from pipeline.coder import Coder
    from pipeline.nlp import cached_lexicon
    from pipeline.segment import feedback_text

    doc = next(Coder("restaurant", "lexicon", "lexicon").docs([(text, "email")]))
    assert feedback_text(doc, cached_lexicon().enquiry) == feedback


def test_segmentation_does_not_depend_on_which_taxonomy_was_loaded_first():
    """Each taxonomy's words go to its own jieba tokenizer, not into jieba's global dictionary."""
    import jieba

    from pipeline.nlp import build_nlp

    text = "签合同时收了金融服务费，交车仪式很用心"
    restaurant = [t.text for t in build_nlp("restaurant")(text)]
    dealer = [t.text for t in build_nlp("auto_dealer")(text)]
    assert "交车仪式" in dealer and "交车仪式" not in restaurant
    assert [t.text for t in build_nlp("restaurant")(text)] == restaurant  # unchanged after loading auto_dealer
    assert "交车仪式" not in jieba.lcut(text)  # jieba's module-level dictionary is left alone


@pytest.mark.parametrize("text, expected", [
    ("总体而言，值得一尝", ["总体而言，值得一尝"]),          # a frame announces the next clause
    ("价格嘛，还行", ["价格嘛，还行"]),                      # a bare topic, then its comment
    ("总的来说，说实话，还不错", ["总的来说，说实话，还不错"]),  # frames chain
    ("菜很好吃，服务也好", ["菜很好吃", "服务也好"]),          # a clause with an opinion stands alone
    ("价格很贵，服务员，态度差", ["价格很贵", "服务员，态度差"]),
    ("总体而言。值得一尝", ["总体而言", "值得一尝"]),          # a full stop ends the frame's sentence
    ("值得一尝，总的来说，", ["值得一尝", "总的来说"]),          # a frame at the end stays a clause
])
def test_a_lead_frame_or_topic_is_read_with_the_clause_it_announces(nlp, text, expected):
    doc = nlp(text)
    assert [c.text for c in doc._.clauses] == expected
    for clause in doc._.clauses:
        assert doc.text[clause.start:clause.end] == clause.text


def test_frame_words_are_language_data():
    from pipeline.lexicon import Lexicon
    from pipeline.segment import split_clauses, blank_zh

    doc = blank_zh()("总体而言，值得一尝")
    assert len(split_clauses(doc, frozenset())) == 2  # without frame words nothing is joined
    frames = Lexicon.load().frames
    assert {"总体而言", "说实话"} <= frames
    assert len(split_clauses(doc, frozenset(), frames=frames)) == 1


def test_token_offsets_map_characters_back_to_tokens():
    from pipeline.segment import token_at, token_starts

    tokens = ["服务员", "很", "热情"]
    starts = token_starts(tokens)
    assert starts == [0, 3, 4]
    assert [token_at(starts, k) for k in range(6)] == [0, 0, 0, 1, 2, 2]
    assert token_starts([]) == []
