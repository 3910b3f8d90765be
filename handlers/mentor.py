"""Working tickets from inside LINE: claim (first claim wins), forward, answer with a reviewed draft or
directly with `#123 ข้อความ`, hold several tickets and switch between them, "งานของฉัน".

The router has no role filter: anyone may press a card's button, and the permission check per ticket gives a
clear answer (and an audit entry) to whoever may not act. Only a claiming person and admins act on a ticket;
mentors claim mentor-network tickets of their LAO, and a citizen's ticket is claimed by that LAO's staff.
"""
from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from bot import repo
from bot.filters import HasRole, InState, MessageType, Postback
from bot.messages import QuickReply, TextOut
from bot.models import LineUser, MessageKind, Role, Ticket, TicketStatus
from bot.repo.citizens import latest_status_notes
from bot.routing import Filter, FilterResult, Router
from bot.sla import outcome_when_answered, policy_for, reschedule
from bot.tickets import (
    Push,
    lao_name,
    line_id_of,
    may_act,
    may_claim,
    move_to_next_mentor,
    routes_to_mentors,
    work_choice,
)
from bot.turn import Turn
from handlers.escalation import ActionIs, SaysLabel, push_all, summary
from handlers.statuses import status_label, ticket_label

router = Router("mentor")

DRAFT, REVIEW = "ticket:draft", "ticket:confirm"
STAFF = ("officer", "mentor", "admin")
LIST_CHOICES = 6  # quick replies per list section
_DIRECT = re.compile(r"^\s*#(\d+)\s+(\S.*)$", re.DOTALL)


class DirectAnswer(Filter):
    """`#123 ข้อความ`: answer ticket 123 with the rest of the message."""

    def check(self, turn: Turn) -> FilterResult:
        found = _DIRECT.match(turn.text)
        return {"ticket": found[1], "body": found[2].strip()} if found else False


def _number(turn: Turn) -> int:
    value = str(turn.match.get("ticket", ""))
    return int(value) if value.isdigit() else 0


async def _user_and_ticket(session: AsyncSession, turn: Turn, number: int):  # noqa: ANN202 - (LineUser, Ticket|None)
    """The acting user and the ticket; tells the user when no such ticket exists."""
    user = await repo.get_or_create_user(session, turn.user.line_user_id)
    ticket = await repo.get_ticket(session, number)
    if ticket is None:
        turn.reply.text(turn.say("mentor.not_found", number=number))
    return user, ticket


async def _deny(session: AsyncSession, turn: Turn, user_pk: int, number: int, action: str) -> None:
    await repo.audit(session, user_pk, "ticket.denied", ticket_id=number, detail={"action": action},
                     now=turn.now)
    turn.reply.text(turn.say("mentor.not_allowed", number=number))


# ---- claim and forward -------------------------------------------------------------------------------------

@router.on(Postback("claim"))
async def claim(turn: Turn) -> None:
    number = _number(turn)
    async with turn.ctx.storage.transaction() as session:
        user, ticket = await _user_and_ticket(session, turn, number)
        if ticket is None:
            return
        if ticket.assignee_user_id != user.id and not may_claim(user.role, user.lao_code, ticket):
            await _deny(session, turn, user.id, number, "claim")
            return
        if not await _take(session, turn, user, ticket):
            return
        requester = await line_id_of(session, ticket.requester_user_id)
    if requester:
        status = status_label(turn, TicketStatus.CLAIMED.value)
        turn.push(requester, [TextOut(turn.say("ticket.status_changed", number=number, status=status))])
    _start_draft(turn, number)
    turn.reply.text(turn.say("mentor.claimed_ok", number=number) + "\n" + turn.say(
        "mentor.current_question", question=ticket.question))


async def _take(session: AsyncSession, turn: Turn, user: LineUser, ticket: Ticket) -> bool:
    """Claim for `user` (True also when it is already theirs); tells a loser who has it now."""
    if ticket.assignee_user_id == user.id and ticket.status == TicketStatus.CLAIMED:
        return True
    lao = None if user.role == Role.ADMIN else user.lao_code
    if await repo.claim_ticket(session, ticket.id, user.id, lao_code=lao, now=turn.now):
        await repo.audit(session, user.id, "ticket.claim", ticket_id=ticket.id, now=turn.now)
        await reschedule(session, policy_for(turn.ctx.settings), ticket.id)
        return True
    current = await repo.get_ticket(session, ticket.id)
    await repo.audit(session, user.id, "ticket.claim_lost", ticket_id=ticket.id, now=turn.now)
    turn.reply.text(_lost_text(turn, current, ticket.assignee_lao_code, user.id))
    return False


