"""Handing a question to people, for any role: the triggers, the confirmation, the ticket, "เรื่องของฉัน", and
the requester's verdict on the answer ([แก้ปัญหาได้] closes, [ยังไม่ได้] reopens to the same person).

Triggers: the user asks for a person (intents human_handoff / ask_mentor), or another handler's button sends
the postback `action=handoff&reason=<asked_person|not_helpful|not_understood|unverified>`. The bot always
shows what will be sent (state "escalation:confirm") before it creates the ticket.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import repo
from bot.filters import InState, MessageType, Postback
from bot.messages import QuickReply, TextOut
from bot.models import MessageKind, Role, Ticket, TicketKind, TicketStatus
from bot.repo.citizens import latest_status_notes
from bot.routing import Filter, FilterResult, Router
from bot.sla import policy_for, reschedule
from bot.tickets import Push, TicketDraft, has_staff, line_id_of, open_ticket, routes_to_mentors, work_choice
from bot.turn import Turn
from handlers import render
from handlers import ticket_context as context
from handlers.statuses import ticket_label
from nlu.pii import redact

router = Router("escalation")

CONFIRM, ASK, FOLLOWUP = "escalation:confirm", "escalation:ask", "ticket:followup"
REASONS = ("asked_person", "not_helpful", "not_understood", "unverified")
SUMMARY_CHARS = 40


class ActionIs(Filter):
    """A confident NLU answer whose intent is one of these conversation actions."""

    def __init__(self, *actions: str) -> None:
        self.actions = actions

    def check(self, turn: Turn) -> FilterResult:
        nlu = turn.nlu
        if nlu is None or nlu.decision != "answer":
            return False
        intent = turn.ctx.kb.intents.get(nlu.intent or "")
        return intent is not None and intent.answer.kind == "action" and intent.answer.action in self.actions


class SaysLabel(Filter):
    """The text is exactly one of these button labels (a tapped message action, or the label typed)."""

    def __init__(self, *keys: str) -> None:
        self.keys = keys

    def check(self, turn: Turn) -> FilterResult:
        responses = turn.ctx.kb.responses
        return turn.text.strip() in {responses.say(k) for k in self.keys if k in responses}


def push_all(turn: Turn, pushes: list[Push]) -> None:
    for push in pushes:
        if push.to != turn.user.line_user_id:  # the person acting gets the reply instead
            turn.push(push.to, list(push.messages))


def staff_side(turn: Turn) -> bool:
    return routes_to_mentors(TicketKind.QUESTION, turn.user.role)


# ---- triggers and confirmation -----------------------------------------------------------------------------

@router.on(Postback("handoff"))
async def handoff_button(turn: Turn) -> None:
    reason = turn.match.get("reason")
    await start(turn, reason if reason in REASONS else None)


@router.on(MessageType("text"), ActionIs("human_handoff", "ask_mentor"))
async def asked_for_person(turn: Turn) -> None:
    await start(turn, None)


async def start(turn: Turn, reason: str | None) -> None:
    """Find the question, check someone can answer it, then ask the user to confirm."""
    if turn.event.source.is_group:
        turn.reply.text(turn.say("group.private_only"))  # tickets carry personal questions
        return
    found = await context.gather(turn)
    if not staff_side(turn) and not await _citizen_can_reach_staff(turn):
        return
    reason = reason or ("unverified" if found.answered_unverified else
                        "not_understood" if found.not_understood else "asked_person")
    turn.state.data = {"reason": reason, "excerpt": found.excerpt, "bot_answer": found.bot_answer}
    if found.question is None:
        turn.state.step = ASK
        key = "handoff.ask_question_mentor" if staff_side(turn) else "handoff.ask_question"
        turn.reply.text(turn.say(key))
        return
    turn.state.data["question"] = found.question
    _confirm(turn)


async def _citizen_can_reach_staff(turn: Turn) -> bool:
    """Citizens' questions go to their LAO's registered staff; without any, give the LAO's contacts."""
    lao_code = turn.user.lao_code
    if not lao_code:
        turn.reply.text(turn.say("handoff.need_lao"))
        turn.reply.quick_replies([QuickReply(label=turn.say("change_lao.change_label"))])
        return False
    async with turn.ctx.storage.transaction() as session:
        if await has_staff(session, lao_code):
            return True
    turn.reply.text(_contacts_text(turn, lao_code))
    return False


