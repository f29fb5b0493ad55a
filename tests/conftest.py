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


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the session (see tests/postgres.py)."""
    from tests.postgres import TestServer

    server = TestServer()
    if not server.available:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (`make test` installs Debian's postgresql)")
        pytest.skip("PostgreSQL not installed here")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path: Path):
    """The same tests against both stores: an embedded DuckDB file and a PostgreSQL database."""
    from pipeline.store import open_store

    target = tmp_path / "voc.duckdb" if request.param == "duckdb" else request.getfixturevalue("postgres").new_database()
    with open_store(target) as s:
        yield s


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
