"""Turn knowledge records into the bot's plain text. Every label and phrase comes from
knowledge/responses.yaml. The service card (flex) is in handlers/cards.py; follow-up answers are in
handlers/followups.py."""
from __future__ import annotations

from bot.messages import QuickReply
from bot.turn import Turn
from handlers.deadlines import thai_date
from knowledge.schema import Lao

__all__ = ["action_phrase", "article_text", "candidate_choices", "contact_lines", "contact_text", "known_lao",
           "role_group", "thai_date", "varies_note"]

# Conversation intents name an action; these are the phrases that answer them ({role}: citizen|officer).
ACTION_PHRASES = {
    "greeting": "greeting.{role}",
    "thanks": "thanks.reply",
    "goodbye": "thanks.goodbye",
    "praise": "thanks.praise",
    "bot_help": "bot_help.{role}",
    "about_bot": "bot_help.about",
    "menu": "bot_help.menu",
    "human_handoff": "handoff.offer",
    "ask_mentor": "handoff.mentor_offer",
    "change_lao": "change_lao.ask",
    "my_tickets": "ticket.none",
    "feedback": "thanks.reply",
    "feedback_helpful": "feedback.helpful",
    "feedback_not_helpful": "feedback.not_helpful",
    "feedback_suggestion": "feedback.suggestion",
    "cancel": "cancel.done",
    "restart": "cancel.done",
}
CONTACT_FIELDS = ("phone", "address", "website", "office_hours", "email")
_CONTACT_KEYS = {"office_hours": "hours"}  # contacts field -> contact.<key> phrase


def role_group(role: str) -> str:
    return "officer" if role in ("officer", "mentor", "admin") else "citizen"


def action_phrase(action: str | None, role: str) -> str:
    return ACTION_PHRASES.get(action or "", "bot_help.{role}").format(role=role_group(role))


def known_lao(turn: Turn) -> str | None:
    """The user's LAO code when it is one of the directory's (a remembered place is not)."""
    code = turn.user.lao_code
    return code if code and turn.ctx.kb.lao_by_code(code) else None


def varies_note(turn: Turn) -> str:
    code = known_lao(turn)
    lao = turn.ctx.kb.lao_by_code(code) if code else None
    return turn.say("varies.note_lao", lao_name=lao.name) if lao else turn.say("varies.note")


def contact_lines(turn: Turn, lao: Lao) -> list[str]:
    """The LAO's sourced contacts, one per line; says so when none is known (never a guessed number)."""
    contacts = lao.contacts
    lines = []
    for name in CONTACT_FIELDS:
        fact, key = getattr(contacts, name), _CONTACT_KEYS.get(name, name)
        if fact is not None:
            lines.append(turn.say(f"contact.{key}", **{key: fact.text}))
    return lines or [turn.say("contact.unknown", lao_name=lao.name)]


def contact_text(turn: Turn, lao: Lao) -> str:
    lines = contact_lines(turn, lao)
    if lines == [turn.say("contact.unknown", lao_name=lao.name)]:
        return lines[0]
    return "\n".join([turn.say("contact.header", lao_name=lao.name), *lines])


def article_text(turn: Turn, article) -> str:  # noqa: ANN001 - knowledge.schema.Article
    text = f"{article.title}\n\n{article.answer}"
    return text if article.verified else f"{text}\n\n{turn.say('unverified.note')}"


def candidate_choices(turn: Turn) -> list[QuickReply]:
    """Up to three candidate intents with distinct names, as numbered postback buttons (the pick is answered
    and kept for review)."""
    kb, seen, out = turn.ctx.kb, set(), []
    for cand in turn.nlu.candidates:
        intent = kb.intents.get(cand.intent)
        # "เรื่องอื่น ๆ" is no answer to "which did you mean?"; two choices with one name confuse
        if intent is None or intent.answer.kind == "out_of_scope":
            continue
        name = intent_label(kb, intent)
        if name in seen:
            continue
        seen.add(name)
        out.append(QuickReply(label=f"{len(out) + 1}. {name}", data=f"action=pick&intent={intent.id}",
                              display_text=name))
        if len(out) == 3:
            break
    return out


def intent_label(kb, intent) -> str:  # noqa: ANN001
    """What an intent answers, in a few words: its service's or article's name, else its topic's label."""
    ref = intent.answer.kind in ("service", "article") and intent.answer.ref
    if intent.answer.kind == "service" and ref in kb.services:
        return kb.services[ref].name
    if intent.answer.kind == "article" and ref in kb.articles:
        return kb.articles[ref].title
    key = f"topic.{intent.topic}"
    return kb.responses.say(key) if key in kb.responses else intent.topic
