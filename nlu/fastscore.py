"""IntentScorer.score compiled for serving: numeric feature ids, one merged weight matrix, no Counters.

Profiling `classify` showed most of the scoring time in Python-level work per message (building n-gram
strings and Counters, dict lookups, a dozen small numpy calls), not in arithmetic. So:
  * GramCoder turns a signal's character 3-4-grams into integers in a few vectorised numpy steps
    (each character -> a small code, a gram -> its codes packed into one uint64) and finds their term
    ids by binary search in a sorted array — the same grams `features.char_ngram_list` yields;
  * the intent and topic models' weights, already scaled by the feature mix and the signal weights,
    are one term-major matrix: a message gathers only its own terms' rows.
The result is the same sum as IntentScorer.signals() weighted (tests/nlu/test_fastscore.py checks it).
"""
from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from nlu.features import CHAR_N, word_feature_list
from nlu.tokenize import Analysis

if TYPE_CHECKING:
    from nlu.scoring import IntentScorer

_BMP = 0x10000  # characters outside the Basic Multilingual Plane (emoji) never occur in the vocabulary
MAX_TF = 10_000  # a term's count in one message (4,000 characters) never gets near this
DENSE_CELLS = 24_000_000  # float32 cells (96 MB) up to which the merged matrix stays dense
SPARSE_CELLS = 6_000_000  # intent weights kept beyond that (~36 MB: uint16 ids + float32 weights)


class GramCoder:
    """Character 3-4-gram -> term id, vectorised.

    Every character gets a small code (1..K, in `bits` bits); any character the vocabulary never uses
    gets ALL ones, which no term contains. A gram is its codes packed into one uint64 (a 3-gram is below
    2**(3*bits), a 4-gram above it: codes are never 0). Grams that char_wb would not yield (an inner
    space) or that hold an unknown character are simply not found in the sorted code array, so no
    validity masks are needed: a message costs a dozen numpy calls whatever its length.
    """

    def __init__(self, vocab: dict[str, int]) -> None:
        alphabet = sorted({ch for term in vocab for ch in term})
        self.bits = np.uint64((len(alphabet) + 1).bit_length())
        if CHAR_N != (3, 4) or 4 * int(self.bits) > 63 or any(ord(ch) >= _BMP for ch in alphabet):
            raise ValueError("alphabet too large for packed n-gram codes")
        unknown = (1 << int(self.bits)) - 1
        self.table = np.full(_BMP, unknown, dtype=np.uint64)
        for code, ch in enumerate(alphabet, start=1):
            self.table[ord(ch)] = code
        packed = {self._pack(term): i for term, i in vocab.items()}
        order = sorted(packed)
        # a sentinel above every code: searchsorted never returns an index past the end
        self.codes = np.array([*order, np.iinfo(np.uint64).max], dtype=np.uint64)
        self.ids = np.array([*(packed[c] for c in order), -1], dtype=np.int64)

    def _pack(self, term: str) -> int:
        value = 0
        for ch in term:
            value = (value << int(self.bits)) | int(self.table[ord(ch)])
        return value

    def ids_of(self, signal: str) -> np.ndarray:
        """Term ids of the char_wb 3- and 4-grams of `signal` (one id per occurrence)."""
        points = np.frombuffer(f" {signal} ".encode("utf-32-le"), dtype=np.uint32)
        if len(points) < 3:
            return np.empty(0, dtype=np.int64)
        c = self.table[np.minimum(points, _BMP - 1)]  # U+FFFF is never in the alphabet
        bits = self.bits
        v3 = (c[:-2] << bits | c[1:-1]) << bits | c[2:]
        grams = np.concatenate([v3, v3[:-1] << bits | c[3:]])
        pos = np.searchsorted(self.codes, grams)
        return self.ids[pos[self.codes[pos] == grams]]


