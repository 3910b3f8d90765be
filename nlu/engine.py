"""NluEngine: the pipeline on one result object, built once from the knowledge base and reloadable."""
from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from nlu.entities import EntityExtractor
from nlu.index import Features, IntentIndex, cache_key, examples_from_kb, featurize, lao_terms, load_or_build
from nlu.normalize import Normalizer
from nlu.pii import find_pii
from nlu.policy import Ranked, Thresholds, Verdict, decide
from nlu.resources import DEFAULT_DIR, NluData, load_nlu_data
from nlu.tokenize import Analysis, Tokenizer
from nlu.types import Entity, NluResult, TrainingExample



STAFF = "staff"  # officers, mentors and admins: officer intents first, then every intent (_staff_verdict)

# Entities that say where/when/how much, not what: blanked out of the signal so a place name or an
# amount never pulls a message towards an example that happens to share it.
_NOT_SIGNAL = frozenset({"lao", "province", "district", "subdistrict", "date", "month", "year", "amount"})


class Analyzer:
    """Steps 1, 2 and 5 for one text: normalise, extract entities, tokenise what is left."""

    def __init__(self, data: NluData, laos: Sequence[Any] = (), cache_dir: Path | None = None) -> None:
        self.normalize = Normalizer(data)
        self.tokenizer = Tokenizer(data, [self.normalize(t) for t in lao_terms(laos)], cache_dir)
        self.extractor = EntityExtractor(laos, self.normalize)

    def __call__(self, text: str) -> tuple[str, tuple[Entity, ...], Analysis]:
        normalized = self.normalize(text)
        entities = self.extractor.extract(normalized)
        signal = list(normalized)
        for e in entities:
            if e.kind in _NOT_SIGNAL:
                signal[e.start : e.end] = " " * (e.end - e.start)
        return normalized, entities, self.tokenizer.analyse("".join(signal))

    def features(self, text: str) -> Features:
        return featurize(self(text)[2])


@dataclass(frozen=True)
class _State:
    """Everything built from one version of the knowledge; replaced whole on reload."""

    analyzer: Analyzer
    index: IntentIndex
    thresholds: Thresholds
    key: str
    vague_words: frozenset[str]  # a message of only these is never answered (_is_vague)
    vague_except: frozenset[str]


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
            calibration = {k: getattr(th, k) for k in ("slope", "center", "gap_weight", "length_weight")}
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
        normalized, _, analysis = self._state.analyzer(text)
        return normalized, analysis

    def rank(self, analysis: Analysis, audience: str | None = None, index: IntentIndex | None = None,
             ) -> list[Ranked]:
        """Best intent per topic, best topic first (the few best topics the audience may get)."""
        index = index or self._state.index
        if not analysis.signal or not index.intent_ids:
            return []
        return _ranked(index.scorer.score(analysis), index, audience)

    def classify(self, text: str, audience: str | None = None) -> NluResult:
        """`audience`: "citizen", "officer", None (every intent) or "staff" (see _staff_verdict)."""
        state = self._state
        normalized, entities, analysis = state.analyzer(text)
        if audience == STAFF:
            verdict = _staff_verdict(analysis, state)
        else:
            verdict = decide(self.rank(analysis, audience, state.index), state.thresholds, len(analysis.tokens))
        vague = _is_vague(verdict, analysis, state)
        if vague and verdict.decision == "answer":
            verdict = replace(verdict, decision="clarify")
        return NluResult(
            text=text, normalized=normalized, tokens=analysis.tokens, intent=verdict.intent,
            topic=verdict.topic, confidence=verdict.confidence, decision=verdict.decision,
            candidates=verdict.candidates, entities=entities, pii=find_pii(text), vague=vague,
        )


def _ranked(scores: np.ndarray, index: IntentIndex, audience: str | None) -> list[Ranked]:
    mask = index.audience_mask(audience)
    return rank_topics(scores if mask is None else np.where(mask, scores, -np.inf), index)


def _is_vague(verdict: Verdict, analysis: Analysis, state: _State) -> bool:
    """A message made only of request words ("แจ้งเรื่องค่ะ", "ขออนุญาตค่ะ"): the words say a request is coming,
    not which, so it is never answered outright (the scorer's confidence there only reflects which topic's
    examples use them most) and the handler asks what it is about (knowledge/nlu/particles.yaml, `vague`).
    A conversation topic answered is not vague: "สอบถามหน่อยครับ" is a greeting."""
    if verdict.decision == "answer" and verdict.topic in state.vague_except:
        return False
    return bool(analysis.tokens) and all(t in state.vague_words for t in analysis.tokens)


def _staff_verdict(analysis: Analysis, state: _State) -> Verdict:
    """LAO staff ask about their own system first and about citizens' services second: an answer among
    the officer intents wins; otherwise every intent competes (an officer's "Digital ID scan fails" is the
    officer article, not a clarify between it and the citizens' ทางรัฐ app; "land tax due date?" still gets
    the citizen card). One scoring pass, ranked twice."""
    words = len(analysis.tokens)
    if not analysis.signal or not state.index.intent_ids:
        return decide([], state.thresholds, words)
    scores = state.index.scorer.score(analysis)
    own = decide(_ranked(scores, state.index, "officer"), state.thresholds, words)
    if own.decision == "answer":
        return own
    return decide(_ranked(scores, state.index, None), state.thresholds, words)


def rank_topics(scores: np.ndarray, index: IntentIndex, keep: int = 4) -> list[Ranked]:
    """The best intent of each topic, best first; at most `keep` topics (3 candidates + the runner-up
    the confidence needs), only topics the audience may get; scores are SVM margins, of any sign.
    Intents are grouped by topic in the index, so this is one per-topic maximum over all intents and a
    short loop over the few best topics (on Python floats: numpy's cost per call on a few dozen topics
    is more than the work)."""
    grouped = scores[index.by_topic]
    best = np.maximum.reduceat(grouped, index.topic_starts).tolist()
    ranked: list[Ranked] = []
    # a stable sort, best first: equal maxima stay in topic order, as np.argsort(-best, "stable") keeps them
    for t in sorted(range(len(best)), key=best.__getitem__, reverse=True)[:keep]:
        if not math.isfinite(best[t]):
            break
        start, end = index.topic_bounds[t]
        i = int(index.by_topic[start + int(grouped[start:end].argmax())])
        ranked.append(Ranked(index.intent_ids[i], index.topics[i], float(scores[i])))
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
    analyzer = Analyzer(data, laos, cache_dir)
    thresholds = Thresholds.from_data(data.thresholds)
    weights = (data.thresholds or {}).get("weights")
    key = cache_key(fingerprint, data.fingerprint, analyzer.tokenizer.dictionary)
    index = load_or_build(cache_dir, key, lambda: _serving_index(examples, analyzer, weights))
    return _State(analyzer, index, thresholds, key, data.vague_words, data.vague_except)


def _serving_index(examples: list[TrainingExample], analyzer: Analyzer, weights: dict[str, float] | None,
                   ) -> IntentIndex:
    """Built, then reduced to the merged matrix score() uses: that is what the disk cache holds."""
    index = IntentIndex.build(examples, analyzer.features, weights)
    index.scorer.prepare_for_serving()
    return index
