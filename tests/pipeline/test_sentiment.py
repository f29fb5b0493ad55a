import numpy as np
import pytest

from pipeline.sentiment import LexiconSentiment


@pytest.fixture(scope="module")
def model():
    return LexiconSentiment()


@pytest.mark.parametrize("tokens, label", [
    (["服务员", "态度", "很", "好"], "positive"),
    (["服务员", "态度", "很差"], "negative"),       # jieba glues 很差: the modifier is peeled off
    (["活动", "太好了"], "positive"),               # and 太好了: the modifier and the 了 after the word
    (["不", "好吃"], "negative"),                   # negation flips
    (["不", "贵"], "positive"),                     # negated negative turns positive
    (["没有", "想象", "中", "好"], "negative"),
    (["今天", "去", "了", "一趟"], "neutral"),
])
def test_labels(model, tokens, label):
    assert model.predict([tokens])[0] == label


def test_degree_words_scale(model):
    plain, very, slightly = model.decision_function([["好吃"], ["非常", "好吃"], ["有点", "好吃"]])
    assert slightly < plain < very


def test_weakened_negation_is_milder_than_negation(model):
    weak, full = model.decision_function([["不太", "好吃"], ["不", "好吃"]])
    assert full < weak < 0


def test_modifiers_expire(model):
    # 不 is four tokens before 好: too far to negate it
    assert model.predict([["不", "知道", "为什么", "他们", "家", "好"]])[0] == "positive"


def test_overrides_change_polarity_for_one_aspect(model):
    assert model.score_tokens(["份量", "很", "大"], {"大": 1.0}) > 0
    assert model.score_tokens(["噪音", "很", "大"], {"大": -1.0}) < 0


def test_scores_in_range_and_probabilities_sum_to_one(model):
    X = [["非常", "非常", "好吃", "美味", "满意", "推荐"], ["垃圾", "恶心", "失望"], ["嗯"]]
    scores = model.decision_function(X)
    assert np.all(np.abs(scores) <= 1)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == ["negative", "neutral", "positive"]


def test_version_changes_with_hyperparameters(model):
    assert LexiconSentiment(model.lexicon, neutral_band=0.3).version != model.version


def test_pair_sentiment_follows_nearest_aspect(nlp):
    doc = nlp("环境很好服务很差")
    (clause,) = doc._.clauses
    found = {a.sub_dimension: a.label for a in clause.aspects}
    assert found == {"decoration": "positive", "staff_attitude": "negative"}


def test_shared_sentiment_word_counts_for_both_aspects(nlp):
    (clause,) = nlp("环境和服务都很好")._.clauses
    assert {a.sub_dimension: a.label for a in clause.aspects} == {"decoration": "positive", "staff_attitude": "positive"}


@pytest.mark.parametrize("text, found", [
    # another aspect's own word takes up the negation before it (不大 is the space's, 不高 the value's)
    ("店面不大装修很温馨", {"decoration": "positive"}),
    ("性价比不高量太少", {"cost_effective": "negative", "portion": "negative"}),
    ("没有太多惊喜", {}),                                        # 多 before a word of opinion passes it on
    # a word as near to the topic before it as to the one after judges the one before, unless a 的 ties it on
    ("上菜不快服务还行", {"serving_speed": "negative", "staff_attitude": "neutral"}),
    ("干净的环境和热情的服务", {"cleanliness": "positive", "staff_attitude": "positive"}),
    # a lukewarm word judges the aspect nearest to it neutral
    ("服务很好环境一般", {"staff_attitude": "positive", "decoration": "neutral"}),
])
def test_words_of_opinion_go_to_their_own_aspect(nlp, text, found):
    (clause,) = nlp(text)._.clauses
    assert {a.sub_dimension: a.label for a in clause.aspects} == found


def test_item_score_is_mean_of_polar_clauses(nlp):
    from pipeline.segment import Clause
    from pipeline.sentiment import score_item

    clauses = [Clause(i, 0, 1, "x", ["x"], score=s) for i, s in enumerate([0.8, -0.4, 0.0, 0.3])]
    assert score_item(clauses, 0.1) == (pytest.approx(0.2333, abs=1e-4), "positive")  # (0.8 − 0.4 + 0.3) / 3
    assert score_item(clauses[:2], 0.5) == (pytest.approx(0.2), "neutral")  # inside the neutral band
    assert score_item([clauses[2]], 0.1) == (0.0, "neutral")
    doc = nlp("菜很好吃，但是服务员态度很差。今天周五")
    assert [c.label for c in doc._.clauses] == ["positive", "negative", "neutral"]


