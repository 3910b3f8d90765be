"""Report cases after the report flow: opening one (with the photo fetched from LINE), telling the LAO's
officers, listing a citizen's open cases ("ตามเรื่อง"), and officers' status updates from the notification card
(postback `action=case_status&ticket=ID&status=claimed|in_progress|closed`), each told to the reporter."""
from __future__ import annotations

import logging
from typing import Any

from bot import repo
from bot.filters import Postback
from bot.messages import FlexOut, OutMessage, TextOut, truncate_utf16
from bot.models import LineUser, MessageKind, Role, Ticket, TicketKind, TicketStatus
from bot.repo.citizens import latest_status_notes, list_officers
from bot.report_sla import initial_due
from bot.routing import Router
from bot.sla import policy_for
from bot.turn import Turn
from handlers import menus, photos, render
from handlers.deadlines import local_today, thai_date
from handlers.statuses import OFFICER_STEPS, status_label, ticket_label

log = logging.getLogger(__name__)
SUMMARY_CHARS = 60
STAFF = (Role.OFFICER, Role.ADMIN)

router = Router("cases")


async def open_report(turn: Turn, data: dict[str, Any]) -> None:
    """Create the report case (with its reminder timer), answer with its number, push the card to the LAO's
    officers."""
    photo = await photos.keep(turn, data["photo"]) if data.get("photo") else None
    async with turn.ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, turn.user.line_user_id)
        officers = [o.line_user_id for o in await list_officers(session, data["lao"])]
        due = initial_due(policy_for(turn.ctx.settings), bool(officers), turn.now)
        ticket = await repo.create_ticket(
            session, kind=TicketKind.REPORT, requester_user_id=user.id, requester_role=Role(user.role),
            question=data.get("words") or data.get("detail") or "", requester_lao_code=data["lao"],
            assignee_lao_code=data["lao"], topic=data["category"], location=data.get("location"),
            excerpt=data.get("detail"), photo_content_ids=[data["photo"]] if data.get("photo") else None,
            sla_due_at=due, now=turn.now)
        await repo.audit(session, user.id, "report.create", ticket_id=ticket.id,
                         detail={"category": data["category"], "photo": photo}, now=turn.now)
    card = officer_card(turn, ticket, data)
    for officer in officers:
        turn.push(officer, [card])
    turn.reply.text(turn.say("report.created", number=ticket.id))
    if not officers:
        turn.reply.text(_no_officer_text(turn, data["lao"]))
    turn.reply.quick_replies(menus.main_menu(turn))


def _no_officer_text(turn: Turn, code: str) -> str:
    lao = turn.ctx.kb.lao_by_code(code)
    name = lao.name if lao else _place_name(turn, code)
    lines = [turn.say("report_case.no_officer", lao_name=name)]
    return "\n".join(lines + (render.contact_lines(turn, lao) if lao else []))


def _place_name(turn: Turn, code: str) -> str:
    from handlers.lao import place_of_code  # lao imports this module through reports

    place = place_of_code(turn.ctx.kb, code)
    return place.name if place else code


def officer_card(turn: Turn, ticket: Ticket, data: dict[str, Any]) -> FlexOut:
    """The new-case card for officers, with [รับเรื่อง] [กำลังดำเนินการ] [แก้ไขเสร็จแล้ว]."""
    from handlers.reports import category_label, location_text  # reports imports this module

    not_given = turn.say("report.not_given")
    text = turn.say("report_case.officer_new", number=ticket.id, lao_name=_place_name(turn, data["lao"]),
                    category=category_label(turn, data["category"]),
                    location=location_text(turn, data.get("location")) or not_given,
                    photo=turn.say("report.photo_attached" if data.get("photo") else "report.photo_none"),
                    detail=data.get("detail") or data.get("words") or not_given)
    prefix = f"action=case_status&ticket={ticket.id}&status="
    steps = (("claim", "claimed"), ("progress", "in_progress"), ("done", "closed"))
    buttons = [_button(turn.say(f"report_case.{key}_label"), prefix + status) for key, status in steps]
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": text, "wrap": True, "size": "sm"}]},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}}
    return FlexOut(truncate_utf16(text, 400), bubble)


