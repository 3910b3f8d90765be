"""Handlers for every audience: lifecycle events, group etiquette, starting over, non-text messages and the
fallback."""
from __future__ import annotations

from bot.filters import Addressed, EventKind, InGroup, MessageType, Postback
from bot.messages import QuickReply
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import menus, render
from nlu.pii import redact

PENDING_PHOTO = "photo_pending"  # state data: a photo sent before saying what it shows (used by a report)
LAST_QUESTION = "last_question"  # state data: the redacted message a person may be asked about

events_router = Router("events", filters=[~EventKind("message", "postback")])
group_guard = Router("group_guard", filters=[InGroup(), ~Addressed()])
reset_router = Router("reset", filters=[MessageType("text")])
media_router = Router("media", filters=[MessageType("sticker", "image", "video", "audio", "file")])
fallback_router = Router("fallback")


@events_router.on(EventKind("follow"))
async def welcome(turn: Turn) -> None:
    """A new friend (or an unblock): say what the bot does for this role."""
    turn.reply.text(turn.say(f"greeting.{turn.user.role}"))
    turn.reply.quick_replies(menus.main_menu(turn))


@events_router.on(EventKind("join"))
async def joined_group(turn: Turn) -> None:
    turn.reply.text(turn.say("group.addressed_only"))


@events_router.on()
async def ignore_other_events(turn: Turn) -> None:
    """unfollow (already recorded), leave, unsend, member events, beacons: nothing to say."""


@group_guard.on()
async def stay_silent(turn: Turn) -> None:
    """Group chats: answer only when mentioned, and never show personal data there."""


class StartOver(Filter):
    """"เริ่มใหม่" / "ยกเลิก" understood with confidence: it ends any flow, whatever step it is at."""

    def check(self, turn: Turn) -> FilterResult:
        nlu, kb = turn.nlu, turn.ctx.kb
        if nlu is None or nlu.decision != "answer" or nlu.intent not in kb.intents:
            return False
        return kb.intents[nlu.intent].answer.action in ("cancel", "restart")


@reset_router.on(StartOver())
async def start_over(turn: Turn) -> None:
    from handlers import actions  # actions reaches the flows, which use this module's helpers

    await actions.cancel(turn)


@media_router.on(MessageType("image"))
async def image(turn: Turn) -> None:
    """Outside a report: ask what it shows; the photo is kept for a report that follows."""
    turn.state.data[PENDING_PHOTO] = turn.event.message_id
    turn.reply.text(turn.say("nontext.image")).quick_replies(menus.main_menu(turn))


@media_router.on()
async def non_text(turn: Turn) -> None:
    turn.reply.text(turn.say(f"nontext.{turn.event.message_type}"))
    turn.reply.quick_replies(menus.main_menu(turn))


def count_miss(turn: Turn) -> int:
    misses = int(turn.state.data.get("misses", 0)) + 1
    turn.state.data["misses"] = misses
    return misses


def handoff_choice(turn: Turn) -> list[QuickReply]:
    """[ถามเจ้าหน้าที่]: a postback the escalation handlers turn into a ticket."""
    label = turn.say("service.card.ask_officer")
    return [QuickReply(label=label, data="action=handoff", display_text=label)]


@fallback_router.on(Postback("handoff_no"))
async def handoff_declined(turn: Turn) -> None:
    turn.reply.text(turn.say("handoff.cancelled")).quick_replies(menus.main_menu(turn))


@fallback_router.on(Postback("handoff"))
async def handoff_unavailable(turn: Turn) -> None:
    """Only reached when no escalation handler took the postback: point to the LAO office instead."""
    code = render.known_lao(turn)
    lao = turn.ctx.kb.lao_by_code(code) if code else None
    if lao is None:
        turn.reply.text(turn.say("handoff.no_contact", lao_name=turn.say("lao_words.yours")))
        return
    turn.reply.text(turn.say("handoff.no_officer", lao_name=lao.name, contact="\n".join(
        render.contact_lines(turn, lao))))


@fallback_router.on(MessageType("text"))
async def not_understood(turn: Turn) -> None:
    """First miss: help to rephrase with the categories. Repeated misses: offer a person."""
    turn.state.data[LAST_QUESTION] = redact(turn.text)
    if count_miss(turn) >= 2:
        turn.reply.text(turn.say("fallback.second")).quick_replies(handoff_choice(turn))
        return
    turn.reply.text(turn.say("fallback.first")).quick_replies(menus.main_menu(turn))


@fallback_router.on()
async def unexpected(turn: Turn) -> None:
    """A stale button (its flow expired) or an unknown postback: show the menu rather than nothing."""
    turn.reply.text(turn.say("bot_help.menu")).quick_replies(menus.main_menu(turn))
