"""Result types of the NLU pipeline (frozen: a result is a value, safe to share and cache)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["answer", "clarify", "fallback"]
Audience = Literal["citizen", "officer", "any"]


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One example utterance of an intent: all the engine needs from the knowledge base."""

    text: str
    intent: str
    topic: str
    audience: str = "any"


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: str
    topic: str
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return {"intent": self.intent, "topic": self.topic, "confidence": round(self.confidence, 4)}


@dataclass(frozen=True, slots=True)
class Entity:
    """Something a handler can use. `value` is canonical: LAO code, DOPA geocode, ISO date, number."""

    kind: str  # lao | province | district | subdistrict | date | month | year | amount | form_code
    text: str  # as found in the normalised text
    value: str
    start: int  # offsets into NluResult.normalized
    end: int


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """Personal data found in the original text (offsets into NluResult.text)."""

    kind: str  # thai_id | phone | email
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class NluResult:
    text: str
    normalized: str
    tokens: tuple[str, ...]
    intent: str | None
    topic: str | None
    confidence: float
    decision: Decision
    candidates: tuple[Candidate, ...] = ()
    entities: tuple[Entity, ...] = ()
    pii: tuple[PiiSpan, ...] = field(default=())
    vague: bool = False  # only request words (แจ้งเรื่องค่ะ): the handler asks what it is about

    def contract_dict(self) -> dict[str, object]:
        """The JSON object `thongthin nlu classify` prints (keys fixed by the measurement contract)."""
        return {
            "text": self.text,
            "intent": self.intent,
            "topic": self.topic,
            "confidence": round(self.confidence, 4),
            "decision": self.decision,
            "candidates": [c.as_dict() for c in self.candidates],
        }
