"""Officer helpdesk: how-to articles with "ได้ผลไหม" feedback, and a mentor offered when an answer did not
work or is not yet verified. Officers, mentors and admins all get it; their citizen-service questions go on
to the citizen router (they are understood with their own intents first, then every other one).

The last answer is kept in `turn.state.data["helpdesk"]`: {"intent": intent id, "article": article id,
"question": the officer's words, "verified": bool}. The handoff itself is the postback
`action=handoff&reason=not_helpful|unverified`, handled by handlers/escalation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from bot.filters import HasRole, MessageType, Postback
from bot.messages import QuickReply
from bot.repo.citizens import add_labelled_example
from bot.repo.roles import record_feedback
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers.citizen import CLARIFY_TEXT

router = Router("officer", filters=[HasRole("officer", "mentor", "admin")])
FEEDBACK_ACTIONS = {"feedback_helpful": True, "feedback_not_helpful": False}


def _article_intent(turn: Turn, intent_id: str | None) -> FilterResult:
    kb = turn.ctx.kb
    intent = kb.intents.get(intent_id or "")
    if intent is None or intent.answer.kind != "article" or intent.answer.ref not in kb.articles:
        return False
    return {"intent": intent}


@dataclass(frozen=True)
class ArticleIntent(Filter):
    """A confident NLU answer whose intent is answered by a helpdesk article."""

    def check(self, turn: Turn) -> FilterResult:
        nlu = turn.nlu
        return _article_intent(turn, nlu.intent) if nlu is not None and nlu.decision == "answer" else False


@dataclass(frozen=True)
class PickedArticle(Filter):
    """A clarification pick (postback `action=pick&intent=<id>`) of an intent answered by an article."""

    def check(self, turn: Turn) -> FilterResult:
        return _article_intent(turn, dict(parse_qsl(turn.event.postback_data or "")).get("intent"))


@dataclass(frozen=True)
class FeedbackText(Filter):
    """ "ได้ผล" / "ไม่ได้ผล" typed (not tapped) right after a helpdesk answer."""

    def check(self, turn: Turn) -> FilterResult:
        nlu, last = turn.nlu, turn.state.data.get("helpdesk")
        if nlu is None or nlu.decision != "answer" or not isinstance(last, dict):
            return False
        intent = turn.ctx.kb.intents.get(nlu.intent)
        action = intent.answer.action if intent is not None and intent.answer.kind == "action" else None
        if action not in FEEDBACK_ACTIONS:
            return False
        return {"helpful": FEEDBACK_ACTIONS[action], "intent": last.get("intent")}


@router.on(Postback("helpful"))
async def tapped_helpful(turn: Turn) -> None:
    await _feedback(turn, True, turn.match.get("intent"))


@router.on(Postback("not_helpful"))
async def tapped_not_helpful(turn: Turn) -> None:
    await _feedback(turn, False, turn.match.get("intent"))


@router.on(MessageType("text"), FeedbackText())
async def typed_feedback(turn: Turn) -> None:
    await _feedback(turn, turn.match["helpful"], turn.match["intent"])


@router.on(MessageType("text"), ArticleIntent())
async def answer_article(turn: Turn) -> None:
    await answer_article_intent(turn, turn.match["intent"], turn.text)


@router.on(Postback("pick"), PickedArticle())
async def picked_article(turn: Turn) -> None:
    """An article chosen among clarification candidates; the pick is kept for review, as citizens' are."""
    intent = turn.match["intent"]
    text = turn.state.data.pop(CLARIFY_TEXT, None)
    if text:
        async with turn.ctx.storage.transaction() as session:
            await add_labelled_example(session, text, intent.id, intent.topic, now=turn.now)
    await answer_article_intent(turn, intent, text or "")


async def answer_article_intent(turn: Turn, intent: Any, question: str) -> None:
    """The article, then "ได้ผลไหม" with buttons; an unverified one says so and offers a mentor at once."""
    article = turn.ctx.kb.articles[intent.answer.ref]
    turn.state.data.pop("misses", None)
    turn.state.data["helpdesk"] = {
        "intent": intent.id, "article": article.id, "question": question, "verified": bool(article.verified)}
    turn.reply.text(f"{article.title}\n\n{article.answer}")
    feedback = _feedback_buttons(turn, intent.id)
    if article.verified:
        turn.reply.text(turn.say("helpdesk.feedback_ask")).quick_replies(feedback)
        return
    turn.reply.text(turn.say("unverified.note_officer"))
    turn.reply.quick_replies([_mentor_button(turn, "unverified"), *feedback])


async def _feedback(turn: Turn, helpful: bool, intent_id: str | None) -> None:
    async with turn.ctx.storage.transaction() as session:
        await record_feedback(session, turn.user.line_user_id or "", helpful, intent_id, now=turn.now)
    if helpful:
        turn.state.data.pop("helpdesk", None)
        turn.reply.text(turn.say("helpdesk.helpful_reply"))
        return
    turn.reply.text(turn.say("helpdesk.not_helpful_offer"))
    turn.reply.quick_replies([_mentor_button(turn, "not_helpful")])


def _feedback_buttons(turn: Turn, intent_id: str) -> list[QuickReply]:
    helpful, not_helpful = turn.say("helpdesk.helpful_label"), turn.say("helpdesk.not_helpful_label")
    return [
        QuickReply(helpful, data=f"action=helpful&intent={intent_id}", display_text=helpful),
        QuickReply(not_helpful, data=f"action=not_helpful&intent={intent_id}", display_text=not_helpful),
    ]


def _mentor_button(turn: Turn, reason: str) -> QuickReply:
    label = turn.say("helpdesk.ask_mentor_label")
    return QuickReply(label, data=f"action=handoff&reason={reason}", display_text=label)
