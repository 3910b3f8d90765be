"""Step 4: decide — answer, ask which of a few topics was meant, or fall back.

The scorer's raw score (SVM margins) is turned into a calibrated confidence (estimated P(top topic is
right)) by a logistic function of the top score, its gap to the runner-up and the message length (a long
complaint scores lower against short examples without being less clear). Then:
  * the top topic is `out_of_scope`                      -> fallback (intent kept, so the reply can decline)
  * confidence < fallback_below                          -> fallback, nothing fits (intent and topic null)
  * confidence >= answer_from                            -> answer
  * otherwise                                            -> clarify with the top candidates
Every number lives in knowledge/nlu/thresholds.yaml with how it was chosen (`thongthin nlu calibrate`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nlu.types import Candidate, Decision

OUT_OF_SCOPE = "out_of_scope"
MAX_WORDS = 120  # the length term is fitted on knowledge examples; do not extrapolate far beyond them


@dataclass(frozen=True, slots=True)
class Thresholds:
    slope: float = 12.0  # confidence = sigmoid(slope*(score - center) + gap_weight*gap + length_weight*ln(1+words))
    center: float = 0.3
    gap_weight: float = 10.0
    length_weight: float = 0.0
    fallback_below: float = 0.3
    answer_from: float = 0.7
    max_candidates: int = 3

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Thresholds:
        values = {**(data.get("calibration") or {}), **(data.get("decision") or {})}
        known = {k: float(v) if k != "max_candidates" else int(v) for k, v in values.items()
                 if k in cls.__dataclass_fields__}
        return cls(**known)

    def confidence(self, score: float, gap: float, words: int = 0) -> float:
        length = math.log1p(min(words, MAX_WORDS))
        z = self.slope * (score - self.center) + self.gap_weight * gap + self.length_weight * length
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True, slots=True)
class Ranked:
    """Best intent of one topic with its raw score."""

    intent: str
    topic: str
    score: float


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    intent: str | None
    topic: str | None
    confidence: float
    candidates: tuple[Candidate, ...]


def calibrate(ranked: Sequence[Ranked], th: Thresholds, words: int = 0) -> tuple[Candidate, ...]:
    """Confidence of each candidate: its score and its gap to the best *other* candidate."""
    out = []
    for i, r in enumerate(ranked[: th.max_candidates]):
        others = [o.score for j, o in enumerate(ranked) if j != i][:1]
        gap = r.score - (others[0] if others else 0.0)
        out.append(Candidate(r.intent, r.topic, th.confidence(r.score, gap, words)))
    return tuple(out)


def decide(ranked: Sequence[Ranked], th: Thresholds, words: int = 0) -> Verdict:
    """`ranked`: one entry per topic, best first; `words`: content tokens in the message."""
    candidates = calibrate(ranked, th, words)
    if not candidates:
        return Verdict("fallback", None, None, 0.0, ())
    top = candidates[0]
    if top.topic == OUT_OF_SCOPE:
        return Verdict("fallback", top.intent, top.topic, top.confidence, candidates)
    if top.confidence < th.fallback_below:
        return Verdict("fallback", None, None, top.confidence, candidates)
    if top.confidence >= th.answer_from:
        return Verdict("answer", top.intent, top.topic, top.confidence, candidates)
    return Verdict("clarify", top.intent, top.topic, top.confidence, candidates)
