"""Turn knowledge records into the bot's text. Every label and phrase comes from knowledge/responses.yaml."""
from __future__ import annotations

from datetime import date, datetime

from pythainlp.util import thai_strftime

from bot.messages import QuickReply
from bot.turn import Turn

# Conversation intents name an action; these are the phrases that answer them ({role}: citizen|officer).
ACTION_PHRASES = {
    "greeting": "greeting.{role}",
    "thanks": "thanks.reply",
    "bot_help": "bot_help.{role}",
    "human_handoff": "handoff.offer",
    "change_lao": "change_lao.ask",
    "my_tickets": "ticket.none",
    "feedback": "thanks.reply",
    "cancel": "cancel.done",
    "restart": "cancel.done",
}


def role_group(role: str) -> str:
    return "officer" if role in ("officer", "mentor", "admin") else "citizen"


def action_phrase(action: str | None, role: str) -> str:
    return ACTION_PHRASES.get(action or "", "bot_help.{role}").format(role=role_group(role))


def known_lao(turn: Turn) -> str | None:
    code = turn.user.lao_code
    return code if code and turn.ctx.kb.lao_by_code(code) else None


def thai_date(day: date) -> str:
    """e.g. 30 เม.ย. 2570 (Buddhist-era year, as Thai readers expect)."""
    return thai_strftime(datetime(day.year, day.month, day.day), "%-d %b %Y")


def service_text(turn: Turn, service, focus: str | None = None) -> str:  # noqa: ANN001
    """A compact answer: what it is, then the part asked about (or the steps and fees)."""
    parts = [service.name, service.summary]
    sections = {
        "steps": _steps, "documents": _documents, "fee": _fees, "duration": _duration,
        "online": _online, "where": _where,
    }
    for name in ([focus] if focus in sections else ["steps", "fee"]):
        section = sections[name](turn, service)
        if section:
            parts.append(section)
    if not service.verified:
        parts.append(turn.say("unverified.note"))
    return "\n\n".join(parts)


def _steps(turn: Turn, service) -> str:  # noqa: ANN001
    lines = [turn.say("service.card.steps")]
    for n, step in enumerate(service.steps, start=1):
        lines.append(f"{n}. {step.title}" + (f" ({step.duration})" if step.duration else ""))
    return "\n".join(lines)


def _documents(turn: Turn, service) -> str:  # noqa: ANN001
    if not service.documents:
        return ""
    lines = [turn.say("service.card.documents")]
    lines += [f"• {d.name}" + (f" ({d.note})" if d.note else "") for d in service.documents]
    return "\n".join(lines)


def _fees(turn: Turn, service) -> str:  # noqa: ANN001
    lines = [turn.say("service.card.fee")] + [f"• {fact.text}" for fact in service.fees]
    if any(fact.varies for fact in service.fees):
        lines.append(turn.say("varies.note"))
    return "\n".join(lines)


def _duration(turn: Turn, service) -> str:  # noqa: ANN001
    if not service.time_limit:
        return ""
    return f"{turn.say('service.card.duration')}\n{service.time_limit.text}"


def _online(turn: Turn, service) -> str:  # noqa: ANN001
    note = service.channels.online_note or ""
    return f"{turn.say('service.card.online')}\n{note}".strip()


def _where(turn: Turn, service) -> str:  # noqa: ANN001
    return f"{turn.say('service.card.where')}\n{service.division}"


def article_text(turn: Turn, article) -> str:  # noqa: ANN001
    text = f"{article.title}\n\n{article.answer}"
    return text if article.verified else f"{text}\n\n{turn.say('unverified.note')}"


def candidate_choices(turn: Turn) -> list[QuickReply]:
    """Up to three distinct candidate intents as postback buttons (the pick is answered and recorded)."""
    kb, seen, out = turn.ctx.kb, set(), []
    for cand in turn.nlu.candidates:
        intent = kb.intents.get(cand.intent)
        if intent is None or intent.id in seen:
            continue
        seen.add(intent.id)
        out.append(QuickReply(label=_intent_label(kb, intent), data=f"action=pick&intent={intent.id}"))
        if len(out) == 3:
            break
    return out


def _intent_label(kb, intent) -> str:  # noqa: ANN001
    ref = intent.answer.ref
    if intent.answer.kind == "service" and ref in kb.services:
        return kb.services[ref].name
    if intent.answer.kind == "article" and ref in kb.articles:
        return kb.articles[ref].title
    return kb.topic_descriptions.get(intent.topic, intent.topic).split("—")[0].strip()
