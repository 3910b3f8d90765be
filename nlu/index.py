"""The intent index: knowledge examples analysed and vectorised once, cached on disk by fingerprint."""
from __future__ import annotations

import hashlib
import os
import logging
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.features import char_ngrams, word_features
from nlu.scoring import IntentScorer
from nlu.tokenize import Analysis
from nlu.types import TrainingExample

log = logging.getLogger(__name__)
Features = tuple[Counter[str], Counter[str]]  # (character n-grams, words)


def featurize(analysis: Analysis) -> Features:
    return char_ngrams(analysis.signal), word_features(analysis.tokens)
INDEX_VERSION = "19"  # bump when the index layout or the features change


def examples_from_kb(kb: Any) -> list[TrainingExample]:
    """The only thing the engine needs from the knowledge base: (text, intent, topic, audience)."""
    return [
        TrainingExample(text=text, intent=intent.id, topic=intent.topic, audience=intent.audience)
        for intent in kb.intents.values()
        for text in intent.examples
    ]


def lao_terms(laos: Iterable[Any]) -> list[str]:
    """LAO names and aliases, kept whole by the tokeniser."""
    terms: list[str] = []
    for lao in laos:
        terms.append(lao.name)
        terms.extend(lao.aliases)
    return [t.lower() for t in terms]


@dataclass
class IntentIndex:
    intent_ids: list[str]
    topics: list[str]
    audiences: list[str]
    scorer: IntentScorer

    @classmethod
    def build(cls, examples: Sequence[TrainingExample], featurize: Callable[[str], Features],
              weights: dict[str, float] | None = None) -> IntentIndex:
        ordered = sorted(examples, key=lambda e: e.intent)
        intent_ids = sorted({e.intent for e in ordered})
        meta = {e.intent: (e.topic, e.audience) for e in ordered}
        intent_topics = [meta[i][0] for i in intent_ids]
        scorer = IntentScorer.train([featurize(e.text) for e in ordered], [e.intent for e in ordered],
                                    [e.topic for e in ordered], intent_topics, weights)
        return cls(intent_ids, intent_topics, [meta[i][1] for i in intent_ids], scorer)

    def __post_init__(self) -> None:
        names = sorted(set(self.topics))
        self.topic_ids = np.array([names.index(t) for t in self.topics], dtype=np.int64)
        # intents grouped by topic (stable: intent order kept inside a group) for rank_topics
        self.by_topic = np.argsort(self.topic_ids, kind="stable")
        sizes = np.bincount(self.topic_ids, minlength=len(names))
        self.topic_ends = np.cumsum(sizes)
        self.topic_starts = self.topic_ends - sizes
        self.topic_bounds = list(zip(self.topic_starts.tolist(), self.topic_ends.tolist()))  # Python ints
        self._masks = {a: np.array([x in (a, "any") for x in self.audiences], dtype=bool)
                       for a in ("citizen", "officer")}

    def audience_mask(self, audience: str | None) -> np.ndarray | None:
        """Intents a user of this audience may get; None when every intent is allowed (None or "any")."""
        return self._masks.get(audience) if audience else None


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join((INDEX_VERSION, *parts)).encode()).hexdigest()[:24]


def load_or_build(cache_dir: Path | None, key: str, build: Callable[[], IntentIndex]) -> IntentIndex:
    """The cached index for this key, or a freshly built one (then cached). A bad cache file is rebuilt."""
    path = cache_dir / f"nlu-index-{key}.pickle" if cache_dir else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)  # our own file, written below; never user input
        except Exception:  # noqa: BLE001 - a stale or truncated cache must not stop start-up
            log.warning("rebuilding unreadable NLU index cache %s", path)
    index = build()
    if path is not None:
        _write_atomically(path, index)
        _remove_stale(path.parent, keep=path)
    return index


def _write_atomically(path: Path, index: IntentIndex) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as handle:
        pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _remove_stale(directory: Path, keep: Path) -> None:
    for old in directory.glob("nlu-index-*.pickle"):
        if old != keep:
            old.unlink(missing_ok=True)
