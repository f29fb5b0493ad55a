"""Emerging themes: the sample reviews plus a planted run of complaints about 扫码点餐 (QR-code
ordering, tests/data/planted_theme), which no sub-dimension covers, coded with a clause polarity model
trained here; the planted theme must come out as its own cluster, first, with a proposed patch."""

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.nlp import cached_lexicon, cached_taxonomy
from pipeline.paths import DATA_DIR
from pipeline.store import open_store
from pipeline.themes import ContentFilter, Theme, ThemeSettings, find_themes, stable_themes, uncovered_clauses
from pipeline.store import coding as coding_repo
from tests.conftest import REVIEW_SAMPLE, write

PLANTED = Path(__file__).resolve().parents[1] / "data" / "planted_theme" / "scan_to_order.csv"
ORDERING_WORDS = {"扫码", "点餐", "点单", "二维码", "小程序"}


@pytest.fixture(scope="module")
def themed(tmp_path_factory):
    """A store of the 2,000 sample reviews and the 36 planted ones, coded with lexicon aspects and a
    clause polarity model trained on the committed ASTE and CCF clause labels."""
    from pipeline.coder import Coder, code_pending

    root = tmp_path_factory.mktemp("themes")
    models, db = str(root / "models"), str(root / "voc.duckdb")
    runner = CliRunner()
    labelled = DATA_DIR / "labelled"
    trained = runner.invoke(app, ["train", "--kind", "polarity", "--name", "pol", "--data", str(labelled / "aste_sentences.csv"),
                                  "--data", str(labelled / "ccf_car2018_polarity.csv"), "--models", models])
    assert trained.exit_code == 0, trained.output
    assert runner.invoke(app, ["models", "promote", "pol", "--models", models, "--force"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "reviews", str(REVIEW_SAMPLE), str(PLANTED), "--db", db]).exit_code == 0
    coder = Coder("restaurant", registry=models)
    with open_store(db) as store:
        code_pending(store, coder, n_process=2)
        planted = set(store.query("""SELECT g.segment_id FROM segments g JOIN items i USING (item_id)
                                     WHERE i.source LIKE '%scan_to_order.csv'""").segment_id)
    return db, planted


def test_the_planted_theme_is_its_own_cluster_and_comes_first(themed):
    db, planted = themed
    with open_store(db, read_only=True) as store:
        clauses = uncovered_clauses(store)
    themes = find_themes(clauses, cached_taxonomy("restaurant"), cached_lexicon())
    assert len(themes) > 10
    top = themes[0]
    hits = planted & set(top.segment_ids)
    assert len(hits) >= 10 and len(hits) / top.size >= 0.6, (top.terms, top.size, len(hits))
    assert ORDERING_WORDS & set(top.terms[:3]) and top.polarity == "negative" and top.rising
    # no other theme is mostly planted clauses with the same topic words (one theme, not scattered)
    others = [t for t in themes[1:] if len(planted & set(t.segment_ids)) > t.size / 2 and ORDERING_WORDS & set(t.terms[:2])]
    assert len(others) <= 1
    assert all(t.size >= ThemeSettings().min_size and t.examples for t in themes)


