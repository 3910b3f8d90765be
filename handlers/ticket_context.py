"""What a ticket carries besides the question: the recent conversation, what the bot answered, the NLU's
candidates, and the requester-facing texts (masked personal data, the expected answer time).

The conversation comes from the interaction log (one redacted row per inbound event, with the NLU decision),
so no other handler has to remember anything for escalation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pythainlp.util import thai_strftime

from bot import repo
from bot.turn import Turn
from handlers.render import intent_label
from nlu.pii import MASKS, redact

HISTORY_ROWS = 8  # interactions looked at
EXCERPT_BEFORE = 1  # user messages kept before the question in the excerpt
EXCERPT_AFTER = 2  # ... and after it
QUIET_GAP = timedelta(minutes=30)  # a longer silence starts a new conversation
QUESTION_CHARS = 1_000


@dataclass(frozen=True)
class Context:
    question: str | None  # redacted; None when the user has not asked anything recently
    excerpt: str | None
    bot_answer: str | None
    answered_unverified: bool = False
    not_understood: bool = False


async def gather(turn: Turn) -> Context:
    """The user's latest real question and the short conversation around it."""
    async with turn.ctx.storage.transaction() as session:
        rows = await repo.list_interactions(session, line_user_id=turn.user.line_user_id, limit=HISTORY_ROWS)
    rows = _same_conversation([r for r in rows if r.text])
    asked = next((r for r in rows if _is_question(r)), None)
    if asked is None:
        return Context(None, None, None)
    kb, at = turn.ctx.kb, rows.index(asked)
    lines = []
    for row in reversed(rows[max(0, at - EXCERPT_AFTER): at + EXCERPT_BEFORE + 1]):  # rows are newest first
        lines += [kb.responses.say("ticket.excerpt_user", text=redact(row.text)),
                  kb.responses.say("ticket.excerpt_bot", text=describe_answer(kb, row.intent, row.decision))]
    return Context(question=redact(asked.text)[:QUESTION_CHARS], excerpt="\n".join(lines),
                   bot_answer=describe_answer(kb, asked.intent, asked.decision),
                   answered_unverified=_unverified(kb, asked),
                   not_understood=asked.decision in (None, "fallback"))


def _same_conversation(rows: list[Any]) -> list[Any]:
    """Newest first, stopping at the first long silence (relative, so a test clock cannot confuse it)."""
    kept = rows[:1]
    for row in rows[1:]:
        if kept[-1].created_at - row.created_at > QUIET_GAP:
            break
        kept.append(row)
    return kept


def _is_question(row: Any) -> bool:
    """Small talk, menus and escalation commands are not the question; anything else (even unclear) is."""
    small_talk = row.decision == "answer" and (row.intent or "").startswith("conversation.")
    return not small_talk and not row.text.lstrip().startswith("#")


def _unverified(kb: Any, row: Any) -> bool:
    intent = kb.intents.get(row.intent or "")
    if intent is None or row.decision != "answer" or intent.answer.kind != "article":
        return False
    article = kb.articles.get(intent.answer.ref)
    return article is not None and not article.verified


def describe_answer(kb: Any, intent_id: str | None, decision: str | None) -> str:
    """A short name for what the bot answered: the article or service, or that it did not understand."""
    if decision == "clarify":
        return kb.responses.say("ticket.bot_clarified")
    intent = kb.intents.get(intent_id or "") if decision == "answer" else None
    if intent is None:
        return kb.responses.say("ticket.bot_not_understood")
    return intent_label(kb, intent)


def candidates(turn: Turn, question: str) -> list[dict[str, Any]]:
    """The NLU's top candidates for the question, for the mentor and for the knowledge suggestion."""
    audience = "citizen" if turn.user.role == "citizen" else "officer"
    result = turn.ctx.nlu.classify(question, audience)
    return [c.as_dict() for c in result.candidates[:3]]


def for_user(turn: Turn, text: str) -> str:
    """Redaction placeholders are labels for staff; the requester sees a Thai mask instead."""
    for mask in MASKS.values():
        text = text.replace(mask, turn.say("pdpa.masked"))
    return text


def has_masks(text: str) -> bool:
    return any(mask in text for mask in MASKS.values())


def eta_text(turn: Turn, due: datetime, calendar: Any) -> str:
    """ "ภายในวันนี้ ก่อน 15:00 น." or "ภายในวันพุธที่ 25 พ.ย. 2569 ก่อน 10:00 น." (Buddhist-era year)."""
    local, today = calendar.local(due), calendar.local(turn.now).date()
    time_text = local.strftime("%H:%M")
    if local.date() == today:
        return turn.say("ticket.eta_today", time=time_text)
    naive = local.replace(tzinfo=None)
    return turn.say("ticket.eta_date", weekday=thai_strftime(naive, "%A"),
                    date=thai_strftime(naive, "%-d %b %Y"), time=time_text)


def when_text(turn: Turn, at: datetime | None, calendar: Any) -> str:
    """A short local time for lists: 24 พ.ย. 09:15."""
    if at is None:
        return ""
    return thai_strftime(calendar.local(at).replace(tzinfo=None), "%-d %b %H:%M")
