"""The compact answer card for a service (a flex bubble) and the follow-up quick replies that go with it.

The card says what the service is, its steps, a fee summary, the next seasonal deadline and how current the
facts are. Everything it says comes from the knowledge record (with the citizen's LAO override applied) and
responses.yaml; `render_plain` shows the same lines in `thongthin chat`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from bot.messages import QuickReply, truncate_utf16
from bot.turn import Turn
from handlers.deadlines import local_today, thai_date, upcoming
from knowledge.schema import Lao, Service

MAX_CARD_STEPS = 5
MAX_FEE_CHARS = 160  # a fee summary; the full facts are one tap away ("ค่าธรรมเนียม")
MAX_ALT_TEXT = 400  # LINE's current reference figure for altText
FOLLOWUP_FOCI = ("documents", "fee", "duration", "online", "where")
GRAY = "#8C8C8C"
ACCENT = "#1E6B52"


def service_card(turn: Turn, service: Service, lao: Lao | None) -> tuple[str, dict[str, Any]]:
    """(altText, bubble) for a service as it applies to `lao` (None: the national defaults)."""
    header = [_text(service.name, weight="bold", size="lg", color=ACCENT)]
    header.append(_text(_where_line(turn, lao), size="xs", color=GRAY))
    body = [_text(service.summary, size="sm"), *_steps(turn, service), *_fees(turn, service),
            *_deadline(turn, service), *_notes(turn, service, lao)]
    footer = [_walk_button(turn, service), _text(turn.say("fact.as_of", date=thai_date(as_of(turn, service))),
                                                 size="xxs", color=GRAY, align="center")]
    bubble = {"type": "bubble", "size": "mega", "header": _box(header), "body": _box(body, spacing="md"),
              "footer": _box(footer, spacing="sm")}
    return alt_text(service), bubble


def alt_text(service: Service) -> str:
    """What notifications and old LINE versions show instead of the card."""
    return truncate_utf16(f"{service.name}: {service.summary}", MAX_ALT_TEXT)


def followup_choices(turn: Turn, service_id: str) -> list[QuickReply]:
    """เอกสาร / ค่าธรรมเนียม / ใช้เวลากี่วัน / ทำออนไลน์ได้ไหม / ติดต่อที่ไหน / ถามเจ้าหน้าที่, as postbacks."""
    items = []
    for focus in FOLLOWUP_FOCI:
        label = turn.say(f"service.card.{focus}")
        items.append(QuickReply(label=label, data=f"action=followup&service={service_id}&focus={focus}",
                                display_text=label))
    officer = turn.say("service.card.ask_officer")
    items.append(QuickReply(label=officer, data=f"action=handoff&service={service_id}", display_text=officer))
    return items


def as_of(turn: Turn, service: Service) -> date:
    """How current the card is: the newest date among the sources of the facts it shows."""
    kb = turn.ctx.kb
    dates = [kb.fact_as_of(f) for f in (*service.fees, service.time_limit) if f is not None]
    dates += [kb.sources[d.source].as_of for d in service.deadlines if d.source in kb.sources]
    return max(dates)


def _where_line(turn: Turn, lao: Lao | None) -> str:
    return turn.say("service_card.for_lao", lao_name=lao.name) if lao else turn.say("service_card.general")


def _steps(turn: Turn, service: Service) -> list[dict[str, Any]]:
    rows = [_heading(turn.say("service.card.steps"))]
    for n, step in enumerate(service.steps[:MAX_CARD_STEPS], start=1):
        rows.append(_text(f"{n}. {step.title}", size="sm"))
    if len(service.steps) > MAX_CARD_STEPS:
        rows.append(_text(turn.say("service_card.more_steps", n=len(service.steps) - MAX_CARD_STEPS),
                          size="xs", color=GRAY))
    return [_separator(), *rows]


def _fees(turn: Turn, service: Service) -> list[dict[str, Any]]:
    summary = shorten(service.fees[0].text, MAX_FEE_CHARS)
    return [_heading(turn.say("service.card.fee")), _text(summary, size="sm")]


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words (Thai puts a space between phrases) with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip() + "…"


def _deadline(turn: Turn, service: Service) -> list[dict[str, Any]]:
    today = local_today(turn.now, turn.ctx.settings.timezone)
    soonest = upcoming(service.deadlines, today)
    if not soonest:
        return []
    deadline, day = soonest[0]
    line = turn.say("service_card.next_deadline", label=deadline.label, date=thai_date(day))
    return [_heading(turn.say("deadline.header")), _text(line, size="sm", weight="bold")]


def _notes(turn: Turn, service: Service, lao: Lao | None) -> list[dict[str, Any]]:
    notes = [service.local_note] if service.local_note else []
    if any(fact.varies for fact in service.fees):
        notes.append(turn.say("varies.note_lao", lao_name=lao.name) if lao else turn.say("varies.note"))
    if not service.verified or not all(fact.verified for fact in service.fees):
        notes.append(turn.say("unverified.note"))
    return [_text(note, size="xs", color=GRAY) for note in notes]


def _walk_button(turn: Turn, service: Service) -> dict[str, Any]:
    label = turn.say("service_card.walk_label")
    action = {"type": "postback", "label": label, "data": f"action=step&service={service.id}&n=1",
              "displayText": label}
    return {"type": "button", "style": "primary", "color": ACCENT, "height": "sm", "action": action}


def _heading(text: str) -> dict[str, Any]:
    return _text(text, size="sm", weight="bold", color=ACCENT)


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, "wrap": True, **style}


def _box(contents: list[dict[str, Any]], **style: Any) -> dict[str, Any]:
    return {"type": "box", "layout": "vertical", "contents": contents, **style}


def _separator() -> dict[str, Any]:
    return {"type": "separator", "margin": "md"}
