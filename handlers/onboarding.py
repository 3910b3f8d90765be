"""Who is talking and how to address them: invite codes typed in chat, welcomes for staff roles, calls by
name in group chats, and the group privacy rule.

The router tree (handlers/__init__.py) places `router` first, then `group_privacy` right after
common.group_guard. Routing is first-match without middleware, so steps that adjust a turn for later routers
are `Rewriter`s: routers that change the turn and never answer. (Staff are understood with their own intents
first and every other one after: the dispatcher classifies with `UserInfo.nlu_audience`.)

Rich-menu tiles (bot/richmenu.py) send the postback `action=menu&item=<tile>`, answered by `menu_tile`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

from bot.filters import Addressed, EventKind, HasRole, InGroup, MessageType, Postback
from bot.messages import QuickReply
from bot.models import Role
from bot.repo.invites import normalize_invite_code
from bot.repo.roles import RedeemOutcome, Redemption, redeem_with_limit, revoke_invite
from bot.richmenu import link_role_menu
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import citizen, menus, officer

NLU_MAX_CHARS = 2_000  # as bot/dispatcher.py: a re-read text is understood the same way
STAFF_ROLES = ("officer", "mentor", "admin")
HELP_TILE = "help"
MENU_INTENTS = {  # rich-menu tiles (bot/richmenu.py) answered as this intent; the others offer choices
    "contact": "contact_office.phone_division",
    "manual": "officer.training.manual_docs", "system_down": "officer.error.system_down",
    "password": "officer.login.forgot_password",
}
# Conversation actions and postbacks that show or start something personal: never in a group chat.
PRIVATE_ACTIONS = frozenset(
    {"human_handoff", "ask_mentor", "mentor_queue", "my_tickets", "change_lao", "set_lao"}
)
PRIVATE_LABELS = ("menu.my_cases_label", "menu.queue_label", "menu.human_label", "menu.mentor_label",
                  "menu.change_lao_label")
PRIVATE_POSTBACKS = frozenset({"handoff", "claim", "forward", "send", "edit", "rate", "report", "tickets"})
_CODE_WITH_DASH = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z0-9]{5})\s?[-\u2010\u2011\u2013\u2014]\s?([A-Za-z0-9]{5})"
    r"(?![A-Za-z0-9])"
)
_CODE_ALONE = re.compile(r"^\s*([A-Za-z0-9]{5})\s?([A-Za-z0-9]{5})\s*$")
_TICKET_REF = re.compile(r"^\s*#\s*\d")


def find_invite_code(text: str) -> str | None:
    """An invite code in a message: "ABCDE-FGHJK" anywhere (any case, spaces around the dash), or a message
    that is only the ten characters. It must contain a letter (phone numbers never do) and, when written
    without the dash, also a digit or be upper case (so "helloworld" is not a code)."""
    found = _CODE_WITH_DASH.search(text)
    if found is None:
        found = _CODE_ALONE.match(text)
        if found and not _looks_generated(found[1] + found[2]):
            return None
    if found is None or not any(ch.isalpha() for ch in found[1] + found[2]):
        return None
    return normalize_invite_code(found[1] + found[2])


def _looks_generated(code: str) -> bool:
    return any(ch.isdigit() for ch in code) or code.isupper()


@dataclass(frozen=True)
class InviteCode(Filter):
    """A text message carrying an invite code; gives `invite_code` (normalised) to the handler."""

    def check(self, turn: Turn) -> FilterResult:
        if turn.event.message_type != "text" or not turn.event.text:
            return False
        code = find_invite_code(turn.event.text)
        return {"invite_code": code} if code else False


@dataclass(frozen=True)
class EmptyText(Filter):
    def check(self, turn: Turn) -> FilterResult:
        return turn.event.message_type == "text" and not (turn.event.text or "").strip()


@dataclass(frozen=True)
class PrivateInGroup(Filter):
    """A request that would show or start something personal: cases, tickets, handoffs, where one lives."""

    def check(self, turn: Turn) -> FilterResult:
        if turn.event.kind == "postback":
            pairs = dict(parse_qsl(turn.event.postback_data or ""))
            return pairs.get("action") in PRIVATE_POSTBACKS or "ticket" in pairs
        text = (turn.event.text or "").strip()
        if _TICKET_REF.match(text) or text in _private_labels(turn):
            return True
        nlu, intents = turn.nlu, turn.ctx.kb.intents
        if nlu is None or nlu.decision != "answer" or nlu.intent not in intents:
            return False
        answer = intents[nlu.intent].answer
        return answer.kind == "report" or answer.action in PRIVATE_ACTIONS


def _private_labels(turn: Turn) -> set[str]:
    """Menu labels that other handlers take literally (a tapped quick reply) and that open personal things."""
    responses = turn.ctx.kb.responses
    return {responses.say(key) for key in PRIVATE_LABELS if key in responses}


@dataclass
class Rewriter(Router):
    """A router that never answers: `step` adjusts the turn (text, NLU result) for the routers after it."""

    step: Callable[[Turn], Awaitable[None]] | None = None

    async def route(self, turn: Turn) -> str | None:
        if self.step is not None:
            await self.step(turn)
        return None


# ---- group calls: "/น้องท้องถิ่น ..." or a mention makes a group message addressed, minus the call itself --


async def address_group_call(turn: Turn) -> None:
    event = turn.event
    if not event.source.is_group or event.message_type != "text" or not event.text:
        return
    text = _without_self_mentions(event.raw, event.text) if event.mentions_self else _after_call_name(turn)
    if text is None or text == event.text:
        return
    turn.event = replace(event, text=text, mentions_self=True)
    turn.nlu = turn.ctx.nlu.classify(text[:NLU_MAX_CHARS], audience=turn.user.nlu_audience) if text else None


def _after_call_name(turn: Turn) -> str | None:
    text = (turn.event.text or "").strip()
    names = sorted(turn.ctx.kb.responses.variants("group.call_names"), key=len, reverse=True)
    for name in names:
        if text.casefold().startswith(name.casefold()):
            return text[len(name) :].lstrip(" ,:：\u200b").strip()
    return None


def _without_self_mentions(raw: dict[str, Any], text: str) -> str:
    """The text without the "@name" spans that mention the bot (LINE gives their index and length)."""
    mentionees = ((raw.get("message") or {}).get("mention") or {}).get("mentionees") or []
    spans = sorted(
        ((m.get("index", 0), m.get("length", 0)) for m in mentionees if m.get("isSelf")), reverse=True
    )
    for index, length in spans:
        text = text[:index] + text[index + length :]
    return " ".join(text.split())


router = Router("onboarding")
group_calls = Rewriter("onboarding.group_calls", step=address_group_call)
roles = Router("onboarding.roles")
router.include(group_calls, roles)
group_privacy = Router("group_privacy", filters=[InGroup()])


@roles.on(EventKind("follow"), HasRole(*STAFF_ROLES))
async def welcome_staff(turn: Turn) -> None:
    """Officers, mentors and admins who add (or unblock) the bot: their own welcome and menu."""
    turn.reply.text(turn.say(f"greeting.{turn.user.role}"))
    turn.reply.quick_replies(menus.main_menu(turn))
    await link_role_menu(turn.ctx.settings, turn.user.line_user_id or "", turn.user.role)


@roles.on(InviteCode(), InGroup())
async def invite_in_group(turn: Turn) -> None:
    """Everyone in the group has seen the code: end it (if it was valid) and ask for a new one, 1:1."""
    async with turn.ctx.storage.transaction() as session:
        await revoke_invite(session, turn.match["invite_code"], now=turn.now)
    turn.reply.text(turn.say("officer.invite_in_group"))


@roles.on(InviteCode())
async def redeem_invite_code(turn: Turn) -> None:
    user_id = turn.user.line_user_id or ""
    async with turn.ctx.storage.transaction() as session:
        outcome = await redeem_with_limit(session, turn.match["invite_code"], user_id, now=turn.now)
    if not outcome.granted:
        turn.reply.text(turn.say(_REFUSALS[outcome.status]))
        return
    assert outcome.role is not None
    turn.user.role = outcome.role.value
    turn.user.lao_code = outcome.lao_code or turn.user.lao_code
    turn.state.reset()  # a flow begun in the old role does not carry over
    turn.reply.text(_granted_text(turn, outcome))
    turn.reply.quick_replies(menus.main_menu(turn))
    await link_role_menu(turn.ctx.settings, user_id, turn.user.role)


@roles.on(Postback("menu"))
async def menu_tile(turn: Turn) -> None:
    """A rich-menu tile for a broad topic: a few questions to pick from, or the topic's answer itself."""
    item, responses = str(turn.match.get("item", "")), turn.ctx.kb.responses
    if item == HELP_TILE:  # each role's own "what I can do for you", mentors' included
        key = f"bot_help.{turn.user.role}"
        turn.reply.text(turn.say(key if key in responses else "bot_help.officer"))
        turn.reply.quick_replies(menus.main_menu(turn))
        return
    intent = turn.ctx.kb.intents.get(MENU_INTENTS.get(item, ""))
    if intent is not None and intent.answer.kind == "article" and turn.user.role in STAFF_ROLES:
        await officer.answer_article_intent(turn, intent, turn.say(f"richmenu.{item}.says"))
        return
    if intent is not None:
        await citizen.respond(turn, intent)
        return
    if f"richmenu.{item}.choices" not in responses:
        turn.reply.text(turn.say("bot_help.menu")).quick_replies(menus.main_menu(turn))
        return
    turn.reply.text(turn.say(f"richmenu.{item}.prompt"))
    choices = responses.variants(f"richmenu.{item}.choices")
    turn.reply.quick_replies([QuickReply(label=text) for text in choices])


