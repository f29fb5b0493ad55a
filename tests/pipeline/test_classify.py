import jieba
import numpy as np
import pytest

from pipeline.classify import LexiconAspectClassifier
from pipeline.taxonomy import load_taxonomy


def model():
    return LexiconAspectClassifier(load_taxonomy("restaurant"))


def _lexicon_codes(taxonomy: str):
    """text → {sub-dimension: polarity} as the lexicon pipeline codes it."""
    from pipeline.coder import Coder, item_codes

    nlp = Coder(taxonomy, "lexicon", "lexicon").nlp
    return lambda text: {s: c[0] for s, c in item_codes(nlp(text)).items()}


def test_sklearn_face():
    clf = model()
    assert clf.fit(["服务员很好"]) is clf
    X = [["服务员", "态度", "很差"], "上菜太慢了", ["今天", "天气", "好"]]
    proba = clf.predict_proba(X)
    assert proba.shape == (3, len(clf.classes_))
    pred = clf.predict(X)
    names = [set(clf.classes_[np.flatnonzero(row)]) for row in pred]
    assert names[0] == {"staff_attitude"}
    assert names[1] == {"serving_speed"}
    assert names[2] == set()


def test_confidence_grows_with_distinct_cues():
    clf = model()
    j = list(clf.classes_).index("staff_attitude")
    one, two, repeated = clf.predict_proba([["服务员"], ["服务员", "态度"], ["服务员", "服务员"]])[:, j]
    assert 0.5 <= one < two < 1
    assert repeated == one


def test_hits_carry_cue_positions_and_dimension():
    hits = model().hits(["价格", "不", "贵", "停车场", "很", "大"])
    found = {h.sub_dimension: h for h in hits}
    assert found["price_level"].cues == (0, 1, 2) and found["price_level"].dimension == "price"  # 价格, 不贵 (across 不 / 贵), 贵
    assert found["parking"].cues == (3,) and found["parking"].dimension == "location_facilities"


def test_auto_dealer_taxonomy_codes_test_drive():
    clf = LexiconAspectClassifier(load_taxonomy("auto_dealer"))
    assert {h.sub_dimension for h in clf.hits(["试驾", "安排", "得", "很", "好"])} == {"test_drive_arrangement"}


def test_what_the_car_has_is_the_vehicle_and_how_the_drive_went_the_test_drive():
    codes = _lexicon_codes("auto_dealer")
    subs = lambda text: set(codes(text))  # noqa: E731
    assert subs("车内空间很大") == {"vehicle"} and subs("辅助驾驶很好用") == {"vehicle"}
    assert subs("试驾的时候开起来很稳") == {"test_drive_experience"}
    # a breakdown is the car's, even of the new car just handed over; a scratch at the handover is the delivery's
    assert codes("新车到手第二周就趴窝了") == {"vehicle": "negative"}
    assert codes("开了一个月半路抛锚") == {"vehicle": "negative"}
    assert codes("新车有划痕") == {"delivery": "negative"}


def test_a_dealers_follow_up_kept_or_not_and_pushing_are_its_integrity():
    codes = _lexicon_codes("auto_dealer")
    assert codes("期间没人主动告诉我进度") == {"staff_integrity": "negative"}
    assert codes("销售还专门打电话提醒") == {"staff_integrity": "positive"}
    assert codes("销售一直在旁边推销")["staff_integrity"] == "negative"
    assert codes("质保期内的问题也要收检测费")["fees"] == "negative"   # a fee charged on top


def test_overall_is_coded_only_where_no_named_sub_dimension_is():
    """整体 in a clause about the price is an adverb, not an overall verdict (taxonomy `alone`)."""
    from pipeline.coder import Coder

    nlp = Coder("restaurant", "lexicon", "lexicon").nlp
    about_price = nlp("消费整体偏高")._.clauses[0]
    verdict = nlp("整体体验很好")._.clauses[0]
    assert [h.sub_dimension for h in about_price.aspects] == ["price_level"]
    assert [h.sub_dimension for h in verdict.aspects] == ["overall_experience"]


def test_lexicon_classifier_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    from pipeline.classify import LexiconAspectClassifier
    from pipeline.nlp import cached_taxonomy

    model = LexiconAspectClassifier(cached_taxonomy("restaurant"), base_confidence=0.5)
    twin = clone(model)
    assert twin.get_params()["base_confidence"] == 0.5 and twin is not model
    clauses = [["服务员", "态度", "很", "好"], ["停车", "不", "方便"]]
    assert (twin.predict(clauses) == model.predict(clauses)).all()
    assert list(twin.classes_) == [s.id for s in cached_taxonomy("restaurant").sub_dimensions]


def test_a_node_cued_only_by_who_gives_way_to_the_node_of_what():
    """Anchors (服务员, 销售) name who acts; where the clause cues another node, that node is the code."""
    restaurant = model()
    assert {h.sub_dimension for h in restaurant.hits(["服务员", "上菜", "很", "慢"])} == {"serving_speed"}
    assert {h.sub_dimension for h in restaurant.hits(["服务员", "很", "热情"])} == {"staff_attitude"}
    assert {h.sub_dimension for h in restaurant.hits(["服务员", "态度", "好", "上菜", "快"])} == \
        {"staff_attitude", "serving_speed"}  # 态度 is what, not who: both stay
    dealer = LexiconAspectClassifier(load_taxonomy("auto_dealer"))
    assert {h.sub_dimension for h in dealer.hits(["销售", "很", "专业"])} == {"expert_competence"}


