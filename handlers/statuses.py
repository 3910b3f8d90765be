"""The one way a ticket's status is named to people: the citizen's lists ("เรื่องของฉัน", "ตามเรื่อง"),
staff's "งานของฉัน", and the status-change messages all call `ticket_label` / `status_label` here.

The words are the `ticket.status.<status>` phrases of knowledge/responses.yaml, written for citizens. The
shown status is the ticket's own, except that an officer's finer step on a claimed report ("in_progress",
kept as a STATUS entry of its thread) replaces "claimed", so reporter and officer read the same label.
"""
from __future__ import annotations

from bot.models import Ticket, TicketStatus
from bot.turn import Turn

OFFICER_STEPS = ("claimed", "in_progress", "closed")  # what an officer can set on a report from LINE
LABEL_KEY = "ticket.status.{status}"


def shown_status(ticket: Ticket, note: str | None = None) -> str:
    """The status a person is shown: the ticket's own, or the officer's latest step on a claimed report."""
    if ticket.status == TicketStatus.CLAIMED and note in OFFICER_STEPS:
        return str(note)
    return ticket.status.value


def status_label(turn: Turn, status: str) -> str:
    """The Thai label of a status; every status has one (tests/handlers/test_status_labels.py checks)."""
    return turn.say(LABEL_KEY.format(status=status))


def ticket_label(turn: Turn, ticket: Ticket, note: str | None = None) -> str:
    return status_label(turn, shown_status(ticket, note))
