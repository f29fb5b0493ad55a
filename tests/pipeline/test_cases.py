"""Cases: rules as data, one case per item, owners from the touchpoint file, the open → acknowledged →
closed walk, and the case views — on a small authored store coded by the lexicon, on both backends."""

import json
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from pipeline.cases import CaseError, CaseRules, acknowledge, case_id, close, get_case, list_cases, open_cases
from pipeline.ingest.runner import ingest_file
from pipeline.store import coding as coding_repo
from tests.conftest import write
from tests.pipeline.cases_data import CALLS, OWNERS, RULES


def item_of(store, external_id):
    return store.scalar("SELECT item_id FROM items WHERE external_id = ?", [external_id])


def test_rules_open_one_case_per_item_with_owner_severity_and_evidence(cased):
    store, rules, owners = cased
    opened = open_cases(store, rules, owners)
    by_ext = {store.scalar("SELECT external_id FROM items WHERE item_id = ?", [c["item_id"]]): c for c in opened.cases}
    assert set(by_ext) == {"r1", "r3", "c1", "c3"}  # r2, r4 and the resolved call c2 need nobody
    c1 = by_ext["c1"]
    assert c1["rules"] == "unresolved_call,transferred" and c1["severity"] == "high"
    assert (c1["owner"], c1["escalation"], c1["escalated"]) == ("delivery@example.com", "director@example.com", True)
    assert by_ext["c3"]["rules"].endswith("repeat") and by_ext["c3"]["severity"] == "high"
    r1 = by_ext["r1"]
    assert (r1["owner"], r1["severity"], r1["escalated"]) == ("jfb@example.com", "medium", False)
    assert "服务员态度很差" in json.loads(r1["evidence"])
    case = get_case(store, c1["case_id"])
    assert case["status"] == "open" and case["model_version"] and case["rules_version"] == rules.version
    assert not any("13812345678" in clause for clause in case["evidence"])
    # re-running (and re-running over everything) never opens a second case for an item
    assert open_cases(store, rules, owners).cases == []
    assert open_cases(store, rules, owners, all_items=True).cases == []
    assert store.scalar("SELECT count(*) FROM cases") == 4


def test_only_items_coded_since_the_last_pass_are_read(cased, tmp_path, coder):
    store, rules, owners = cased
    open_cases(store, rules, owners)
    ingest_file(store, write(tmp_path / "more.csv", "id,content,store\nr9,服务员态度很差,南坪店\n"), "review")
    coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
    again = open_cases(store, rules, owners)
    assert [c["item_id"] for c in again.cases] == [item_of(store, "r9")] and again.considered == 1
    assert again.cases[0]["owner"] == "cx@example.com"  # 南坪店 is not listed: the default owner


def test_walk_a_case_to_closed(cased):
    store, rules, owners = cased
    open_cases(store, rules, owners)
    ref = case_id(item_of(store, "c1"))
    with pytest.raises(CaseError, match="needs a note"):
        close(store, ref, "  ")
    acked = acknowledge(store, ref[:6], by="张经理")
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "张经理"
    with pytest.raises(CaseError, match="only an open case"):
        acknowledge(store, ref)
    closed = close(store, ref, "已回电并补偿", by="张经理")
    assert closed["status"] == "closed" and closed["closing_note"] == "已回电并补偿" and closed["hours_to_close"] >= 0
    with pytest.raises(CaseError, match="already closed"):
        close(store, ref, "again")
    with pytest.raises(CaseError, match="no case"):
        get_case(store, "C-nothing")
    assert list(list_cases(store, status=["closed"]).case_id) == [ref]
    assert ref not in set(list_cases(store, status=["open", "acknowledged"]).case_id)


def test_case_views_count_age_and_time_to_close(cased):
    store, rules, owners = cased
    open_cases(store, rules, owners)
    # fix the clock of the cases: opened 10 days ago; one closed 36 hours after it was opened
    opened = datetime.utcnow() - timedelta(days=10)
    store.execute("UPDATE cases SET opened_at = ?", [opened])
    ref = case_id(item_of(store, "c1"))
    close(store, ref, "done")
    store.execute("UPDATE cases SET closed_at = ? WHERE case_id = ?", [opened + timedelta(hours=36), ref])
    got = store.query("""SELECT touchpoint, cases, open, closed, open_escalated, mean_open_age_days, mean_hours_to_close
                         FROM v_case_touchpoint WHERE touchpoint = '外卖投诉热线'""").iloc[0]
    assert (got.cases, got.open, got.closed, got.open_escalated) == (2, 1, 1, 1)
    assert got.mean_open_age_days == pytest.approx(10, abs=0.01) and got.mean_hours_to_close == pytest.approx(36)


@pytest.mark.parametrize("text, message", [
    ("rules: [{name: x, severity: urgent, when: {item_score_below: -0.5}}]", "needs a name and a severity"),
    ("rules: [{name: x, severity: high, when: {score_below: -0.5}}]", "unknown: \\['score_below'\\]"),
    ("rules: [{name: x, severity: high}]", "`when` needs conditions"),
    ("rules: []", "no rules"),
    ("escalate: high\nrules: []", "unknown case settings"),
])
def test_bad_rule_files_name_the_file_and_the_reason(tmp_path, text, message):
    path = write(tmp_path / "bad_cases.yaml", text)
    with pytest.raises(ValueError, match=message) as info:
        CaseRules.load(path)
    assert "bad_cases.yaml" in str(info.value)


def test_cases_cli_walk(tmp_path, coder):
    from pipeline.cli import app

    runner = CliRunner()
    db = str(tmp_path / "voc.duckdb")
    write(tmp_path / "calls.jsonl", CALLS)
    rules, owners = write(tmp_path / "cases.yaml", RULES), write(tmp_path / "tp.yaml", OWNERS)
    assert runner.invoke(app, ["ingest", "calls", str(tmp_path / "calls.jsonl"), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["code", "--db", db, "--lexicon", "-w", "1"]).exit_code == 0
    result = runner.invoke(app, ["cases", "open", "--db", db, "--rules", str(rules), "--touchpoints", str(owners)])
    assert result.exit_code == 0 and "opened 2 case(s)" in result.output, result.output
    listing = runner.invoke(app, ["cases", "list", "--db", db, "--severity", "high"])
    assert listing.exit_code == 0 and listing.output.count("外卖投诉热线") == 2
    from pipeline.store import open_store

    with open_store(db, read_only=True) as store:
        ref = store.scalar("SELECT case_id FROM cases WHERE rules LIKE 'unresolved%'")
    shown = runner.invoke(app, ["cases", "show", ref, "--db", db])
    assert shown.exit_code == 0 and "delivery@example.com" in shown.output and "[high]" in shown.output
    assert runner.invoke(app, ["cases", "ack", ref, "--db", db, "--by", "me"]).exit_code == 0
    assert runner.invoke(app, ["cases", "close", ref, "--db", db]).exit_code == 2  # --note is required
    assert runner.invoke(app, ["cases", "close", ref, "--db", db, "--note", "called back"]).exit_code == 0
    assert "closed" in runner.invoke(app, ["cases", "show", ref, "--db", db]).output
    again = runner.invoke(app, ["cases", "close", ref, "--db", db, "--note", "x"])
    assert again.exit_code == 2 and "already closed" in again.output
    assert runner.invoke(app, ["cases", "list", "--db", db, "--status", "wrong"]).exit_code == 2