@pytest.mark.parametrize("field, value, error", [
    ("anchors", ["不在关键词里"], "anchors .*不在关键词里.* are not among its keywords"),
    ("objects", ["(unclosed"], "staff_attitude.*objects pattern"),
    ("patterns", ["(unclosed"], "staff_attitude.*patterns pattern"),
])
def test_a_bad_node_field_is_refused_with_its_node(tmp_path, field, value, error):
    import yaml

    from pipeline.paths import TAXONOMY_DIR

    doc = yaml.safe_load((TAXONOMY_DIR / "restaurant.yaml").read_text(encoding="utf-8"))
    doc["dimensions"][0]["sub_dimensions"][0][field] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_taxonomy(path)


class _Decides:
    """A stand-in aspect model: one decision (default 'positive') for every aspect it was built with,
    for every document."""

    def __init__(self, aspects, value: int = 1):
        self.classes_ = np.array(aspects)
        self.value = value

    def predict_proba(self, docs):
        from pipeline.contracts import LABEL_VALUES

        out = np.zeros((len(docs), len(self.classes_), len(LABEL_VALUES)))
        out[:, :, LABEL_VALUES.index(self.value)] = 1.0
        return out


def test_a_model_decision_no_clause_names_is_not_coded():
    """The evidence of a code is a clause about its aspect: where none names it, a document-level
    decision would cite a clause of the same mood about something else, so it is dropped."""
    from pipeline.classify import ModelAspectTagger
    from pipeline.coder import Coder

    doc = Coder("restaurant", "lexicon", "lexicon").nlp("菜很好吃，服务员很热情")
    tagger = ModelAspectTagger(_Decides(["taste", "noise", "parking"]), "fake@1", load_taxonomy("restaurant"))
    (doc,) = tagger.pipe([doc])
    coded = {h.sub_dimension: (c.text, h.label) for c in doc._.clauses for h in c.aspects}
    assert coded == {"taste": ("菜很好吃", "positive"), "staff_attitude": ("服务员很热情", "positive")}


def test_the_model_fills_what_a_judging_clause_leaves_neutral_and_nothing_else():
    """A clause that judges an aspect by the lexicon's reading keeps its code whatever the document-level
    model says (here: 'not mentioned' and 'negative' for everything); a bare mention (停车场在地下
    judges nothing) is no code whatever the model says; an aspect a judging clause names but reads
    as neutral (价格又贵又便宜停车场很好: the price) is the model's, and one it judges lukewarm (服务很好价格一般)
    stays neutral."""
    from pipeline.classify import ModelAspectTagger
    from pipeline.nlp import build_nlp

    nlp = build_nlp("restaurant", judge=False)  # what the model sees: bare mentions not yet dropped
    for value in (-2, -1):
        tagger = ModelAspectTagger(_Decides(["taste", "parking", "price_level"], value), "fake@1",
                                   load_taxonomy("restaurant"))
        (doc,) = tagger.pipe([nlp("菜很好吃。停车场在地下")])
        coded = {h.sub_dimension: (c.text, h.label) for c in doc._.clauses for h in c.aspects}
        assert coded["taste"] == ("菜很好吃", "positive") and "parking" not in coded
        (doc,) = tagger.pipe([nlp("价格又贵又便宜停车场很好")])  # the price read both ways: neutral
        coded = {h.sub_dimension: h.label for c in doc._.clauses for h in c.aspects}
        assert coded.get("price_level") == ("negative" if value == -1 else None)
        assert coded["parking"] == "positive"
        (doc,) = tagger.pipe([nlp("停车场很好价格一般")])
        coded = {h.sub_dimension: h.label for c in doc._.clauses for h in c.aspects}
        assert coded["price_level"] == "neutral" and coded["parking"] == "positive"


def test_a_cue_jieba_cuts_in_two_is_found_across_the_tokens():
    clf = model()
    found = {h.sub_dimension: h.cues for h in clf.hits(["菜", "上", "得", "也", "快"])}
    assert found["serving_speed"] == (1,)
    assert {h.sub_dimension for h in clf.hits(["我们", "会", "再", "来", "的"])} == {"revisit"}
    assert clf.hits(["晚上", "得", "早点", "去"]) == []  # two tokens that only end and start a cue


def test_a_cue_inside_a_longer_word_is_found_in_it():
    clf = LexiconAspectClassifier(load_taxonomy("auto_dealer"))
    assert {h.sub_dimension for h in clf.hits(["到", "现在", "没人", "打电话"])} == {"staff_integrity"}  # 电话
    restaurant = model()
    assert restaurant.hits(["服务员"])[0].cues == (0,)  # a cue itself is matched whole, once
    assert restaurant.hits(["饱和"]) == []  # 饱 is a cue, but one character is never looked for inside a word


