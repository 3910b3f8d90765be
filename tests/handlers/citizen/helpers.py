"""Values for the citizen handler tests: a hand-made NLU result (a test says exactly what was "understood"),
inbound events, and what a turn's reply says."""
from __future__ import annotations

from datetime import UTC, datetime

from bot.events import InboundEvent, Location, Source
from bot.turn import Turn
from nlu.types import Entity, NluResult

USER = "U" + "1" * 32
NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok


def understood(text: str, intent: str | None = None, decision: str = "answer",
               entities: tuple[Entity, ...] = ()) -> NluResult:
    confidence = 1.0 if intent else 0.0
    return NluResult(text=text, normalized=text.lower(), tokens=(), intent=intent, topic=None,
                     confidence=confidence, decision=decision, entities=entities)  # type: ignore[arg-type]


def event(kind: str = "message", message_type: str | None = "text", text: str | None = None, *,
          postback: str | None = None, location: Location | None = None) -> InboundEvent:
    return InboundEvent(event_id="e1", kind=kind, timestamp_ms=0, source=Source("user", USER, USER),
                        reply_token="r1", message_type=message_type if kind == "message" else None,
                        message_id="m1", text=text, postback_data=postback, location=location)


def texts(turn: Turn) -> str:
    """Everything the turn's reply says (texts, flex alt texts and flex text nodes)."""
    from bot.replies import render_plain

    return render_plain(turn.reply.build())
