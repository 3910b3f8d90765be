"""Text understood by the NLU: services, reports, redirects, small talk. Serves every role; officers and
mentors reach here for anything their own routers do not take.

A confident answer is given by the intent's answer kind; an unsure one is clarified with up to three
candidates plus "ไม่ใช่ทั้งหมด" (the pick is kept as a labelled example for review). Never a confident wrong
service: only the NLU's "answer" decision reaches `answer_intent`.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.filters import Decision, MessageType, Postback, Vague
from bot.messages import QuickReply
from bot.repo.citizens import add_labelled_example
from bot.repo.users import set_user_lao
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import actions, cards, common, followups, lao, menus, places, render, reports
from nlu.pii import redact

CONTACT_SERVICE = "contact_office"  # answered from the LAO directory's contacts, not with a card
CLARIFY_TEXT = "clarify_text"  # state data: the redacted message being clarified

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
    """The user chose one of the clarification candidates: answer it and keep the pick for review."""
    intent = turn.ctx.kb.intents.get(turn.match.get("intent", ""))
    if intent is None:
        turn.reply.text(turn.say("fallback.first"))
        return
    text = turn.state.data.pop(CLARIFY_TEXT, None)
    if text:
        async with turn.ctx.storage.transaction() as session:
            await add_labelled_example(session, text, intent.id, intent.topic, now=turn.now)
    await respond(turn, intent)


@router.on(Postback("pick_none"))
async def picked_none(turn: Turn) -> None:
    turn.state.data.pop(CLARIFY_TEXT, None)
    common.count_miss(turn)
    turn.reply.text(turn.say("clarify.none_reply")).quick_replies(common.handoff_choice(turn))


@router.on(MessageType("text"), Vague())
async def ask_what_about(turn: Turn) -> None:
    """Only request words ("แจ้งเรื่องค่ะ"): ask what it is about and offer the main menu, rather than guess
    three topics from words every topic shares."""
    turn.reply.text(turn.say("clarify.vague")).quick_replies(menus.main_menu(turn))


@router.on(MessageType("text"), Decision("clarify"))
async def clarify(turn: Turn) -> None:
    """Unsure between a few intents: offer them, plus "none of these"."""
    choices = render.candidate_choices(turn)
    if not choices:
        await common.not_understood(turn)
        return
    turn.state.data[CLARIFY_TEXT] = redact(turn.text)
    lines = [turn.say("clarify.ask"), *[f"{n}. {c.display_text}" for n, c in enumerate(choices, start=1)]]
    none = turn.say("clarify.none_label")
    turn.reply.text("\n".join(lines))
    turn.reply.quick_replies([*choices, QuickReply(label=none, data="action=pick_none", display_text=none)])


async def respond(turn: Turn, intent: Any) -> None:
    """Answer a knowledge intent (knowledge.schema.Intent) by its answer kind."""
    turn.state.data.pop("misses", None)
    await _BY_KIND[intent.answer.kind](turn, intent)


async def _service(turn: Turn, intent: Any) -> None:
    code = await _answer_lao(turn)
    ref = intent.answer.ref
    if ref == CONTACT_SERVICE:
        await _contact(turn, intent, code)
        return
    service = turn.ctx.kb.effective_service(ref, code)
    alt, bubble = cards.service_card(turn, service, turn.ctx.kb.lao_by_code(code) if code else None)
    turn.reply.flex(alt, bubble)
    if intent.focus and intent.focus != "steps":
        turn.reply.text(followups.focus_text(turn, service, intent.focus))
    followups.remember_service(turn, ref, code)
    extra = [] if code else [QuickReply(label=turn.say("change_lao.change_label"))]
    turn.reply.quick_replies([*cards.followup_choices(turn, ref), *extra])


async def _answer_lao(turn: Turn) -> str | None:
    """The LAO to answer for: one named in the message, else the user's own. A named LAO is remembered
    when the user has none yet."""
    named = [p for p in places.find_places(turn.ctx.kb, "", turn.nlu.entities if turn.nlu else ())
             if p.in_directory]
    if len(named) != 1:
        return render.known_lao(turn)
    if not turn.user.lao_code:
        async with turn.ctx.storage.transaction() as session:
            await set_user_lao(session, turn.user.line_user_id, named[0].code)
        turn.user.lao_code = named[0].code
    return named[0].code


async def _contact(turn: Turn, intent: Any, code: str | None) -> None:
    if not turn.user.lao_code and code is None:
        lao.ask(turn, {"intent": intent.id}, intro="lao.for_question")
        return
    directory = turn.ctx.kb.lao_by_code(code or turn.user.lao_code or "")
    if directory is not None:
        turn.reply.text(render.contact_text(turn, directory))
    else:
        place = lao.place_of_code(turn.ctx.kb, turn.user.lao_code or "")
        turn.reply.text(turn.say("contact.unknown", lao_name=place.name if place else ""))
    turn.reply.quick_replies(menus.main_menu(turn))


async def _article(turn: Turn, intent: Any) -> None:
    turn.reply.text(render.article_text(turn, turn.ctx.kb.articles[intent.answer.ref]))


async def _plain(turn: Turn, intent: Any) -> None:
    turn.reply.text(intent.answer.text).quick_replies(menus.main_menu(turn))


async def _report(turn: Turn, intent: Any) -> None:
    await reports.start(turn, intent.answer.category or intent.topic, redact(turn.text) if turn.text else "")


async def _action(turn: Turn, intent: Any) -> None:
    await actions.run(turn, intent.answer.action or "")


_BY_KIND: dict[str, Callable[[Turn, Any], Awaitable[None]]] = {
    "action": _action,
    "service": _service,
    "article": _article,
    "redirect": _plain,
    "out_of_scope": _plain,
    "report": _report,
}
