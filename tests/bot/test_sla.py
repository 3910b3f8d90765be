"""Business hours in Asia/Bangkok and the SLA timer primitives."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.models import Role, TicketKind
from bot.sla import BusinessCalendar, SlaPolicy, outcome_when_answered

CAL = BusinessCalendar("Asia/Bangkok", "08:30", "16:30", holidays=True)


def bkk(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


def local(when: datetime) -> str:
    return CAL.local(when).strftime("%Y-%m-%d %H:%M")


def test_hours_inside_one_working_day() -> None:
    assert local(CAL.add(bkk("2026-11-24T10:00"), 2)) == "2026-11-24 12:00"
    assert CAL.add(bkk("2026-11-24T10:00"), 2).tzinfo == UTC


def test_hours_carry_over_to_the_next_morning() -> None:
    assert local(CAL.add(bkk("2026-11-24T16:00"), 2)) == "2026-11-25 10:00"
    assert local(CAL.add(bkk("2026-11-24T10:00"), 8)) == "2026-11-25 10:00"  # one business day


def test_before_opening_and_after_closing_start_at_the_next_opening() -> None:
    assert local(CAL.add(bkk("2026-11-24T06:00"), 8)) == "2026-11-24 16:30"
    assert local(CAL.add(bkk("2026-11-24T20:00"), 1)) == "2026-11-25 09:30"


def test_weekends_are_skipped() -> None:
    assert local(CAL.add(bkk("2026-11-27T16:00"), 2)) == "2026-11-30 10:00"  # Friday -> Monday
    assert local(CAL.add(bkk("2026-11-28T11:00"), 1)) == "2026-11-30 09:30"  # from a Saturday


def test_thai_public_holidays_are_skipped_when_enabled() -> None:
    # 5 Dec 2026 is a Saturday, so Monday 7 Dec is the substitute holiday; 10 Dec is Constitution Day.
    assert not CAL.is_workday(bkk("2026-12-07T10:00").date())
    assert local(CAL.add(bkk("2026-12-04T16:00"), 2)) == "2026-12-08 10:00"
    assert local(CAL.add(bkk("2026-12-09T16:00"), 1)) == "2026-12-11 09:00"
    assert local(CAL.add(bkk("2027-04-12T16:00"), 1)) == "2027-04-16 09:00"  # Songkran 13-15 April
    weekdays_only = BusinessCalendar(holidays=False)
    assert weekdays_only.is_workday(bkk("2026-12-07T10:00").date())


def test_policy_first_timer_depends_on_who_answers() -> None:
    policy = SlaPolicy(CAL, claim_hours=2, answer_hours=8)
    start = bkk("2026-11-24T10:00")
    assert local(policy.initial_due(True, start)) == "2026-11-24 12:00"  # mentor network: claim first
    assert local(policy.initial_due(False, start)) == "2026-11-25 10:00"  # a citizen's LAO: answer only


async def _ticket(sessions: async_sessionmaker[AsyncSession], due: datetime) -> int:
    async with sessions.begin() as session:
        ticket = await repo.create_ticket(session, kind=TicketKind.QUESTION, requester_user_id=None,
                                          requester_role=Role.OFFICER, question="q", sla_due_at=due)
        return ticket.id


async def test_due_tickets_are_listed_most_overdue_first(
        db_sessions: async_sessionmaker[AsyncSession]) -> None:
    now = bkk("2026-11-24T12:00")
    late = await _ticket(db_sessions, now - timedelta(hours=2))
    later = await _ticket(db_sessions, now - timedelta(hours=1))
    await _ticket(db_sessions, now + timedelta(minutes=1))
    async with db_sessions.begin() as session:
        assert await repo.due_ticket_ids(session, now) == [late, later]


async def test_only_one_worker_takes_a_timer(db_sessions: async_sessionmaker[AsyncSession]) -> None:
    due = bkk("2026-11-24T12:00")
    ticket_id = await _ticket(db_sessions, due)

    async def take() -> bool:
        async with db_sessions.begin() as session:
            return await repo.take_sla_due(session, ticket_id, due)

    results = await asyncio.gather(*(take() for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    async with db_sessions.begin() as session:
        assert (await repo.get_ticket(session, ticket_id)).sla_due_at is None


def test_outcome_when_answered() -> None:
    class T:  # the two fields the rule reads
        def __init__(self, outcome: str | None, reroutes: int) -> None:
            self.sla_outcome, self.reroute_count = outcome, reroutes

    assert outcome_when_answered(T(None, 0)) == "met"
    assert outcome_when_answered(T("rerouted", 1)) == "met_after_reroute"
    assert outcome_when_answered(T("breached", 1)) == "breached"
