"""The hostile-input classes: no record lost, no PII kept, no run stopped by one bad file.

Each test names its class; the files are in tests/data/bad_inputs/ (see its README).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli_common import EXIT_BUSY, EXIT_INCOMPLETE

BAD = Path(__file__).resolve().parents[2] / "data" / "bad_inputs"
ROOT = Path(__file__).resolve().parents[3]


def voc(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def ingest(db: Path, *paths: object, channel: str | None = None):
    args = ["ingest", channel + "s", *paths, "--db", db] if channel else ["run", *paths, "--db", db, "--models",
                                                                       db.parent / "no-models", "--workers", "1", "--lexicon"]
    result = voc(*args)
    assert result.exit_code == 0, result.output
    return result


def stats(db: Path) -> dict:
    result = voc("stats", "--db", db, "--json")
    assert result.exit_code in (0, 1, EXIT_INCOMPLETE), result.output
    return json.loads(result.stdout)


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def copy(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes((BAD / name).read_bytes())
    return target


# -- rows lost silently -----------------------------------------------------------------------------
def test_csv_quote_errors_cost_only_their_record(tmp_path):
    db = tmp_path / "v.duckdb"
    path = copy("csv_quote_errors.csv", tmp_path / "in")
    ingest(db, path, channel="review")
    stored = {r[0] for r in rows(db, "SELECT external_id FROM items")}
    assert stored == {"s1", "s2", "s4", "s6", "s7"}
    quarantined = dict(rows(db, "SELECT locator, raw_payload FROM quarantine"))
    assert len(quarantined) == 2
    assert any("第3条" in p and "价格便宜" in p for p in quarantined.values())  # the raw line is kept
    assert any("未闭合的引号" in p for p in quarantined.values())
    assert rows(db, "SELECT text FROM items WHERE external_id = 's2'") == [("第2条\n带换行的评论",)]
    (recon,) = stats(db)["reconciliation"]
    assert (recon["read"], recon["new"], recon["quarantined"], recon["ok"]) == (7, 5, 2, True)


def test_same_file_name_in_dated_folders_keeps_both_months(tmp_path):
    landing = tmp_path / "landing"
    for month, word in (("2026-10", "十月"), ("2026-11", "十一月")):
        (landing / month).mkdir(parents=True)
        (landing / month / "reviews.csv").write_text(
            "id,content\n" + "".join(f"{i},{word}第{i}条：菜很好吃\n" for i in range(1, 6)), encoding="utf-8")
    db = tmp_path / "v.duckdb"
    ingest(db, landing, channel="review")
    assert rows(db, "SELECT count(*) FROM items") == [(10,)]
    assert {r[0] for r in rows(db, "SELECT DISTINCT source FROM items")} == {"2026-10/reviews.csv", "2026-11/reviews.csv"}
    # the same file named on its own keeps its source: nothing new
    result = ingest(db, landing / "2026-11" / "reviews.csv", channel="review")
    assert "0 new" in result.output and rows(db, "SELECT count(*) FROM items") == [(10,)]
    # two month files named one by one still get distinct sources
    db2 = tmp_path / "v2.duckdb"
    ingest(db2, landing / "2026-10" / "reviews.csv", channel="review")
    ingest(db2, landing / "2026-11" / "reviews.csv", channel="review")
    assert rows(db2, "SELECT count(*) FROM items") == [(10,)]
    assert all(r["ok"] for r in stats(db2)["reconciliation"])


def test_store_from_before_path_sources_keeps_its_ids(tmp_path):
    """A v3 store keyed ids on the file's base name: re-running the same export adds nothing."""
    db = tmp_path / "old.duckdb"
    landing = tmp_path / "landing" / "reviews"
    landing.mkdir(parents=True)
    (landing / "export.csv").write_text("id,content\n1,菜很好吃\n2,服务很差\n", encoding="utf-8")
    ingest(db, landing.parent, channel="review")
    with duckdb.connect(str(db)) as con:  # make it look like v3: base-name sources, no v4 tables
        con.execute("UPDATE items SET source = 'export.csv'")
        con.execute("UPDATE ingest_runs SET source = 'export.csv'")
        from pipeline.items import make_item_id
        for (item_id, ext, text) in con.execute("SELECT item_id, external_id, text FROM items").fetchall():
            con.execute("UPDATE items SET item_id = ? WHERE item_id = ?", [make_item_id("review", "export.csv", ext, text), item_id])
        con.execute("DROP TABLE legacy_sources")
        con.execute("DROP TABLE source_paths")
        con.execute("DELETE FROM schema_migrations WHERE version = 4")
        for column in ("status", "pid", "host"):
            con.execute(f"ALTER TABLE ingest_runs DROP COLUMN {column}")
    result = ingest(db, landing.parent, channel="review")
    assert "0 new" in result.output and "2 already stored" in result.output
    assert rows(db, "SELECT count(*) FROM items") == [(2,)]


