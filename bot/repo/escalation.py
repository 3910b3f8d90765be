"""Escalation storage: who receives tickets, moving tickets between LAOs, SLA timers, knowledge suggestions.

Like the rest of bot.repo, functions take the session first and never commit. The race-sensitive ones
(taking an SLA timer, moving a ticket, reviewing a suggestion) are single conditional UPDATEs, so two workers
never both win.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    AuditLog,
    KnowledgeSuggestion,
    Lao,
    LineUser,
    Role,
    SuggestionStatus,
    Ticket,
    TicketStatus,
)
from bot.repo._sql import affected_rows, now_or

_ACTIVE = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.ANSWERED)


# ---- people and LAOs ---------------------------------------------------------------------------------------

async def get_user_by_pk(session: AsyncSession, user_pk: int) -> LineUser | None:
    """The user with this database id (tickets refer to users by it)."""
    return await session.get(LineUser, user_pk)


async def list_users(
    session: AsyncSession, *, roles: Collection[Role], lao_code: str | None = None
) -> list[LineUser]:
    """Followed users with one of `roles` (and of one LAO when given), oldest account first."""
    query = select(LineUser).where(LineUser.role.in_(list(roles)), LineUser.followed.is_(True))
    if lao_code is not None:
        query = query.where(LineUser.lao_code == lao_code)
    result = await session.execute(query.order_by(LineUser.id))
    return list(result.scalars())


async def staffed_laos(session: AsyncSession, role: Role) -> dict[str, int]:
    """LAO code -> number of followed users with `role` there (LAOs without any are left out)."""
    query = (select(LineUser.lao_code, func.count()).where(LineUser.role == role, LineUser.followed.is_(True),
             LineUser.lao_code.is_not(None)).group_by(LineUser.lao_code))
    return {code: count for code, count in (await session.execute(query)).all()}


async def list_mentor_laos(session: AsyncSession, *, include_away: bool = False) -> list[Lao]:
    """Mentor LAOs from the directory table (those marked away are left out unless asked for)."""
    query = select(Lao).where(Lao.is_mentor.is_(True))
    if not include_away:
        query = query.where(Lao.away.is_(False))
    return list((await session.execute(query.order_by(Lao.code))).scalars())


async def set_lao_away(session: AsyncSession, lao_code: str, away: bool) -> bool:
    """Mark a mentor LAO as taking no tickets for now (or back); False for an unknown code."""
    result = await session.execute(update(Lao).where(Lao.code == lao_code).values(away=away))
    return affected_rows(result) == 1


async def open_load_by_lao(session: AsyncSession) -> dict[str, int]:
    """LAO code -> number of unfinished tickets assigned to it (for least-load routing)."""
    query = (select(Ticket.assignee_lao_code, func.count()).where(Ticket.status.in_(list(_ACTIVE)),
             Ticket.assignee_lao_code.is_not(None)).group_by(Ticket.assignee_lao_code))
    return {code: count for code, count in (await session.execute(query)).all()}


# ---- moving tickets and their timers -----------------------------------------------------------------------

async def move_ticket(
    session: AsyncSession, ticket_id: int, to_lao: str | None, *, from_lao: str | None,
    from_user: int | None = None, sla_due_at: datetime | None = None, reroute: bool = False,
) -> bool:
    """Give an open ticket (or one claimed by `from_user`) to another LAO, unclaimed; True if it moved.

    The WHERE repeats what the caller saw, so a claim that lands first makes the move fail (and vice versa).
    """
    conditions = [Ticket.id == ticket_id, Ticket.assignee_lao_code == from_lao if from_lao else
                  Ticket.assignee_lao_code.is_(None)]
    if from_user is None:
        conditions += [Ticket.status == TicketStatus.OPEN, Ticket.assignee_user_id.is_(None)]
    else:
        conditions += [Ticket.status == TicketStatus.CLAIMED, Ticket.assignee_user_id == from_user]
    values: dict[str, object] = {"assignee_lao_code": to_lao, "assignee_user_id": None,
                                 "status": TicketStatus.OPEN, "sla_due_at": sla_due_at}
    if reroute:
        values["reroute_count"] = Ticket.reroute_count + 1
    result = await session.execute(update(Ticket).where(*conditions).values(**values))
    return affected_rows(result) == 1


async def due_ticket_ids(session: AsyncSession, now: datetime, *, limit: int = 50) -> list[int]:
    """Unfinished tickets whose SLA timer is due at `now`, most overdue first."""
    query = (select(Ticket.id).where(Ticket.status.in_(list(_ACTIVE)), Ticket.sla_due_at.is_not(None),
             Ticket.sla_due_at <= now).order_by(Ticket.sla_due_at, Ticket.id).limit(limit))
    return list((await session.execute(query)).scalars())


async def take_sla_due(session: AsyncSession, ticket_id: int, due: datetime) -> bool:
    """Claim one firing of a ticket's timer: only the worker whose UPDATE still sees `due` wins."""
    statement = update(Ticket).where(Ticket.id == ticket_id, Ticket.sla_due_at == due).values(sla_due_at=None)
    return affected_rows(await session.execute(statement)) == 1


