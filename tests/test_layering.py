"""The packages' layering: models/ depends on pipeline/, never the other way; no module hides an import
at its bottom to get around a cycle; the `voc` command still has every package's commands."""

import ast
import re
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


SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|VIEW|INDEX)\b")
SQL_HOMES = (ROOT / "pipeline" / "store", ROOT / "pipeline" / "aggregate.py")


@pytest.mark.parametrize("path", [p for p in [*modules("pipeline"), *modules("models"), *modules("flows")]
                                  if not any(p == home or home in p.parents for home in SQL_HOMES)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_sql_lives_in_the_store_package_and_the_views(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    strings = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
    assert not [s for s in strings if SQL.search(s)], f"{path.name} holds SQL"


def test_the_store_is_split_by_job():
    import pipeline.store as store

    assert not hasattr(store, "Store")
    for job in ("engine", "migrator", "settings", "ingest", "coding", "near_duplicates", "manifest", "alerts",
                "cases", "stats", "coverage", "relations"):
        assert (ROOT / "pipeline" / "store" / f"{job}.py").is_file(), job
