"""Shared fixtures: one coding pipeline per session, a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.paths import SAMPLES_DIR

REVIEW_SAMPLE = SAMPLES_DIR / "reviews" / "dianping_aic2018.csv"


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp import build_nlp

    return build_nlp("restaurant")


@pytest.fixture(scope="session")
def coder():
    from pipeline.coder import Coder

    return Coder("restaurant")


@pytest.fixture()
def store(tmp_path: Path):
    from pipeline.store import Store

    with Store.open(tmp_path / "voc.duckdb") as s:
        yield s


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