def test_themes_cli_prints_and_proposes_a_patch(themed, tmp_path):
    db, _ = themed
    patch = tmp_path / "taxonomy.patch.yaml"
    result = CliRunner().invoke(app, ["themes", "--db", db, "--top", "5", "--propose", str(patch)])
    assert result.exit_code == 0, result.output
    assert "rising" in result.output and "coverage:" in result.output
    doc = yaml.safe_load(patch.read_text(encoding="utf-8"))
    assert doc["base_version"] == cached_taxonomy("restaurant").version and len(doc["proposals"]) == 5
    first = doc["proposals"][0]
    assert ORDERING_WORDS & set(first["keywords"]) and first["evidence"]["examples"]
    assert first["evidence"]["polarity"] == "negative" and sum(first["evidence"]["trend"].values()) == first["evidence"]["clauses"]
    # a period reads only the clauses said in it (the planted months keep their planted clauses); which
    # clusters a small slice forms is left to the clustering, so the rank inside it is not asserted
    narrow = CliRunner().invoke(app, ["themes", "--db", db, "--period", "2026-10-01..2026-11-30", "--top", "3"])
    assert narrow.exit_code == 0, narrow.output
    counted = [int(out.split(" opinionated clauses")[0].split()[-1]) for out in (result.output, narrow.output)]
    assert counted[1] < counted[0]
    with open_store(db, read_only=True) as store:
        sliced = uncovered_clauses(store, since=date(2026, 10, 1), until=date(2026, 11, 30))
        planted_in = set(store.query("""SELECT g.segment_id FROM segments g JOIN items i USING (item_id)
                                        WHERE i.source LIKE '%scan_to_order.csv'""").segment_id)
    assert len(sliced) == counted[1]
    assert sliced.occurred_at.between("2026-10-01", "2026-11-30 23:59:59").all()
    assert len(planted_in & set(sliced.segment_id)) >= 20
    empty = CliRunner().invoke(app, ["themes", "--db", db, "--period", "2030-01"])
    assert empty.exit_code == 0 and "no theme found" in empty.output


def test_content_words_leave_out_function_sentiment_and_judgement_words():
    content = ContentFilter.load(cached_lexicon())
    assert content("我们 觉得 扫码 点餐 很 麻烦 的") == ["扫码", "点餐"]
    assert content("很香 哈哈 不错 二维码 页面 太久 12345") == ["二维码", "页面"]


def test_coverage_view_counts_opinionated_clauses_without_a_code(store, tmp_path, coder):
    from pipeline.ingest.runner import ingest_reviews_file

    rows = "id,content,store,created_at\n1,服务员态度很好，今天下雨心情很好,A,2026-05-01\n2,服务员态度很差,A,2026-05-02\n3,下雨了,A,2026-06-01\n"
    ingest_reviews_file(store, write(tmp_path / "r.csv", rows))
    coding_repo.write_taxonomy(store, coder.taxonomy)
    coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
    got = [tuple(r) for r in store.query("""SELECT CAST(period AS VARCHAR), opinionated_clauses, uncoded, uncoded_share
                                             FROM v_coverage ORDER BY period""").itertuples(index=False)]
    # May: three opinionated clauses, one (今天下雨心情很好: no topic of the taxonomy) without a code; June: 下雨了 carries no opinion
    assert got == [("2026-05-01", 3, 1, pytest.approx(1 / 3))]


def test_too_few_clauses_make_no_theme():
    import pandas as pd

    empty = pd.DataFrame(columns=["segment_id", "item_id", "text", "tokens", "score", "channel", "occurred_at", "why"])
    assert find_themes(empty, cached_taxonomy("restaurant"), cached_lexicon()) == []


def _theme(name: str, members: range) -> Theme:
    return Theme(terms=[name], size=len(members), items=len(members), cohesion=1.0, negative_share=1.0,
                 positive_share=0.0, mean_score=-0.8, trend={}, growth=1.0, growth_z=0.0, rising=False,
                 examples=[], segment_ids=[f"s{i}" for i in members])


def test_a_theme_is_reported_once_where_it_forms_in_most_runs_and_not_where_one_seed_made_it():
    runs = [[_theme("a", range(0, 20)), _theme("fluke", range(100, 110))],
            [_theme("a", range(2, 22))],
            [_theme("a", range(1, 19)), _theme("b", range(50, 60))],
            [_theme("b", range(51, 61))]]
    found = stable_themes(runs, ThemeSettings(runs=4))
    assert sorted(t.terms[0] for t in found) == ["a", "b"]  # b: 2 of 4 runs is the majority asked for
    a = next(t for t in found if t.terms[0] == "a")
    assert a.stability == 0.75 and a.segment_ids[0] == "s0"  # the version that overlaps the others most
    assert stable_themes(runs, ThemeSettings(runs=4, min_stability=0.7)) == [a]