@pytest.mark.parametrize("text, label", [
    ("等了一个半小时才上菜", "negative"),        # a waiting duration is a complaint without a complaint word
    ("到现在还没人联系我", "negative"),
    ("每次都找不到车位", "negative"),
    ("签合同时多了一笔两千的服务费", "negative"),
    ("一般饭点不需要排队", "positive"),
    ("上菜速度慢得离谱", "negative"),            # 慢得: the 得 complement does not hide 慢
    ("我们还会再来的", "positive"),
    ("以后不会再来了", "negative"),              # a praise phrase inside a negated one is not praise
    ("投诉到今天三天了都没人处理", "negative"),  # a span of time between 到今天 and the 没
    ("提交申请以后就没有下文了", "negative"),
    ("期间也没人主动通知一声", "negative"),
    ("从下午两点一直等到五点", "negative"),      # a wait told as clock times
    ("两个顾问的说法都不一样", "negative"),      # a story that changes
    ("为什么下单时不提前告知", "negative"),      # a why-not that is a reproach
    ("送的脚垫全是地摊货", "negative"),          # cheap goods judge quality
    ("赠品比去年少了一半", "negative"),          # a comparison that says less
    ("工时费比别的店便宜不少", "positive"),
    ("结账时快三百了", "neutral"),               # 快 before an amount is 'nearly', not 'fast'
    ("鸭肠吃起来就有股味道", "negative"),        # an off smell
    ("唯一的问题是中午人太多要排队", "negative"),  # a fault announced
    ("所以我等了10分钟", "neutral"),             # a wait of ten minutes or less is told, not complained of
    ("等了十五分钟", "negative"),
    ("缺点就是交通不便", "negative"),
    ("问题是我们7个人", "neutral"),              # a bare 问题是 is an aside
    ("吃上去怎么有股子药味", "negative"),
    ("一股奶香", "neutral"),                     # a good one named is not
    ("连句道歉都没有", "negative"),              # not even one
    ("镜子上连手指印都没有", "neutral"),          # a bare 连…都没有 is not
    ("服务员连个招呼都不打", "negative"),          # not even the least service done
    ("连水都没给倒", "negative"),
    ("连电视都不看了", "neutral"),                # not 看: a book read
    ("十分钟不到就办好了手续", "positive"),      # a short time and it was done
    ("商场地下停车位很充足", "positive"),
    ("这家的菜单去年就涨价了", "negative"),
    ("肚子吃得饱涨到难受", "negative"),          # 饱涨 is not a price going up (难受 judges)
    ("上错了菜也没有一句道歉", "negative"),
    ("这两年口味大不如前", "negative"),
    ("请问周末的套餐券可以用吗", "neutral"),     # an enquiry asks, it does not judge
    ("经理反倒说是我们自己没看清", "negative"),  # the blame put on the customer
    ("从我家过去坐公交要一个多小时", "negative"),  # a long way by transport
    ("以后还会继续考虑这家", "positive"),          # an intention to come back
    ("合同迟迟没寄回来", "negative"),              # still not sent
    ("退款一直没有到账", "negative"),
    ("比预计的还提前了两天", "positive"),          # ahead of time
    ("提前一天预约就行", "neutral"),               # booking ahead is no praise
    ("服务比不上以前热情", "negative"),            # a comparison that falls short denies what follows
    ("这次必须给个好评", "positive"),              # a rating given
    ("忍不住打了个差评", "negative"),
    ("朋友说值得一去", "positive"),                # jieba keeps 值得一去 whole
    ("这么大一盘就两片肉", "negative"),            # a count that is too few
    ("好大一盘子", "positive"),                    # a serving's size, though jieba glues 好大一
    ("真的是很小份", "negative"),
    ("全单七折", "positive"),                      # a discount stated is a benefit stated
    ("在不打折的情况下", "neutral"),               # no rate: nothing stated
    ("座位之间的距离很近", "negative"),            # seats too close
    ("虽然店不大", "negative"),                    # jieba glues 店不大
    ("就是等了二十来分钟", "negative"),            # an approximate span (二十来, 四十余) is still a wait
    ("排队等了1.5个小时", "negative"),             # a span with a decimal
    ("服务员上错了菜", "negative"),                # got wrong
    ("如果我没记错的话", "neutral"),               # a hedge, not a mistake
    ("都一个星期了", "negative"),                  # time gone by, as a reproach
    ("之前路过好几次这家店", "neutral"),           # 好 as "quite a few" judges nothing
    ("来好多次了", "neutral"),
    ("好不容易才找到", "negative"),                # got at only with trouble
    ("比外面贵多了", "negative"),                  # dearer than elsewhere, though jieba glues 贵多
    ("打包又要收费", "negative"),                  # charged on top
    ("两个人才花了一百出头", "positive"),          # how little it cost, as a surprise
    ("一份小菜竟然要68块", "negative"),            # how much
    ("麻球特别大一只五块钱", "neutral"),           # 一只 is a measure word, not "only"
    ("就再无笑脸", "negative"),                    # no smile
    ("爱买不买", "negative"),                      # take it or leave it
    ("还是不太能感觉出好味道来", "negative"),      # the flavour looked for and not found: 好 is not praise
    ("吃完以后不想再来了", "negative"),            # not again
    ("这里毫无服务可言", "negative"),              # nothing to speak of
    ("这不是明摆着坑人吗", "negative"),            # a rhetorical question that accuses
    ("保安说门口不让停", "negative"),              # not allowed to park
    ("不知道门口能不能停车", "neutral"),
    ("服务员进出也不敲门", "negative"),            # a courtesy not done
    ("服务员也不提醒一下", "negative"),
    ("服务员根本没跟我说过", "negative"),          # the customer not told
    ("配料要加钱也没跟我们提过", "negative"),
    ("店家一点没有因为团购而怠慢", "positive"),   # not made worse on that account
    ("也没有因为是免费试吃就降低水准", "positive"),
    ("出停车场的时候被收了二十块", "negative"),    # charged, in the passive of what befalls one
    ("门口有专人指挥停车", "positive"),            # someone set aside to look after the customer
    ("一星都不想给", "negative"),                  # not worth one star
    ("这是什么鬼", "negative"),
    ("在也不来了", "negative"),                    # the typo as common as 再也不来了
    ("下次还会选择这家", "positive"),              # an intention to come back
    ("我不会在这里等", "neutral"),                 # 在 where it is 在
    ("只能扔了", "negative"),                      # thrown away
    ("肯定是假的", "negative"),                    # fake
    ("车子返修三次", "negative"),
    ("大爱这家", "positive"),
])
def test_phrase_patterns_carry_implicit_polarity(model, text, label):
    import jieba

    assert model.predict([jieba.lcut(text)])[0] == label