def _button(label: str, data: str) -> dict[str, Any]:
    return {"type": "button", "style": "secondary", "height": "sm",
            "action": {"type": "postback", "label": label, "data": data, "displayText": label}}


async def list_my_cases(turn: Turn) -> None:
    """The user's open cases and questions, newest first, with their status."""
    async with turn.ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, turn.user.line_user_id)
        tickets = await repo.list_tickets_for_requester(session, user.id, statuses=repo.ACTIVE_STATUSES)
        notes = await latest_status_notes(session, [t.id for t in tickets])
    if not tickets:
        turn.reply.text(turn.say("ticket.none")).quick_replies(menus.main_menu(turn))
        return
    lines = [turn.say("ticket.list_header"), *[_status_line(turn, t, notes.get(t.id)) for t in tickets]]
    turn.reply.text("\n".join(lines)).quick_replies(menus.main_menu(turn))


def _status_line(turn: Turn, ticket: Ticket, note: str | None) -> str:
    from handlers.reports import category_label

    summary = category_label(turn, ticket.topic) if ticket.kind == TicketKind.REPORT and ticket.topic else \
        truncate_utf16(ticket.question, SUMMARY_CHARS)
    changed = max(t for t in (ticket.created_at, ticket.claimed_at, ticket.answered_at) if t is not None)
    return turn.say("ticket.status_line", number=ticket.id, summary=summary,
                    status=ticket_label(turn, ticket, note),
                    updated=thai_date(local_today(changed, turn.ctx.settings.timezone)))


@router.on(Postback("case_status"))
async def case_status(turn: Turn) -> None:
    """An officer of the case's LAO moves it on; the reporter hears about it."""
    number, status = int(turn.match.get("ticket", "0") or 0), str(turn.match.get("status", ""))
    async with turn.ctx.storage.transaction() as session:
        ticket = await repo.get_ticket(session, number)
        if ticket is None or ticket.kind != TicketKind.REPORT or status not in OFFICER_STEPS:
            turn.reply.text(turn.say("report_case.not_found", number=number))
            return
        if turn.user.role not in STAFF or (turn.user.role != Role.ADMIN and
                                           turn.user.lao_code != ticket.assignee_lao_code):
            turn.reply.text(turn.say("report_case.not_allowed"))
            return
        officer = await repo.get_or_create_user(session, turn.user.line_user_id)
        changed = await _apply(session, ticket, status, officer.id, turn)
        reporter = await session.get(LineUser, ticket.requester_user_id) if ticket.requester_user_id else None
    label = status_label(turn, status)
    if not changed:
        turn.reply.text(turn.say("report_case.status_same", number=number, status=label))
        return
    turn.reply.text(turn.say("report_case.status_updated", number=number, status=label))
    if reporter is not None:
        turn.push(reporter.line_user_id, _reporter_update(turn, number, status, label))


async def _apply(session: Any, ticket: Ticket, status: str, officer_pk: int, turn: Turn) -> bool:
    """Change the case; False when it already was in that state. in_progress and closed claim it first."""
    if ticket.status == TicketStatus.OPEN:
        await repo.claim_ticket(session, ticket.id, officer_pk, now=turn.now)
        if status == "claimed":
            return True
    if status == "closed":
        return await repo.transition_ticket(session, ticket.id, TicketStatus.CLOSED,
                                            expected=repo.ACTIVE_STATUSES, now=turn.now)
    notes = await latest_status_notes(session, [ticket.id])
    if status == "claimed" or notes.get(ticket.id) == status or ticket.status == TicketStatus.CLOSED:
        return False
    await repo.add_ticket_message(session, ticket.id, status, MessageKind.STATUS, author_user_id=officer_pk,
                                  author_role=Role(turn.user.role), now=turn.now)
    return True


def _reporter_update(turn: Turn, number: int, status: str, label: str) -> list[OutMessage]:
    text = turn.say("ticket.status_changed", number=number, status=label)
    if status == "closed":
        text = f"{text}\n{turn.say('report_case.closed_note')}"
    return [TextOut(text)]
