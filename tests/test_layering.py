"""The packages' layering: models/ depends on pipeline/, never the other way; no module hides an import
at its bottom to get around a cycle; the `voc` command still has every package's commands."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", modules("pipeline"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_library_never_imports_the_models_package(path):
    assert "models" not in imported(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", [*modules("pipeline"), *modules("models"), *modules("flows")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_module_level_imports_come_first(path):
    body = ast.parse(path.read_text(encoding="utf-8")).body
    kinds = [isinstance(node, (ast.Import, ast.ImportFrom)) for node in body
             if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]  # docstrings
    first_other = kinds.index(False) if False in kinds else len(kinds)
    late = [body_index for body_index, is_import in enumerate(kinds) if is_import and body_index > first_other]
    assert not late, f"{path.name}: a module-level import after other statements"


@pytest.mark.parametrize("order", ["pipeline, models", "models, pipeline", "models.cli, pipeline.cli"])
def test_packages_import_in_either_order(order):
    done = subprocess.run([sys.executable, "-c", f"import {order}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_voc_mounts_the_models_commands():
    from typer.testing import CliRunner

    from pipeline.cli import app

    out = CliRunner().invoke(app, ["--help"]).output
    for command in ("ingest", "run", "cases", "themes", "train", "evaluate", "models", "label", "pretrain"):
        assert command in out
