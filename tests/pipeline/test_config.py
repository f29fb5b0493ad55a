"""One configuration: flag > environment > voc.toml (upward, or VOC_HOME) > defaults; no silent lexicon."""

from __future__ import annotations


import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.coder import Coder, NoModels
from pipeline.config import resolve
from tests.conftest import REVIEW_SAMPLE


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("VOC_DB", raising=False)
    monkeypatch.delenv("VOC_MODELS", raising=False)
    monkeypatch.delenv("VOC_HOME", raising=False)
    (tmp_path / "proj" / "deep" / "er").mkdir(parents=True)
    (tmp_path / "proj" / "voc.toml").write_text('[store]\ndb = "data/voc.duckdb"\n[models]\nregistry = "reg"\n',
                                                encoding="utf-8")
    return tmp_path / "proj"


def test_voc_toml_is_found_upward_and_its_paths_are_relative_to_it(project, monkeypatch):
    monkeypatch.chdir(project / "deep" / "er")
    settings = resolve()
    assert settings.db == str(project / "data" / "voc.duckdb") and settings.models == str(project / "reg")
    assert settings.origin["db"] == str(project / "voc.toml")
    assert "voc.toml" in settings.describe()


def test_flag_beats_environment_beats_file_and_voc_home_is_the_fallback(project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    monkeypatch.setenv("VOC_MODELS", "/srv/models")
    assert resolve().models == "/srv/models" and resolve().origin["models"] == "env VOC_MODELS"
    assert resolve(models="mine").models == "mine" and resolve(models="mine").origin["models"] == "flag"
    monkeypatch.delenv("VOC_MODELS")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert resolve().db == "voc.duckdb" and resolve().origin["db"].startswith("default")
    monkeypatch.setenv("VOC_HOME", str(project))
    assert resolve().db == str(project / "data" / "voc.duckdb")  # cron, systemd: no working directory to rely on


def test_a_missing_or_empty_registry_is_an_error_unless_the_lexicon_is_asked_for(tmp_path):
    with pytest.raises(NoModels, match="does not exist"):
        Coder("restaurant", registry=str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoModels, match="--lexicon"):
        Coder("restaurant", registry=str(tmp_path / "empty"))
    assert Coder("restaurant", registry=str(tmp_path / "missing"), lexicon=True).model_version.startswith("aspects=lexicon@")


def test_voc_run_from_another_folder_fails_loudly_before_ingesting(project, monkeypatch):
    monkeypatch.chdir(project / "deep")
    result = CliRunner().invoke(app, ["run", str(REVIEW_SAMPLE), "--workers", "1"])
    assert result.exit_code == 2 and "model registry" in result.output and "--lexicon" in result.output
    assert not (project / "data" / "voc.duckdb").exists()  # nothing was ingested half-way
