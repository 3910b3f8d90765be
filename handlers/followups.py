"""Follow-ups about the service just shown: the quick replies of the card, typed questions such as "กี่บาท",
and the step-by-step walk ("ขั้นต่อไป").

The context is the conversation state step "service:shown" with data {service, at}. It lapses with the state's
TTL, and also when the turn's clock is past `at` + TTL (so a moved test clock expires it too).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.filters import MessageType, Postback
from bot.messages import QuickReply
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import cards, lao, render
from handlers.deadlines import local_today, thai_date, upcoming
from knowledge.followups import FollowupWords, load_followups
from knowledge.schema import Service

SHOWN = "service:shown"
MAX_FOCI = 2  # "เอกสารกับค่าธรรมเนียม": answer both, but never a wall of text

router = Router("followups")


def remember_service(turn: Turn, service_id: str, lao_code: str | None) -> None:
    """Make `service_id` (as it applies to `lao_code`) the context for typed follow-ups; this replaces any
    other flow's state."""
    turn.state.step = SHOWN
    turn.state.data = {"service": service_id, "lao": lao_code, "at": turn.now.isoformat()}


def context_lao(turn: Turn) -> str | None:
    """The LAO the service in context was answered for (a named one may differ from the user's own)."""
    code = turn.state.data.get("lao") if turn.state.step == SHOWN else None
    return code if code and turn.ctx.kb.lao_by_code(code) else render.known_lao(turn)


def context_service(turn: Turn) -> str | None:
    """The service in context, or None (and the stale context dropped) when there is none or it lapsed."""
    if turn.state.step != SHOWN:
        return None
    at = turn.state.data.get("at")
    ttl = timedelta(seconds=turn.ctx.settings.state_ttl_s)
    if not at or turn.now - datetime.fromisoformat(at) > ttl or turn.state.data.get("service") not in \
            turn.ctx.kb.services:
        turn.state.reset()
        return None
    return str(turn.state.data["service"])


def words(turn: Turn) -> FollowupWords:
    return load_followups(turn.ctx.kb.root)


class FollowupQuestion(Filter):
    """A short typed question about the service in context ("กี่บาท", "ขั้นต่อไป")."""

    def check(self, turn: Turn) -> FilterResult:
        service_id = context_service(turn)
        if service_id is None:
            return False
        table = words(turn)
        if table.is_next_step(turn.text):
            return {"service": service_id, "next": True}
        foci, leftover = table.match(turn.text)
        if not foci or leftover > table.max_leftover or (leftover and _names_other(turn, service_id)):
            return False
        return {"service": service_id, "foci": foci[:MAX_FOCI]}


def _names_other(turn: Turn, service_id: str) -> bool:
    """The NLU is sure the message is about something else (e.g. "ค่าธรรมเนียมป้าย" after land tax)."""
    nlu, kb = turn.nlu, turn.ctx.kb
    if nlu is None or nlu.decision != "answer" or nlu.intent not in kb.intents:
        return False
    answer = kb.intents[nlu.intent].answer
    return answer.kind in ("service", "report", "article") and answer.ref != service_id


@router.on(Postback("followup"))
async def followup_tapped(turn: Turn) -> None:
    service = _service(turn, turn.match.get("service"))
    if service is None:
        turn.reply.text(turn.say("followup.no_context"))
        return
    await answer_foci(turn, service, [str(turn.match.get("focus", "steps"))])


@router.on(Postback("step"))
async def step_tapped(turn: Turn) -> None:
    service = _service(turn, turn.match.get("service"))
    if service is None:
        turn.reply.text(turn.say("followup.no_context"))
        return
    walk(turn, service, int(turn.match.get("n", "1")))


@router.on(MessageType("text"), FollowupQuestion())
async def followup_typed(turn: Turn) -> None:
    service = _service(turn, turn.match["service"])
    assert service is not None  # FollowupQuestion checked it is in the knowledge base
    if turn.match.get("next"):
        walk(turn, service, int(turn.state.data.get("walk", 0)) + 1)
        return
    await answer_foci(turn, service, turn.match["foci"])


def _service(turn: Turn, service_id: object) -> Service | None:
    if not isinstance(service_id, str) or service_id not in turn.ctx.kb.services:
        return None
    return turn.ctx.kb.effective_service(service_id, context_lao(turn))


