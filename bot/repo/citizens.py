"""Storage for citizen conversations: officers of a LAO, places outside the LAO directory, clarification
picks kept for review, and the progress notes of report cases. Functions take the session first and do not
commit."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import LabelledExample, LabelSource, Lao, LineUser, MessageKind, Role, TicketMessage
from bot.repo._sql import dialect_insert, now_or

PLACE_TYPE = "place"  # a `laos` row for a subdistrict the directory does not cover (code "P-<geocode>")


async def list_officers(session: AsyncSession, lao_code: str) -> list[LineUser]:
    """Followed officers of this LAO, oldest registration first (they hear about new report cases)."""
    query = select(LineUser).where(LineUser.lao_code == lao_code, LineUser.role == Role.OFFICER,
                                   LineUser.followed.is_(True))
    return list((await session.execute(query.order_by(LineUser.id))).scalars())


async def ensure_place(
    session: AsyncSession, code: str, name: str, *, province: str, district: str | None,
    subdistrict: str | None,
) -> Lao:
    """Remember a place outside the directory as a `laos` row of type "place" (kept by the directory sync,
    which only upserts its own codes), so a user's lao_code and a report case can refer to it."""
    row = await session.get(Lao, code)
    if row is not None:
        return row
    insert = dialect_insert(session, Lao).values(
        code=code, name=name, type=PLACE_TYPE, province=province, district=district, subdistrict=subdistrict,
        region=None, is_mentor=False, away=False)
    await session.execute(insert.on_conflict_do_nothing(index_elements=[Lao.code]))
    row = await session.get(Lao, code)
    assert row is not None  # inserted above or by a concurrent request
    return row


async def add_labelled_example(
    session: AsyncSession, text: str, intent: str, topic: str | None, *,
    source: LabelSource = LabelSource.CLARIFY_PICK, now: datetime | None = None,
) -> LabelledExample:
    """Keep a (redacted) message with the intent a person chose, for NLU review."""
    example = LabelledExample(text=text, intent=intent, topic=topic, source=source, created_at=now_or(now))
    session.add(example)
    await session.flush()
    return example


async def list_labelled_examples(session: AsyncSession, *, limit: int = 100) -> list[LabelledExample]:
    query = select(LabelledExample).order_by(LabelledExample.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def latest_status_notes(session: AsyncSession, ticket_ids: Collection[int]) -> dict[int, str]:
    """The newest STATUS thread entry of each ticket (e.g. "in_progress"), for statuses finer than the
    ticket's own (an officer working on a claimed report)."""
    if not ticket_ids:
        return {}
    query = select(TicketMessage).where(TicketMessage.ticket_id.in_(list(ticket_ids)),
                                        TicketMessage.kind == MessageKind.STATUS)
    notes: dict[int, str] = {}
    ordered = query.order_by(TicketMessage.created_at, TicketMessage.id)
    for message in (await session.execute(ordered)).scalars():
        notes[message.ticket_id] = message.body
    return notes
