"""Service levels for report cases (a citizen's pothole, garbage, flooding ... sent to their LAO's officers).

A case is acknowledged by its first status change: any officer update from the notification card moves it out
of OPEN (handlers/cases.py claims it first). Until then two timers run from its creation, in business hours:
* remind: after `report_ack_hours` (1 business day) the LAO's officers get one reminder; when the LAO has no
  registered officer nobody there would read it, so the admins get it at once instead;
* escalate: after `report_escalate_hours` (3 business days) the admins are alerted once and the reporter gets
  one short message that the case is still open and how to follow it.
They reuse the ticket timer of bot/sla.py: `sla_due_at` holds the next instant, `sla_outcome` records which
notice went out (so each fires once, across restarts), and the loop's conditional take on `sla_due_at` makes
exactly one worker fire it. An officer's update does not clear the timer: when it comes due, the case is no
longer OPEN, nothing is sent and no timer is left.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import repo
from bot.messages import QuickReply, TextOut, truncate_utf16
from bot.models import LineUser, Ticket, TicketStatus
from bot.repo.citizens import list_officers
from bot.tickets import Push, lao_name, pushes_to_admins, say
from nlu.pii import redact

if TYPE_CHECKING:
    from bot.sla import SlaPolicy

REMINDED = "reminded"  # officers (or admins) reminded; escalation still to come
ESCALATED = "escalated"  # admins alerted and the reporter told; nothing more is sent
DETAIL_CHARS = 300  # a reminder recalls the case; the full text is on the original card


def ack_due(policy: SlaPolicy, created_at: datetime) -> datetime:
    return policy.calendar.add(created_at, policy.report_ack_hours)


def escalate_due(policy: SlaPolicy, created_at: datetime) -> datetime:
    return policy.calendar.add(created_at, policy.report_escalate_hours)


def initial_due(policy: SlaPolicy, has_officers: bool, now: datetime) -> datetime:
    """The first timer of a new case: the reminder, or right away when the LAO has no officer to read it."""
    return ack_due(policy, now) if has_officers else now


async def deadlines(session: AsyncSession, policy: SlaPolicy, ticket: Ticket) -> dict[str, datetime]:
    """The case's pending deadlines by name ("remind", "escalate"); none once an officer has updated it."""
    if ticket.status != TicketStatus.OPEN:
        return {}
    found: dict[str, datetime] = {}
    if ticket.sla_outcome is None:
        officers = await _officers(session, ticket)
        found["remind"] = ack_due(policy, ticket.created_at) if officers else ticket.created_at
    if ticket.sla_outcome != ESCALATED:
        found["escalate"] = escalate_due(policy, ticket.created_at)
    return found


async def fire_due(
    session: AsyncSession, kb: Any, ticket: Ticket, pending: dict[str, datetime], now: datetime
) -> list[Push]:
    """Send the notices that are due (the caller won the timer and reschedules afterwards)."""
    pushes: list[Push] = []
    if "remind" in pending and pending["remind"] <= now:
        pushes += await _remind(session, kb, ticket, now)
    if "escalate" in pending and pending["escalate"] <= now:
        pushes += await _escalate(session, kb, ticket, now)
    return pushes


async def _officers(session: AsyncSession, ticket: Ticket) -> list[LineUser]:
    return await list_officers(session, ticket.assignee_lao_code) if ticket.assignee_lao_code else []


async def _remind(session: AsyncSession, kb: Any, ticket: Ticket, now: datetime) -> list[Push]:
    officers = await _officers(session, ticket)
    await repo.set_ticket_fields(session, ticket.id, sla_outcome=REMINDED)
    detail = {"lao": ticket.assignee_lao_code, "to": "officers" if officers else "admins"}
    await repo.audit(session, None, "report.remind", ticket_id=ticket.id, detail=detail, now=now)
    if not officers:
        text = say(kb, "report_sla.no_officer_admin", number=ticket.id, category=category_label(kb, ticket),
                   lao_name=await _lao_name(session, kb, ticket))
        return await pushes_to_admins(session, [TextOut(text)])
    message = _officer_reminder(kb, ticket)
    return [Push(officer.line_user_id, (message,)) for officer in officers]


def _officer_reminder(kb: Any, ticket: Ticket) -> TextOut:
    """The case again, as officers saw it (redacted text only), with [รับเรื่อง] to acknowledge it."""
    not_given = say(kb, "report.not_given")
    detail = redact(ticket.excerpt or ticket.question or "") or not_given
    text = say(kb, "report_sla.officer_reminder", number=ticket.id, category=category_label(kb, ticket),
               location=_location(kb, ticket) or not_given, detail=truncate_utf16(detail, DETAIL_CHARS))
    label = say(kb, "report_case.claim_label")
    claim = QuickReply(label=label, data=f"action=case_status&ticket={ticket.id}&status=claimed",
                       display_text=label)
    return TextOut(text, (claim,))


async def _escalate(session: AsyncSession, kb: Any, ticket: Ticket, now: datetime) -> list[Push]:
    await repo.set_ticket_fields(session, ticket.id, sla_outcome=ESCALATED)
    await repo.audit(session, None, "report.overdue", ticket_id=ticket.id,
                     detail={"lao": ticket.assignee_lao_code}, now=now)
    category = category_label(kb, ticket)
    alert = say(kb, "report_sla.overdue_admin", number=ticket.id, category=category,
                lao_name=await _lao_name(session, kb, ticket))
    pushes = await pushes_to_admins(session, [TextOut(alert)])
    reporter = await _reporter(session, ticket)
    if reporter is not None and reporter.followed:  # LINE refuses pushes to people who blocked the bot
        # Only the case number and category: the reporter never sees who was (not) handling it.
        follow = say(kb, "report_sla.follow_label")
        told = say(kb, "report_sla.reporter_still_open", number=ticket.id, category=category)
        pushes.append(Push(reporter.line_user_id, (TextOut(told, (QuickReply(label=follow),)),)))
    return pushes


async def _reporter(session: AsyncSession, ticket: Ticket) -> LineUser | None:
    return await repo.get_user_by_pk(session, ticket.requester_user_id) if ticket.requester_user_id else None


def category_label(kb: Any, ticket: Ticket) -> str:
    key = f"topic.{ticket.topic}"
    return say(kb, key) if ticket.topic and key in kb.responses else say(kb, "report_case.kind.report")


def _location(kb: Any, ticket: Ticket) -> str:
    where = ticket.location or {}
    text = where.get("text") or where.get("address")
    if text:
        return redact(str(text))
    return say(kb, "report_case.location_shared") if where else ""


async def _lao_name(session: AsyncSession, kb: Any, ticket: Ticket) -> str:
    """The directory name, or the stored name of a place outside the directory (a `laos` row too)."""
    if ticket.assignee_lao_code and kb.lao_by_code(ticket.assignee_lao_code) is None:
        row = await repo.get_lao(session, ticket.assignee_lao_code)
        if row is not None:
            return row.name
    return lao_name(kb, ticket.assignee_lao_code)