async def answer_foci(turn: Turn, service: Service, foci: list[str]) -> None:
    """Answer what was asked about the service, keep it in context, offer the other follow-ups."""
    if "steps" in foci:
        walk(turn, service, 1)
        return
    if "where" in foci and not turn.user.lao_code and not context_lao(turn):
        # Where to go depends on the LAO: ask once, then answer (lao.choose resumes here).
        lao.ask(turn, {"followup": service.id, "focus": "where"}, intro="lao.for_question")
        return
    parts = [focus_text(turn, service, focus) for focus in foci]
    remember_service(turn, service.id, context_lao(turn))
    turn.reply.text("\n\n".join(parts))
    turn.reply.quick_replies(cards.followup_choices(turn, service.id))


def focus_text(turn: Turn, service: Service, focus: str) -> str:
    """The answer to one follow-up (documents, fee, duration, online, where)."""
    builders = {"documents": _documents, "fee": _fees, "duration": _duration, "online": _online,
                "where": _where}
    lines = builders.get(focus, _documents)(turn, service)
    note = getattr(service.followups, focus, None) if service.followups else None
    dated = [_as_of_line(turn, service)] if focus == "fee" else []
    return "\n".join([*lines, *([note] if note else []), *dated])


def _as_of_line(turn: Turn, service: Service) -> str:
    newest = max(turn.ctx.kb.fact_as_of(fact) for fact in service.fees)
    return turn.say("fact.as_of", date=thai_date(newest))


def walk(turn: Turn, service: Service, n: int) -> None:
    """Step n of the service, with "ขั้นต่อไป" until the last one."""
    total = len(service.steps)
    n = max(1, min(n, total))
    step = service.steps[n - 1]
    lines = [turn.say("service.step_header", n=n, total=total), step.title]
    lines += [text for text in (step.detail, step.duration) if text]
    remember_service(turn, service.id, context_lao(turn))
    turn.state.data["walk"] = n
    if n >= total:
        lines.append(turn.say("service.last_step"))
        turn.reply.text("\n".join(lines)).quick_replies(cards.followup_choices(turn, service.id))
        return
    label = turn.say("service.card.next_step")
    nxt = QuickReply(label=label, data=f"action=step&service={service.id}&n={n + 1}", display_text=label)
    turn.reply.text("\n".join(lines)).quick_replies([nxt, *cards.followup_choices(turn, service.id)])


def _documents(turn: Turn, service: Service) -> list[str]:
    if not service.documents:
        return [turn.say("service.no_info", division=service.division)]
    lines = [turn.say("followup.documents", name=service.name)]
    return lines + [f"• {d.name}" + (f" ({d.note})" if d.note else "") for d in service.documents]


def _fees(turn: Turn, service: Service) -> list[str]:
    lines = [turn.say("followup.fee", name=service.name), *[f"• {fact.text}" for fact in service.fees]]
    if any(fact.varies for fact in service.fees):
        lines.append(render.varies_note(turn))
    if not all(fact.verified for fact in service.fees):
        lines.append(turn.say("unverified.note"))
    return lines


def _duration(turn: Turn, service: Service) -> list[str]:
    lines = [turn.say("followup.duration", name=service.name)]
    lines.append(service.time_limit.text if service.time_limit else turn.say("followup.no_time_limit"))
    dated = upcoming(service.deadlines, local_today(turn.now, turn.ctx.settings.timezone))
    if dated:
        lines.append(turn.say("deadline.header"))
    for deadline, day in dated:
        line = turn.say("deadline.line", label=deadline.label, date=thai_date(day))
        lines.append(f"• {line}" + (f" ({deadline.note})" if deadline.note else ""))
    return lines


def _online(turn: Turn, service: Service) -> list[str]:
    channels = service.channels
    lines = [turn.say(f"service.online_{channels.online}")]
    if channels.online_note:
        lines.append(channels.online_note)
    if channels.other:
        lines.append(turn.say("followup.channels_other", channels=", ".join(channels.other)))
    return lines


def _where(turn: Turn, service: Service) -> list[str]:
    code = context_lao(turn)
    directory = turn.ctx.kb.lao_by_code(code) if code else None
    if directory is not None:
        return [turn.say("service.where_counter", division=service.division, lao_name=directory.name),
                *render.contact_lines(turn, directory)]
    lines = [turn.say("followup.where_general", division=service.division)]
    place = lao.place_of_code(turn.ctx.kb, turn.user.lao_code) if turn.user.lao_code else None
    return lines + ([turn.say("contact.unknown", lao_name=place.name)] if place else [])
