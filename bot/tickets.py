"""Ticket routing and the notifications it causes, shared by the handlers and the SLA timer loop.

Officers' (and mentors') questions go to the mentor network: a mentor LAO with registered mentors, chosen by
same province, then same region, then similar LAO type, then the least open tickets. Citizens' questions and
problem reports go to the officers registered for the citizen's own LAO. Every phrase comes from
knowledge/responses.yaml; the SLA policy lives in bot/sla.py (callers pass the due time in).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import repo
from bot.messages import FlexOut, OutMessage, QuickReply, TextOut, truncate_utf16
from bot.models import Lao, LineUser, Role, Ticket, TicketKind

QUESTION_CHARS = 600  # a card shows the question and context, not a transcript
EXCERPT_CHARS = 700
TYPE_FAMILY = {"municipality_city": "municipality", "municipality_town": "municipality",
               "municipality_subdistrict": "municipality", "sao": "sao", "pao": "pao"}


@dataclass(frozen=True)
class Push:
    """Messages for someone other than the person in the current turn."""

    to: str
    messages: tuple[OutMessage, ...]


@dataclass(frozen=True)
class TicketDraft:
    """What the requester confirmed; every text already redacted."""

    question: str
    reason: str
    excerpt: str | None = None
    bot_answer: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def topic(self) -> str | None:
        return self.candidates[0]["topic"] if self.candidates else None


def routes_to_mentors(kind: TicketKind | str, requester_role: Role | str) -> bool:
    """Staff questions go to the mentor network; citizens' questions and reports stay with their own LAO."""
    return kind == TicketKind.QUESTION and requester_role != Role.CITIZEN


def answerer_roles(ticket: Ticket) -> tuple[Role, ...]:
    """Who (besides admins) may claim: mentors for the mentor network, the LAO's staff for citizens."""
    if routes_to_mentors(ticket.kind, ticket.requester_role):
        return (Role.MENTOR,)
    return (Role.OFFICER, Role.MENTOR)


def may_claim(role: str, lao_code: str | None, ticket: Ticket) -> bool:
    if role == Role.ADMIN:
        return True
    return bool(lao_code) and lao_code == ticket.assignee_lao_code and role in answerer_roles(ticket)


def may_act(role: str, user_pk: int, ticket: Ticket) -> bool:
    """Answer, forward or cancel a claimed ticket: only its owner, or an admin."""
    return role == Role.ADMIN or (ticket.assignee_user_id is not None and ticket.assignee_user_id == user_pk)


# ---- choosing a mentor LAO ---------------------------------------------------------------------------------

def rank_mentor_laos(requester: Lao | None, candidates: Iterable[Lao], load: dict[str, int]) -> list[str]:
    """Candidate codes, best first: same province, same region, similar type, fewest open tickets."""
    def key(lao: Lao) -> tuple[int, int, int, int, str]:
        if requester is None:
            return (1, 1, 2, load.get(lao.code, 0), lao.code)
        same_type = 0 if lao.type == requester.type else 1 if _family(lao) == _family(requester) else 2
        return (lao.province != requester.province, lao.region != requester.region, same_type,
                load.get(lao.code, 0), lao.code)

    return [lao.code for lao in sorted(candidates, key=key)]


def _family(lao: Lao) -> str:
    return TYPE_FAMILY.get(lao.type, lao.type)


async def choose_mentor_lao(
    session: AsyncSession, requester_lao: str | None, exclude: Collection[str]
) -> str | None:
    """The best mentor LAO that is not away, has registered mentors and is not in `exclude`."""
    staffed = await repo.staffed_laos(session, Role.MENTOR)
    candidates = [lao for lao in await repo.list_mentor_laos(session)
                  if lao.code in staffed and lao.code not in exclude]
    requester = await repo.get_lao(session, requester_lao) if requester_lao else None
    ranked = rank_mentor_laos(requester, candidates, await repo.open_load_by_lao(session))
    return ranked[0] if ranked else None


