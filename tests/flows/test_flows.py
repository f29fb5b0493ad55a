"""The real Prefect flows, end to end, under prefect_test_harness (a temporary local API)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.paths import SAMPLES_DIR
from pipeline.store import open_store
from pipeline.store import coding as coding_repo

ROOT = Path(__file__).resolve().parents[2]


def landing_folder(tmp_path: Path, reviews: int = 150) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR / "calls", landing / "calls")
    shutil.copytree(SAMPLES_DIR / "emails", landing / "emails")
    lines = (SAMPLES_DIR / "reviews" / "dianping_aic2018.csv").read_text(encoding="utf-8")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(lines)))
    out = io.StringIO()
    csv.writer(out).writerows(rows[: reviews + 1])
    (landing / "reviews").mkdir()
    (landing / "reviews" / "export.csv").write_text(out.getvalue(), encoding="utf-8")
    return landing


def counts(db) -> dict:
    with open_store(db, read_only=True) as store:
        return {t: store.scalar(f"SELECT count(*) FROM {t}") for t in ("items", "quarantine", "codes", "ingest_manifest")}


def test_daily_flow_runs_incrementally_and_publishes(tmp_path):
    from prefect.client.orchestration import get_client

    from flows.daily import daily

    landing, db = landing_folder(tmp_path), str(tmp_path / "voc.duckdb")
    first = daily([str(landing)], db=db, models=str(tmp_path / "models"), workers=1, report=str(tmp_path / "r.html"), lexicon=True)
    assert len(first["ingested"]) == 9 and first["coded"]["coded"] == 150 + 5 + 8
    after_first = counts(db)
    assert after_first["items"] == 163 and after_first["quarantine"] == 1 and after_first["ingest_manifest"] == 9
    assert "Top negative touchpoints" in first["summary"] and "quarantined: 1" in first["summary"]
    second = daily([str(landing)], db=db, models=str(tmp_path / "models"), workers=1, lexicon=True)
    assert second["ingested"] == [] and second["coded"]["coded"] == 0
    assert counts(db) == after_first
    from prefect.client.schemas.filters import ArtifactFilter, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(), flow_run_filter=FlowRunFilter(),
                                          task_run_filter=TaskRunFilter(), sort=ArtifactSort.CREATED_DESC,
                                          limit=200, offset=0)
    keys = {a.key for a in artifacts}
    assert {"voc-run-summary", "top-negative-touchpoints", "red-cells", "voc-report"} <= keys
    assert (tmp_path / "r.html").stat().st_size > 1_000_000


def test_daily_flow_opens_cases_and_mails_each_owner_once(tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller

    from flows.daily import daily
    from tests.pipeline.test_notify import Inbox, free_port

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    monkeypatch.setenv("VOC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("VOC_SMTP_PORT", str(smtp.port))
    try:
        landing, db = landing_folder(tmp_path), str(tmp_path / "voc.duckdb")
        first = daily([str(landing)], db=db, models=str(tmp_path / "models"), workers=1, lexicon=True)
        second = daily([str(landing)], db=db, models=str(tmp_path / "models"), workers=1, lexicon=True)
    finally:
        smtp.stop()
    with open_store(db, read_only=True) as store:
        unresolved = store.query("""SELECT i.item_id FROM items i JOIN call_signals c USING (item_id)
                                    WHERE c.resolved = false""").item_id
        cases = store.query("SELECT item_id, channel, owner, severity FROM cases")
    assert len(unresolved) and set(unresolved) <= set(cases.item_id)  # every unresolved call has a case
    assert (cases.channel == "review").any() and (cases.owner == "delivery.lead@restaurant.example").any()
    recipients = [r for rcpts, _ in inbox.messages for r in rcpts]
    assert len(recipients) == len(set(recipients)) and set(cases.owner) <= set(recipients)  # once per owner
    assert len(first["cases"]) == len(cases) and second["cases"].empty and second["notified"] == []
    assert "## New cases" in first["summary"] and "## Notified" in first["summary"]


def test_a_changed_file_is_taken_again_without_duplicates(tmp_path):
    from flows.ingest import ingest

    landing, db = landing_folder(tmp_path, reviews=20), str(tmp_path / "voc.duckdb")
    ingest([str(landing / "reviews")], db=db)
    export = landing / "reviews" / "export.csv"
    export.write_text(export.read_text(encoding="utf-8") + "999999,新加的一条：服务员态度很差,南坪店,2026-11-20\n",
                      encoding="utf-8")
    reports = ingest([str(landing / "reviews")], db=db)
    assert [(r["new"], r["existing"]) for r in reports] == [(1, 20)]
    assert counts(db)["items"] == 21 and counts(db)["ingest_manifest"] == 2


KILLER = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    from pipeline.store import ingest as ingest_repo
    original = ingest_repo.write_batch
    calls = {{"n": 0}}
    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            os._exit(137)  # killed mid-file: two batches committed, the third never
        return original(*args, **kwargs)
    ingest_repo.write_batch = dying
    from flows.ingest import ingest
    ingest([{landing!r}], db={db!r}, batch_size=50)
""")


