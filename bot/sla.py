"""Service levels for tickets: business hours (Asia/Bangkok), the timers, and the loop that fires them.

A ticket's `sla_due_at` is the next instant the loop must look at it. Two deadlines feed it:
* claim: a mentor-network ticket still unclaimed `sla_claim_hours` business hours after its latest routing is
  re-routed to the next mentor LAO (the previous LAO is told);
* answer: a ticket not answered `sla_answer_hours` business hours (1 business day) after it was opened or
  reopened is reported to the admins, once.
Report cases (kind "report") have two timers of their own (bot/report_sla.py) on the same columns and loop.
Both are derived from the ticket and its audit trail, so they survive restarts. Every worker process runs the
loop; a conditional UPDATE on `sla_due_at` (repo.take_sla_due) makes exactly one worker fire each timer.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import repo, report_sla
from bot.messages import TextOut
from bot.models import Ticket, TicketKind, TicketStatus
from bot.tickets import Push, lao_name, move_to_next_mentor, pushes_to_admins, routes_to_mentors, say

log = logging.getLogger(__name__)

BREACHED = "breached"  # answer deadline passed; admins told
REROUTED = "rerouted"  # re-routed at least once, not (yet) breached
UNFINISHED = (TicketStatus.OPEN, TicketStatus.CLAIMED)


class BusinessCalendar:
    """Office hours on working days: Monday-Friday, minus Thai public and government holidays when enabled.

    Holidays come from the `holidays` package (computed offline, lunar dates included). Days the cabinet
    announces at short notice (extra bridge holidays) are not in it until the package is updated.
    """

    def __init__(self, tz: str = "Asia/Bangkok", opens: str = "08:30", closes: str = "16:30",
                 holidays: bool = True) -> None:
        self.tz = ZoneInfo(tz)
        self.opens = time.fromisoformat(opens)
        self.closes = time.fromisoformat(closes)
        self.use_holidays = holidays

    @classmethod
    def from_settings(cls, settings: Any) -> BusinessCalendar:
        return cls(settings.timezone, settings.business_open, settings.business_close,
                   settings.business_holidays)

    @cached_property
    def _holidays(self) -> Any:
        import holidays  # a large module; loaded on first use

        return holidays.country_holidays("TH", categories=("public", "government"))

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and not (self.use_holidays and day in self._holidays)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.tz)

    def next_open(self, when: datetime) -> datetime:
        """`when` if the office is open then, else the next opening time (local time zone)."""
        at = self.local(when)
        if self.is_workday(at.date()) and self.opens <= at.time() < self.closes:
            return at
        day = at.date() if self.is_workday(at.date()) and at.time() < self.opens else at.date() + timedelta(1)
        while not self.is_workday(day):
            day += timedelta(1)
        return datetime.combine(day, self.opens, self.tz)

    def add(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` of office time after `start` (aware UTC)."""
        remaining = timedelta(hours=hours)
        at = self.next_open(start)
        while True:
            left_today = datetime.combine(at.date(), self.closes, self.tz) - at
            if remaining <= left_today:
                return (at + remaining).astimezone(UTC)
            remaining -= left_today
            at = self.next_open(datetime.combine(at.date(), self.closes, self.tz))


@lru_cache(maxsize=8)
def _policy(tz: str, opens: str, closes: str, holidays: bool, hours: tuple[float, ...]) -> SlaPolicy:
    return SlaPolicy(BusinessCalendar(tz, opens, closes, holidays), *hours)


def policy_for(settings: Any) -> SlaPolicy:
    """The policy for these settings, built once (the holiday table is worth keeping)."""
    hours = (settings.sla_claim_hours, settings.sla_answer_hours, settings.report_ack_hours,
             settings.report_escalate_hours)
    return _policy(settings.timezone, settings.business_open, settings.business_close,
                   settings.business_holidays, hours)


@dataclass(frozen=True)
class SlaPolicy:
    calendar: BusinessCalendar
    claim_hours: float = 2.0
    answer_hours: float = 8.0
    report_ack_hours: float = 8.0  # report case: remind the LAO's officers
    report_escalate_hours: float = 24.0  # report case: alert admins, tell the reporter

    def claim_due(self, routed_at: datetime) -> datetime:
        return self.calendar.add(routed_at, self.claim_hours)

    def answer_due(self, started_at: datetime) -> datetime:
        return self.calendar.add(started_at, self.answer_hours)

    def initial_due(self, to_mentors: bool, now: datetime) -> datetime:
        """The first timer of a new ticket."""
        return min(self.claim_due(now), self.answer_due(now)) if to_mentors else self.answer_due(now)


async def deadlines(session: AsyncSession, policy: SlaPolicy, ticket: Ticket) -> dict[str, datetime]:
    """The ticket's pending deadlines by name ("claim", "answer"; a report case's in bot/report_sla.py)."""
    if ticket.kind == TicketKind.REPORT:
        return await report_sla.deadlines(session, policy, ticket)
    found: dict[str, datetime] = {}
    if ticket.status == TicketStatus.OPEN and routes_to_mentors(ticket.kind, ticket.requester_role):
        routed = await repo.last_audit_at(session, ticket.id, ("ticket.route",))
        found["claim"] = policy.claim_due(routed or ticket.created_at)
    if ticket.status in UNFINISHED and ticket.sla_outcome != BREACHED:
        started = await repo.last_audit_at(session, ticket.id, ("ticket.reopen",))
        found["answer"] = policy.answer_due(started or ticket.created_at)
    return found