async def has_staff(session: AsyncSession, lao_code: str) -> bool:
    """True when someone registered can answer this LAO's citizens in LINE."""
    return bool(await repo.list_users(session, roles=(Role.OFFICER, Role.MENTOR), lao_code=lao_code))


# ---- opening and moving tickets ----------------------------------------------------------------------------

async def open_ticket(
    session: AsyncSession, kb: Any, draft: TicketDraft, *, requester: LineUser, role: Role,
    sla_due_at: datetime | None, now: datetime,
) -> tuple[Ticket, list[Push]]:
    """Create, route and announce a question ticket in the caller's transaction."""
    lao = requester.lao_code
    if routes_to_mentors(TicketKind.QUESTION, role):
        lao = await choose_mentor_lao(session, requester.lao_code, {requester.lao_code or ""})
    ticket = await repo.create_ticket(
        session, kind=TicketKind.QUESTION, requester_user_id=requester.id, requester_role=role,
        requester_lao_code=requester.lao_code, assignee_lao_code=lao, reason=draft.reason,
        question=draft.question, excerpt=draft.excerpt, bot_answer=draft.bot_answer,
        nlu_candidates=draft.candidates, topic=draft.topic, sla_due_at=sla_due_at, now=now)
    await repo.audit(session, requester.id, "ticket.create", ticket_id=ticket.id,
                     detail={"reason": draft.reason}, now=now)
    await repo.audit(session, None, "ticket.route", ticket_id=ticket.id, detail={"lao": lao}, now=now)
    return ticket, await notify_assignees(session, kb, ticket)


async def move_to_next_mentor(
    session: AsyncSession, kb: Any, ticket: Ticket, *, now: datetime, actor: int | None, action: str,
    from_user: int | None = None,
) -> tuple[str | None, list[Push]]:
    """Hand a mentor-network ticket to the next mentor LAO (SLA re-route or a mentor's [ส่งต่อ]).

    Returns the new LAO (None when there is no other one, or the ticket changed meanwhile) and the pushes:
    the new LAO's mentors get the card, the previous LAO's mentors are told where it went.
    """
    tried = set(await repo.audited_laos(session, ticket.id, "ticket.route"))
    tried.add(ticket.requester_lao_code or "")
    target = await choose_mentor_lao(session, ticket.requester_lao_code, tried)
    previous = ticket.assignee_lao_code
    if target is None or not await repo.move_ticket(session, ticket.id, target, from_lao=previous,
                                                    from_user=from_user, reroute=action == "ticket.reroute"):
        return None, []
    await repo.audit(session, actor, action, ticket_id=ticket.id, detail={"from": previous, "lao": target},
                     now=now)
    await repo.audit(session, None, "ticket.route", ticket_id=ticket.id, detail={"lao": target}, now=now)
    moved = await repo.get_ticket(session, ticket.id)
    assert moved is not None
    told = say(kb, "mentor.rerouted" if actor is None else "mentor.forwarded_to", number=ticket.id,
               lao_name=lao_name(kb, target))
    pushes = await pushes_to_staff(session, previous, answerer_roles(moved), [TextOut(told)])
    return target, pushes + await notify_assignees(session, kb, moved)


# ---- who hears about it ------------------------------------------------------------------------------------

async def notify_assignees(session: AsyncSession, kb: Any, ticket: Ticket) -> list[Push]:
    """The claim card to everyone who may claim the ticket (admins when no LAO could take it)."""
    card = ticket_card(kb, ticket)
    if ticket.assignee_lao_code is None:
        return await pushes_to_admins(session, [card])
    return await pushes_to_staff(session, ticket.assignee_lao_code, answerer_roles(ticket), [card])


async def pushes_to_staff(
    session: AsyncSession, lao_code: str | None, roles: Collection[Role], messages: list[OutMessage]
) -> list[Push]:
    if lao_code is None:
        return []
    users = await repo.list_users(session, roles=roles, lao_code=lao_code)
    return [Push(u.line_user_id, tuple(messages)) for u in users]


