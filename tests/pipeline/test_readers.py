"""Readers during writes: a run lets go of a DuckDB store between its batches, so `voc query` reads
while it goes (waiting its turn with a message, never failing); PostgreSQL readers are never blocked."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipeline.store import ingest as ingest_repo, open_store
    from pipeline.ingest import runner
    original = ingest_repo.write_batch
    def slowly(engine, items, bad, run_id):
        counts = original(engine, items, bad, run_id)
        time.sleep(0.3)  # parsing the next batch takes time in a real run: the store is free meanwhile
        return counts
    ingest_repo.write_batch = slowly
    with open_store(sys.argv[1]) as store:
        print("writing", flush=True)
        runner.ingest_file(store, Path(sys.argv[2]), "review", batch_size=20)
""")


def _read_while_writing(target: str, tmp_path: Path) -> list[int]:
    path = tmp_path / "big.csv"
    path.write_text("id,content\n" + "".join(f"{i},第{i}条：菜很好吃\n" for i in range(400)), encoding="utf-8")
    open_store(target).close()  # migrated before the writer starts
    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, target, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    seen = []
    while writer.poll() is None:
        started = time.monotonic()
        result = CliRunner().invoke(app, ["query", "SELECT count(*) AS n FROM items", "--db", target,
                                          "--format", "json", "--wait", "30"])
        assert result.exit_code == 0, result.output
        assert time.monotonic() - started < 30
        seen.append(json.loads(result.stdout.splitlines()[-1])[0]["n"])
        time.sleep(0.1)
    assert writer.wait() == 0
    return seen


def test_duckdb_readers_read_between_a_runs_batches(tmp_path):
    seen = _read_while_writing(str(tmp_path / "voc.duckdb"), tmp_path)
    partial = [n for n in seen if 0 < n < 400]
    assert len(partial) >= 2 and seen == sorted(seen)  # read mid-run, more each time


def test_postgres_readers_are_never_blocked(postgres, tmp_path):
    seen = _read_while_writing(postgres.new_database(), tmp_path)
    assert len([n for n in seen if 0 < n < 400]) >= 2 and seen == sorted(seen)


FAST_WRITER = textwrap.dedent("""
    import sys, time
    from pipeline.store import open_store
    with open_store(sys.argv[1]) as store:
        store.execute("CREATE TABLE IF NOT EXISTS beats (n INTEGER)")
        print("writing", flush=True)
        deadline = time.monotonic() + float(sys.argv[2])
        n = 0
        while time.monotonic() < deadline:  # commit after commit, no pause between them
            n += 1
            with store.transaction():
                store.execute("INSERT INTO beats VALUES (?)", [n])
""")


def test_a_reader_gets_a_turn_from_a_writer_that_never_pauses(tmp_path):
    """The writer holds the file across commits (reopening it after each cost more than the batches);
    a waiting reader asks for a turn and gets it at the next commit, long before the run ends."""
    target = str(tmp_path / "voc.duckdb")
    open_store(target).close()
    writer = subprocess.Popen([sys.executable, "-c", FAST_WRITER, target, "20"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    try:
        waits = []
        for _ in range(3):
            started = time.monotonic()
            result = CliRunner().invoke(app, ["query", "SELECT count(*) AS n FROM beats", "--db", target,
                                              "--format", "json", "--wait", "15"])
            assert result.exit_code == 0, result.output
            waits.append(time.monotonic() - started)
            assert writer.poll() is None  # read while the run goes on
        assert max(waits) < 5, waits  # well under the writer's HOLD window and the run's 20 s
    finally:
        writer.kill()
        writer.wait()
    assert not Path(f"{target}.wait").exists()