def test_conflicting_external_id_is_quarantined_not_dropped(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("conflicting_ids.csv", tmp_path / "in"), channel="review")
    assert rows(db, "SELECT external_id, text FROM items ORDER BY 1") == [("1", "菜很好吃"), ("2", "服务一般"), ("3", "价格实惠")]
    (reason, payload), = rows(db, "SELECT reason, raw_payload FROM quarantine")
    assert reason.startswith("conflicting id") and "再也不来了" in payload
    (recon,) = stats(db)["reconciliation"]
    assert (recon["read"], recon["new"], recon["quarantined"], recon["ok"]) == (4, 3, 1, True)
    # the same id with a changed text in a later delivery of the file is kept too
    path = tmp_path / "in" / "conflicting_ids.csv"
    path.write_text("id,content\n2,服务非常差\n", encoding="utf-8")
    ingest(db, path, channel="review")
    assert any("服务非常差" in p for (p,) in rows(db, "SELECT raw_payload FROM quarantine"))
    assert all(r["ok"] for r in stats(db)["reconciliation"])


def test_truncated_json_array_keeps_every_complete_record(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("truncated_array.json", tmp_path / "in"), channel="review")
    assert rows(db, "SELECT count(*) FROM items") == [(99,)]
    (locator, reason, payload), = rows(db, "SELECT locator, reason, raw_payload FROM quarantine")
    assert locator.startswith("element 100") and "truncated" in reason and '"r100"' in payload


def test_utf16_csv_with_bom_is_decoded(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("utf16_bom.csv", tmp_path / "in"))
    assert rows(db, "SELECT text FROM items ORDER BY external_id") == [("服务很周到",), ("价格有点贵",)]
    assert rows(db, "SELECT count(*) FROM quarantine") == [(0,)]


def test_jsonl_strings_with_line_separators_stay_one_record(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("line_separators.jsonl", tmp_path / "in"))
    assert rows(db, "SELECT count(*) FROM items") == [(2,)] and rows(db, "SELECT count(*) FROM quarantine") == [(0,)]


KILLER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from pipeline.store import ingest as ingest_repo, open_store
    from pipeline.ingest import runner
    original = ingest_repo.write_batch
    batches = []
    def write_then_die(engine, items, bad, run_id):
        counts = original(engine, items, bad, run_id)
        batches.append(1)
        if len(batches) == 2:
            os._exit(9)  # a hard kill after two committed batches
        return counts
    ingest_repo.write_batch = write_then_die
    with open_store(sys.argv[1]) as store:
        runner.ingest_file(store, Path(sys.argv[2]), "review", source="big.csv", batch_size=10)
""")


def test_stats_after_a_killed_run_is_incomplete_not_failed_and_passes_after_rerun(tmp_path):
    db = tmp_path / "v.duckdb"
    path = tmp_path / "big.csv"
    path.write_text("id,content\n" + "".join(f"{i},第{i}条：菜很好吃\n" for i in range(50)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", KILLER, str(db), str(path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    result = voc("stats", "--db", db, "--json")
    assert result.exit_code == EXIT_INCOMPLETE, result.output  # no false pass …
    (recon,) = json.loads(result.stdout)["reconciliation"]
    assert recon["ok"] and recon["last_run"] == "interrupted" and recon["stored"] == 20  # … and no false failure
    ingest(db, path, "--source", "big.csv", channel="review")
    result = voc("stats", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    (recon,) = json.loads(result.stdout)["reconciliation"]
    assert (recon["last_run"], recon["new"], recon["existing"], recon["stored"]) == ("finished", 30, 20, 50)


# -- one bad file never stops a run ------------------------------------------------------------------
def test_deep_nesting_costs_only_what_cannot_be_parsed(tmp_path):
    landing = tmp_path / "in"
    copy("deep_nesting.json", landing)
    (landing / "z_after.csv").write_text("id,content\n1,后面的文件照常读取\n", encoding="utf-8")
    db = tmp_path / "v.duckdb"
    ingest(db, landing)
    assert {r[0] for r in rows(db, "SELECT external_id FROM items")} == {"d1", "d2", "1"}
    (reason,), = rows(db, "SELECT reason FROM quarantine")
    assert "nested too deeply" in reason
    assert "13912345678" not in rows(db, "SELECT meta FROM items WHERE external_id = 'd2'")[0][0]


def test_unreadable_file_folder_and_broken_link_are_quarantined(tmp_path, monkeypatch):
    landing = tmp_path / "in"
    (landing / "locked").mkdir(parents=True)
    (landing / "good.csv").write_text("id,content\n1,菜很好吃\n", encoding="utf-8")
    (landing / "secret.csv").write_text("id,content\n1,看不到\n", encoding="utf-8")
    (landing / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    from pipeline.ingest import runner

    real_read, real_scandir = runner.read_landing_file, os.scandir

    def read(path):
        if path.name == "secret.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(runner, "read_landing_file", read)
    monkeypatch.setattr(os, "scandir", scandir)
    db = tmp_path / "v.duckdb"
    ingest(db, landing)
    assert rows(db, "SELECT text FROM items") == [("菜很好吃",)]
    reasons = sorted(r[0].split(": ", 1)[1] for r in rows(db, "SELECT reason FROM quarantine"))
    assert reasons == ["broken link (points at nothing)", "cannot list folder: Permission denied",
                       "cannot read: Permission denied"]


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time, duckdb
        con = duckdb.connect({str(db)!r})
        print("locked", flush=True)
        time.sleep({seconds})
        con.close()
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_locked_store_gives_a_clear_error_its_own_exit_code_and_wait(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("utf16_bom.csv", tmp_path / "in"))
    holder = _hold_lock(db, 3)
    try:
        result = voc("stats", "--db", db, "--wait", 0)
        assert result.exit_code == EXIT_BUSY and "in use by another process" in result.output
        assert "Traceback" not in result.output and "IOException" not in result.output
        result = voc("ingest", "reviews", tmp_path / "in", "--db", db, "--wait", 0)
        assert result.exit_code == EXIT_BUSY
        started = time.monotonic()
        result = voc("stats", "--db", db, "--wait", 30)
        assert result.exit_code == 0, result.output
        assert "waiting" in result.output and time.monotonic() - started < 25
    finally:
        holder.wait(timeout=30)


def test_export_to_a_folder_or_impossible_path_is_a_clear_error(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("utf16_bom.csv", tmp_path / "in"))
    (tmp_path / "file").write_text("x")
    for out in (tmp_path, tmp_path / "file" / "sub" / "x.csv"):
        result = voc("export", "items", "--db", db, "--format", "csv", "--out", out)
        assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output, result.output
    result = voc("query", "SELECT 1", "--db", db, "--format", "csv", "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.output


def test_mbox_unescaped_from_line_and_raw_utf8_subject(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("unescaped_from.mbox", tmp_path / "in"))
    texts = [r[0] for r in rows(db, "SELECT text FROM items ORDER BY locator")]
    assert len(texts) == 2 and "服务员态度也不好" in texts[0]
    assert rows(db, "SELECT count(*) FROM quarantine") == [(0,)]
    subjects = {json.loads(m)["subject"] for (m,) in rows(db, "SELECT meta FROM items")}
    assert subjects == {"投诉:上菜太慢", "表扬"}


# -- PII that survived -------------------------------------------------------------------------------
def folded(value: str) -> str:
    """A stored value as a PII scanner should read it: NFKC, no format characters, no separators."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cf", "Zs", "Cc") and ch not in "-.－·")


