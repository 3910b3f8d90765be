"""Handlers for every audience: lifecycle events, group etiquette, non-text messages, fallback."""
from __future__ import annotations

from bot.filters import Addressed, EventKind, InGroup, MessageType
from bot.messages import QuickReply
from bot.routing import Router
from bot.turn import Turn
from handlers import menus

events_router = Router("events", filters=[~EventKind("message", "postback")])
group_guard = Router("group_guard", filters=[InGroup(), ~Addressed()])
media_router = Router("media", filters=[MessageType("sticker", "image", "video", "audio", "file", "location")])
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


@media_router.on(MessageType("location"))
async def location_received(turn: Turn) -> None:
    turn.reply.text(turn.say("nontext.location_received"))


@media_router.on()
async def non_text(turn: Turn) -> None:
    turn.reply.text(turn.say(f"nontext.{turn.event.message_type}"))
    turn.reply.quick_replies(menus.main_menu(turn))


@fallback_router.on()
async def not_understood(turn: Turn) -> None:
    """First miss: help to rephrase with the categories. Repeated misses: offer a person."""
    misses = int(turn.state.data.get("misses", 0)) + 1
    turn.state.data["misses"] = misses
    if misses >= 2:
        turn.reply.text(turn.say("fallback.second"))
        turn.reply.quick_replies([QuickReply(label=turn.say("service.card.ask_officer"))])
        return
    turn.reply.text(turn.say("fallback.first"))
    turn.reply.quick_replies(menus.main_menu(turn))