class FastScorer:
    """The weighted sum of IntentScorer's two signals for one analysed message, in one pass.

    Intent and topic weights sit side by side in one term-major matrix, dense while it stays within
    DENSE_CELLS (a gather of the message's rows and one product: fewest numpy calls, and numpy's fixed
    cost per call is what dominates a short message). Beyond that (knowledge many times larger) each
    term keeps only its largest intent weights (SPARSE_CELLS in all) in fixed-width rows: an SVM's
    small weights barely move a ranking, and time and memory stay bounded whatever the knowledge size.
    """

    def __init__(self, scorer: IntentScorer) -> None:
        from nlu.scoring import FEATURE_MIX  # here, not at module level: scoring imports this module

        chars, words, w = scorer.chars, scorer.words, scorer.weights
        self.n_char, self.n_intents = len(chars.vocab), len(scorer.intents.classes)
        self.coder = GramCoder(chars.vocab)
        self.word_ids = {t: i + self.n_char for t, i in words.vocab.items()}
        self.idf = np.concatenate([chars.idf, words.idf]).astype(np.float32)
        self.log_tf = np.zeros(MAX_TF + 1, dtype=np.float32)  # sublinear tf, indexed by the count
        self.log_tf[1:] = 1.0 + np.log(np.arange(1, MAX_TF + 1, dtype=np.float32))
        mix = np.where(np.arange(len(self.idf)) < self.n_char, *FEATURE_MIX).astype(np.float32)[:, None]
        scaled = sparse.csr_matrix(scorer.intents.weights).multiply(mix * np.float32(w["intent"]))
        intent_w = sparse.csr_matrix(scaled, dtype=np.float32)
        topic_w = scorer.topics.weights * (mix * np.float32(w["topic"]))
        self.intent_bias = scorer.intents.bias * np.float32(w["intent"])
        self.topic_bias = scorer.topics.bias * np.float32(w["topic"])
        self.dense = len(self.idf) * (self.n_intents + topic_w.shape[1]) <= DENSE_CELLS
        if self.dense:
            self.matrix = np.hstack([intent_w.toarray(), topic_w])
        else:
            self.top_ids, self.top_weights = _largest_cells(intent_w, SPARSE_CELLS)
            self.matrix = topic_w
        self.intent_topic = scorer.intent_topic

    def terms(self, analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
        """Distinct term ids of a message (char terms first) and their TF-IDF weights, each space's part
        of unit length as in training. Counting in a Counter beats numpy's unique on short messages."""
        counts = Counter(self.coder.ids_of(analysis.signal).tolist())
        n_char = len(counts)
        counts.update(i for i in map(self.word_ids.get, word_feature_list(analysis.tokens)) if i is not None)
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        weights = self.log_tf[np.minimum(tf, MAX_TF)] * self.idf[ids]
        for part in (weights[:n_char], weights[n_char:]):
            total = float(part @ part)
            if total > 0:
                part /= math.sqrt(total)
        return ids, weights

    def score(self, analysis: Analysis) -> np.ndarray:
        ids, weights = self.terms(analysis)
        if self.dense:
            out = weights @ self.matrix[ids]
            intents, topic = out[: self.n_intents], out[self.n_intents :]
        else:
            intents, topic = self._sparse_scores(ids, weights), weights @ self.matrix[ids]
        return intents + self.intent_bias + (topic + self.topic_bias)[self.intent_topic]

    def _sparse_scores(self, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """weights @ intent_weights[ids] over each term's kept cells (two gathers and one bincount)."""
        cells = self.top_weights[ids] * weights[:, None]
        return np.bincount(self.top_ids[ids].ravel(), weights=cells.ravel(),
                           minlength=self.n_intents).astype(np.float32)


def _largest_cells(weights: sparse.csr_matrix, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Each term's largest-magnitude cells, at most k = budget/terms of them, as two (terms x k) arrays:
    intent ids and weights (unused slots: intent 0, weight 0).

    Per term, not globally: a common n-gram otherwise keeps a cell for nearly every intent, and a
    message's cost is the cells of its terms (a global cut left 10x knowledge at ~1,000 messages/s).
    Fixed-width rows rather than CSR: a message gathers its rows in one step (CSR needed a dozen numpy
    calls, which cost more than the arithmetic).
    """
    per_term = max(8, budget // max(weights.shape[0], 1))
    rows = np.repeat(np.arange(weights.shape[0]), np.diff(weights.indptr))
    order = np.lexsort((-np.abs(weights.data), rows))  # by term, then largest first
    rank = np.empty(weights.nnz, dtype=np.int64)
    rank[order] = np.arange(weights.nnz) - weights.indptr[rows[order]]
    keep = rank < per_term
    width = int(rank[keep].max()) + 1 if keep.any() else 1
    id_type = np.uint16 if weights.shape[1] <= np.iinfo(np.uint16).max else np.int32
    top_ids = np.zeros((weights.shape[0], width), dtype=id_type)
    top_weights = np.zeros((weights.shape[0], width), dtype=np.float32)
    top_ids[rows[keep], rank[keep]] = weights.indices[keep]
    top_weights[rows[keep], rank[keep]] = weights.data[keep]
    return top_ids, top_weights
