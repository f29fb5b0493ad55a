"""Routing by content, and the bad-input corpus: every record ends stored or quarantined, reconciled."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest.runner import detect_channel
from pipeline.paths import SAMPLES_DIR

BAD = Path(__file__).resolve().parents[2] / "data" / "bad_inputs"


@pytest.mark.parametrize("path, channel", [
    ("reviews/dianping_aic2018.csv", "review"),
    ("calls/hotline_vendor_a.jsonl", "call"),
    ("calls/callcenter_vendor_b.json", "call"),
    ("calls/asr_vendor_c_unlabelled.json", "call"),
    ("calls/dialogue_20261107_1530.txt", "call"),
    ("emails/complaint_gbk.eml", "email"),
    ("emails/feedback_inbox.mbox", "email"),
])
def test_samples_route_by_content(path, channel):
    assert detect_channel(SAMPLES_DIR / path) == channel


def test_routing_ignores_misleading_extensions(tmp_path):
    (tmp_path / "export.txt").write_bytes((SAMPLES_DIR / "emails" / "complaint_gbk.eml").read_bytes())
    (tmp_path / "calls.dat").write_text("客服：您好\n客户：上菜太慢\n客服：抱歉\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("shopping list\nmilk\n", encoding="utf-8")
    assert detect_channel(tmp_path / "export.txt") == "email"
    assert detect_channel(tmp_path / "calls.dat") == "call"
    assert detect_channel(tmp_path / "notes.txt") is None


def test_bad_input_corpus_is_fully_accounted_for(tmp_path):
    corpus = tmp_path / "landing"
    corpus.mkdir()
    for f in BAD.iterdir():
        if f.suffix != ".md":
            (corpus / f.name).write_bytes(f.read_bytes())
    (corpus / "huge.jsonl").write_text(json.dumps({"text": "好" * 10_000_000}, ensure_ascii=False) + "\n", encoding="utf-8")
    (corpus / "mystery.log").write_text("2026-11-01 INFO started\n", encoding="utf-8")
    db = tmp_path / "bad.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(corpus), "--db", str(db), "--models", str(tmp_path / "none"), "--workers", "1", "--lexicon"])
    assert result.exit_code == 0, result.output
    outcome = runner.invoke(app, ["stats", "--db", str(db), "--json"])
    assert outcome.exit_code == 0, outcome.output  # reconciled and complete
    stats = json.loads(outcome.stdout)
    assert all(r["ok"] and r["last_run"] == "finished" for r in stats["reconciliation"])
    by_source: dict[str, list[str]] = {}
    for q in stats["quarantine"]:
        by_source.setdefault(q["source"], []).extend([q["reason"]] * q["records"])
    assert any("invalid JSON" in r for r in by_source["truncated_call.json"])
    assert any("empty file" in r for r in by_source["empty.jsonl"])
    assert any("binary" in r for r in by_source["binary.csv"])
    assert any("not valid" in r for r in by_source["unreadable_encoding.csv"])
    assert any("over the 20000 limit" in r for r in by_source["huge.jsonl"])
    assert any("not a review export, call transcript or email" in r for r in by_source["mystery.log"])
    assert any("no customer turn" in r for r in by_source["no_customer_turn.jsonl"])
    assert any("invalid JSON" in r for r in by_source["no_customer_turn.jsonl"])
    assert any("no text body" in r for r in by_source["attachment_only.eml"])
    assert sorted(by_source["bom_quotes_newlines.csv"]) == [
        "bad rating in column 'rating': could not convert string to float: 'x'", "empty text in column 'content'"]
    # every file of the corpus, counted by hand from its content: (items stored, records quarantined)
    expected = {
        "attachment_only.eml": (0, 1), "binary.csv": (0, 1), "bom_quotes_newlines.csv": (2, 2), "empty.jsonl": (0, 1),
        "no_customer_turn.jsonl": (1, 2), "truncated_call.json": (0, 1), "unreadable_encoding.csv": (0, 1),
        "huge.jsonl": (0, 1), "mystery.log": (0, 1), "conflicting_ids.csv": (3, 1), "csv_quote_errors.csv": (5, 2),
        "deep_nesting.json": (2, 1), "line_separators.jsonl": (2, 0), "pii_hidden.jsonl": (4, 1),
        "truncated_array.json": (99, 1), "unescaped_from.mbox": (2, 0), "utf16_bom.csv": (2, 0),
    }
    found = {s["source"]: (s["items"], s["quarantined"]) for s in stats["sources"]}
    assert found == expected