def test_a_cue_under_glued_on_modifiers_is_found():
    """jieba keeps 太吵, 很脏, 不太贵 whole: the one-character cue under the degree or negation word
    cues its node, as the sentiment scorer peels the same words off for polarity."""
    from pipeline.nlp import cached_lexicon

    lexicon = cached_lexicon()
    clf = LexiconAspectClassifier(load_taxonomy("restaurant"), modifiers=lexicon.modifiers)
    subs = lambda tokens: {h.sub_dimension for h in clf.hits(tokens)}  # noqa: E731
    assert subs(["店里", "太吵", "了"]) == {"noise"}
    assert subs(["大厅", "很脏"]) == {"cleanliness"}   # 大厅 says where: the what is coded
    assert subs(["不", "太贵"]) == {"price_level"}
    assert model().hits(["店里", "太吵", "了"]) == []   # without modifiers, nothing is peeled
    assert subs(["饱和"]) == set()                      # 饱 is not under a modifier there


def test_a_cue_before_a_glued_on_de_is_found():
    """jieba keeps 吵得 whole (吵得要命): the one-character cue before 得/地/些 cues its node, as the
    sentiment scorer reads the word's polarity through them; 好些 (many) is no 好."""
    clf = LexiconAspectClassifier(load_taxonomy("restaurant"))
    subs = lambda tokens: {h.sub_dimension for h in clf.hits(tokens)}  # noqa: E731
    assert subs(["隔壁", "划拳", "吵得", "要命"]) == {"noise"}
    assert subs(["好些", "年", "没来"]) == set()


def test_a_nodes_cue_pattern_cues_it_where_no_keyword_does():
    """就两片肉 is the portion and 不想再过来 the intention not to return, though neither holds a keyword."""
    clf = model()
    hits = {h.sub_dimension: h.cues for h in clf.hits(["鱼", "就", "三片"])}
    assert hits == {"portion": (1,)}  # the cue is the token where the match starts
    assert {h.sub_dimension for h in clf.hits(jieba.lcut("反正以后是不太想再过来了"))} == {"revisit"}
    assert "portion" not in {h.sub_dimension for h in clf.hits(jieba.lcut("一碗面才9块钱"))}  # money, not pieces


def test_how_much_of_an_ingredient_and_a_servings_size_are_the_portion():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    for text in ("牛肉较少", "馅儿也偏少", "料也很足", "虾挺多的", "好大一盘子", "真的是很小份"):
        assert "portion" in subs(text), text
    assert "portion" not in subs("肥肉有点多")     # the cut of the meat
    assert "portion" not in subs("肉多少钱一斤")   # a question of price: the amount is not said last


def test_a_discount_rate_or_an_amount_saved_is_the_discount():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert "discount" in subs("全单七折") and "discount" in subs("结账打了8.5折") and "discount" in subs("团购省30")
    assert "discount" not in subs("店家也不反省一下")


def test_the_places_size_and_seats_too_close_are_the_space():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    for text in ("但是餐厅很大", "里面挺大的", "虽然店不大", "座位之间的距离很近"):
        assert "space" in subs(text), text
    assert "space" not in subs("门面不大但很扎眼")  # the storefront: can it be found


def test_an_intention_to_come_back_and_a_price_dearer_than_elsewhere_cue_their_nodes():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert "revisit" in subs("以后还会继续点你们家") and "revisit" in subs("有机会一定会再去的")
    assert "price_level" in subs("比外面贵多了") and "price_level" not in subs("性价比比别家高")


def test_how_fast_it_came_is_the_serving_speed_without_the_word_for_serving():
    codes = _lexicon_codes("restaurant")
    assert codes("面上的也挺快") == {"serving_speed": "positive"}
    assert codes("菜上的有点慢")["serving_speed"] == "negative"
    assert codes("过了没五分钟就上来了") == {"serving_speed": "positive"}


def test_the_environment_in_general_is_the_decoration_but_gives_way_to_cleanliness_noise_and_space():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert subs("环境很好") == {"decoration"}
    assert subs("环境干净") == {"cleanliness"} and subs("环境也安静") == {"noise"}
    assert subs("环境和服务都很好") == {"decoration", "staff_attitude"}  # staff is no reason to give way
    assert subs("各方面设备都有些陈旧") == {"decoration"}  # worn-out is said of the decor


def test_the_place_itself_judged_is_the_overall_experience_unless_something_named_is():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert subs("是一家很赞的素食餐厅") == {"overall_experience"}
    assert subs("很好吃的店") == {"taste"}   # overall stands alone: the taste is what is judged
    assert subs("最后大家都吃得很舒服") == {"overall_experience"}   # the meal as a whole
    assert subs("就没吃出鲜味") == {"taste"}                   # the flavour not found


def test_a_cue_inside_its_nodes_object_pattern_does_not_cue_it():
    """推荐 of a dish somebody else recommended, 招牌 of a signature dish: names, not judgements."""
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert "recommendation" in subs("强烈推荐给大家")
    assert "recommendation" in subs("很值得推荐的一道菜")      # 值得推荐的 is the customer's own
    assert "recommendation" not in subs("服务员推荐的酸菜鱼")
    assert "recommendation" not in subs("经小伙伴推荐来的")
    assert "easy_to_find" in subs("店铺招牌太不明显了")
    assert "easy_to_find" not in subs("点了几个招牌菜")
    assert "traffic_convenience" not in subs("等位的时候只能站着")    # 站, to stand, is no station
    assert "traffic_convenience" not in subs("我站在门口五分钟都无人理会")
    assert "traffic_convenience" in subs("从10号线水城路站出来就到了")
    assert "traffic_convenience" in subs("地铁站在对面")



