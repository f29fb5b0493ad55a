"""The HTML report: content checks, filters, and a real render in headless Chromium."""

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pipeline.report import Filters, build_report, parse_period

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
    html = build_report(coded, tmp_path / "r.html").read_text(encoding="utf-8")
    for div in ("heatmap", "trend", "volume", "nps", "drivers"):
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
    heatmap = re.search(r'<div id="heatmap"[^>]*>(.*?)</div>\s*<script', dom.stdout, re.S)
    assert heatmap and "main-svg" in heatmap.group(1) and "heatmaplayer" in dom.stdout  # plotly drew the heatmap
    assert dom.stdout.count('class="main-svg"') >= 5
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOT_DIR / "report-test.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1300,2400",
                    f"--screenshot={shot.resolve()}", report.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000