def _contacts_text(turn: Turn, lao_code: str) -> str:
    lao = turn.ctx.kb.lao_by_code(lao_code)
    if lao is None:
        return turn.say("handoff.no_contact", lao_name=turn.say("ticket.unknown_lao"))
    lines = render.contact_lines(turn, lao)
    if lines == [turn.say("contact.unknown", lao_name=lao.name)]:
        return turn.say("handoff.no_contact", lao_name=lao.name)
    return turn.say("handoff.no_officer", lao_name=lao.name, contact="\n".join(lines))


def _confirm(turn: Turn) -> None:
    question = turn.state.data["question"]
    turn.state.step = CONFIRM
    key = "handoff.confirm_mentor" if staff_side(turn) else "handoff.confirm"
    parts = [turn.say(key, question=context.for_user(turn, question))]
    if context.has_masks(question):
        parts.append(turn.say("pdpa.redacted"))
    parts.append(turn.say("handoff.edit_hint"))
    turn.reply.text("\n".join(parts))
    turn.reply.quick_replies([QuickReply(label=turn.say("handoff.yes_label"), data="action=handoff_send"),
                              QuickReply(label=turn.say("handoff.no_label"), data="action=handoff_cancel")])


@router.on(Postback("handoff_cancel"))
async def cancelled(turn: Turn) -> None:
    turn.state.reset()
    turn.reply.text(turn.say("handoff.cancelled"))


@router.on(InState(CONFIRM, ASK), MessageType("text"), ActionIs("cancel"))
async def cancelled_by_text(turn: Turn) -> None:
    await cancelled(turn)


@router.on(Postback("handoff_send"))
async def confirmed(turn: Turn) -> None:
    if turn.state.step != CONFIRM or not turn.state.data.get("question"):
        turn.reply.text(turn.say("handoff.expired"))  # a second tap, or the confirmation expired
        return
    await create(turn)


@router.on(InState(CONFIRM), MessageType("text"), SaysLabel("handoff.yes_label"))
async def confirmed_by_text(turn: Turn) -> None:
    await create(turn)


@router.on(InState(CONFIRM, ASK), MessageType("text"))
async def question_typed(turn: Turn) -> None:
    """A new text while confirming (or when asked) is the question, in the user's words."""
    turn.state.data["question"] = redact(turn.text.strip())[: context.QUESTION_CHARS]
    _confirm(turn)


async def create(turn: Turn) -> None:
    data, role = turn.state.data, Role(turn.user.role)
    draft = TicketDraft(question=data["question"], reason=data.get("reason", "asked_person"),
                        excerpt=data.get("excerpt"), bot_answer=data.get("bot_answer"),
                        candidates=context.candidates(turn, data["question"]))
    policy = policy_for(turn.ctx.settings)
    due = policy.initial_due(routes_to_mentors(TicketKind.QUESTION, role), turn.now)
    async with turn.ctx.storage.transaction() as session:
        requester = await repo.get_or_create_user(session, turn.user.line_user_id)
        ticket, pushes = await open_ticket(session, turn.ctx.kb, draft, requester=requester, role=role,
                                           sla_due_at=due, now=turn.now)
        number = ticket.id
    push_all(turn, pushes)
    turn.state.reset()
    eta = context.eta_text(turn, policy.answer_due(turn.now), policy.calendar)
    cal = policy.calendar
    note = turn.say("ticket.eta_note", opens=cal.opens.strftime("%H:%M"), closes=cal.closes.strftime("%H:%M"))
    turn.reply.text(turn.say("ticket.created", number=number, eta=eta) + "\n" + note)


# ---- "เรื่องของฉัน" ----------------------------------------------------------------------------------------

@router.on(MessageType("text"), ActionIs("my_tickets") | SaysLabel("menu.my_cases_label"))
async def my_tickets(turn: Turn) -> None:
    async with turn.ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, turn.user.line_user_id)
        tickets = await repo.list_tickets_for_requester(session, user.id, statuses=repo.ACTIVE_STATUSES,
                                                        limit=10)
        notes = await latest_status_notes(session, [t.id for t in tickets])  # as "ตามเรื่อง" shows them
    if not tickets:
        turn.reply.text(turn.say("ticket.none"))
        return
    calendar = policy_for(turn.ctx.settings).calendar
    lines = [turn.say("ticket.list_header")]
    for t in tickets:
        updated = max(x for x in (t.created_at, t.claimed_at, t.answered_at) if x is not None)
        lines.append(turn.say("ticket.status_line", number=t.id, summary=summary(turn, t),
                              status=ticket_label(turn, t, notes.get(t.id)),
                              updated=context.when_text(turn, updated, calendar)))
    turn.reply.text("\n".join(lines))


