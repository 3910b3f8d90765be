"""Ticket primitives: create, claim (first claim wins), status changes, thread messages, listings."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import MessageKind, Role, Ticket, TicketKind, TicketMessage, TicketStatus
from bot.repo._sql import affected_rows, now_or

ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.ANSWERED)

# The timestamp column each status change stamps (a reopen to CLAIMED keeps the first claim time).
_STAMP = {
    TicketStatus.ANSWERED: "answered_at",
    TicketStatus.CLOSED: "closed_at",
    TicketStatus.CANCELLED: "closed_at",
}


async def create_ticket(
    session: AsyncSession,
    *,
    kind: TicketKind,
    requester_user_id: int | None,
    requester_role: Role,
    question: str,
    requester_lao_code: str | None = None,
    assignee_lao_code: str | None = None,
    reason: str | None = None,
    excerpt: str | None = None,
    bot_answer: str | None = None,
    nlu_candidates: list[Any] | None = None,
    topic: str | None = None,
    location: dict[str, Any] | None = None,
    photo_content_ids: list[str] | None = None,
    sla_due_at: datetime | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket (texts already redacted by the caller); its `id` is the public number #id."""
    ticket = Ticket(
        kind=kind, status=TicketStatus.OPEN, requester_user_id=requester_user_id,
        requester_role=requester_role, requester_lao_code=requester_lao_code,
        assignee_lao_code=assignee_lao_code, reason=reason, question=question, excerpt=excerpt,
        bot_answer=bot_answer, nlu_candidates=nlu_candidates, topic=topic, location=location,
        photo_content_ids=photo_content_ids, sla_due_at=sla_due_at, reroute_count=0, created_at=now_or(now),
    )
    session.add(ticket)
    await session.flush()
    return ticket


async def claim_ticket(
    session: AsyncSession, ticket_id: int, user_id: int, *, lao_code: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Make `user_id` the ticket's owner if it is still open and unowned; True for the one winner.

    One conditional UPDATE decides the race (PostgreSQL re-checks the WHERE after the row lock is
    released; SQLite serialises writers). `lao_code`, when given, must still be the assigned LAO, so
    a claim from a mentor whose LAO lost the ticket to an SLA re-route fails too.
    """
    conditions = [Ticket.id == ticket_id, Ticket.status == TicketStatus.OPEN]
    conditions.append(Ticket.assignee_user_id.is_(None))
    if lao_code is not None:
        conditions.append(Ticket.assignee_lao_code == lao_code)
    statement = update(Ticket).where(*conditions).values(
        status=TicketStatus.CLAIMED, assignee_user_id=user_id, claimed_at=now_or(now)
    )
    result = await session.execute(statement)
    return affected_rows(result) == 1


async def transition_ticket(
    session: AsyncSession,
    ticket_id: int,
    status: TicketStatus,
    *,
    expected: Collection[TicketStatus],
    assignee_user_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Move a ticket to `status` only if it is in one of `expected` (and owned by `assignee_user_id`
    when given); stamps answered_at / closed_at. False when the ticket was not in that state."""
    conditions = [Ticket.id == ticket_id, Ticket.status.in_(list(expected))]
    if assignee_user_id is not None:
        conditions.append(Ticket.assignee_user_id == assignee_user_id)
    values: dict[str, object] = {"status": status}
    if status in _STAMP:
        values[_STAMP[status]] = now_or(now)
    result = await session.execute(update(Ticket).where(*conditions).values(**values))
    return affected_rows(result) == 1


async def get_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Return the ticket as stored now (re-read even if this session holds an older copy)."""
    query = select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def add_ticket_message(
    session: AsyncSession,
    ticket_id: int,
    body: str,
    kind: MessageKind,
    *,
    author_user_id: int | None = None,
    author_role: Role | None = None,
    now: datetime | None = None,
) -> TicketMessage:
    """Append a message to a ticket's thread."""
    message = TicketMessage(ticket_id=ticket_id, body=body, kind=kind, author_user_id=author_user_id,
                            author_role=author_role, created_at=now_or(now))
    session.add(message)
    await session.flush()
    return message


async def list_ticket_messages(session: AsyncSession, ticket_id: int) -> list[TicketMessage]:
    """Return a ticket's thread, oldest first."""
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
    result = await session.execute(query.order_by(TicketMessage.created_at, TicketMessage.id))
    return list(result.scalars())


async def list_tickets_for_requester(
    session: AsyncSession, requester_user_id: int, *, statuses: Collection[TicketStatus] | None = None,
    limit: int = 20,
) -> list[Ticket]:
    """Return a requester's tickets, newest first ("เรื่องของฉัน")."""
    query = select(Ticket).where(Ticket.requester_user_id == requester_user_id)
    if statuses is not None:
        query = query.where(Ticket.status.in_(list(statuses)))
    result = await session.execute(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    return list(result.scalars())


async def list_tickets_for_assignee(
    session: AsyncSession,
    *,
    user_id: int | None = None,
    lao_code: str | None = None,
    statuses: Collection[TicketStatus] | None = ACTIVE_STATUSES,
    limit: int = 50,
) -> list[Ticket]:
    """Return tickets owned by a person and/or assigned to a LAO, oldest first (a work queue)."""
    if user_id is None and lao_code is None:
        raise ValueError("give user_id, lao_code or both")
    query = select(Ticket)
    if user_id is not None:
        query = query.where(Ticket.assignee_user_id == user_id)
    if lao_code is not None:
        query = query.where(Ticket.assignee_lao_code == lao_code)
    if statuses is not None:
        query = query.where(Ticket.status.in_(list(statuses)))
    result = await session.execute(query.order_by(Ticket.created_at, Ticket.id).limit(limit))
    return list(result.scalars())
