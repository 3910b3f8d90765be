"""`thongthin kb suggestions list|approve|reject` and `thongthin lao away` on a throwaway SQLite database."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bot.db import make_sync_url


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("THONGTHIN_DATA_DIR", str(tmp_path))
    return importlib.import_module("app").cli, url


def _run(cli: Any, *args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def _add_suggestion(url: str) -> None:
    engine = create_engine(make_sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO knowledge_suggestions (question, answer, suggested_intent, suggested_topic, "
                          "status, created_at) VALUES ('ถามอะไร', 'ตอบแบบนี้', NULL, 'officer_saraban', "
                          "'pending', '2026-11-24 03:00:00')"))
    engine.dispose()


def test_list_reject_and_a_second_review_is_refused(cli: tuple[Any, str]) -> None:
    app, url = cli
    assert _run(app, "kb", "suggestions", "list").exit_code == 0  # creates the schema; nothing pending
    _add_suggestion(url)
    listed = _run(app, "kb", "suggestions", "list")
    assert listed.exit_code == 0 and "1\tpending\t-\t-\tofficer_saraban\tถามอะไร\tตอบแบบนี้" in listed.stdout
    assert "rejected" in _run(app, "kb", "suggestions", "reject", "1").stdout
    again = _run(app, "kb", "suggestions", "approve", "1")
    assert again.exit_code == 1 and "already rejected" in again.output
    assert "ถามอะไร" in _run(app, "kb", "suggestions", "list", "--status", "all").stdout


def test_approve_as_article_names_the_learned_intent(cli: tuple[Any, str]) -> None:
    app, url = cli
    _run(app, "kb", "suggestions", "list")
    _add_suggestion(url)
    approved = _run(app, "kb", "suggestions", "approve", "1")
    assert approved.exit_code == 0 and "approved\t-\tlearned.s1\tofficer_saraban" in approved.stdout
    assert _run(app, "kb", "suggestions", "approve", "1", "--as", "pages").exit_code == 2


def test_lao_away_and_back(cli: tuple[Any, str]) -> None:
    app, url = cli
    assert _run(app, "lao", "away", "P-420301").stdout.strip() == "P-420301: away"
    engine = create_engine(make_sync_url(url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT away FROM laos WHERE code = 'P-420301'")).scalar_one() in (1, True)
    engine.dispose()
    assert _run(app, "lao", "away", "P-420301", "--back").exit_code == 0
    assert _run(app, "lao", "away", "05900999").exit_code == 1


def test_unknown_status_is_a_clear_error(cli: tuple[Any, str]) -> None:
    app, _ = cli
    result = _run(app, "kb", "suggestions", "list", "--status", "bogus")
    assert result.exit_code == 2 and "--status must be one of" in result.output
