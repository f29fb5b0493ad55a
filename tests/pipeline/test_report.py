"""The HTML report: content checks, filters, and a real render in headless Chromium."""

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pipeline.report import Filters, build_report, parse_period
from pipeline.store import coding as coding_repo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=10000"]
SCREENSHOT_DIR = Path(os.environ.get("VOC_SCREENSHOT_DIR", "build"))


def test_periods():
    assert parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-10-05") == (date(2026, 10, 5), date(2026, 10, 5))
    assert parse_period("2026-09-01..") == (date(2026, 9, 1), None)
    assert parse_period(None) == (None, None)
    with pytest.raises(ValueError):
        parse_period("last week")


def test_report_is_self_contained_with_every_section(coded, tmp_path):
    html = build_report(coded, tmp_path / "r.html", min_mentions=1).read_text(encoding="utf-8")  # a tiny store
    for div in ("heatmap-review", "trend", "volume", "nps", "drivers"):
        assert f'id="{div}"' in html
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)  # no CDN: plotly.js is inline
    assert "plotly" in html.lower() and len(html) > 1_000_000
    assert "服务员态度很差" in html and "员工态度与行为" in html  # red-cell evidence with Chinese labels


def test_filters_narrow_the_report(coded, tmp_path):
    html = build_report(coded, tmp_path / "b.html", Filters(touchpoints=("B",))).read_text(encoding="utf-8")
    assert "服务员态度很差" not in html and "touchpoints: B" in html
    june = build_report(coded, tmp_path / "j.html", Filters(*parse_period("2026-06"))).read_text(encoding="utf-8")
    assert "2026-06-10" in june and "2026-05-02" not in june


def test_report_renders_in_headless_chromium(coded, tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed here")
    report = build_report(coded, tmp_path / "report.html")
    profile = tmp_path / "profile"
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                          "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console_errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and ("Error" in line or "Uncaught" in line)]
    assert not console_errors, console_errors
    heatmap = re.search(r'<div id="heatmap-review"[^>]*>(.*?)</div>\s*<script', dom.stdout, re.S)
    assert heatmap and "main-svg" in heatmap.group(1) and "heatmaplayer" in dom.stdout  # plotly drew the heatmap
    assert dom.stdout.count('class="main-svg"') >= 5
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOT_DIR / "report-test.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1300,2400",
                    f"--screenshot={shot.resolve()}", report.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000


def test_small_cells_are_grey_shares_carry_an_interval_and_every_touchpoint_gets_evidence(store, tmp_path, coder):
    """A store where one store has 7 of 25 staff mentions negative (28 %, under the red line) and a
    hotline has a single negative call: neither is red, both show their evidence and n."""
    from pipeline.ingest.runner import ingest_file
    from tests.conftest import write

    rows = ["id,content,store,created_at"]
    rows += [f"{i},第{i}次来：服务员态度很差,南坪店,2026-09-{i % 28 + 1:02d}" for i in range(7)]  # distinct texts:
    rows += [f"{i},第{i}次来：服务员态度很好,南坪店,2026-09-{i % 28 + 1:02d}" for i in range(7, 25)]  # no exact duplicates
    ingest_file(store, write(tmp_path / "r.csv", "\n".join(rows) + "\n"), "review")
    ingest_file(store, write(tmp_path / "c.jsonl", '{"call_id": "k1", "queue": "投诉热线", "started_at": "2026-09-03", '
                             '"turns": [{"speaker": "客户", "text": "你们服务员态度很差"}]}\n'), "call")
    coding_repo.write_taxonomy(store, coder.taxonomy)
    coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
    html = build_report(store, tmp_path / "r.html", Filters(*parse_period("2026-09"))).read_text(encoding="utf-8")
    red = html.split('id="evidence"')[1].split('id="worst"')[0]
    worst = html.split('id="worst"')[1]
    assert "No red cells" in red                                   # 28 % of 25 and 1 of 1 are not red
    assert "南坪店" in worst and "28% negative (95% CI 14%–48%)" in worst and "25 mentions" in worst
    assert "投诉热线" in worst and "1 mentions" in worst
    assert 'id="heatmap-review"' in html and 'id="heatmap-call"' in html  # one panel per channel
    assert '"n=1"' in html or "n=1" in html                          # the single call's cell shows its n, greyed
    assert '"tickformat":"%Y-%m"' in html and '"dtick":"M1"' in html  # a one-month report has month ticks


def test_drivers_follow_the_filters(coded):
    from pipeline.report import gather

    everything = gather(coded, Filters())["drivers"]
    only_b = gather(coded, Filters(touchpoints=("B",)))["drivers"]
    assert set(everything["rated_items"]) == {4} and set(only_b["rated_items"]) == {1}  # B has one rated review
    assert gather(coded, Filters(*parse_period("2026-05")))["drivers"]["rated_items"].max() == 2


def test_report_shows_cases_per_touchpoint(cased, tmp_path):
    from pipeline.cases import close, open_cases

    store, rules, owners = cased
    empty = build_report(store, tmp_path / "none.html").read_text(encoding="utf-8")
    assert 'id="cases"' in empty and "No cases in the selected scope" in empty
    opened = open_cases(store, rules, owners)
    close(store, opened.cases[0]["case_id"], "done")
    html = build_report(store, tmp_path / "cases.html").read_text(encoding="utf-8")
    section = html[html.index('id="cases"'):]
    assert "外卖投诉热线" in section and "delivery@example.com" in section and "median time to close" in section


def test_report_and_view_rank_evidence_the_same_way(coded):
    from pipeline.report import gather

    report = gather(coded, Filters())["evidence"]
    view = coded.query("SELECT channel, touchpoint, dimension, evidence, rank FROM v_top_evidence WHERE sentiment = 'negative'")
    for (channel, touchpoint, dimension), cell in view.groupby(["channel", "touchpoint", "dimension"]):
        shown = report[(report.channel == channel) & (report.touchpoint == touchpoint) & (report.dimension == dimension)]
        assert list(shown.evidence[:len(cell)]) == list(cell.sort_values("rank").evidence)
