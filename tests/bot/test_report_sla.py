"""Report-case timers (bot/report_sla.py) driven through the shared SLA loop with an injected clock: the
officers' reminder after one business day, the admins' alert and the reporter's message after three, an
officer's update stopping both, a LAO without officers, and one firing with several workers. Every database
test runs on SQLite and PostgreSQL (tests/bot/conftest.py)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.messages import TextOut
from bot.models import Lao, Role, TicketKind, TicketStatus
from bot.report_sla import ESCALATED, REMINDED, ack_due, escalate_due, initial_due
from bot.sla import BusinessCalendar, SlaPolicy, reschedule, tick
from bot.storage import Storage
from bot.tickets import Push
from knowledge.loader import load_knowledge

POLICY = SlaPolicy(BusinessCalendar("Asia/Bangkok", "08:30", "16:30", holidays=True))  # 8 h / 24 h defaults
SILA = "P-400114"  # in the LAO directory
PLACE = "P-999901"  # a place outside the directory, kept as a `laos` row
OFFICER_NAME = "สมหญิง ใจดีมาก"
OTHER_DETAIL = "บ้านเลขที่ 99 ของผู้แจ้งอีกคน"


def bkk(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


def local(when: datetime) -> str:
    return POLICY.calendar.local(when).strftime("%Y-%m-%d %H:%M")


@dataclass
class FixedClock:
    at: datetime

    async def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge(None)


@pytest.fixture
async def ctx(kb: Any, db_sessions: async_sessionmaker[AsyncSession]) -> SimpleNamespace:
    """What tick() reads from the app context, with people: two Sila officers, an admin, two reporters."""
    async with db_sessions.begin() as session:
        session.add_all([Lao(code=SILA, name="Sila", type="municipality_town", province="ขอนแก่น"),
                         Lao(code=PLACE, name="ตำบลนอกทำเนียบ", type="place", province="เลย")])
        await session.flush()
        for name in ("o1", "o2"):
            await repo.get_or_create_user(session, name, display_name=OFFICER_NAME)
            await repo.set_user_role(session, name, Role.OFFICER, lao_code=SILA)
        await repo.set_user_role(session, "admin", Role.ADMIN)
        for name in ("reporter", "neighbour"):
            await repo.set_user_role(session, name, Role.CITIZEN, lao_code=SILA)
    return SimpleNamespace(clock=FixedClock(bkk("2026-11-24T10:00")), storage=Storage(db_sessions), kb=kb)


async def open_case(ctx: SimpleNamespace, at: datetime, *, lao: str = SILA, reporter: str = "reporter",
                    detail: str = "หลุมลึกหน้าโรงเรียน") -> int:
    """A report case as handlers/cases.py opens it (timer included)."""
    async with ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, reporter)
        officers = await repo.list_users(session, roles=(Role.OFFICER,), lao_code=lao)
        ticket = await repo.create_ticket(
            session, kind=TicketKind.REPORT, requester_user_id=user.id, requester_role=Role.CITIZEN,
            question="ถนนเป็นหลุม", requester_lao_code=lao, assignee_lao_code=lao, topic="road_damage",
            location={"text": "ซอย 5"}, excerpt=detail, now=at,
            sla_due_at=initial_due(POLICY, bool(officers), at))
        return ticket.id


async def run_timers(ctx: SimpleNamespace, when: datetime) -> list[Push]:
    ctx.clock.at = when
    sent: list[Push] = []

    async def deliver(key: str, push: Push) -> None:
        sent.append(push)

    await tick(ctx, POLICY, deliver)
    return sent


def text_to(sent: list[Push], who: str) -> str:
    return "\n".join(m.text for p in sent if p.to == who for m in p.messages if isinstance(m, TextOut))


async def case(ctx: SimpleNamespace, number: int) -> Any:
    async with ctx.storage.transaction() as session:
        return await repo.get_ticket(session, number)


def test_deadlines_count_business_hours_only() -> None:
    friday = bkk("2026-11-27T15:00")
    assert local(ack_due(POLICY, friday)) == "2026-11-30 15:00"  # over the weekend to Monday
    assert local(escalate_due(POLICY, friday)) == "2026-12-02 15:00"  # three business days
    assert local(ack_due(POLICY, bkk("2026-11-24T18:00"))) == "2026-11-25 16:30"  # after closing: next day
    assert local(ack_due(POLICY, bkk("2026-12-04T10:00"))) == "2026-12-08 10:00"  # Mon 7 Dec is a holiday
    assert initial_due(POLICY, False, friday) == friday  # nobody to remind: admins at once


async def test_officers_reminded_after_one_business_day_across_the_weekend(ctx: SimpleNamespace) -> None:
    number = await open_case(ctx, bkk("2026-11-27T15:00"))  # Friday afternoon
    assert await run_timers(ctx, bkk("2026-11-28T12:00")) == []  # Saturday
    assert await run_timers(ctx, bkk("2026-11-30T14:59")) == []
    sent = await run_timers(ctx, bkk("2026-11-30T15:00"))
    assert sorted(p.to for p in sent) == ["o1", "o2"]
    [reminder] = sent[0].messages
    assert f"#{number}" in reminder.text and "หลุมลึกหน้าโรงเรียน" in reminder.text
    assert reminder.quick_replies[0].data == f"action=case_status&ticket={number}&status=claimed"
    ticket = await case(ctx, number)
    assert (ticket.sla_outcome, local(ticket.sla_due_at)) == (REMINDED, "2026-12-02 15:00")
    assert await run_timers(ctx, bkk("2026-12-01T15:00")) == []  # reminded once


async def test_admins_and_reporter_told_once_after_three_business_days(ctx: SimpleNamespace, kb: Any) -> None:
    number = await open_case(ctx, bkk("2026-11-27T15:00"))
    other = await open_case(ctx, bkk("2026-11-27T15:00"), reporter="neighbour", detail=OTHER_DETAIL)
    await run_timers(ctx, bkk("2026-11-30T15:00"))
    assert await run_timers(ctx, bkk("2026-12-02T14:59")) == []
    sent = await run_timers(ctx, bkk("2026-12-02T15:00"))
    assert sorted(p.to for p in sent) == ["admin", "admin", "neighbour", "reporter"]  # no second reminder
    admin = text_to(sent, "admin")
    assert f"#{number}" in admin and f"#{other}" in admin and kb.lao_by_code(SILA).name in admin
    told = text_to(sent, "reporter")
    assert f"#{number}" in told and "ตามเรื่อง" in told and f"#{other}" not in told
    assert OFFICER_NAME not in told and OTHER_DETAIL not in told
    ticket = await case(ctx, number)
    assert (ticket.sla_outcome, ticket.sla_due_at, ticket.status) == (ESCALATED, None, TicketStatus.OPEN)
    assert await run_timers(ctx, bkk("2026-12-09T15:00")) == []


async def test_an_officer_update_before_the_deadline_stops_both_notices(ctx: SimpleNamespace) -> None:
    number = await open_case(ctx, bkk("2026-11-24T10:00"))
    async with ctx.storage.transaction() as session:
        officer = await repo.get_or_create_user(session, "o1")
        assert await repo.claim_ticket(session, number, officer.id, now=bkk("2026-11-25T09:00"))
    assert await run_timers(ctx, bkk("2026-11-25T10:00")) == []
    assert await run_timers(ctx, bkk("2026-11-30T10:00")) == []
    assert (await case(ctx, number)).sla_due_at is None
    async with ctx.storage.transaction() as session:  # a later question-timer reschedule leaves it alone
        assert await reschedule(session, POLICY, number) is None


async def test_an_update_after_the_reminder_stops_the_escalation(ctx: SimpleNamespace) -> None:
    number = await open_case(ctx, bkk("2026-11-24T10:00"))
    assert len(await run_timers(ctx, bkk("2026-11-25T10:00"))) == 2
    async with ctx.storage.transaction() as session:
        officer = await repo.get_or_create_user(session, "o2")
        await repo.claim_ticket(session, number, officer.id, now=bkk("2026-11-25T11:00"))
    assert await run_timers(ctx, bkk("2026-11-27T10:00")) == []
    assert (await case(ctx, number)).sla_outcome == REMINDED


async def test_a_lao_without_officers_reminds_the_admins_at_once(ctx: SimpleNamespace) -> None:
    start = bkk("2026-11-27T16:00")
    number = await open_case(ctx, start, lao=PLACE)
    sent = await run_timers(ctx, start)
    assert [p.to for p in sent] == ["admin"] and "ตำบลนอกทำเนียบ" in text_to(sent, "admin")
    assert local((await case(ctx, number)).sla_due_at) == "2026-12-02 16:00"  # escalation still to come
    sent = await run_timers(ctx, bkk("2026-12-02T16:00"))
    assert sorted(p.to for p in sent) == ["admin", "reporter"]


async def test_officers_see_redacted_text_only(ctx: SimpleNamespace) -> None:
    number = await open_case(ctx, bkk("2026-11-24T10:00"), detail="ติดต่อ 081-234-5678")  # e.g. an old row
    sent = await run_timers(ctx, bkk("2026-11-25T10:00"))
    assert f"#{number}" in text_to(sent, "o1") and "081-234-5678" not in text_to(sent, "o1")


async def test_concurrent_ticks_fire_each_notice_once(ctx: SimpleNamespace) -> None:
    number = await open_case(ctx, bkk("2026-11-24T10:00"))
    ctx.clock.at = bkk("2026-11-27T10:00")  # past both deadlines: a worker that was down catches up once
    sent: list[Push] = []

    async def deliver(key: str, push: Push) -> None:
        sent.append(push)

    await asyncio.gather(*(tick(ctx, POLICY, deliver) for _ in range(4)))
    assert sorted(p.to for p in sent) == ["admin", "o1", "o2", "reporter"]
    async with ctx.storage.transaction() as session:
        actions = [a.action for a in await repo.list_audit(session, ticket_id=number)]
    assert (actions.count("report.remind"), actions.count("report.overdue")) == (1, 1)
