"""Fixture knowledge trees: a small valid base, and cases that each add one kind of problem to it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base"
SHARED = FIXTURES / "shared"
CASES = FIXTURES / "cases"
REPO = Path(__file__).resolve().parents[2]
REAL_ROOT = REPO / "knowledge"

MakeKb = Callable[..., Path]


@pytest.fixture
def make_kb(tmp_path: Path) -> MakeKb:
    """Copy the base tree to tmp (optionally overlay a case folder and extra files); return its root."""

    def make(case: str | None = None, files: dict[str, str] | None = None) -> Path:
        root = tmp_path / "knowledge"
        shutil.copytree(BASE, root)
        if case:
            shutil.copytree(CASES / case, root, dirs_exist_ok=True)
        for rel, text in (files or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        return root

    return make
