"""Shared fixtures: one coding pipeline per session, a fresh store per test.

Tests never see the working directory's model registry (`make demo` promotes models there): the
default registry is an empty temporary folder, and tests that want models train their own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["VOC_MODELS"] = tempfile.mkdtemp(prefix="voc-test-models-")

from pipeline.paths import SAMPLES_DIR

REVIEW_SAMPLE = SAMPLES_DIR / "reviews" / "dianping_aic2018.csv"


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp import build_nlp

    return build_nlp("restaurant")


@pytest.fixture(scope="session")
def coder():
    from pipeline.coder import Coder

    return Coder("restaurant", "lexicon", "lexicon")


@pytest.fixture()
def store(tmp_path: Path):
    from pipeline.store import Store

    with Store.open(tmp_path / "voc.duckdb") as s:
        yield s


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
