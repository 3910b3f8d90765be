"""Imports flow one way: app.py -> handlers/ and bot/ -> nlu/ -> knowledge/, and nothing imports app.py. Lazy
imports inside functions count too (the */cli.py command modules import inside their commands), so every import
statement in a file is checked."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

FORBIDDEN = {  # package -> our top-level modules it must never import
    "knowledge": {"app", "handlers", "bot", "nlu"},
    "nlu": {"app", "handlers", "bot"},
    "bot": {"app", "handlers"},
    "handlers": {"app"},
}


def _imported(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file (relative imports stay inside the package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream(package: str) -> None:
    files = sorted((REPO / package).rglob("*.py"))
    assert files
    wrong = [f"{path.relative_to(REPO)} imports {name}" for path in files
             for name in sorted(_imported(path) & FORBIDDEN[package])]
    assert wrong == []