def test_where_a_clause_names_a_seat_and_what_about_it_the_what_is_coded():
    clf = model()
    subs = lambda text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert subs("桌子也是油腻腻的") == {"cleanliness"}
    assert subs("桌子太小了") == {"space"}
    assert "cleanliness" not in subs("感觉这个饼做得太油腻")   # 油腻 of food is taste
    assert "cost_effective" not in subs("值得一去")            # worth going is not value for money
    assert subs("团购挺实惠") == {"discount"}                  # the value of a deal is the discount's
    assert subs("性价比挺高") == {"cost_effective"}
    assert "price_level" not in subs("18元的墨鱼饼很新鲜")     # an amount says how much, not how judged
    assert subs("人均50元很便宜") == {"price_level"}
    assert "portion" not in subs("这家店槽点满满")             # full of something else
    assert "portion" in subs("满满一大盘")
    assert "portion" not in subs("招牌烤鱼（68元/份）很好吃")     # a price per serving
    assert "portion" not in subs("点了咖喱鸡饭2份，很好吃")        # how many were ordered
    assert "portion" in subs("很小一份") and "portion" in subs("大份的很足")
    assert subs("等位的地方太小了") == {"space"}                   # the waiting area is a place, not the wait
    assert subs("等候区有茶水和小吃") == set() and subs("等位等了一个小时") == {"wait_time"}
    assert subs("地方不大") == {"space"}
    assert "noise" not in subs("服务员说话声音很好听") and "noise" not in subs("孩子一直吵着要吃小龙虾")
    assert "noise" in subs("音乐声音太大") and "noise" in subs("环境很吵")


def test_a_behaviour_that_judges_by_itself_names_its_node():
    """爱答不理 is the staff's attitude and 说话不算数 a dealer's integrity, though no one is named."""
    restaurant, dealer = model(), LexiconAspectClassifier(load_taxonomy("auto_dealer"))
    subs = lambda clf, text: {h.sub_dimension for h in clf.hits(jieba.lcut(text))}  # noqa: E731
    assert "staff_attitude" in subs(restaurant, "叫了几次都爱答不理")
    assert "staff_attitude" in subs(restaurant, "连个道歉都没有")
    assert subs(restaurant, "包厢的隔音一点都不好") >= {"noise"}
    assert subs(restaurant, "大厅隔音很差") == {"noise"}             # 大厅 says where, 隔音 what
    assert "staff_integrity" in subs(dealer, "完全就是骗人")
    assert "staff_integrity" in subs(dealer, "签完合同就不认账")
    assert "price_level" not in subs(dealer, "送的都是最便宜的货")   # cheap goods: quality, not the price
    assert "price_level" in subs(restaurant, "今年又涨价了")


def test_a_topic_named_only_as_the_time_gives_way_to_what_the_clause_is_about():
    """签合同的时候 / 交车那天 / 定金交了以后 say when: the clause is about the fee, the wait, the staff.
    Alone, the timed topic stays (提车的时候发现有划痕 is the delivery); 当天的 and 以后再来 are no time frames."""
    from pipeline.nlp import cached_lexicon

    lexicon = cached_lexicon()
    dealer = LexiconAspectClassifier(load_taxonomy("auto_dealer"), modifiers=lexicon.modifiers,
                                     time_words=lexicon.time_words)
    subs = lambda clf, tokens: {h.sub_dimension for h in clf.hits(tokens)}  # noqa: E731
    assert subs(dealer, ["签合同", "的", "时候", "突然", "多", "了", "一笔", "金融服务费"]) == {"fees"}
    assert subs(dealer, ["交车", "那天", "等了", "整整", "四个", "小时"]) == {"waiting"}
    assert subs(dealer, ["说好", "的", "优惠", "到", "了", "签约", "时", "就", "没", "了"]) == {"discount"}
    assert subs(dealer, ["提车", "的", "时候", "发现", "有", "划痕"]) == {"delivery"}
    untimed = LexiconAspectClassifier(load_taxonomy("auto_dealer"), modifiers=lexicon.modifiers)
    assert subs(untimed, ["交车", "那天", "等了", "整整", "四个", "小时"]) == {"delivery", "waiting"}
    restaurant = LexiconAspectClassifier(load_taxonomy("restaurant"), modifiers=lexicon.modifiers,
                                         time_words=lexicon.time_words)
    assert "taste" in subs(restaurant, ["就", "凭", "这个", "味道", "我", "以后", "也", "会", "常来"])
    assert "discount" in subs(restaurant, ["当天", "的", "特价菜", "味道", "一般"])


def test_the_account_of_a_slight_denied_gives_way_to_what_the_clause_is_about():
    """没有因为团购而怠慢: the staff are judged, not the voucher; alone, the account stays."""
    import jieba

    restaurant = LexiconAspectClassifier(load_taxonomy("restaurant"))
    subs = lambda text: {h.sub_dimension for h in restaurant.hits(jieba.lcut(text))}  # noqa: E731
    assert subs("服务员没有因为团购而怠慢") == {"staff_attitude"}
    assert subs("味道并没有因为换了店面而下降") == {"taste"}
    assert subs("菜品质量也没有因为打折变差") == {"taste"}
    assert "discount" in subs("因为有团购所以很划算")   # an account given, not a slight denied
    assert subs("没有因为是团购就给少了") == {"discount"}


