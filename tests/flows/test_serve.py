"""A real Prefect server started by the project; a schedule that fires; a clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from pipeline.paths import SAMPLES_DIR
from pipeline.store import StoreBusy, open_store

ROOT = Path(__file__).resolve().parents[2]


def _post(url: str, body: dict) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _items(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with open_store(db, read_only=True, wait=20) as store:
            return store.scalar("SELECT count(*) FROM items")
    except (StoreBusy, Exception):  # a run may be migrating the store at that moment
        return 0


def test_a_served_schedule_fires_on_the_projects_own_server_and_stops_cleanly(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "calls.jsonl").write_bytes((SAMPLES_DIR / "calls" / "hotline_vendor_a.jsonl").read_bytes())
    db = tmp_path / "voc.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2", PREFECT_RUNNER_POLL_FREQUENCY="2",
               PREFECT_UI_ENABLED="false", PYTHONPATH=str(ROOT))
    served = subprocess.Popen([sys.executable, "-m", "flows.serve", "--landing", str(landing), "--db", str(db),
                               "--lexicon", "--interval", "3", "--port", "0"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        api = None
        deadline = time.monotonic() + 90
        while api is None and time.monotonic() < deadline:
            line = served.stdout.readline()
            lines.append(line)
            if match := re.search(r"Prefect server at (http://127\.0\.0\.1:\d+)", line):
                api = match.group(1) + "/api"
        assert api, "".join(lines)
        assert (tmp_path / ".prefect" / "prefect.db").exists()  # the server's database lives with the project

        drain = threading.Thread(target=lambda: lines.extend(served.stdout), daemon=True)
        drain.start()  # keep reading the runner's output so it never blocks on a full pipe

        completed: list[dict] = []
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and not (completed and _items(db)):
            time.sleep(2)
            runs = _post(f"{api}/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
                                                     "limit": 20, "offset": 0, "sort": "START_TIME_DESC"})
            completed = [r for r in runs if r["auto_scheduled"] and r["deployment_id"]]
        assert completed, "no scheduled run completed:\n" + "".join(lines[-40:])
        assert _items(db) == 2  # the two calls with a customer turn, stored by a run nobody triggered by hand

        cli_env = {**env, "PREFECT_API_URL": api, "COLUMNS": "200"}
        for command in (["deployment", "ls"], ["flow-run", "ls"]):  # 422 with fastapi >= 0.151 (see pyproject)
            listed = subprocess.run([sys.executable, "-m", "prefect", *command], env=cli_env, capture_output=True,
                                    text=True, timeout=60)
            assert listed.returncode == 0 and "voc-daily" in listed.stdout, listed.stdout + listed.stderr
    finally:
        served.send_signal(signal.SIGTERM)
        try:
            served.wait(90)
        except subprocess.TimeoutExpired:
            served.kill()
            raise
    drain.join(10)
    output = "".join(lines)
    assert served.returncode == 0, output[-3000:]
    assert "never awaited" not in output and "Traceback" not in output
    assert output.rstrip().endswith("stopped")
    try:
        urllib.request.urlopen(f"{api}/health", timeout=2)
        raise AssertionError("the server is still answering after the stop")
    except OSError:
        pass
