"""Ticket statuses have one Thai label each (ticket.status.* in knowledge/responses.yaml), shown the same
in the citizen's lists, staff's "งานของฉัน" and status messages (handlers/statuses.py); no Python code
keeps its own."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.models import TicketStatus
from handlers.statuses import LABEL_KEY, OFFICER_STEPS, shown_status
from knowledge.loader import load_knowledge
from tests.conftest import REPO

STATUSES = sorted({s.value for s in TicketStatus} | set(OFFICER_STEPS))
CODE = [*sorted((REPO / "bot").rglob("*.py")), *sorted((REPO / "handlers").rglob("*.py")), REPO / "app.py"]


@pytest.fixture(scope="module")
def labels() -> dict[str, str]:
    responses = load_knowledge(None).responses
    return {status: responses.say(LABEL_KEY.format(status=status)) for status in STATUSES}


def test_every_status_has_one_distinct_label(labels: dict[str, str]) -> None:
    assert all(label.strip() for label in labels.values())
    assert len(set(labels.values())) == len(labels), labels  # two statuses never read the same


@pytest.mark.parametrize(
    ("status", "note", "shown"),
    [
        (TicketStatus.CLAIMED, "in_progress", "in_progress"),  # the officer's finer step on a claimed report
        (TicketStatus.CLAIMED, None, "claimed"),
        (TicketStatus.ANSWERED, "in_progress", "answered"),  # the ticket moved on: its own status wins
        (TicketStatus.CLAIMED, "something else", "claimed"),
    ],
)
def test_shown_status(status: TicketStatus, note: str | None, shown: str) -> None:
    assert shown_status(SimpleNamespace(status=status), note) == shown  # type: ignore[arg-type]


def test_no_python_string_repeats_a_status_label(labels: dict[str, str]) -> None:
    """Docstrings may name a button; string values that reach people come from responses.yaml only."""
    found = [f"{path.relative_to(REPO)}:{line}: {text!r}" for path in CODE for line, text in _strings(path)
             if any(label in text for label in labels.values())]
    assert found == []


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree) if _has_docstring(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def _has_docstring(node: Any) -> bool:
    body = getattr(node, "body", None)
    return (isinstance(body, list) and bool(body) and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str))
