"""Conversation intents answer with an action key (knowledge/intents/conversation.yaml): small talk, menus,
cancel, which LAO, my cases, asking for a person. Each key maps to a behaviour or a phrase."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import QuickReply
from bot.turn import Turn
from handlers import cases, lao, menus, render


async def run(turn: Turn, action: str) -> None:
    handler = _SPECIAL.get(action)
    if handler is not None:
        await handler(turn)
        return
    turn.reply.text(turn.say(render.action_phrase(action, turn.user.role)))
    turn.reply.quick_replies(menus.main_menu(turn))


async def cancel(turn: Turn) -> None:
    """"เริ่มใหม่" / "ยกเลิก": forget any flow and context."""
    busy = turn.state.step is not None
    turn.state.reset()
    turn.reply.text(turn.say("cancel.done" if busy else "cancel.nothing"))
    turn.reply.quick_replies(menus.main_menu(turn))


async def change_lao(turn: Turn) -> None:
    lao.ask(turn)


async def set_lao(turn: Turn) -> None:
    await lao.from_text(turn)


async def my_tickets(turn: Turn) -> None:
    await cases.list_my_cases(turn)


async def human_handoff(turn: Turn) -> None:
    """Offer a person; the ticket itself is made by the escalation handlers (postback action=handoff)."""
    yes, no = turn.say("handoff.yes_label"), turn.say("handoff.no_label")
    turn.reply.text(turn.say("handoff.offer"))
    turn.reply.quick_replies([QuickReply(label=yes, data="action=handoff", display_text=yes),
                              QuickReply(label=no, data="action=handoff_no", display_text=no)])


_SPECIAL: dict[str, Callable[[Turn], Awaitable[None]]] = {
    "cancel": cancel,
    "restart": cancel,
    "change_lao": change_lao,
    "set_lao": set_lao,
    "my_tickets": my_tickets,
    "human_handoff": human_handoff,
}