def store_values(db: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value in every table of the store."""
    out = []
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'").fetchall()]
        for table in tables:
            columns = [c for (c, kind) in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
                if kind == "VARCHAR"]
            for column in columns:
                out += [(table, column, v) for (v,) in con.execute(f"SELECT {column} FROM {table}").fetchall() if v]
    return out


def assert_no_pii(db: Path, needles: list[str]) -> None:
    leaks = [(t, c, v[:120]) for t, c, v in store_values(db) for n in needles if folded(n) in folded(v)]
    assert not leaks, leaks


def test_hidden_pii_is_redacted_in_every_table(tmp_path):
    db = tmp_path / "v.duckdb"
    ingest(db, copy("pii_hidden.jsonl", tmp_path / "in"))
    result = voc("code", "--db", db, "--models", tmp_path / "none", "--workers", "1", "--lexicon")  # segments and evidence too
    assert result.exit_code == 0, result.output
    needles = ["13912345678", "13812345678", "13712345678", "01012345678", "110105199003071239",
               "110105900307001", "li.hua@example.com", "李华@example.com"]
    assert_no_pii(db, needles)
    assert rows(db, "SELECT count(*) FROM items") == [(4,)] and rows(db, "SELECT count(*) FROM quarantine") == [(1,)]
    texts = " ".join(r[0] for r in rows(db, "SELECT text FROM items"))
    assert texts.count("[手机号]") >= 6 and "[身份证号]" in texts and "[邮箱]" in texts


def test_pii_in_call_and_email_fields(tmp_path):
    landing = tmp_path / "in"
    landing.mkdir()
    (landing / "call.jsonl").write_text(json.dumps({
        "call_id": "C-1", "queue": "热线 13912345678", "agent_id": {"ext": 13812345678}, "customer_id": "13712345678",
        "turns": [{"speaker": "客服", "text": "您好，请问有什么可以帮您"},
                  {"speaker": "客户", "text": "我的手机１３６\u00a01234\u00a05678，额外收费太多了"}]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (landing / "mail.eml").write_bytes(
        "From: 李华 <lihua@customer.example>\nTo: feedback@restaurant.example\nSubject: 电话 13512345678\n"
        "Message-ID: <m1@customer.example>\nIn-Reply-To: <m0@customer.example>\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n"
        "请回电 135 1234 5678\n--b\nContent-Disposition: attachment; filename=\"13412345678.pdf\"\n"
        "Content-Type: application/pdf\n\nJVBE\n--b--\n".encode("utf-8"))
    db = tmp_path / "v.duckdb"
    ingest(db, landing)
    assert_no_pii(db, ["13912345678", "13812345678", "13712345678", "13612345678", "13512345678", "13412345678",
                       "lihua@customer.example", "m1@customer.example", "m0@customer.example"])
    (text,), = rows(db, "SELECT text FROM items WHERE channel = 'call'")
    assert "额外收费" in text  # the filler 额 is removed as a token, not inside 额外
