"""End to end through the `voc` CLI on the bundled real sample data."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import REVIEW_SAMPLE

runner = CliRunner()


def voc(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    """The sample coded by the lexicon models (an empty registry promotes nothing)."""
    folder = tmp_path_factory.mktemp("e2e")
    db = folder / "voc.duckdb"
    result = voc("run", REVIEW_SAMPLE.parent.parent, "--db", db, "--models", folder / "no-models", "--lexicon")
    assert result.exit_code == 0, result.output
    assert "2013 items coded" in result.output  # 2,000 reviews, 5 calls, 8 emails
    for channel in ("review", "call", "email"):
        assert f"│ {channel} " in result.output
    return db


def query_json(db, sql):
    result = voc("query", sql, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_staff_attitude_negative_with_clause_as_evidence(sample_db):
    codes = query_json(sample_db, """
        SELECT i.external_id, c.dimension, c.sub_dimension, c.sentiment, c.evidence, c.model_version,
               c.taxonomy_version, substr(i.text, c.evidence_start + 1, c.evidence_end - c.evidence_start) AS span
        FROM v_codes c JOIN items i USING (item_id)
        WHERE i.external_id IN ('2373', '13579') AND c.sub_dimension = 'staff_attitude' ORDER BY 1""")
    by_evidence = {(c["external_id"], c["evidence"]): c for c in codes}
    for key in [("2373", "态度很差"), ("13579", "但是服务员态度差的简直无语")]:
        assert (by_evidence[key]["dimension"], by_evidence[key]["sentiment"]) == ("staff", "negative")
    for code in codes:
        assert code["span"] == code["evidence"]
        assert code["model_version"].startswith("aspects=lexicon@") and code["taxonomy_version"].startswith("restaurant-")


def test_rerun_adds_zero_rows(sample_db):
    counts = "SELECT (SELECT count(*) FROM items) AS i, (SELECT count(*) FROM codes) AS c, (SELECT count(*) FROM segments) AS s"
    before = query_json(sample_db, counts)
    result = voc("run", REVIEW_SAMPLE, "--db", sample_db, "--models", sample_db.parent / "no-models", "--lexicon")
    assert result.exit_code == 0, result.output
    assert "0 new (0 exact duplicates), 2000 already stored" in result.output
    assert query_json(sample_db, counts) == before


def test_stats_reconcile(sample_db):
    result = voc("stats", "--db", sample_db, "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    by_source = {s["source"]: s for s in stats["sources"]}
    reviews = by_source["reviews/dianping_aic2018.csv"]  # sources are paths under the landing folder
    assert (reviews["items"], reviews["coded"], reviews["quarantined"]) == (2000, 2000, 0)
    assert by_source["calls/hotline_vendor_a.jsonl"]["quarantined"] == 1      # the abandoned call
    assert by_source["emails/feedback_inbox.mbox"]["near_dups"] == 1          # the complaint sent twice
    assert all(r["ok"] for r in stats["reconciliation"])


def test_query_is_read_only(sample_db):
    result = voc("query", "DROP TABLE items", "--db", sample_db)
    assert result.exit_code == 2
    assert "only reading statements" in result.output
    assert query_json(sample_db, "SELECT count(*) AS n FROM items") == [{"n": 2013}]


def test_query_csv_to_file(sample_db, tmp_path):
    out = tmp_path / "q.csv"
    result = voc("query", "SELECT touchpoint, sum(mentions) AS m FROM v_touchpoint_dimension GROUP BY 1 ORDER BY 1",
                 "--db", sample_db, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "touchpoint,m" and len(lines) == 1 + 4 + 3 + 1  # stores, call queues, one mailbox


def test_bad_input_is_quarantined_and_reported(tmp_path):
    db = tmp_path / "bad.duckdb"
    path = tmp_path / "mixed.csv"
    path.write_text("id,content,rating\n1,服务员很热情,5\n2,,3\n3,菜难吃,abc\n", encoding="utf-8")
    result = voc("ingest", "reviews", path, "--db", db)
    assert result.exit_code == 0, result.output
    assert "3 records → 1 new (0 exact duplicates), 0 already stored, 2 quarantined" in result.output
    rows = query_json(db, "SELECT locator, reason FROM quarantine ORDER BY locator")
    assert [r["locator"] for r in rows] == ["record 2 (line 3)", "record 3 (line 4)"]


def test_missing_input_is_a_clear_error(tmp_path):
    result = voc("ingest", "reviews", tmp_path / "nope.csv", "--db", tmp_path / "x.duckdb")
    assert result.exit_code == 2
    assert "nope.csv: no such file or folder" in result.output


def test_no_pii_reaches_stored_text_segments_or_evidence(sample_db):
    leaks = query_json(sample_db, r"""
        SELECT 'items' AS t, text AS v FROM items UNION ALL SELECT 'raw', raw_text FROM items
        UNION ALL SELECT 'segments', text FROM segments UNION ALL SELECT 'codes', evidence FROM codes
        UNION ALL SELECT 'quarantine', raw_payload FROM quarantine""")
    import re

    # written apart from pipeline/redact.py, and looser: digits may be split by spaces, dots or dashes,
    # full-width forms are folded first, an @ may be full-width or spaced
    sep = r"[ .\-]?"
    pii = re.compile(rf"(?<!\d)1[3-9](?:{sep}\d){{9}}(?!\d)|\w ?[@＠] ?\w[\w-]*\.\w|(?<!\d)\d(?:{sep}\d){{16}}{sep}[\dXx]"
                     rf"|(?<!\d)62(?:{sep}\d){{14,17}}(?!\d)|(?<!\d)0\d{{2,3}}{sep}\d{{7,8}}(?!\d)")
    import unicodedata

    leaks = [dict(row, v=unicodedata.normalize("NFKC", row["v"])) for row in leaks if row["v"]]
    assert not [row for row in leaks if pii.search(row["v"])]


def test_export_filters_and_formats(sample_db, tmp_path):
    out = tmp_path / "calls.parquet"
    result = voc("export", "v_codes", "--channel", "call", "--out", out, "--db", sample_db)
    assert result.exit_code == 0, result.output
    import pandas as pd

    frame = pd.read_parquet(out)
    assert len(frame) > 0 and set(frame["channel"]) == {"call"}
    month = tmp_path / "m.csv"
    assert voc("export", "v_touchpoint_dimension_month", "--period", "2026-10", "--format", "csv", "--out", month,
               "--db", sample_db).exit_code == 0
    assert set(pd.read_csv(month)["period"]) == {"2026-10-01"}
    bad = voc("export", "items; DROP TABLE items", "--out", tmp_path / "x.csv", "--db", sample_db)
    assert bad.exit_code == 2 and "unknown table or view" in bad.output


def test_query_parquet_needs_out_and_loads_in_pandas(sample_db, tmp_path):
    assert voc("query", "SELECT 1", "--db", sample_db, "--format", "parquet").exit_code == 2
    out = tmp_path / "q.parquet"
    assert voc("query", "SELECT * FROM v_channel_comparison", "--db", sample_db, "--format", "parquet", "--out", out).exit_code == 0
    import duckdb

    # the documented notebook one-liner
    frame = duckdb.connect(str(sample_db), read_only=True).sql("SELECT * FROM v_channel_comparison").df()
    assert set(frame["channel"]) == {"review", "call", "email"} and len(frame) == len(__import__("pandas").read_parquet(out))


def test_report_command(sample_db, tmp_path):
    out = tmp_path / "report.html"
    result = voc("report", "--out", out, "--period", "2026-11", "--db", sample_db)
    assert result.exit_code == 0, result.output
    assert "works offline" in result.output and out.stat().st_size > 1_000_000


def test_views_on_the_sample_match_an_independent_recount(sample_db):
    """v_touchpoint_dimension and v_channel_comparison against pandas over the raw tables."""
    import duckdb

    con = duckdb.connect(str(sample_db), read_only=True)
    codes = con.sql("SELECT item_id, dimension, sentiment FROM codes WHERE is_current").df()
    items = con.sql("""SELECT i.item_id, i.channel, i.touchpoint FROM items i
                       JOIN item_scores s ON s.item_id = i.item_id AND s.is_current""").df()
    joined = codes.merge(items, on="item_id")
    expected = joined.groupby(["channel", "touchpoint", "dimension"]).agg(
        mentions=("item_id", "size"), items=("item_id", "nunique"),
        negative=("sentiment", lambda s: int((s == "negative").sum())),
        net=("sentiment", lambda s: ((s == "positive").sum() - (s == "negative").sum()) / len(s)))
    coded = items.groupby(["channel", "touchpoint"]).size()
    expected["rate"] = [100 * row["items"] / coded[(c, t)] for (c, t, _), row in expected.iterrows()]
    view = con.sql("""SELECT channel, touchpoint, dimension, mentions, items, negative, net_sentiment AS net,
                             mention_rate_per_100 AS rate FROM v_touchpoint_dimension""").df() \
        .set_index(["channel", "touchpoint", "dimension"]).sort_index()
    expected = expected.sort_index()[view.columns]
    assert len(view) == len(expected) > 20
    assert (view[["mentions", "items", "negative"]].to_numpy() == expected[["mentions", "items", "negative"]].to_numpy()).all()
    assert abs(view[["net", "rate"]].to_numpy() - expected[["net", "rate"]].to_numpy().astype(float)).max() < 1e-9
    channels = con.sql("SELECT channel, sum(mentions) AS m FROM v_channel_comparison GROUP BY 1").df().set_index("channel")["m"]
    assert channels.to_dict() == joined.groupby("channel").size().to_dict()