def test_a_wait_for_the_dishes_is_the_serving_speed_not_the_queue():
    import jieba

    restaurant = LexiconAspectClassifier(load_taxonomy("restaurant"))
    subs = lambda text: {h.sub_dimension for h in restaurant.hits(jieba.lcut(text))}  # noqa: E731
    assert subs("锅底上来之后菜等了四十分钟才上齐") == {"serving_speed"}
    assert subs("等了差不多半个小时才上") == {"serving_speed"}
    assert subs("等了一个小时才有位子") >= {"wait_time"}                 # a seat waited for is the queue
    assert subs("排队等了一个小时才上菜") == {"wait_time", "serving_speed"}  # the queue named, and the dishes


def test_one_more_helping_is_no_revisit_and_worth_trying_is_a_recommendation():
    import jieba

    restaurant = LexiconAspectClassifier(load_taxonomy("restaurant"))
    subs = lambda text: {h.sub_dimension for h in restaurant.hits(jieba.lcut(text))}  # noqa: E731
    assert "revisit" not in subs("吃得差不多了再去舀碗绿豆稀饭")
    assert "revisit" not in subs("好吃到想再来一碗")
    assert "revisit" in subs("下次还会再来")
    assert subs("值得大家去试试") == {"recommendation"}                # not value for money
    assert "cost_effective" in subs("这个价格很值得")
    assert "wait_time" not in subs("掉落的调料没有及时处理干净")     # cleaning up is no handling speed
    assert "wait_time" in subs("客服及时处理了")
    assert subs("服务员上错了菜") == {"staff_attitude"}               # the wrong dish is the service's
    assert subs("多收了一个菜的钱") == {"price_level"}                # a dish's money is the price's
    assert subs("排了一个小时队") == {"wait_time"}                    # a queue told around its length
    assert "wait_time" not in subs("味道确实对得起排队")               # the food worth the queue
    assert subs("点菜的服务员全程板着脸") == {"staff_attitude"}        # who took the order, not how fast
    assert "overall_experience" not in subs("最满意的是干锅土豆片")     # what pleased most is that thing's
    assert "overall_experience" not in subs("唯一不满意的就是薯条")
    assert "overall_experience" in subs("总体很满意")
    assert "price_level" not in subs("上次消费的电子发票一直没有收到")    # a visit named by its spending
    assert subs("但是量大") == {"portion"}
    assert subs("包房要加收服务费") == {"price_level"}                 # a service charge is a price, not the staff
    assert subs("等了1个多小时才有位置") == {"wait_time"}              # a seat to be had is no location
    assert subs("大家可以去他家买一些尝尝") == {"recommendation"}      # advice to others to try it
    assert subs("希望各位经常去光顾") == {"recommendation"}            # others asked to patronise: no revisit
    assert subs("以后会经常来") == {"revisit"}
    assert subs("还会继续光顾") == {"revisit"} and subs("以后不会在来了") == {"revisit"}
    assert subs("窗外风景很好") == {"decoration"}                      # the view is the ambience
    assert subs("大堂装得很漂亮") == {"decoration"}                    # how the room looks
    assert subs("包间很豪华") == {"decoration"}                        # not the room's size
    assert subs("包间很宽敞") == {"space"}
    assert subs("菜价偏高") == {"price_level"}
    assert subs("你们的客服电话根本打不进去") == {"wait_time"}        # the company's line unanswered
    assert "wait_time" not in subs("骑手电话也打不通")                # a rider's phone is the delivery's
    assert subs("送餐员态度很好") == {"staff_attitude"}               # who delivers, not how fast
    assert subs("我上周办的储值卡") == {"discount"}


def test_car_parts_named_like_insurance_are_no_fee():
    dealer = LexiconAspectClassifier(load_taxonomy("auto_dealer"))
    assert "fees" not in {h.sub_dimension for h in dealer.hits(["后", "保险杠", "有", "划痕"])}
    assert "fees" in {h.sub_dimension for h in dealer.hits(["必须", "在", "店里", "买", "保险"])}


def test_a_dealers_judgement_belongs_to_the_node_it_is_about():
    """Price words judge the fee or the repair named (工时费比外面贵); a delay is the delivery's
    (交车还拖延); forcing is the fee's (强制加装精品); a room's surroundings are that room's
    (休息室环境不错); time on the road is no wait (开车要一个多小时); a washed car, a gifted service,
    an unanswered question about the car and selling (捆绑销售) name things, not judge them."""
    codes = _lexicon_codes("auto_dealer")
    assert codes("工时费比外面贵一倍") == {"maintenance": "negative"}
    assert codes("后期保养也不算贵") == {"maintenance": "positive"}
    assert codes("车价比别家贵一万") == {"price_level": "negative"}   # no other node: the price's
    assert set(codes("交车还拖延")) == {"delivery"}
    assert set(codes("到店排队等待拖延了很久")) == {"waiting"}
    assert set(codes("强制加装了六千块的精品")) == {"fees"}
    assert set(codes("休息室环境不错")) == {"lounge"}
    assert set(codes("展厅环境不错")) == {"showroom"}
    assert "waiting" not in codes("就是离市区太远了，开车要一个多小时")
    assert "waiting" in codes("到店等了一个多小时")
    assert "showroom" not in codes("保养完还把车洗得干干净净")
    assert "maintenance" not in codes("还送了一年保养，很划算")
    assert "vehicle" not in codes("续航和充电的问题都答不上来")
    assert "staff_attitude" not in codes("这不就是捆绑销售吗，太坑了")
    assert set(codes("售后服务很好")) == {"maintenance"}
    assert "waiting" in codes("预约个保养要等两个星期")           # a wait told by its length
    assert "vehicle" not in codes("样车的漆面全是划痕")             # the display car is the showroom's
    assert codes("价格实在，买得很开心")["overall_experience"] == "positive"


