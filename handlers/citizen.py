"""Text understood by the NLU: services, reports, redirects, small talk. Serves every role; officers and
mentors reach here for anything their own routers do not take."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.filters import Decision, MessageType, Postback
from bot.messages import QuickReply
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import menus, render

router = Router("citizen")


class ConfidentIntent(Filter):
    """Matches a confident NLU answer; hands the knowledge intent to the handler."""

    def check(self, turn: Turn) -> FilterResult:
        nlu = turn.nlu
        if nlu is None or nlu.decision != "answer" or nlu.intent not in turn.ctx.kb.intents:
            return False
        return {"intent": turn.ctx.kb.intents[nlu.intent]}


@router.on(MessageType("text"), ConfidentIntent())
async def answer_intent(turn: Turn) -> None:
    await respond(turn, turn.match["intent"])


@router.on(Postback("pick"))
async def picked_candidate(turn: Turn) -> None:
    """The user chose one of the clarification candidates."""
    intent = turn.ctx.kb.intents.get(turn.match.get("intent", ""))
    if intent is None:
        turn.reply.text(turn.say("fallback.first"))
        return
    await respond(turn, intent)


@router.on(MessageType("text"), Decision("clarify"))
async def clarify(turn: Turn) -> None:
    """Unsure between a few intents: offer them, plus "none of these"."""
    turn.reply.text(turn.say("clarify.ask"))
    turn.reply.quick_replies([*render.candidate_choices(turn), QuickReply(label=turn.say("clarify.none_label"))])


async def respond(turn: Turn, intent) -> None:  # noqa: ANN001 - knowledge.schema.Intent
    turn.state.data.pop("misses", None)
    await _BY_KIND[intent.answer.kind](turn, intent)


async def _action(turn: Turn, intent) -> None:  # noqa: ANN001
    turn.reply.text(turn.say(render.action_phrase(intent.answer.action, turn.user.role)))
    turn.reply.quick_replies(menus.main_menu(turn))


async def _service(turn: Turn, intent) -> None:  # noqa: ANN001
    service = turn.ctx.kb.effective_service(intent.answer.ref, render.known_lao(turn))
    turn.reply.text(render.service_text(turn, service, intent.focus))


async def _article(turn: Turn, intent) -> None:  # noqa: ANN001
    turn.reply.text(render.article_text(turn, turn.ctx.kb.articles[intent.answer.ref]))


async def _plain(turn: Turn, intent) -> None:  # noqa: ANN001
    turn.reply.text(intent.answer.text)


async def _report(turn: Turn, intent) -> None:  # noqa: ANN001
    turn.reply.text(turn.say("report.ask_location"))


_BY_KIND: dict[str, Callable[[Turn, object], Awaitable[None]]] = {
    "action": _action,
    "service": _service,
    "article": _article,
    "redirect": _plain,
    "out_of_scope": _plain,
    "report": _report,
}