def test_a_phrase_replaces_the_words_inside_it(model):
    import jieba

    tokens = jieba.lcut("排队等了半天")
    values = model.contributions(tokens)
    assert len(values) == 1 and values[0][1] < 0  # the phrase once, not the phrase and 半天 again


def test_phrase_file_errors_name_the_line(tmp_path):
    from pipeline.lexicon import read_phrases

    (tmp_path / "phrases.txt").write_text("# ok\n等了\t-1\n(unclosed\t-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="phrases.txt:3"):
        read_phrases(tmp_path / "phrases.txt")


@pytest.mark.parametrize("text, judged", [
    ("价格也ok", True),            # lukewarm: a neutral judgement of the price, not a bare mention
    ("价格还算能接受", True),       # found across jieba's cut (还 算 能 接受)
    ("味道一般般", True),
    ("服务员很热情", True),         # a polarity word
    ("人均80", False),              # a bare mention
    ("在世贸广场西座五楼", False),
    ("我一般都是直接团购套餐", False),   # 一般 as usually
    ("像是魔术表演一般", False),         # 一般 as like
    ("确实像有些评论说的相当一般", True),
])
def test_a_clause_is_judged_where_a_word_of_opinion_or_a_lukewarm_word_occurs(model, text, judged):
    from pipeline.segment import Clause, jieba_for
    from pipeline.sentiment import score_clause

    clause = Clause(0, 0, len(text), text, jieba_for().lcut(text))
    score_clause(clause, model, {})
    assert clause.judged is judged


@pytest.mark.parametrize("tokens, label", [
    (["环境", "没有", "想象", "中", "的", "好"], "negative"),        # 的 right before 好 is free
    (["并没有", "宣传", "的", "那么", "好吃"], "negative"),
    (["没", "团购", "的", "时候", "也", "好吃"], "positive"),      # 的 before 时候 spends the reach
])
def test_a_particle_before_a_polarity_word_does_not_spend_a_negators_reach(model, tokens, label):
    assert model.predict([tokens])[0] == label


@pytest.mark.parametrize("tokens, label", [
    (["没有", "点评", "大家", "说", "的", "那么", "好"], "negative"),   # A 没有 B 那么 ADJ: less ADJ than B
    (["价格", "也", "不", "像", "其他", "日料", "那么", "贵"], "positive"),
    (["没有", "大家", "说", "的", "那么", "难", "找"], "neutral"),     # no polarity word: nothing to negate
    (["不", "知道", "为什么", "他们", "家", "好"], "positive"),        # no 那么: the reach still runs out
])
def test_a_comparison_takes_up_a_negation_that_ran_out_of_reach(model, tokens, label):
    assert model.predict([tokens])[0] == label


@pytest.mark.parametrize("tokens, label", [
    (["没有", "我", "在", "广东", "吃", "的", "烧鸭", "好吃"], "negative"),   # A 没有 B ADJ: not as good as B
    (["味道", "没有", "别家", "九毛", "九", "好吃"], "negative"),
    (["没有", "以前", "的", "好吃", "了"], "negative"),
    (["没有", "服务员", "过来", "招呼", "态度", "很差"], "negative"),   # a comparison takes no 很
    (["没", "团购", "的", "时候", "也", "好吃"], "positive"),            # a time and an also: no comparison
    (["没", "玩", "几", "次", "就", "发现", "很", "好"], "positive"),     # a sequence of events
    (["没想到", "第二天", "明显", "好", "了"], "positive"),
])
def test_an_unequal_comparison_ends_on_the_quality_compared(model, tokens, label):
    assert model.predict([tokens])[0] == label


@pytest.mark.parametrize("tokens, label", [
    (["好久", "都", "没有", "吃", "到", "这么", "好吃", "的", "面包", "了"], "positive"),
    (["从来", "没有", "见过", "这么", "差", "的", "服务"], "negative"),
    (["不", "知道", "为什么", "会", "那么", "咸"], "negative"),
    (["没", "遇到", "过", "好吃", "的"], "negative"),        # no 这么: the quality is what is denied
    (["没", "遇到", "什么", "毛病"], "positive"),
])
def test_a_verb_of_experience_before_a_such_takes_the_negation_itself(model, tokens, label):
    assert model.predict([tokens])[0] == label


@pytest.mark.parametrize("text, label", [
    ("希望服务员态度好一点", "negative"),     # a wish for better: what is lacking
    ("希望你们按图片给足份量", "negative"),
    ("希望越来越好", "positive"),             # a good wish, nothing asked for
    ("要是价格再便宜点就好了", "negative"),   # a wish put as a condition
    ("如果服务再热情一些就完美了", "negative"),
    ("如果隔音效果好一点就更好了", "negative"),
    ("如果菜可以上得更快些", "negative"),
    ("如果以后有机会一定会再来", "positive"),  # an intention, nothing wished for
])
def test_a_wish_for_better_is_a_mild_complaint(nlp, text, label):
    assert nlp(text)._.label == label


@pytest.mark.parametrize("text, codes", [
    ("服务没有区别对待，很好呀", {"staff_attitude": "positive"}),   # 没有 denies 区别对待, not 很好
    ("停车场在地下，很方便", {"parking": "positive"}),
    ("火锅味道没问题，就是太慢了", {"taste": "positive"}),           # an aspect passed as fine
])
def test_a_negation_does_not_reach_from_a_carried_topic_into_its_judgement(text, codes):
    from pipeline.coder import Coder, item_codes

    nlp = Coder("restaurant", lexicon=True).nlp
    assert {s: c[0] for s, c in item_codes(nlp(text)).items()} == codes


@pytest.mark.parametrize("tokens, label", [(["价格", "贵些"], "negative"), (["上菜", "快些"], "positive"),
                                           (["好些", "年", "没来", "了"], "neutral")])  # 好些: many
def test_a_comparative_some_glued_on_keeps_the_words_polarity(model, tokens, label):
    assert model.predict([tokens])[0] == label


@pytest.mark.parametrize("text", ["味道不怎么样", "服务不咋地", "环境并不怎么样", "也不过如此", "上菜慢吞吞", "徒有虚名",
                                  "感觉上当了", "黑心商家", "店大欺客", "以后再也不会来了",
                                  "售后服务奇差", "实在太烂了", "劝大伙别买", "什么玩意"])
def test_colloquial_complaints_are_negative(nlp, text):
    assert nlp(text)._.label == "negative"


@pytest.mark.parametrize("text, label", [
    ("菜不是一般的好吃", "positive"),         # out of the ordinary: it intensifies, it negates nothing
    ("真不是一般的差", "negative"),
    ("其他真心不觉得怎么样", "negative"),     # as 不怎么样
    ("平时也不觉得怎样过分", "neutral"),
    ("味道一直不错", "positive"),             # a judgement that has held, not "still not"
    ("退款一直没到账", "negative"),
    ("第二次按铃一直没人来服务", "negative"),
    ("之前一直没空", "neutral"),              # what the customer never got round to
    ("一直没机会去", "neutral"),
    ("最好别去", "negative"),                 # 最好 before a verb is advice, not the best
    ("最好提前预约", "neutral"),
    ("这是我吃过最好的", "positive"),
    ("传统的宫保鸡丁味道很正", "positive"),   # a flavour true to its kind
    ("味道很正常", "neutral"),
    ("价格也差不多", "neutral"),              # 差不多 is alike, not 差 and 不多
    ("差不多等了我一个星期", "negative"),     # and a wait of a week a complaint
])
def test_set_phrases_read_as_a_whole(nlp, text, label):
    assert nlp(text)._.label == label


@pytest.mark.parametrize("tokens, label", [
    (["肉", "很", "实在"], "positive"),                  # after a degree word: the predicate
    (["分量", "实在", "啊"], "positive"),                # nothing but particles after it
    (["实在", "的", "价格"], "positive"),
    (["实在", "扫兴"], "negative"),                      # the adverb: it judges nothing itself
    (["人", "实在", "是", "太", "多", "了"], "neutral"),
    (["实在", "太咸", "了"], "negative"),
    (["东西", "实在", "好吃"], "positive"),
    (["卫生", "不", "合格"], "neutral"),                  # the noun: what follows judges, if anything
    (["卫生", "一般"], "negative"),                      # 一般's own weak lean, no longer outweighed
    (["很", "卫生"], "positive"),
    (["干净", "卫生"], "positive"),
    (["不太", "卫生"], "negative"),
    (["请", "诚信", "经营"], "neutral"),
])
def test_a_predicative_word_judges_only_as_the_predicate(model, tokens, label):
    assert model.predict([tokens])[0] == label


@pytest.mark.parametrize("tokens, label", [
    (["服务员", "热情", "不够"], "negative"),
    (["服务员", "热情", "度不高"], "negative"),       # jieba glues the link word: 度不高
    (["服务", "热情", "还", "不够"], "negative"),
    (["服务", "态度", "有待", "提高"], "negative"),
    (["难吃", "得", "不足以", "形容"], "negative"),    # 不足以 intensifies, it does not deny
    (["好吃", "不", "贵"], "positive"),
    (["一点", "礼貌", "都", "没有"], "negative"),       # nothing of it at all, said last
    (["最", "基本", "的", "礼貌", "都", "没有", "了"], "negative"),
    (["包装", "巨好", "都", "没有", "漏"], "positive"),  # not said last: 没有 denies what follows
    (["一点", "腥味", "都", "没有"], "positive"),        # a phrase holds its own reading
])
def test_a_postposed_negator_denies_the_positive_word_before_it(model, tokens, label):
    assert model.predict([tokens])[0] == label


def test_a_postposed_negator_is_counted_once(model):
    denied = model.contributions(["热情", "不够"])
    assert len(denied) == 1 and denied[0][1] == -model.lexicon.polarity["热情"]


def test_a_phrase_of_weight_zero_takes_the_polarity_of_its_words_away(model):
    import jieba

    assert model.contributions(jieba.lcut("服务员推荐的酸菜鱼")) == []   # somebody else's recommendation
    assert model.predict([jieba.lcut("推荐大家别去")])[0] == "negative"  # advice against
    assert model.predict([jieba.lcut("推荐给大家")])[0] == "positive"


@pytest.mark.parametrize("text, label", [
    ("节假日也没有涨价", "positive"),          # a negator right before a complaint phrase denies it
    ("茶水都不另收费", "positive"),
    ("又涨价了", "negative"),
    ("特别不好找", "negative"),                # 特别's 别 is no negator
    ("还不如地摊货", "negative"),              # a negator that compares denies nothing
    ("不一会儿就上齐了", "positive"),          # a negator the phrase itself holds
    ("我天天推荐别人去", "positive"),          # 别人 is somebody, not 别 (don't)
    ("感觉被宰了", "negative"),
    ("这家店不宰客", "positive"),
])
def test_a_negator_right_before_a_phrase_denies_it(nlp, text, label):
    assert nlp(text)._.label == label


@pytest.mark.parametrize("text, label", [
    ("服务也配得上这个品牌", "positive"),          # worthy of it (the pipeline's jieba keeps 配得上 whole)
    ("服务配不上这个价格", "negative"),
    ("交车流程有条不紊", "positive"),
])
def test_worthy_and_orderly_are_judgements(nlp, text, label):
    assert nlp(text)._.label == label


@pytest.mark.parametrize("text, codes", [
    ("展厅空调坏了", {"showroom": "negative"}),                                  # broken
    ("定了车以后才告诉我要交两千的上牌服务费", {"fees": "negative", "purchase_process": "negative"}),  # told too late
    ("售后技师水平很高", {"maintenance": "positive"}),                            # skill high
    ("一次就把异响修好了", {"maintenance": "positive"}),                          # a fault fixed: 异响 is covered
    ("交完钱就不回了", {}),                                                       # no answers: judged, no topic
    ("销售说回头补漆，到现在也没消息", {"staff_integrity": "negative"}),          # 回头 is later, not coming back
    ("4S店的保养价格比外面贵一倍", {"price_level": "negative", "maintenance": "negative"}),  # the store is whose
    ("还老是推荐换这换那", {}),                                                   # staff pushing is no recommendation
    ("交了钱又说要等配额", {"delivery": "negative"}),
    ("上个月订的车到现在还没到", {"delivery": "negative"}),                       # the car ordered, not come
    ("开车到店里做保养，服务很好", {"staff_attitude": "positive"}),                # driving there is no delivery
    ("每次打电话都说快了快了", {"staff_integrity": "negative"}),                   # the same assurance: a stall
    ("价格比别的店便宜三千，还送了全年保养", {"price_level": "positive", "discount": "positive"}),  # given on top
    ("从看车到提车一周搞定", {"delivery": "positive"}),                          # a job done quickly
    ("展车上的座椅都是破的", {"showroom": "negative"}),                          # broken; 展车 whatever jieba cuts
    ("小区门口就有这家店，很近", {"location": "positive"}),                      # near, said alone
    ("最近买了车", {}),                                                           # lately, not near
    ("提车的时候还要交2000的出库费", {"fees": "negative"}),                      # a fee on top
    ("贷款还收了3000的金融服务费", {"fees": "negative"}),
    ("交车的时候车上全是灰", {"delivery": "negative"}),                          # dust lying about
    ("销售全程跟着，有问必答", {"staff_attitude": "positive"}),
])
def test_dealer_complaints_and_praise_find_their_topic(text, codes):
    from pipeline.coder import Coder, item_codes

    nlp = Coder("auto_dealer", lexicon=True).nlp
    assert {s: c[0] for s, c in item_codes(nlp(text)).items()} == codes


def test_no_more_answers_is_a_complaint(nlp):
    assert nlp("交完钱就不回了")._.label == "negative"


def test_a_bare_topic_is_read_with_the_judgement_after_it(nlp):
    (clause,) = nlp("停车场在地下，很方便")._.clauses
    assert clause.text == "停车场在地下，很方便"
    assert [(a.sub_dimension, a.label) for a in clause.aspects] == [("parking", "positive")]


@pytest.mark.parametrize("text", [
    "环境一般，服务很好",       # the lead judges (lukewarm): two judgements
    "停车场在地下。很方便",     # a full stop ends the sentence
    "停车场在地下，服务员很热情",  # the second clause names its own topic
])
def test_only_a_bare_topic_before_a_comma_and_a_clause_without_one_are_joined(nlp, text):
    assert len(nlp(text)._.clauses) == 2


def test_one_short_bare_clause_may_stand_between_a_topic_and_its_judgement():
    from pipeline.coder import Coder, item_codes

    nlp = Coder("auto_dealer", lexicon=True).nlp
    doc = nlp("约好上午十点交车，我请了假过去，十二点了车还没洗好。")
    assert [c.text for c in doc._.clauses] == ["约好上午十点交车，我请了假过去，十二点了车还没洗好"]
    assert item_codes(doc)["delivery"][0] == "negative"


@pytest.mark.parametrize("text", [
    "分量都可以，不过食落略微淡口，螺肉稍稍偏硬",        # the story turns (不过): the judgement is another topic's
    "停车场在地下，我们四个人开了两辆车过来的，很方便",  # too long a story between
    "停车场在地下，服务员说的，很热情",                 # the judgement names its own topic
])
def test_a_turn_or_a_long_story_keeps_the_topic_from_a_later_judgement(nlp, text):
    assert len(nlp(text)._.clauses) == 3


@pytest.mark.parametrize("text, label", [
    ("看着很有卖相", "positive"), ("装修蛮有调调的", "positive"), ("不是很有特色", "negative"),
    ("他家的价位属于中高档次吧", "negative"),   # upper-middle prices
])
def test_having_much_of_a_good_quality_is_praise(nlp, text, label):
    assert nlp(text)._.label == label


def test_a_call_to_train_the_staff_is_a_complaint(nlp):
    assert nlp("麻烦好好培训哈你们的服务员")._.label == "negative"
    assert nlp("我们会加强培训")._.label == "neutral"   # the business's promise in a reply


@pytest.mark.parametrize("text, label", [
    ("老板还送了我们一份甜品", "positive"),   # something given on top
    ("结果又送了半个小时", "neutral"),        # the time a delivery took is no gift
])
def test_something_given_on_top_is_praise(nlp, text, label):
    assert nlp(text)._.clauses[-1].label == label


def test_a_sullen_face_is_the_staffs_complaint_and_just_so_is_lukewarm():
    from pipeline.coder import Coder, item_codes

    nlp = Coder("restaurant", lexicon=True).nlp
    codes = lambda text: {s: c[0] for s, c in item_codes(nlp(text)).items()}  # noqa: E731
    assert codes("服务员全程黑脸") == {"staff_attitude": "negative"}
    assert codes("服务员也没有给我黑脸看") == {"staff_attitude": "positive"}
    assert codes("味道就那样") == {"taste": "neutral"}
    assert codes("服务一般般") == {"staff_attitude": "neutral"}  # lukewarm like 一般, as jieba keeps it whole


@pytest.mark.parametrize("text", [
    "想问一下现在有什么优惠？", "有没有优惠活动？", "是否有停车位？", "问有折扣吗，服务员说没有",
])
def test_asking_whether_there_is_a_discount_praises_none(nlp, text):
    assert not any(h.label == "positive" for c in nlp(text)._.clauses for h in c.aspects)


def test_there_being_none_is_still_a_complaint(nlp):
    assert nlp("店里木有什么优惠，价格要比别家高")._.clauses[0].label == "negative"


@pytest.mark.parametrize("text, codes", [
    # a claim the next clause belies praises nothing: the complaint is the code
    ("你们店说可以免费停车两小时，结果出停车场的时候被收了二十块", {"parking": "negative"}),
    ("服务员说是现做的很新鲜，其实菜都是凉的", {"taste": "negative"}),
    ("据说招牌鱼粉很好吃，可是我去的时候卖完了", {}),
    # so does an expectation, and a fear the story belies is no complaint
    ("原以为服务会很热情，没想到态度这么冷淡", {"staff_attitude": "negative"}),
    ("本来以为环境很好，但是其实很吵", {"noise": "negative"}),
    ("以为会很难吃，没想到很好吃", {"taste": "positive"}),
    ("本以为很好吃结果很一般", {"taste": "neutral"}),                 # belied inside one clause
    # what the customer expected judges nothing even where the story does not say what it really was
    ("本来以为很贵", {}),
    ("听名字还以为会很辣，上来一尝很清淡", {}),
    ("所以为她们点了一份招牌菜，味道不错", {"taste": "positive"}),     # 所以 | 为: no expectation
    # a claim kept is the customer's praise
    ("服务员说可以免费续杯，很贴心", {"staff_attitude": "positive"}),
])
def test_a_claim_the_story_belies_praises_nothing(text, codes):
    from pipeline.coder import Coder, item_codes

    nlp = Coder("restaurant", lexicon=True).nlp
    assert {s: c[0] for s, c in item_codes(nlp(text)).items()} == codes


@pytest.mark.parametrize("text", [
    "可以说是这里最好吃的一家，不过有点贵",   # the customer's own saying
    "大家都说好吃，但是我觉得一般",            # not a claim mark (praise reported: phrases.txt)
    "老婆说是她吃到最好吃的川菜，只是价格偏贵",  # 只是 adds a reservation, it does not deny
])
def test_the_customers_own_saying_is_no_claim(nlp, text):
    doc = nlp(text)
    assert doc._.clauses[0].score > 0


def test_the_sentiment_model_does_not_read_a_belied_claim(nlp):
    from pipeline.segment import feedback_text

    doc = nlp("原以为服务会很热情，没想到态度这么冷淡")
    assert feedback_text(doc) == "，没想到态度这么冷淡"
    assert feedback_text(nlp("服务员说可以免费续杯，很贴心")) == "服务员说可以免费续杯，很贴心"


class _Records:
    """A stand-in clause polarity model: neutral for every input, and it keeps what it was given."""

    classes_ = np.array(["negative", "neutral", "positive"])

    def __init__(self):
        self.texts: list[str] = []

    def predict_proba(self, inputs):
        self.texts += [text for text, _, _ in inputs]
        return np.tile([0.0, 1.0, 0.0], (len(inputs), 1))


def test_the_polarity_model_does_not_read_a_belied_claim(nlp):
    from pipeline.sentiment import ModelPolarityScorer

    model = ModelPolarityScorer(_Records(), "stand-in@1")
    model(nlp("原以为服务会很热情，没想到态度这么冷淡"))
    assert "热情" not in "".join(model.model.texts) and "没想到态度这么冷淡" in model.model.texts


def test_praise_before_a_claims_mark_stays(nlp):
    lead = nlp("服务员态度挺好的答应帮我们换桌，结果一直没换")._.clauses[0]
    assert [(h.sub_dimension, h.label) for h in lead.aspects] == [("staff_attitude", "positive")]


class _Leans:
    """A stand-in sentiment model: the same score for every text."""

    def __init__(self, score: float):
        self.score = score

    def decision_function(self, texts):
        return np.full(len(texts), self.score)

    def label(self, score: float) -> str:
        return "positive" if score > 0.15 else "negative" if score < -0.15 else "neutral"


def test_the_item_score_weighs_the_sentiment_model_against_the_lexicons_polar_clauses(nlp):
    """The lexicon's share of the item score is k / (k + 2) for k polar clauses: half for two, a third
    for one, nothing where it found nothing; with model_clauses=inf the model alone."""
    from pipeline.sentiment import ModelSentimentScorer

    two = nlp("菜很难吃，服务员态度很差")
    assert two._.polar_clauses == 2 and two._.score < -0.5
    lexicon_score = two._.score
    (doc,) = ModelSentimentScorer(_Leans(0.9), "fake@1", clauses=False).pipe([two])
    assert doc._.score == pytest.approx((0.9 + lexicon_score) / 2, abs=1e-4)
    one = nlp("菜很难吃")
    lexicon_score = one._.score
    (doc,) = ModelSentimentScorer(_Leans(0.9), "fake@1", clauses=False).pipe([one])
    assert doc._.score == pytest.approx(2 / 3 * 0.9 + lexicon_score / 3, abs=1e-4)
    (bare,) = ModelSentimentScorer(_Leans(0.9), "fake@1", clauses=False).pipe([nlp("人均八十")])
    assert bare._.score == pytest.approx(0.9)
    (alone,) = ModelSentimentScorer(_Leans(0.9), "fake@1", clauses=False, model_clauses=float("inf")).pipe([nlp("菜很难吃")])
    assert alone._.score == pytest.approx(0.9) and alone._.label == "positive"


@pytest.mark.parametrize("reading, label", [(0.25, "neutral"), (0.35, "positive"), (-0.2, "negative"), (-0.1, "neutral")])
def test_an_item_needs_more_to_read_as_praise_than_as_complaint(nlp, reading, label):
    """A binary model reads mixed reviews as praise, so the weighed item score is positive only above
    +0.30 and negative below −0.15 (`ITEM_BAND`); a text the lexicon finds nothing in is the model's alone."""
    from pipeline.sentiment import ITEM_BAND, ModelSentimentScorer

    assert ITEM_BAND == (0.15, 0.30)
    (doc,) = ModelSentimentScorer(_Leans(reading), "stand-in@1", model_clauses=float("inf")).pipe([nlp("我们昨天去了那家店")])
    assert doc._.score == pytest.approx(reading) and doc._.label == label


class _Reads(_Leans):
    """A stand-in sentiment model that remembers what it was given to read."""

    def decision_function(self, texts):
        self.read = list(texts)
        self.calls = getattr(self, "calls", []) + [self.read]
        return super().decision_function(texts)


def _said(nlp, text, channel):
    doc = nlp.make_doc(text)
    doc._.channel = channel
    return nlp(doc)


def test_the_sentiment_model_reads_a_calls_feedback_not_its_formulas(nlp):
    """In a call or an e-mail greetings and thanks are no praise: the model reads the item without
    them, and an item of formulas alone is not read at all (its score stays 0, neutral). A review's
    thanks are its verdict: the model reads it whole."""
    from pipeline.sentiment import ModelSentimentScorer

    model = _Reads(0.9)
    (doc,) = ModelSentimentScorer(model, "fake@1", clauses=False).pipe([_said(nlp, "您好，请问周末要订位吗？好的，谢谢。", "call")])
    assert model.read == ["，请问周末要订位吗？，。"]
    model = _Reads(0.9)
    (thanks,) = ModelSentimentScorer(model, "fake@1", clauses=False).pipe([_said(nlp, "好的，谢谢！", "email")])
    assert not getattr(model, "read", None) and thanks._.score == 0.0 and thanks._.label == "neutral"
    model = _Reads(-0.9)
    (question,) = ModelSentimentScorer(model, "fake@1", clauses=False, enquiry=frozenset({"请问"})).pipe(
        [_said(nlp, "您好，请问你们有儿童座椅吗？", "call")])
    assert not getattr(model, "read", None) and question._.label == "neutral"  # a plain enquiry: no feedback
    model = _Reads(0.9)
    (review,) = ModelSentimentScorer(model, "fake@1", clauses=False).pipe([_said(nlp, "东西收到了，谢谢！", "review")])
    assert model.read == ["东西收到了，谢谢！"] and review._.label == "positive"


def test_the_coding_pipeline_gives_its_sentiment_model_the_lexicons_enquiry_words(monkeypatch):
    """Built from the registry, the sentiment model reads neither a plain enquiry nor the thanks."""
    import pipeline.nlp
    from pipeline.nlp import build_nlp

    model = _Reads(-0.9)
    monkeypatch.setattr(pipeline.nlp, "load_registered", lambda ref, registry, role: (model, ref))
    nlp = build_nlp("restaurant", sentiment_model="fake@1")
    doc = _said(nlp, "你好，想问一下你们有没有儿童座椅？好的，谢谢。", "call")  # the model scores its clause, not the item
    assert model.calls == [["想问一下你们有没有儿童座椅"]] and doc._.score == 0.0 and doc._.label == "neutral"
    assert _said(nlp, "菜很难吃，请问能退吗？", "email")._.label == "negative" and model.read == ["菜很难吃，？"]


@pytest.mark.parametrize("pattern, first", [
    ("(等|排队)了?[0-9]+分钟", {"等", "排"}),
    ("(?<![不没])(下次|以后)?还(来|去)", {"下", "以", "还"}),     # zero width and optional parts looked through
    ("[0-3]号口", {"0", "1", "2", "3"}),
    ("[^，]{0,3}比", None),                                        # a negated class: any character
    ("(很|太)?", None),                                           # can match nothing
])
def test_a_phrase_knows_the_characters_a_match_starts_with(pattern, first):
    import re

    from pipeline.lexicon import first_chars

    assert first_chars(re.compile(pattern)) == (frozenset(first) if first else None)


def test_the_start_character_filter_never_changes_what_phrases_match(model):
    """Skipping a pattern where the clause holds none of its start characters is only a shortcut."""
    import jieba

    texts = ["排队等了半天", "到现在两周了还没消息", "下次还想试试", "价格比别家便宜不少", "今天天气不错",
             "这不就是捆绑销售吗", "快五千了", "送的都是地摊货"]
    filtered = [model.phrase_values(jieba.lcut(t)) for t in texts]
    class Every:  # every pattern a candidate, as without the index
        def candidates(self, text):
            return list(range(len(model.lexicon.phrases)))

    index, model._phrase_index = model._phrase_index, Every()
    try:
        assert [model.phrase_values(jieba.lcut(t)) for t in texts] == filtered
    finally:
        model._phrase_index = index
    assert sum(bool(f) for f in filtered) >= 6


def test_a_lukewarm_word_under_an_emphatic_adverb_is_a_complaint():
    from pipeline.coder import Coder, item_codes

    nlp = Coder("restaurant", "lexicon", "lexicon").nlp
    codes = lambda text: {s: c[0] for s, c in item_codes(nlp(text)).items()}  # noqa: E731
    assert codes("服务太一般了") == {"staff_attitude": "negative"}
    assert codes("味道实在一般般") == {"taste": "negative"}
    assert codes("服务很一般") == {"staff_attitude": "neutral"}  # 很 is bleached
    assert codes("价格实在") == {"price_level": "positive"}     # 实在 alone still praises


@pytest.mark.parametrize("text", ["现在七点半了还没到", "好几天了还没到", "一个星期了还没消息回复", "外卖一个小时了还没送到"])
def test_a_time_reached_and_still_not_come_is_a_complaint(nlp, text):
    assert nlp(text)._.score < -0.5


def test_a_promised_delivery_still_not_come_is_the_serving_speed(coder):
    from pipeline.coder import item_codes

    (doc,) = coder.docs([("我订的生日蛋糕说好六点送到，现在七点半了还没到，客人都等着。", "call")])
    assert {s: c[0] for s, c in item_codes(doc).items()} == {"serving_speed": "negative"}


def test_the_sentiment_model_scores_a_wholly_belied_clause_as_nothing(nlp):
    from pipeline.sentiment import ModelSentimentScorer

    model = _Reads(0.9)
    (doc,) = ModelSentimentScorer(model, "stand-in@1").pipe([nlp("原以为服务会很热情，没想到态度这么冷淡")])
    assert doc._.clauses[0].score == 0.0 and not any("热情" in t for read in model.calls for t in read)


def test_high_end_is_praise_as_the_user_dictionary_keeps_it_whole(nlp):
    assert nlp("装修很高大上")._.clauses[0].label == "positive"


@pytest.mark.parametrize("text, sign", [("性价比高", 1), ("份量很大", 1), ("噪音太大", -1), ("价格很高", -1)])
def test_an_aspects_own_words_judge_the_clause_and_the_item(nlp, text, sign):
    """Only the aspect's own words judge these (高 is good for 性价比, bad for 价格): the clause and the
    item take that reading, not 0."""
    doc = nlp(text)
    assert sign * doc._.clauses[0].score > 0.5 and sign * doc._.score > 0.5 and doc._.polar_clauses == 1


def test_a_bare_mention_still_judges_nothing(nlp):
    doc = nlp("人均80")
    assert doc._.clauses[0].score == 0.0 and doc._.score == 0.0
