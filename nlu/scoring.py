"""Step 3: score every intent against a message, trained only on the knowledge examples.

A message is one TF-IDF vector over two spaces side by side: character 3-4-grams of the signal text
(robust to typos, missing spaces and segmentation errors) and words + word bigrams (precise where the
tokeniser is right). Two linear SVMs read it (nlu/linear.py): one over topics, one over intents. An
intent's score is its own margin plus its topic's margin, weighted (knowledge/nlu/thresholds.yaml):
the topic model pools every example of a topic, so it ranks topics more robustly; the intent model
picks the intent inside the topic and still helps the ranking (in a k-fold experiment, topic accuracy
0.772 for the sum against 0.758 for the topic model alone and 0.724 for the intent model alone).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from nlu.fastscore import FastScorer
from nlu.features import char_ngrams, word_features
from nlu.linear import LinearModel
from nlu.tokenize import Analysis

SIGNALS = ("intent", "topic")
DEFAULT_WEIGHTS = {"intent": 1.0, "topic": 1.0}
FEATURE_MIX = (0.7, 0.5)  # char / word share of the joint vector (k-fold: 0.6-0.7 / 0.4-0.6 alike)
MIN_DF = 2  # a term seen in one example only does not generalise, and would double the vocabulary


@dataclass
class Space:
    """A TF-IDF space (sublinear tf, smoothed idf, L2-normalised vectors)."""

    vocab: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, docs: Sequence[Counter[str]]) -> Space:
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        min_df = MIN_DF if len(docs) >= 50 else 1  # tiny knowledge sets keep every term
        kept = sorted((t, c) for t, c in df.items() if c >= min_df)
        counts = np.array([c for _, c in kept], dtype=np.float64)
        idf = np.log((1 + len(docs)) / (1 + counts)) + 1.0
        return cls({t: i for i, (t, _) in enumerate(kept)}, idf.astype(np.float32))

    def vector(self, doc: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """Known terms of one document: (term indices, L2-normalised weights)."""
        get = self.vocab.get
        ids = np.fromiter((get(t, -1) for t in doc), dtype=np.int64, count=len(doc))
        known = ids >= 0
        if not known.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        counts = np.fromiter(doc.values(), dtype=np.float32, count=len(doc))[known]
        idx = ids[known]
        weights = (1.0 + np.log(counts)) * self.idf[idx]
        return idx, weights / np.linalg.norm(weights)


def joint_vector(chars: Space, char_vec: tuple[np.ndarray, np.ndarray], word_vec: tuple[np.ndarray, np.ndarray],
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Both spaces side by side, mixed FEATURE_MIX: what the linear models read."""
    (ci, cv), (wi, wv) = char_vec, word_vec
    return (np.concatenate([ci, wi + len(chars.vocab)]),
            np.concatenate([cv * FEATURE_MIX[0], wv * FEATURE_MIX[1]]))


def joint_matrix(chars: Space, words: Space, features: Sequence[tuple[Counter[str], Counter[str]]],
                 ) -> sparse.csr_matrix:
    rows = [joint_vector(chars, chars.vector(c), words.vector(w)) for c, w in features]
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    shape = (len(rows), len(chars.vocab) + len(words.vocab))
    if not rows:
        return sparse.csr_matrix(shape, dtype=np.float32)
    return sparse.csr_matrix((np.concatenate([r[1] for r in rows]), np.concatenate([r[0] for r in rows]), indptr),
                             shape=shape, dtype=np.float32)


class IntentScorer:
    """All intents' scores for one analysed message."""

    def __init__(self, chars: Space, words: Space, topics: LinearModel, intents: LinearModel,
                 intent_topics: Sequence[str], weights: dict[str, float] | None = None) -> None:
        self.chars, self.words, self.topics, self.intents = chars, words, topics, intents
        position = {t: i for i, t in enumerate(topics.classes)}
        self.intent_topic = np.array([position[t] for t in intent_topics], dtype=np.int64)
        self.weights = {**DEFAULT_WEIGHTS, **{k: v for k, v in (weights or {}).items() if k in SIGNALS}}
        self._fast: FastScorer | None = None

    @classmethod
    def train(cls, features: Sequence[tuple[Counter[str], Counter[str]]], intents: Sequence[str],
              topics: Sequence[str], intent_topics: Sequence[str], weights: dict[str, float] | None = None,
              ) -> IntentScorer:
        """`features`, `intents`, `topics`: one per example; `intent_topics`: per intent, in sorted order."""
        chars, words = Space.fit([f[0] for f in features]), Space.fit([f[1] for f in features])
        x = joint_matrix(chars, words, features)
        return cls(chars, words, LinearModel.fit(x, topics), LinearModel.fit_within_groups(x, intents, topics),
                   intent_topics, weights)

    def signals(self, analysis: Analysis) -> dict[str, np.ndarray]:
        return self.signals_from_features(char_ngrams(analysis.signal), word_features(analysis.tokens))

    def signals_from_features(self, chars: Counter[str], words: Counter[str]) -> dict[str, np.ndarray]:
        """Per intent: its own margin and its topic's margin."""
        if self.intents.weights is None:
            raise RuntimeError("this scorer was prepared for serving; build a fresh index for signals")
        idx, values = joint_vector(self.chars, self.chars.vector(chars), self.words.vector(words))
        return {"intent": self.intents.scores(idx, values),
                "topic": self.topics.scores(idx, values)[self.intent_topic]}

    def score(self, analysis: Analysis) -> np.ndarray:
        """The weighted sum of the two signals, in one pass (see nlu/fastscore.py)."""
        if self._fast is None:
            self._fast = FastScorer(self)
        return self._fast.score(analysis)

    def prepare_for_serving(self) -> None:
        """Build the merged matrix and drop the per-model ones it copies (half the index memory).

        Afterwards only score() works; signals() is for calibration, which never calls this. The
        vocabularies go too: the fast scorer looks terms up in its own tables, and the two dicts of
        n-gram and word strings are tens of MB at 10x knowledge.
        """
        if self._fast is None:
            self._fast = FastScorer(self)
        self.topics.weights = self.intents.weights = None  # type: ignore[assignment]
        self.chars = self.words = Space({}, np.zeros(0, dtype=np.float32))