def test_the_dishes_named_give_way_to_what_is_judged_of_them():
    """菜上得也快 is the serving speed, 菜品也很精致 the look, 菜的份量很足 the portion; 菜很咸 the taste."""
    codes = _lexicon_codes("restaurant")
    subs = lambda text: set(codes(text))  # noqa: E731
    assert subs("菜上得也快") == {"serving_speed"}
    assert subs("菜品也很精致") == {"look"}
    assert subs("菜的份量很足") == {"portion"}
    assert subs("菜很咸") == {"taste"} and subs("菜品很不错") == {"taste"}


def test_a_friend_who_recommended_the_place_is_no_recommendation_of_the_customer():
    for taxonomy, node in (("restaurant", "recommendation"), ("auto_dealer", "recommend")):
        codes = _lexicon_codes(taxonomy)
        assert node not in codes("朋友推荐来的，结果很失望")
        assert node in codes("我会向朋友推荐这家店")
        assert node not in codes("看了网友推荐的，结果很失望") and node in codes("给大家推荐一下，很不错")


def test_a_dealer_person_found_honest_is_integrity_and_an_honest_price_the_price():
    codes = _lexicon_codes("auto_dealer")
    assert codes("销售经理很实在") == {"staff_integrity": "positive"}
    assert "staff_integrity" not in codes("价格很实在")


def test_never_again_is_no_return():
    codes = _lexicon_codes("restaurant")
    assert codes("以后再也不会来了")["revisit"] == "negative"
    assert codes("再也不想去了")["revisit"] == "negative"


def test_advice_to_others_to_try_it_is_a_recommendation():
    codes = _lexicon_codes("restaurant")
    assert codes("喜欢吃辣的朋友可以去试试")["recommendation"] == "positive"
    assert codes("大家不妨来尝尝")["recommendation"] == "positive"
    assert "recommendation" not in codes("这次带朋友来试试别的菜色")   # who came along, not advice


def test_where_the_place_is_judged_is_its_location_and_how_easily_found_its_findability():
    """地理位置优越 is the location (business district); 位置很好找 how easily it is found; 位置有点挤 the seats."""
    codes = _lexicon_codes("restaurant")
    subs = lambda text: set(codes(text))  # noqa: E731
    assert subs("地理位置优越") == {"business_district"}
    assert subs("位置很好找") == {"easy_to_find"}
    assert subs("位置有点挤") == {"space"}
    assert subs("位置在地铁站旁边，很方便") == {"traffic_convenience"}


def test_what_came_in_the_deal_and_the_price_without_one_are_not_the_deal_judged():
    """团购里的啤酒是好喝的 judges the beer; 不用团购的话有点贵 the price; 团购很划算 the deal."""
    codes = _lexicon_codes("restaurant")
    assert "discount" not in codes("炸鸡团购里的啤酒是好喝的")
    assert set(codes("不用团购的话这家店的价格真心有点贵啊")) == {"price_level"}
    assert codes("团购很优惠")["discount"] == "positive"


def test_a_cooking_method_in_a_dish_name_is_no_praise():
    """香煎, 香烤 name how a dish is cooked (香煎剥皮牛); 很香 still judges it."""
    codes = _lexicon_codes("restaurant")
    assert codes("香煎剥皮牛") == {} and codes("香烤鲈鱼每次必点") == {}
    assert codes("香煎雪花牛肉很香")["taste"] == "positive"


def test_an_off_smell_is_the_taste_and_none_at_all_or_one_cooked_away_is_no_complaint():
    codes = _lexicon_codes("restaurant")
    assert codes("要不然鱿鱼就一股腥味")["taste"] == "negative"
    assert codes("羊肉一点膻味都没有")["taste"] == "positive"
    assert codes("吃不出任何的腥味")["taste"] == "positive"
    assert codes("加了胡椒去除了鱼的腥味").get("taste") != "negative"


def test_findability_parking_and_noise_in_the_words_customers_use():
    """容易找 is findability, unless what is found is a parking space (很容易找到停车位) or a seat;
    parking to be had (门口就有停车位) is good, 乱哄哄 is noise."""
    codes = _lexicon_codes("restaurant")
    assert codes("位置很容易找") == {"easy_to_find": "positive"}
    assert codes("很容易找到停车位") == {"parking": "positive"}
    assert codes("车位很难找") == {"parking": "negative"}
    assert codes("门口就有停车位") == {"parking": "positive"}
    assert codes("你们有停车场吗") == {}
    assert codes("人多的时候乱哄哄的") == {"noise": "negative"}