def _lost_text(turn: Turn, current: Ticket | None, seen_lao: str | None, user_pk: int) -> str:
    """Why a claim failed: someone else has it, it moved to another LAO, or it no longer waits."""
    number = current.id if current is not None else 0
    if current is None or current.status not in (TicketStatus.OPEN, TicketStatus.CLAIMED) \
            or current.assignee_user_id == user_pk:
        return turn.say("mentor.not_open", number=number)
    if current.assignee_user_id is not None:
        return turn.say("mentor.claimed_by_other", number=number)
    if current.assignee_lao_code != seen_lao:
        return turn.say("mentor.forwarded_to", number=number,
                        lao_name=lao_name(turn.ctx.kb, current.assignee_lao_code))
    return turn.say("mentor.not_open", number=number)


@router.on(Postback("forward"))
async def forward(turn: Turn) -> None:
    """[ส่งต่อ]: a mentor-network ticket goes to the next mentor LAO (open, or held by this mentor)."""
    number = _number(turn)
    async with turn.ctx.storage.transaction() as session:
        user, ticket = await _user_and_ticket(session, turn, number)
        if ticket is None:
            return
        held = ticket.status == TicketStatus.CLAIMED and ticket.assignee_user_id == user.id
        open_here = ticket.status == TicketStatus.OPEN and may_claim(user.role, user.lao_code, ticket)
        if not routes_to_mentors(ticket.kind, ticket.requester_role) or not (held or open_here):
            await _deny(session, turn, user.id, number, "forward")
            return
        target, pushes = await move_to_next_mentor(session, turn.ctx.kb, ticket, now=turn.now, actor=user.id,
                                                   action="ticket.forward",
                                                   from_user=user.id if held else None)
        if target is None:
            turn.reply.text(turn.say("mentor.forward_none", number=number))
            return
        await reschedule(session, policy_for(turn.ctx.settings), number)
    push_all(turn, pushes)
    if turn.state.data.get("ticket") == number:
        turn.state.reset()
    turn.reply.text(turn.say("mentor.forwarded", number=number))


# ---- holding several tickets -------------------------------------------------------------------------------

@router.on(Postback("work"))
async def switch(turn: Turn) -> None:
    """Make a held ticket the one the next messages answer."""
    number = _number(turn)
    async with turn.ctx.storage.transaction() as session:
        user, ticket = await _user_and_ticket(session, turn, number)
    if ticket is None:
        return
    if not may_act(user.role, user.id, ticket):
        async with turn.ctx.storage.transaction() as session:
            await _deny(session, turn, user.id, number, "work")
    elif ticket.status != TicketStatus.CLAIMED:
        turn.reply.text(turn.say("mentor.not_open", number=number))
    else:
        _start_draft(turn, number)
        turn.reply.text(turn.say("mentor.switched", number=number) + "\n" + turn.say(
            "mentor.current_question", question=ticket.question))


def _start_draft(turn: Turn, number: int) -> None:
    """The person's next messages are the answer draft of this ticket."""
    turn.state.step, turn.state.data = DRAFT, {"ticket": number}


@router.on(MessageType("text"), HasRole(*STAFF), ActionIs("mentor_queue") | SaysLabel("menu.queue_label"))
async def my_work(turn: Turn) -> None:
    """"งานของฉัน": tickets held (tap to switch) and this LAO's tickets waiting for someone (tap to claim)."""
    async with turn.ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, turn.user.line_user_id)
        held = await repo.list_tickets_for_assignee(session, user_id=user.id, statuses=[TicketStatus.CLAIMED])
        waiting = await repo.list_tickets_for_assignee(session, lao_code=user.lao_code,
                                                       statuses=[TicketStatus.OPEN]) if user.lao_code else []
        notes = await latest_status_notes(session, [t.id for t in held])  # an officer's report in progress
    waiting = [t for t in waiting if may_claim(user.role, user.lao_code, t)]
    if not held and not waiting:
        turn.reply.text(turn.say("mentor.queue_empty"))
        return
    lines, choices = [], []
    for header, tickets in (("mentor.queue_header", held), ("mentor.waiting_header", waiting)):
        if tickets:
            lines.append(turn.say(header))
            lines += [turn.say("mentor.queue_line", number=t.id, summary=summary(turn, t),
                               status=ticket_label(turn, t, notes.get(t.id))) for t in tickets]
    choices += [work_choice(turn.ctx.kb, t.id) for t in held[:LIST_CHOICES]]
    choices += [QuickReply(label=turn.say("mentor.claim_number_label", number=t.id),
                           data=f"action=claim&ticket={t.id}") for t in waiting[:LIST_CHOICES]]
    turn.reply.text("\n".join(lines))
    turn.reply.quick_replies(choices)


# ---- answering ---------------------------------------------------------------------------------------------

