"""Step 3: score every intent against a message, trained only on the knowledge examples.

Each intent is the TF-IDF centroid of its examples in two spaces: character 3-4-grams of the signal
text (robust to typos, missing spaces and segmentation errors) and words + word bigrams (precise where
the tokeniser is right). A topic model (logistic regression over both spaces, nlu/linear.py) adds
P(topic). A message's score for an intent is a weighted sum of its two centroid cosines and its topic's
probability; the weights are chosen by cross-validation (knowledge/nlu/thresholds.yaml).

Centroids beat nearest-example similarity on long complaints that mix several things: the centroid
rewards the vocabulary an intent's examples share, not one lucky phrasing (measured by k-fold in
`thongthin nlu calibrate`, where the nearest-example signals got zero weight). They are stored dense and
term-major, so scoring a message is one gather of its terms' rows and one small matrix-vector product.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

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
        vocab = self.vocab
        pairs = [(vocab[t], c) for t, c in doc.items() if t in vocab]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
        tf = np.fromiter((1.0 + math.log(p[1]) for p in pairs), dtype=np.float32, count=len(pairs))
        weights = tf * self.idf[idx]
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
        self.centroids = cents.astype(np.float16)  # half the memory; cosines need no more precision
        self.n_intents = n_intents

    def similarities(self, doc: Counter[str]) -> np.ndarray:
        """Cosine of the document to every intent's centroid."""
        idx, w = self.space.vector(doc)
        if len(idx) == 0:
            return np.zeros(self.n_intents, dtype=np.float32)
        return w @ self.centroids[idx].astype(np.float32)

    def vector(self, doc: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.space.vector(doc)


def joint_vector(chars: SpaceIndex, words: SpaceIndex, char_doc: Counter[str], word_doc: Counter[str],
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The topic model's input: both spaces side by side, mixed TOPIC_FEATURE_MIX."""
    ci, cv = chars.vector(char_doc)
    wi, wv = words.vector(word_doc)
    return (np.concatenate([ci, wi + len(chars.space.vocab)]),
            np.concatenate([cv * TOPIC_FEATURE_MIX[0], wv * TOPIC_FEATURE_MIX[1]]))


def joint_matrix(chars: SpaceIndex, words: SpaceIndex, features: Sequence[tuple[Counter[str], Counter[str]]],
                 ) -> sparse.csr_matrix:
    rows = [joint_vector(chars, words, c, w) for c, w in features]
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
        idx, values = joint_vector(self.chars, self.words, chars, words)
        topic = self.topics.probabilities(idx, values)[self.intent_topic]
        return {"char": self.chars.similarities(chars), "word": self.words.similarities(words), "topic": topic}

    def score(self, analysis: Analysis) -> np.ndarray:
        signals = self.signals(analysis)
        return sum(self.weights[name] * signals[name] for name in SIGNALS)