async def reschedule(session: AsyncSession, policy: SlaPolicy, ticket_id: int) -> datetime | None:
    """Store the ticket's next due instant (None: no timer left) after any change that affects it."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None:
        return None
    due = min((await deadlines(session, policy, ticket)).values(), default=None)
    await repo.set_ticket_fields(session, ticket_id, sla_due_at=due)
    return due


async def fire(
    session: AsyncSession, kb: Any, policy: SlaPolicy, ticket_id: int, now: datetime
) -> list[Push]:
    """Act on one due ticket, if this worker wins its timer; returns the messages to send after commit."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None or ticket.sla_due_at is None or ticket.sla_due_at > now:
        return []
    if not await repo.take_sla_due(session, ticket_id, ticket.sla_due_at):
        return []  # another worker fired it
    pending = await deadlines(session, policy, ticket)
    pushes: list[Push] = []
    if ticket.kind == TicketKind.REPORT:  # its deadlines are "remind" and "escalate", never the two below
        pushes += await report_sla.fire_due(session, kb, ticket, pending, now)
    if "claim" in pending and pending["claim"] <= now:
        pushes += await _reroute(session, kb, ticket, now)
    if "answer" in pending and pending["answer"] <= now:
        pushes += await _breach(session, kb, ticket, now)
    await reschedule(session, policy, ticket_id)
    return pushes


async def _reroute(session: AsyncSession, kb: Any, ticket: Ticket, now: datetime) -> list[Push]:
    target, pushes = await move_to_next_mentor(session, kb, ticket, now=now, actor=None,
                                               action="ticket.reroute")
    if target is None:
        # No other mentor LAO can take it: it stays, and the claim clock starts again (admins hear at breach).
        await repo.audit(session, None, "ticket.route", ticket_id=ticket.id,
                         detail={"lao": ticket.assignee_lao_code, "retry": True}, now=now)
        return []
    if ticket.sla_outcome is None:
        await repo.set_ticket_fields(session, ticket.id, sla_outcome=REROUTED)
    return pushes


async def _breach(session: AsyncSession, kb: Any, ticket: Ticket, now: datetime) -> list[Push]:
    current = await repo.get_ticket(session, ticket.id)
    assert current is not None
    await repo.set_ticket_fields(session, ticket.id, sla_outcome=BREACHED)
    await repo.audit(session, None, "ticket.overdue", ticket_id=ticket.id,
                     detail={"lao": current.assignee_lao_code, "status": str(current.status)}, now=now)
    text = say(kb, "mentor.overdue_admin", number=ticket.id, lao_name=lao_name(kb, current.assignee_lao_code))
    return await pushes_to_admins(session, [TextOut(text)])


def outcome_when_answered(ticket: Ticket) -> str:
    """The SLA outcome recorded when a ticket gets its answer (a breach stays a breach)."""
    if ticket.sla_outcome == BREACHED:
        return BREACHED
    return "met_after_reroute" if ticket.reroute_count else "met"


# ---- the loop ----------------------------------------------------------------------------------------------

async def tick(ctx: Any, policy: SlaPolicy, deliver: Any) -> int:
    """Fire every due timer once; returns how many due tickets were examined."""
    now = await ctx.clock.now()
    async with ctx.storage.transaction() as session:
        due = await repo.due_ticket_ids(session, now)
    fired = 0
    for ticket_id in due:
        async with ctx.storage.transaction() as session:
            pushes = await fire(session, ctx.kb, policy, ticket_id, now)
        fired += 1
        for n, push in enumerate(pushes):
            try:
                await deliver(f"sla:{ticket_id}:{now.isoformat()}:{n}", push)
            except Exception:  # noqa: BLE001 - one unreachable recipient must not silence the others
                log.exception("SLA notification for ticket %s to %s failed", ticket_id, push.to)
    return fired


async def run_sla_loop(rt: Any, stop: asyncio.Event) -> None:
    """Drive the timers until `stop` is set (one of these runs in every worker process)."""
    from bot.state import RedisLedger

    ctx, settings = rt.dispatcher.ctx, rt.settings
    policy = policy_for(settings)
    ledger = RedisLedger(rt.redis, settings.dedupe_ttl_s)

    async def deliver(key: str, push: Push) -> None:
        await rt.gateway.deliver(key=f"{rt.keys.prefix}:{key}", to=push.to, reply_token=None,
                                 event_time_ms=None, messages=list(push.messages), ledger=ledger)

    while not stop.is_set():
        try:
            await tick(ctx, policy, deliver)
        except Exception:  # noqa: BLE001 - a bad row or a LINE outage must not stop the timers
            log.exception("SLA tick failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.sla_poll_s)
        except TimeoutError:
            pass


async def run_escalation_loops(rt: Any, stop: asyncio.Event) -> None:
    """What escalation runs next to the event worker: the SLA timers and the learned-knowledge poller."""
    from bot.learning import run_learning_loop

    await asyncio.gather(run_sla_loop(rt, stop), run_learning_loop(rt, stop))