def test_an_activity_named_is_no_aspect_without_the_aspects_own_judgement():
    """Ordering (点菜) is the serving speed only with a word of speed; a crowd (人多) is no wait; driving
    there (开车) is getting there, not parking; taking pictures (拍照) is no look; the storefront's
    decor (店面装修) is the decoration, not the room's size. (The AIC training labels mark none of these
    in most of the reviews the old cues coded them in.)"""
    codes = _lexicon_codes("restaurant")
    assert "serving_speed" not in codes("这次点菜没选好，不如上次")
    assert codes("点菜的时候服务员很耐心") == {"staff_attitude": "positive"}
    assert codes("点菜后很快就上齐了") == {"serving_speed": "positive"}
    assert codes("店里人多嘈杂") == {"noise": "negative"}
    assert "wait_time" not in codes("周末人多，气氛很好")
    assert codes("开车过去很方便") == {"traffic_convenience": "positive"}
    assert codes("开车停车都比较方便") == {"traffic_convenience": "positive", "parking": "positive"}
    assert "look" not in codes("这家店很适合拍照")
    assert codes("店面装修很简洁大方") == {"decoration": "positive"}
    assert codes("店面不大") == {"space": "negative"}


def test_a_flavour_leaning_too_far_is_the_taste_and_others_ratings_no_verdict():
    """偏咸, 偏甜, 较腻 judge the taste (not the 整体 beside them: the overall gives way to a named
    sub-dimension); what others rated (大家的好评) is not the customer's overall verdict."""
    codes = _lexicon_codes("restaurant")
    assert codes("觉得这家整体偏咸") == {"taste": "negative"}
    assert codes("汤偏甜") == {"taste": "negative"}
    assert codes("吃多了较腻") == {"taste": "negative"}
    assert codes("一点都不腻") == {"taste": "positive"}
    assert codes("我当时看着大家的好评去的") == {}
    assert codes("这么多好评不知道是不是刷的") == {}
    assert codes("五星好评") == {"overall_experience": "positive"}


def test_a_cars_parts_and_faults_as_owners_name_them_are_the_vehicle():
    """The car's parts and faults (发动机, 变速箱, 烧机油, 胎噪) are the vehicle; noise, shake and fuel are bad
    when much and good when little, whatever 大 says of a car's room; navigation used to find the store
    is no car part."""
    codes = _lexicon_codes("auto_dealer")
    assert codes("开了三个月发动机就异响") == {"vehicle": "negative"}
    assert codes("变速箱低速顿挫") == {"vehicle": "negative"}
    assert codes("高速烧机油") == {"vehicle": "negative"}             # the engine's fault, not a service
    assert codes("高速噪音太大了") == {"vehicle": "negative"}
    assert codes("油耗不高") == {"vehicle": "positive"}
    assert codes("油耗偏大") == {"vehicle": "negative"}
    assert codes("后排空间很大") == {"vehicle": "positive"}
    assert "vehicle" not in codes("店在汽车城最里面，导航都找不到")


def test_praise_pushed_to_the_limit_is_praise():
    codes = _lexicon_codes("restaurant")
    assert codes("好吃到不行") == {"taste": "positive"}
    assert codes("价格便宜到爆") == {"price_level": "positive"}
    assert codes("难吃到不行") == {"taste": "negative"}


def test_who_did_it_is_never_the_time_frame():
    """服务员上菜的时候把汤洒了: 上菜 is when, the waiter who; a time frame takes no word that says who."""
    codes = _lexicon_codes("restaurant")
    assert codes("服务员上菜的时候把汤洒了") == {"staff_attitude": "negative"}
    assert codes("点菜的时候服务员很不耐烦") == {"staff_attitude": "negative"}


def test_a_seat_looked_for_or_waited_for_is_no_location():
    """位置 is where the place is (地理位置好), or a seat: 真心不好找位置 is the room, 不用等位置 the wait."""
    codes = _lexicon_codes("restaurant")
    assert codes("地理位置好") == {"business_district": "positive"}
    assert codes("真心不好找位置") == {"space": "negative"}
    assert codes("工作日中午人不多不用等位置") == {"wait_time": "positive"}


def test_how_a_dish_eats_is_its_taste_and_how_many_were_ordered_is_no_portion():
    codes = _lexicon_codes("restaurant")
    assert codes("所以鸡肉吃口很柴") == {"taste": "negative"} and codes("鸡肉一点也不柴") == {"taste": "positive"}
    assert codes("鱿鱼特别鲜嫩") == {"taste": "positive"} and codes("这家牛肉面的肉基本上是咬不动的") == {"taste": "negative"}
    assert codes("在舞动的柴鱼片下") == {}  # 柴鱼 is bonito, not dry meat
    assert "portion" not in codes("后来又点了很多份三文鱼")


def test_the_delivery_centre_is_a_building_and_a_waiting_room_stocked_is_a_good_lounge():
    codes = _lexicon_codes("auto_dealer")
    assert codes("交付中心很漂亮") == {"showroom": "positive"}
    assert codes("休息区有咖啡和点心") == {"lounge": "positive"}
    assert codes("保养完还送免费洗车，很贴心")["maintenance"] == "positive"


