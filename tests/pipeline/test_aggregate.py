"""Views against hand-computed numbers on a small constructed store."""

import pytest


def rows(store, sql):
    return [tuple(r) for r in store.query(sql).itertuples(index=False)]


def test_touchpoint_dimension_counts_and_net_sentiment(coded):
    got = rows(coded, """SELECT touchpoint, dimension, mentions, items, positive, neutral, negative, net_sentiment
                         FROM v_touchpoint_dimension ORDER BY touchpoint, dimension""")
    assert got == [
        ("A", "price", 1, 1, 0, 0, 1, -1.0),
        ("A", "staff", 3, 3, 1, 0, 2, pytest.approx(-1 / 3)),
        ("B", "price", 1, 1, 1, 0, 0, 1.0),
        ("B", "staff", 1, 1, 0, 1, 0, 0.0),
    ]


def test_monthly_periods(coded):
    got = rows(coded, """SELECT CAST(period AS VARCHAR), mentions, positive, negative FROM v_touchpoint_dimension_month
                         WHERE touchpoint = 'A' AND dimension = 'staff' ORDER BY period""")
    assert got == [("2026-05-01", 2, 1, 1), ("2026-06-01", 1, 0, 1)]


def test_nps_by_touchpoint(coded):
    got = rows(coded, "SELECT touchpoint, rated_items, promoters, passives, detractors, nps, mean_rating FROM v_touchpoint_nps ORDER BY 1")
    assert got == [("A", 3, 1, 0, 2, pytest.approx(-100 / 3), 3.0), ("B", 1, 0, 1, 0, 0.0, 4.0)]


def test_codes_view_explains_every_row(coded):
    frame = coded.query("SELECT * FROM v_codes")
    assert frame["model_version"].notna().all() and frame["taxonomy_version"].notna().all()
    assert (frame["dimension_zh"] == frame["dimension"].map({"staff": "员工态度与行为", "price": "价格与折扣"})).all()
    for row in frame.itertuples():
        text = coded.scalar("SELECT text FROM items WHERE item_id = ?", [row.item_id])
        assert text[row.evidence_start:row.evidence_end] == row.evidence


def test_mention_rate_and_negative_share(coded):
    got = rows(coded, """SELECT touchpoint, dimension, coded_items, mention_rate_per_100, negative_share
                         FROM v_touchpoint_dimension ORDER BY touchpoint, dimension""")
    assert got == [
        ("A", "price", 3, pytest.approx(100 / 3), 1.0),
        ("A", "staff", 3, 100.0, pytest.approx(2 / 3)),
        ("B", "price", 2, 50.0, 0.0),
        ("B", "staff", 2, 50.0, 0.0),
    ]


def test_channel_comparison(coded):
    got = rows(coded, """SELECT channel, dimension, mentions, positive, neutral, negative, net_sentiment, mention_rate_per_100
                         FROM v_channel_comparison ORDER BY dimension""")
    assert got == [("review", "price", 2, 1, 0, 1, 0.0, 40.0), ("review", "staff", 4, 1, 1, 2, -0.25, 80.0)]


def test_drivers_show_penalty_and_reward_apart(coded):
    # ratings as % of a 5-star scale: items 1→100, 2→20, 3→60, 4→80 (item 5 has none)
    got = {r[0]: r[1:] for r in rows(coded, """SELECT dimension, rated_items, mentioned, rating_pct_when_negative,
        rating_pct_when_positive, rating_pct_when_not_mentioned, penalty, reward FROM v_drivers""")}
    assert got["staff"] == (4, 3, 40.0, 100.0, 80.0, 40.0, 20.0)   # must-be: mentions of bad staff cost 40 points
    assert got["price"] == (4, 2, 60.0, 80.0, 60.0, 0.0, 20.0)
    corr = coded.scalar("SELECT score_rating_correlation FROM v_drivers WHERE dimension = 'staff'")
    # staff scores are (s, -t, -t) for ratings (100, 20, 60) with the two negatives equal: r = √3 / 2
    assert corr == pytest.approx(3 ** 0.5 / 2)


def test_top_evidence_per_cell(coded):
    got = rows(coded, """SELECT touchpoint, dimension, sentiment, rank, evidence FROM v_top_evidence
                         WHERE touchpoint = 'A' AND dimension = 'staff' ORDER BY sentiment, rank""")
    assert [(g[2], g[3], g[4]) for g in got] == [("negative", 1, "服务员态度很差"), ("negative", 2, "服务员态度很差"),
                                                  ("positive", 1, "服务员态度很好")]