@router.on(MessageType("text"), HasRole(*STAFF), DirectAnswer())
async def direct_answer(turn: Turn) -> None:
    await deliver_answer(turn, int(turn.match["ticket"]), turn.match["body"], claim_first=True)


@router.on(InState(DRAFT, REVIEW), MessageType("text"), ActionIs("cancel"))
async def cancel_draft(turn: Turn) -> None:
    number = turn.state.data.get("ticket")
    turn.state.reset()
    turn.reply.text(turn.say("mentor.draft_cancelled", number=number))


@router.on(InState(DRAFT), MessageType("text"))
async def draft_typed(turn: Turn) -> None:
    turn.state.data["draft"] = turn.text.strip()
    _review(turn)


@router.on(InState(REVIEW), MessageType("text"))
async def draft_extended(turn: Turn) -> None:
    """People split a long answer over several messages: each one is added to the draft."""
    turn.state.data["draft"] = f"{turn.state.data.get('draft', '')}\n{turn.text.strip()}".strip()
    _review(turn)


def _review(turn: Turn) -> None:
    number = turn.state.data["ticket"]
    turn.state.step = REVIEW
    turn.reply.text(turn.say("mentor.draft_confirm", number=number, answer=turn.state.data["draft"]))
    base = f"action=draft&ticket={number}&do="
    turn.reply.quick_replies([QuickReply(label=turn.say("mentor.send_label"), data=base + "send"),
                              QuickReply(label=turn.say("mentor.edit_label"), data=base + "edit"),
                              QuickReply(label=turn.say("mentor.cancel_label"), data=base + "cancel")])


@router.on(Postback("draft"))
async def draft_button(turn: Turn) -> None:
    number, action = _number(turn), turn.match.get("do")
    current = turn.state.data.get("ticket") == number
    if action == "cancel":
        if current:
            turn.state.reset()
        turn.reply.text(turn.say("mentor.draft_cancelled", number=number))
    elif action == "edit":
        turn.state.step, turn.state.data = DRAFT, {"ticket": number}
        turn.reply.text(turn.say("mentor.edit_prompt", number=number))
    elif current and turn.state.step == REVIEW and turn.state.data.get("draft"):
        await deliver_answer(turn, number, turn.state.data["draft"])
    else:
        turn.state.step, turn.state.data = DRAFT, {"ticket": number}
        turn.reply.text(turn.say("mentor.draft_missing", number=number))


async def deliver_answer(turn: Turn, number: int, body: str, *, claim_first: bool = False) -> None:
    """Record the answer and push it to the requester with [แก้ปัญหาได้] [ยังไม่ได้]."""
    async with turn.ctx.storage.transaction() as session:
        user, ticket = await _user_and_ticket(session, turn, number)
        if ticket is None:
            return
        if claim_first and ticket.status == TicketStatus.OPEN and may_claim(user.role, user.lao_code, ticket):
            if not await _take(session, turn, user, ticket):
                return
            ticket = await repo.get_ticket(session, number)
        if not may_act(user.role, user.id, ticket):
            await _deny(session, turn, user.id, number, "answer")
            return
        answered = await repo.transition_ticket(session, number, TicketStatus.ANSWERED,
                                                expected=[TicketStatus.CLAIMED], now=turn.now)
        if not answered:
            turn.reply.text(turn.say("mentor.not_open", number=number))
            return
        pushes = await _record_answer(session, turn, number, body, user)
    push_all(turn, pushes)
    if turn.state.data.get("ticket") == number:
        turn.state.reset()
    turn.reply.text(turn.say("mentor.answer_sent", number=number))


async def _record_answer(
    session: AsyncSession, turn: Turn, number: int, body: str, user: LineUser
) -> list[Push]:
    await repo.add_ticket_message(session, number, body, MessageKind.ANSWER, author_user_id=user.id,
                                  author_role=Role(user.role), now=turn.now)
    ticket = await repo.get_ticket(session, number)
    await repo.set_ticket_fields(session, number, sla_outcome=outcome_when_answered(ticket), sla_due_at=None)
    seconds = {name: int((at - ticket.created_at).total_seconds()) if at else None
               for name, at in (("claim_s", ticket.claimed_at), ("answer_s", ticket.answered_at))}
    await repo.audit(session, user.id, "ticket.answer", ticket_id=number, detail=seconds, now=turn.now)
    requester = await line_id_of(session, ticket.requester_user_id)
    if requester is None:
        return []
    base = f"action=rate&ticket={number}&ok="
    message = TextOut(turn.say("ticket.answer", number=number, answer=body), (
        QuickReply(label=turn.say("ticket.resolved_label"), data=base + "1"),
        QuickReply(label=turn.say("ticket.unresolved_label"), data=base + "0")))
    return [Push(requester, (message,))]
