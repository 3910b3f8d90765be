"""Step 3: score every intent against a message, trained only on the knowledge examples.

Each intent is the TF-IDF centroid of its examples in two spaces: character 3-4-grams of the signal
text (robust to typos, missing spaces and segmentation errors) and words + word bigrams (precise where
the tokeniser is right). A topic model (logistic regression over both spaces, nlu/linear.py) adds
P(topic). A message's score for an intent is a weighted sum of its two centroid cosines and its topic's
probability; the weights are chosen by cross-validation (knowledge/nlu/thresholds.yaml).

Centroids beat nearest-example similarity on long complaints that mix several things: the centroid
rewards the vocabulary an intent's examples share, not one lucky phrasing (measured by k-fold in
`thongthin nlu calibrate`, where the nearest-example signals got zero weight). They are stored dense and
term-major for calibration; serving uses a sparse copy merged with the topic model (nlu/fastscore.py).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from nlu.fastscore import FastScorer
from nlu.features import char_ngrams, word_features
from nlu.linear import TopicModel
from nlu.tokenize import Analysis

SIGNALS = ("char", "word", "topic")
DEFAULT_WEIGHTS = {"char": 0.3, "word": 0.2, "topic": 0.5}
TOPIC_FEATURE_MIX = (0.6, 0.4)  # char / word share of the topic model's input vector
MIN_DF = 2  # a term seen in one example only does not generalise, and would double the vocabulary
CENTROID_BUDGET = 16_000_000  # float16 cells per space (32 MB): caps the vocabulary for very large knowledge


@dataclass
class Space:
    """A TF-IDF space (sublinear tf, smoothed idf, L2-normalised vectors)."""

    vocab: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, docs: Sequence[Counter[str]], max_terms: int | None = None) -> Space:
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        min_df = MIN_DF if len(docs) >= 50 else 1  # tiny knowledge sets keep every term
        kept = [(t, c) for t, c in df.items() if c >= min_df]
        if max_terms is not None and len(kept) > max_terms:
            kept = sorted(kept, key=lambda tc: (-tc[1], tc[0]))[:max_terms]
        kept.sort()
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


class SpaceIndex:
    """One feature space: its vocabulary and the intents' centroids, term-major (terms x intents)."""

    def __init__(self, docs: Sequence[Counter[str]], owner: np.ndarray, n_intents: int) -> None:
        self.space = Space.fit(docs, max_terms=CENTROID_BUDGET // max(n_intents, 1))
        cents = np.zeros((len(self.space.vocab), n_intents), dtype=np.float32)
        for doc, intent in zip(docs, owner):
            idx, w = self.space.vector(doc)
            cents[idx, intent] += w
        norms = np.linalg.norm(cents, axis=0)
        cents /= np.where(norms > 0, norms, 1.0)
        # float16 halves the memory of very large knowledge; cosines need no more precision than that
        self.centroids = cents if cents.size <= CENTROID_BUDGET // 2 else cents.astype(np.float16)
        self.n_intents = n_intents

    def similarities(self, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Cosine of a document (its `vector()`) to every intent's centroid."""
        if len(idx) == 0:
            return np.zeros(self.n_intents, dtype=np.float32)
        rows = self.centroids[idx]
        return w @ (rows if rows.dtype == np.float32 else rows.astype(np.float32))

    def vector(self, doc: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.space.vector(doc)


def joint_vector(chars: SpaceIndex, char_vec: tuple[np.ndarray, np.ndarray],
                 word_vec: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The topic model's input: both spaces side by side, mixed TOPIC_FEATURE_MIX."""
    (ci, cv), (wi, wv) = char_vec, word_vec
    return (np.concatenate([ci, wi + len(chars.space.vocab)]),
            np.concatenate([cv * TOPIC_FEATURE_MIX[0], wv * TOPIC_FEATURE_MIX[1]]))


def joint_matrix(chars: SpaceIndex, words: SpaceIndex, features: Sequence[tuple[Counter[str], Counter[str]]],
                 ) -> sparse.csr_matrix:
    rows = [joint_vector(chars, chars.vector(c), words.vector(w)) for c, w in features]
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    shape = (len(rows), len(chars.space.vocab) + len(words.space.vocab))
    if not rows:
        return sparse.csr_matrix(shape, dtype=np.float32)
    return sparse.csr_matrix((np.concatenate([r[1] for r in rows]), np.concatenate([r[0] for r in rows]), indptr),
                             shape=shape, dtype=np.float32)


class IntentScorer:
    """All intents' scores for one analysed message."""

    def __init__(self, chars: SpaceIndex, words: SpaceIndex, topics: TopicModel, intent_topics: Sequence[str],
                 weights: dict[str, float] | None = None) -> None:
        self.chars, self.words, self.topics = chars, words, topics
        position = {t: i for i, t in enumerate(topics.topics)}
        self.intent_topic = np.array([position[t] for t in intent_topics], dtype=np.int64)
        self.weights = {**DEFAULT_WEIGHTS, **{k: v for k, v in (weights or {}).items() if k in SIGNALS}}

    def signals(self, analysis: Analysis) -> dict[str, np.ndarray]:
        return self.signals_from_features(char_ngrams(analysis.signal), word_features(analysis.tokens))

    def signals_from_features(self, chars: Counter[str], words: Counter[str]) -> dict[str, np.ndarray]:
        """Per intent: cosine to its char and word centroids, and P(its topic) from the topic model."""
        if self.chars.centroids is None:
            raise RuntimeError("this scorer was prepared for serving; build a fresh index for signals")
        char_vec, word_vec = self.chars.vector(chars), self.words.vector(words)
        topic = self.topics.probabilities(*joint_vector(self.chars, char_vec, word_vec))[self.intent_topic]
        return {"char": self.chars.similarities(*char_vec), "word": self.words.similarities(*word_vec),
                "topic": topic}

    def score(self, analysis: Analysis) -> np.ndarray:
        """The weighted sum of the three signals, in one pass (see nlu/fastscore.py)."""
        if getattr(self, "_fast", None) is None:
            self._fast = FastScorer(self)
        return self._fast.score(analysis)

    def prepare_for_serving(self) -> None:
        """Build the merged matrix and drop the per-signal ones it copies (half the index memory).

        Afterwards only score() works; signals() is for calibration, which never calls this.
        """
        if getattr(self, "_fast", None) is None:
            self._fast = FastScorer(self)
        self.chars.centroids = self.words.centroids = None  # type: ignore[assignment]
        self.topics.weights = None  # type: ignore[assignment]