def summary(turn: Turn, ticket: Ticket) -> str:
    """A one-line name: a report's category, or the start of the question."""
    key = f"topic.{ticket.topic}"
    if ticket.kind == TicketKind.REPORT and key in turn.ctx.kb.responses:
        return turn.say(key)
    text = " ".join(ticket.question.split())
    text = context.for_user(turn, text)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


# ---- the requester's verdict and follow-up -----------------------------------------------------------------

@router.on(Postback("rate"))
async def rated(turn: Turn) -> None:
    number, helpful = int(turn.match.get("ticket", 0) or 0), turn.match.get("ok") == "1"
    async with turn.ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, turn.user.line_user_id)
        ticket = await repo.get_ticket(session, number)
        if ticket is None or ticket.requester_user_id != user.id:
            turn.reply.text(turn.say("ticket.not_found", number=number))
            return
        target = TicketStatus.CLOSED if helpful else TicketStatus.CLAIMED
        if not await repo.transition_ticket(session, number, target, expected=[TicketStatus.ANSWERED],
                                            now=turn.now):
            turn.reply.text(turn.say("ticket.already_rated", number=number))
            return
        await repo.set_ticket_fields(session, number, rating=1 if helpful else 0)
        verdict = _close if helpful else _reopen
        pushes = await verdict(session, turn, ticket, user.id)
    push_all(turn, pushes)
    if helpful:
        turn.reply.text(turn.say("ticket.resolved_thanks", number=number))
        return
    turn.state.step, turn.state.data = FOLLOWUP, {"ticket": number}
    turn.reply.text(turn.say("ticket.reopened", number=number))


async def _close(session: AsyncSession, turn: Turn, ticket: Ticket, user_pk: int) -> list[Push]:
    from bot.learning import suggest_from_ticket

    closed = await repo.get_ticket(session, ticket.id)
    detail = {"answered_by": closed.assignee_user_id, "rating": 1,
              "claim_s": _seconds(closed.created_at, closed.claimed_at),
              "answer_s": _seconds(closed.created_at, closed.answered_at)}
    await repo.audit(session, user_pk, "ticket.close", ticket_id=ticket.id, detail=detail, now=turn.now)
    await suggest_from_ticket(session, closed, now=turn.now)
    return _to_assignee(await line_id_of(session, closed.assignee_user_id),
                        TextOut(turn.say("mentor.resolved", number=ticket.id)))


async def _reopen(session: AsyncSession, turn: Turn, ticket: Ticket, user_pk: int) -> list[Push]:
    await repo.audit(session, user_pk, "ticket.reopen", ticket_id=ticket.id, detail={"rating": 0},
                     now=turn.now)
    await reschedule(session, policy_for(turn.ctx.settings), ticket.id)
    text = turn.say("mentor.reopened", number=ticket.id, followup=turn.say("ticket.followup_pending"))
    return _to_assignee(await line_id_of(session, ticket.assignee_user_id),
                        TextOut(text, (work_choice(turn.ctx.kb, ticket.id),)))


def _to_assignee(line_id: str | None, message: TextOut) -> list[Push]:
    return [Push(line_id, (message,))] if line_id else []


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    return int((end - start).total_seconds()) if start and end else None


@router.on(InState(FOLLOWUP), MessageType("text"))
async def followup(turn: Turn) -> None:
    """The requester's next message after [ยังไม่ได้] goes to the person who answered."""
    number = int(turn.state.data.get("ticket", 0))
    body = redact(turn.text.strip())
    async with turn.ctx.storage.transaction() as session:
        user = await repo.get_or_create_user(session, turn.user.line_user_id)
        ticket = await repo.get_ticket(session, number)
        if ticket is None or ticket.requester_user_id != user.id:
            turn.state.reset()
            turn.reply.text(turn.say("ticket.not_found", number=number))
            return
        await repo.add_ticket_message(session, number, body, MessageKind.FOLLOWUP, author_user_id=user.id,
                                      author_role=Role(turn.user.role), now=turn.now)
        await repo.audit(session, user.id, "ticket.followup", ticket_id=number, now=turn.now)
        line_id = await line_id_of(session, ticket.assignee_user_id)
    text = turn.say("mentor.followup", number=number, followup=body)
    message = TextOut(text, (work_choice(turn.ctx.kb, number),))
    push_all(turn, _to_assignee(line_id, message))
    turn.state.reset()
    turn.reply.text(turn.say("ticket.followup_sent", number=number))