async def pushes_to_admins(session: AsyncSession, messages: list[OutMessage]) -> list[Push]:
    users = await repo.list_users(session, roles=(Role.ADMIN,))
    return [Push(u.line_user_id, tuple(messages)) for u in users]


async def line_id_of(session: AsyncSession, user_pk: int | None) -> str | None:
    user = await repo.get_user_by_pk(session, user_pk) if user_pk is not None else None
    return user.line_user_id if user is not None else None


# ---- message building --------------------------------------------------------------------------------------

def say(kb: Any, key: str, **params: Any) -> str:
    return kb.responses.say(key, **params)


def lao_name(kb: Any, code: str | None) -> str:
    lao = kb.lao_by_code(code) if code else None
    return lao.name if lao is not None else say(kb, "ticket.unknown_lao")


def ticket_summary_lines(kb: Any, ticket: Ticket) -> list[str]:
    """The context a mentor needs: why it came, what the bot said, the nearest topics, the conversation."""
    lines = []
    if ticket.reason and f"ticket.reason.{ticket.reason}" in kb.responses:
        lines.append(say(kb, "mentor.ticket_reason", reason=say(kb, f"ticket.reason.{ticket.reason}")))
    if ticket.bot_answer:
        lines.append(say(kb, "mentor.ticket_bot_answer", answer=ticket.bot_answer))
    keys = [f"topic.{c['topic']}" for c in ticket.nlu_candidates or []]
    topics = [say(kb, key) for key in keys if key in kb.responses]
    if topics:
        lines.append(say(kb, "mentor.ticket_topics", topics=", ".join(dict.fromkeys(topics[:3]))))
    if ticket.excerpt:
        lines.append(say(kb, "mentor.ticket_excerpt", excerpt=truncate_utf16(ticket.excerpt, EXCERPT_CHARS)))
    return lines


def ticket_headline(kb: Any, ticket: Ticket) -> str:
    question = truncate_utf16(ticket.question, QUESTION_CHARS)
    if routes_to_mentors(ticket.kind, ticket.requester_role):
        return say(kb, "mentor.new_ticket", number=ticket.id, question=question,
                   lao_name=lao_name(kb, ticket.requester_lao_code))
    return say(kb, "mentor.new_citizen_ticket", number=ticket.id, question=question)


def ticket_card(kb: Any, ticket: Ticket) -> FlexOut:
    """A flex card with the question, its context and [รับเรื่อง] (+ [ส่งต่อ] in the mentor network)."""
    headline = ticket_headline(kb, ticket)
    texts = [_flex_text(headline, bold=True), *map(_flex_text, ticket_summary_lines(kb, ticket))]
    buttons = [_button(say(kb, "mentor.claim_label"), f"action=claim&ticket={ticket.id}", "primary")]
    if routes_to_mentors(ticket.kind, ticket.requester_role):
        forward = say(kb, "mentor.forward_label")
        buttons.append(_button(forward, f"action=forward&ticket={ticket.id}", "secondary"))
    bubble = {"type": "bubble",
              "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": texts},
              "footer": {"type": "box", "layout": "horizontal", "spacing": "sm", "contents": buttons}}
    return FlexOut(headline, bubble)


def work_choice(kb: Any, ticket_id: int) -> QuickReply:
    """A quick reply that makes this ticket the one the mentor is answering."""
    return QuickReply(label=f"#{ticket_id}", data=f"action=work&ticket={ticket_id}")


def _flex_text(text: str, *, bold: bool = False) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text, "wrap": True, "size": "sm"}
    if bold:
        node["weight"] = "bold"
    return node


def _button(label: str, data: str, style: str) -> dict[str, Any]:
    return {"type": "button", "style": style, "height": "sm",
            "action": {"type": "postback", "label": label, "data": data, "displayText": label}}