@roles.on(MessageType("text"), InGroup(), Addressed(), EmptyText())
async def called_without_question(turn: Turn) -> None:
    turn.reply.text(turn.say("group.called"))


@group_privacy.on(PrivateInGroup())
async def keep_private(turn: Turn) -> None:
    turn.reply.text(turn.say("group.private_only"))


_REFUSALS = {
    Redemption.UNKNOWN: "officer.invite_bad",
    Redemption.USED: "officer.invite_used",
    Redemption.EXPIRED: "officer.invite_expired",
    Redemption.RATE_LIMITED: "officer.invite_rate_limited",
}
_GRANTED = {
    Role.OFFICER: "officer.invite_ok",
    Role.MENTOR: "officer.invite_ok_mentor",
    Role.ADMIN: "officer.invite_ok_admin",
}


def _granted_text(turn: Turn, outcome: RedeemOutcome) -> str:
    lao = turn.ctx.kb.lao_by_code(outcome.lao_code) if outcome.lao_code else None
    lao_name = lao.name if lao else (outcome.lao_code or "")
    if outcome.status is Redemption.ALREADY:
        if outcome.role is Role.OFFICER and lao_name:
            return turn.say("officer.invite_already", lao_name=lao_name)
        return turn.say("officer.invite_already_role")
    params = {} if outcome.role is Role.ADMIN else {"lao_name": lao_name}
    return turn.say(_GRANTED.get(outcome.role or Role.OFFICER, "officer.invite_ok"), **params)