def test_a_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    from flows.ingest import ingest

    landing, db = landing_folder(tmp_path, reviews=200), str(tmp_path / "voc.duckdb")
    reviews = str(landing / "reviews")
    from prefect.settings import PREFECT_API_URL

    # the killed flow reports to the harness's API (no server of its own whose children outlive the kill)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    log = tmp_path / "killed.log"
    with open(log, "w") as out:
        killed = subprocess.run([sys.executable, "-c", KILLER.format(root=str(ROOT), landing=reviews, db=db)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300)
    assert killed.returncode == 137, log.read_text()[-3000:]
    partial = counts(db)
    assert partial["items"] == 100 and partial["ingest_manifest"] == 0  # not marked done
    reports = ingest([reviews], db=db, batch_size=50)
    assert [(r["new"], r["existing"]) for r in reports] == [(100, 100)]
    done = counts(db)
    assert done["items"] == 200 and done["ingest_manifest"] == 1
    with open_store(db, read_only=True) as store:
        assert store.scalar("SELECT count(DISTINCT external_id) FROM items") == 200


def _spike_rows(weeks: int = 6, last_week_bad: int = 5) -> str:
    """Six reviews of store S1 a week about staff; one negative a week, `last_week_bad` in the last."""
    start = date(2026, 9, 7)  # a Monday
    rows = ["id,content,store,created_at"]
    n = 0
    for week in range(weeks):
        day = start + timedelta(weeks=week)
        bad = last_week_bad if week == weeks - 1 else 1
        for k in range(6):
            n += 1
            text = "服务员态度很差" if k < bad else "服务员态度很好"
            rows.append(f"{n},{text}（第{n}条）,S1,{day + timedelta(days=k % 5)}")
    return "\n".join(rows) + "\n"


def test_alerts_fire_on_a_constructed_spike_once(tmp_path):
    from flows.aggregate import aggregate
    from flows.ingest import ingest
    from flows.code import code

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "spike.csv").write_text(_spike_rows(), encoding="utf-8")
    db = str(tmp_path / "voc.duckdb")
    ingest([str(tmp_path / "in")], db=db)
    code(db, models=str(tmp_path / "models"), workers=1, lexicon=True)
    result = aggregate(db)
    alerts = result["alerts"]
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert (alert.touchpoint, alert.dimension, alert.grain) == ("S1", "staff", "week")
    assert alert.negative_share == pytest.approx(5 / 6) and alert.baseline_share == pytest.approx(1 / 6)
    assert str(alert.period)[:10] == "2026-10-12"
    assert len(aggregate(db)["alerts"]) == 0  # the same spike is raised once
    with open_store(db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM alerts") == 1


def test_no_alert_without_a_jump(tmp_path):
    from pipeline.alerts import AlertRules, detect

    path = tmp_path / "steady.csv"
    path.write_text(_spike_rows(last_week_bad=1), encoding="utf-8")
    from pipeline.coder import Coder
    from pipeline.ingest.runner import ingest_reviews_file

    coder = Coder("restaurant", "lexicon", "lexicon")
    with open_store(tmp_path / "s.duckdb") as store:
        ingest_reviews_file(store, path)
        coding_repo.write_taxonomy(store, coder.taxonomy)
        coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
        assert detect(store, AlertRules()).empty


def test_retrain_promotes_only_a_better_model(tmp_path):
    from flows.retrain import retrain
    from pipeline.registry import Registry
    from tests.models.conftest import AIC

    import pandas as pd

    labelled = tmp_path / "labelled"
    labelled.mkdir()
    pd.read_csv(AIC).head(300)[["id", "content", "service_waiters_attitude", "price_level", "dish_taste"]] \
        .to_csv(labelled / "batch.csv", index=False)
    models = str(tmp_path / "models")
    first = retrain(str(labelled), name="asp", models=models)
    assert first[0]["promoted"] and first[0]["incumbent"] is None
    # a candidate that cannot learn (C tiny) must not replace the promoted model
    from models.train import retrain_and_compare

    worse = retrain_and_compare(labelled / "batch.csv", "asp", Registry(models), params={"C": 1e-6})
    assert not worse["promoted"] and worse["incumbent"] == "asp@1"
    assert worse["candidate_macro_f1"] < worse["incumbent_macro_f1"]
    assert Registry(models).promoted("aspects") == "asp@1"


def test_daily_flow_on_postgres(tmp_path, postgres):
    from flows.daily import daily

    url = postgres.new_database()
    landing = landing_folder(tmp_path, reviews=30)
    result = daily([str(landing)], db=url, models=str(tmp_path / "models"), workers=1, lexicon=True)
    assert result["coded"]["coded"] == 30 + 5 + 8
    again = daily([str(landing)], db=url, models=str(tmp_path / "models"), workers=1, lexicon=True)
    assert again["ingested"] == [] and counts(url)["items"] == 43


CONCURRENT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from flows.daily import daily
    daily([{landing!r}], db={db!r}, models={models!r}, workers=1, lexicon=True)
""")


def test_two_concurrent_daily_runs_on_postgres_store_everything_once(tmp_path, postgres):
    from prefect.settings import PREFECT_API_URL

    from flows.daily import daily

    landing = landing_folder(tmp_path, reviews=60)
    sequential = postgres.new_database()
    daily([str(landing)], db=sequential, models=str(tmp_path / "m"), workers=1, lexicon=True)
    concurrent = postgres.new_database()
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    logs = [tmp_path / f"run{k}.log" for k in (1, 2)]
    procs = []
    for log in logs:
        with open(log, "w") as out:
            procs.append(subprocess.Popen([sys.executable, "-c", CONCURRENT.format(
                root=str(ROOT), landing=str(landing), db=concurrent, models=str(tmp_path / "m"))],
                env=env, stdout=out, stderr=subprocess.STDOUT))
    codes = [p.wait(timeout=600) for p in procs]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]
    tables = ("items", "quarantine", "segments", "codes", "item_scores", "call_signals")
    with open_store(sequential, read_only=True) as a, open_store(concurrent, read_only=True) as b:
        for table in tables:
            assert a.scalar(f"SELECT count(*) FROM {table}") == b.scalar(f"SELECT count(*) FROM {table}"), table
        assert b.scalar("SELECT count(*) FROM item_scores WHERE is_current") == 73
        assert b.scalar("SELECT count(*) - count(DISTINCT (path, content_hash)) FROM ingest_manifest") == 0