def test_the_after_sales_desk_and_its_line_are_the_after_sales_service():
    codes = _lexicon_codes("auto_dealer")
    assert codes("售后接待很及时") == {"maintenance": "positive"}
    assert codes("售后电话永远打不通") == {"maintenance": "negative"}
    assert codes("销售接待很热情") == {"staff_attitude": "positive"}


def test_food_not_fit_to_eat_is_the_taste_and_a_persons_diet_is_not():
    """根本不能吃, 实在难以下咽 judge the food; 我不能吃辣 and 不知道能不能吃 judge nothing."""
    codes = _lexicon_codes("restaurant")
    assert codes("西瓜根本不能吃") == {"taste": "negative"}
    assert codes("这家店的盖饭真心没法吃") == {"taste": "negative"}
    assert codes("实在难以下咽") == {"taste": "negative"}
    assert codes("我不能吃辣") == {} and codes("不知道还能不能吃") == {}
    assert codes("清蒸那份鱼腥味很重") == {"taste": "negative"}  # jieba keeps 鱼腥味 whole


def test_other_places_praised_as_plentiful_judge_this_one_not_at_all():
    codes = _lexicon_codes("restaurant")
    assert codes("毕竟现在好吃又实惠的餐厅有很多") == {}
    assert codes("这家店的菜很好吃") == {"taste": "positive"}


def test_advice_with_zuihao_is_against_and_out_of_the_ordinary_intensifies():
    codes = _lexicon_codes("restaurant")
    assert codes("最好别点牛百叶") == {"recommendation": "negative"}
    assert codes("性价比不是一般的高") == {"cost_effective": "positive"}


def test_staff_called_for_again_and_again_is_a_complaint_and_emphasis_is_not():
    codes = _lexicon_codes("restaurant")
    assert codes("我们叫了两三次要一个白开水才拿来") == {"staff_attitude": "negative"}
    assert codes("服务员都是要叫好几次才过来") == {"staff_attitude": "negative"}
    assert codes("重要的事情说三遍") == {} and codes("用了好几次才来评价") == {}


def test_alike_is_a_lukewarm_judgement():
    codes = _lexicon_codes("restaurant")
    assert codes("价格和别家差不多") == {"price_level": "neutral"}
    assert codes("味道也都差不多") == {"taste": "neutral"}


def test_a_sauce_squeezed_on_is_no_crowding():
    codes = _lexicon_codes("restaurant")
    assert "space" not in codes("上面挤的酱和撒的木鱼花") and "space" not in codes("挤了柠檬汁在上面")
    assert codes("店里太挤了") == {"space": "negative"}


def test_how_long_the_wait_felt_is_the_serving_speed_and_the_dealers_waiting():
    codes = _lexicon_codes("restaurant")
    assert codes("现炸等得比较久") == {"serving_speed": "negative"}
    assert codes("等的时间有点长") == {"serving_speed": "negative"}
    assert codes("幸好等的时间不算长") == {"serving_speed": "positive"}
    assert _lexicon_codes("auto_dealer")("等得实在太久") == {"waiting": "negative"}


def test_how_fast_the_company_handled_it_is_the_wait_for_it():
    """A complaint or request handled fast or slow, a refund still awaited: waiting for the company
    (gold rule 7: waiting for a reply or a call-back is the wait time), not the staff's attitude."""
    codes = _lexicon_codes("restaurant")
    assert codes("谢谢你们处理得这么快") == {"wait_time": "positive"}
    assert codes("谢谢你们的快速处理") == {"wait_time": "positive"}
    assert codes("问题解决得很及时") == {"wait_time": "positive"}
    assert codes("客服回复很慢") == {"wait_time": "negative"}
    assert codes("退款还是没有到账") == {"wait_time": "negative"}
    assert codes("钱到现在还没退") == {"wait_time": "negative"}
    assert codes("鱼处理得很干净") == {"cleanliness": "positive"}  # the food handled: no wait


def test_a_course_served_is_the_serving_speed_and_praise_reported_is_praise():
    codes = _lexicon_codes("restaurant")
    assert codes("唯一的不足是上热菜的间隔有点长") == {"serving_speed": "negative"}
    assert codes("上主食超级慢") == {"serving_speed": "negative"}
    assert "serving_speed" not in codes("早餐加上小菜一起很好吃") and "serving_speed" not in codes("以上菜品都很好吃")
    assert codes("菜品口味宾客都说好") == {"taste": "positive"}  # jieba's 说好 (agreed) hid the 好
    assert "positive" not in codes("说好的菜一直没上").values()  # a promise is no praise


def test_service_offered_unasked_is_the_staffs_and_a_voucher_refused_is_the_discounts():
    codes = _lexicon_codes("restaurant")
    assert codes("店长主动送了长寿面") == {"staff_attitude": "positive"}
    assert codes("服务员没有主动帮我们换餐盘") == {"staff_attitude": "negative"}  # denied
    assert codes("第一次主动给酒店做点评") == {}  # the customer's own review judges nothing
    assert codes("团购券不能用") == {"discount": "negative"}
    assert codes("我在平台上买的双人套餐券，到店后说周末不能用") == {"discount": "negative"}
