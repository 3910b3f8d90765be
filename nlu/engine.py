"""NluEngine: the pipeline on one result object, built once from the knowledge base and reloadable."""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from nlu.entities import EntityExtractor
from nlu.index import IntentIndex, cache_key, examples_from_kb, featurize, lao_terms, load_or_build
from nlu.normalize import Normalizer
from nlu.pii import find_pii
from nlu.policy import Ranked, Thresholds, decide
from nlu.resources import DEFAULT_DIR, NluData, load_nlu_data
from nlu.tokenize import Analysis, Tokenizer
from nlu.types import NluResult, TrainingExample

_SHORTLIST = 64  # intents looked at per message; enough to find the best few distinct topics


@dataclass(frozen=True)
class _State:
    """Everything built from one version of the knowledge; replaced whole on reload."""

    normalize: Normalizer
    tokenizer: Tokenizer
    index: IntentIndex
    thresholds: Thresholds
    extractor: EntityExtractor
    key: str


class NluEngine:
    def __init__(self, state: _State) -> None:
        self._state = state
        self._lock = threading.Lock()

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def from_knowledge(cls, kb: Any, cache_dir: Path | None = None) -> NluEngine:
        """Build from a KnowledgeBase (`kb.intents`, `kb.laos`, `kb.fingerprint`, `kb.root`)."""
        return cls(_build_state(kb, cache_dir))

    @classmethod
    def from_examples(cls, examples: Sequence[TrainingExample], *, laos: Sequence[Any] = (),
                      nlu_dir: Path | None = None, cache_dir: Path | None = None,
                      thresholds: Thresholds | None = None, weights: dict[str, float] | None = None,
                      ) -> NluEngine:
        """Build from bare examples (tests, synthetic benchmarks): no knowledge loader needed.

        `thresholds` / `weights` override knowledge/nlu/thresholds.yaml (e.g. ones calibrated on `examples`).
        """
        data = load_nlu_data(nlu_dir)
        if thresholds is not None or weights is not None:
            th = thresholds or Thresholds.from_data(data.thresholds)
            decision = {k: getattr(th, k) for k in ("fallback_below", "answer_from", "max_candidates")}
            calibration = {k: getattr(th, k) for k in ("slope", "center", "gap_weight")}
            merged = {"weights": weights or data.thresholds.get("weights"), "calibration": calibration,
                      "decision": decision}
            data = replace(data, thresholds=merged, fingerprint=data.fingerprint + repr(merged))
        digest = hashlib.sha256(repr(sorted((e.intent, e.text) for e in examples)).encode()).hexdigest()
        return cls(_make_state(list(examples), laos, data, digest, cache_dir))

    def reload(self, kb: Any, cache_dir: Path | None = None) -> None:
        """Rebuild from changed knowledge, then swap; classify() keeps using the old state until then."""
        state = _build_state(kb, cache_dir)
        with self._lock:
            self._state = state

    @property
    def index(self) -> IntentIndex:
        return self._state.index

    @property
    def thresholds(self) -> Thresholds:
        return self._state.thresholds

    # ---- the pipeline -------------------------------------------------------------------------
    def analyse(self, text: str) -> tuple[str, Analysis]:
        state = self._state
        normalized = state.normalize(text)
        return normalized, state.tokenizer.analyse(normalized)

    def rank(self, analysis: Analysis, audience: str | None = None, index: IntentIndex | None = None,
             ) -> list[Ranked]:
        """Best intent per topic, best topic first (all topics that scored above zero)."""
        index = index or self._state.index
        if not analysis.signal or not index.intent_ids:
            return []
        scores = np.where(index.audience_mask(audience), index.scorer.score(analysis), -1.0)
        return rank_topics(scores, index)

    def classify(self, text: str, audience: str | None = None) -> NluResult:
        state = self._state
        normalized, analysis = self.analyse(text)
        verdict = decide(self.rank(analysis, audience, state.index), state.thresholds)
        return NluResult(
            text=text, normalized=normalized, tokens=analysis.tokens, intent=verdict.intent,
            topic=verdict.topic, confidence=verdict.confidence, decision=verdict.decision,
            candidates=verdict.candidates, entities=state.extractor.extract(normalized), pii=find_pii(text),
        )


def rank_topics(scores: np.ndarray, index: IntentIndex) -> list[Ranked]:
    top = np.argpartition(-scores, _SHORTLIST)[:_SHORTLIST] if len(scores) > _SHORTLIST else np.arange(len(scores))
    ranked: list[Ranked] = []
    seen: set[str] = set()
    for i in top[np.argsort(-scores[top], kind="stable")]:
        topic = index.topics[i]
        if scores[i] <= 0 or topic in seen:
            continue
        seen.add(topic)
        ranked.append(Ranked(index.intent_ids[i], topic, float(scores[i])))
    return ranked


def _nlu_dir(kb: Any) -> Path:
    root = getattr(kb, "root", None)
    return Path(root) / "nlu" if root is not None and (Path(root) / "nlu").is_dir() else DEFAULT_DIR


def _build_state(kb: Any, cache_dir: Path | None) -> _State:
    data = load_nlu_data(_nlu_dir(kb))
    return _make_state(examples_from_kb(kb), list(getattr(kb, "laos", {}).values()), data,
                       str(kb.fingerprint), cache_dir)


def _make_state(examples: list[TrainingExample], laos: Sequence[Any], data: NluData, fingerprint: str,
                cache_dir: Path | None) -> _State:
    normalize = Normalizer(data)
    tokenizer = Tokenizer(data, [normalize(t) for t in lao_terms(laos)], cache_dir)
    thresholds = Thresholds.from_data(data.thresholds)
    weights = (data.thresholds or {}).get("weights")
    key = cache_key(fingerprint, data.fingerprint, tokenizer.dictionary)
    index = load_or_build(cache_dir, key, lambda: IntentIndex.build(
        examples, lambda text: featurize(tokenizer.analyse(normalize(text))), weights))
    return _State(normalize, tokenizer, index, thresholds, EntityExtractor(laos, normalize), key)