async def set_ticket_fields(session: AsyncSession, ticket_id: int, **values: object) -> None:
    """Plain column updates that need no race check (SLA due time and outcome, rating)."""
    await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))


async def last_audit_at(session: AsyncSession, ticket_id: int, actions: Collection[str]) -> datetime | None:
    """When one of `actions` last happened to the ticket (e.g. its latest routing), or None."""
    query = select(func.max(AuditLog.created_at)).where(AuditLog.ticket_id == ticket_id,
                                                        AuditLog.action.in_(list(actions)))
    value = (await session.execute(query)).scalar_one_or_none()
    if isinstance(value, str):  # SQLite returns the aggregate as text, outside the column type
        value = datetime.fromisoformat(value)
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


async def audited_laos(session: AsyncSession, ticket_id: int, action: str) -> list[str]:
    """The `detail["lao"]` codes of a ticket's `action` entries (e.g. every LAO it was routed to)."""
    query = select(AuditLog.detail).where(AuditLog.ticket_id == ticket_id, AuditLog.action == action)
    details = (await session.execute(query.order_by(AuditLog.id))).scalars()
    return [d["lao"] for d in details if isinstance(d, dict) and d.get("lao")]


# ---- knowledge suggestions ---------------------------------------------------------------------------------

async def create_suggestion(
    session: AsyncSession, *, ticket_id: int | None, question: str, answer: str,
    suggested_intent: str | None, suggested_topic: str | None, now: datetime | None = None,
) -> KnowledgeSuggestion:
    """Propose a helpful answer as knowledge (texts already redacted by the caller)."""
    row = KnowledgeSuggestion(ticket_id=ticket_id, question=question, answer=answer, created_at=now_or(now),
                              suggested_intent=suggested_intent, suggested_topic=suggested_topic,
                              status=SuggestionStatus.PENDING)
    session.add(row)
    await session.flush()
    return row


async def list_suggestions(
    session: AsyncSession, *, status: SuggestionStatus | None = None, limit: int = 100
) -> list[KnowledgeSuggestion]:
    """Suggestions, oldest first (a review queue)."""
    query = select(KnowledgeSuggestion)
    if status is not None:
        query = query.where(KnowledgeSuggestion.status == status)
    result = await session.execute(query.order_by(KnowledgeSuggestion.id).limit(limit))
    return list(result.scalars())


async def get_suggestion(session: AsyncSession, suggestion_id: int) -> KnowledgeSuggestion | None:
    query = select(KnowledgeSuggestion).where(KnowledgeSuggestion.id == suggestion_id)
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def review_suggestion(
    session: AsyncSession, suggestion_id: int, status: SuggestionStatus, *, reviewer: int | None = None,
    suggested_intent: str | None = None, suggested_topic: str | None = None, now: datetime | None = None,
) -> bool:
    """Approve or reject a pending suggestion once; False when it is unknown or already reviewed."""
    values: dict[str, object] = {"status": status, "reviewed_by": reviewer, "reviewed_at": now_or(now)}
    if suggested_intent is not None:
        values["suggested_intent"] = suggested_intent
    if suggested_topic is not None:
        values["suggested_topic"] = suggested_topic
    statement = update(KnowledgeSuggestion).where(
        KnowledgeSuggestion.id == suggestion_id, KnowledgeSuggestion.status == SuggestionStatus.PENDING)
    return affected_rows(await session.execute(statement.values(**values))) == 1


async def approved_suggestions(session: AsyncSession) -> list[tuple[KnowledgeSuggestion, Role | None]]:
    """Every approved suggestion with the role of the person who first asked (the audience of the answer)."""
    query = (select(KnowledgeSuggestion, Ticket.requester_role)
             .outerjoin(Ticket, Ticket.id == KnowledgeSuggestion.ticket_id)
             .where(KnowledgeSuggestion.status == SuggestionStatus.APPROVED).order_by(KnowledgeSuggestion.id))
    return [(row, role) for row, role in (await session.execute(query)).all()]


async def approved_signature(session: AsyncSession) -> tuple[int, int]:
    """(count, highest id) of approved suggestions: changes whenever one is approved (approval is final)."""
    query = select(func.count(), func.coalesce(func.max(KnowledgeSuggestion.id), 0)).where(
        KnowledgeSuggestion.status == SuggestionStatus.APPROVED)
    count, top = (await session.execute(query)).one()
    return int(count), int(top)

