"""The interaction log (one row per inbound event) and the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import AuditLog, Interaction
from bot.repo._sql import dialect_insert, now_or


async def record_interaction(
    session: AsyncSession,
    *,
    webhook_event_id: str,
    event_type: str,
    line_user_id: str | None = None,
    chat_id: str | None = None,
    message_type: str | None = None,
    text: str | None = None,
    intent: str | None = None,
    topic: str | None = None,
    confidence: float | None = None,
    decision: str | None = None,
    latency_ms: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Store one event (text already redacted); False when this webhook event id is already recorded.

    INSERT ... ON CONFLICT DO NOTHING makes the check and the insert one statement, so redeliveries
    racing in two workers still store exactly one row.
    """
    values = {
        "webhook_event_id": webhook_event_id, "event_type": event_type, "line_user_id": line_user_id,
        "chat_id": chat_id, "message_type": message_type, "text": text, "intent": intent, "topic": topic,
        "confidence": confidence, "decision": decision, "latency_ms": latency_ms, "created_at": now_or(now),
    }
    insert = dialect_insert(session, Interaction).values(**values)
    insert = insert.on_conflict_do_nothing(index_elements=[Interaction.webhook_event_id])
    result = await session.execute(insert.returning(Interaction.id))
    return result.scalar_one_or_none() is not None


async def list_interactions(
    session: AsyncSession,
    *,
    line_user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    newest_first: bool = True,
) -> list[Interaction]:
    """Return logged interactions, optionally for one user and within [since, until)."""
    query = select(Interaction)
    if line_user_id is not None:
        query = query.where(Interaction.line_user_id == line_user_id)
    if since is not None:
        query = query.where(Interaction.created_at >= since)
    if until is not None:
        query = query.where(Interaction.created_at < until)
    order = (Interaction.created_at.desc(), Interaction.id.desc()) if newest_first else (
        Interaction.created_at, Interaction.id)
    result = await session.execute(query.order_by(*order).limit(limit))
    return list(result.scalars())


async def audit(
    session: AsyncSession,
    actor_user_id: int | None,
    action: str,
    *,
    ticket_id: int | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditLog:
    """Append one audit entry (actor None = the system: SLA timer, CLI)."""
    entry = AuditLog(
        actor_user_id=actor_user_id, action=action, ticket_id=ticket_id, detail=detail, created_at=now_or(now)
    )
    session.add(entry)
    await session.flush()
    return entry


async def list_audit(
    session: AsyncSession, *, ticket_id: int | None = None, action: str | None = None, limit: int = 100
) -> list[AuditLog]:
    """Return audit entries, oldest first, optionally for one ticket or one action."""
    query = select(AuditLog)
    if ticket_id is not None:
        query = query.where(AuditLog.ticket_id == ticket_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    result = await session.execute(query.order_by(AuditLog.created_at, AuditLog.id).limit(limit))
    return list(result.scalars())
