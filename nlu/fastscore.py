"""IntentScorer.score compiled for serving: numeric feature ids, one merged weight matrix, no Counters.

Profiling `classify` showed most of the scoring time in Python-level work per message (building n-gram
strings and Counters, dict lookups, a dozen small numpy calls), not in arithmetic. So:
  * GramCoder turns a signal's character 3-4-grams into term ids in a few vectorised numpy steps
    (each character -> a small code, then table lookups in a character trie) — the same grams
    `features.char_ngram_list` yields;
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
MAX_ALPHABET = 2048  # GramCoder's first level has (characters + 1)**2 8-byte cells: 34 MB at most


class GramCoder:
    """Character 3-4-gram -> term id, vectorised: a three-level trie with dense child arrays.

    Every character gets a code 1..K-1 (0: a character no term contains). `pairs[a*K + b]` numbers the
    two characters a term starts with (0: no term does), `triples[pair*K + c]` the three: the gram's row
    (0: none). A row owns a run in `run_ids` from `starts[row]`: its 3-gram's term id, -1, then its
    4-grams' ids; `slots[row*K + d]` is where the 4-gram ending in d sits in the run (1, the -1, when
    there is none). Grams that char_wb would not yield (an inner space) or that hold an unknown
    character are simply not terms, so no validity masks are needed: a message costs a dozen numpy calls
    whatever its length. (A binary search over packed codes did the same at twice the cost: dependent
    loads; a K**3 table beside K slots a row was as fast as this but took 19 MB at 10x, this ~7 MB.)
    """

    def __init__(self, vocab: dict[str, int]) -> None:
        alphabet = sorted({ch for term in vocab for ch in term})
        self.radix = k = len(alphabet) + 1
        if CHAR_N != (3, 4) or k > MAX_ALPHABET or any(ord(ch) >= _BMP for ch in alphabet):
            raise ValueError("alphabet too large for the n-gram tables")
        self.table = np.zeros(_BMP, dtype=np.intp)
        for code, ch in enumerate(alphabet, start=1):
            self.table[ord(ch)] = code
        coded = {term: [int(self.table[ord(ch)]) for ch in term] for term in vocab}
        pair = _numbered({c[0] * k + c[1] for c in coded.values()})
        self.pairs = _lookup(pair, k * k)
        row = _numbered({pair[c[0] * k + c[1]] * k + c[2] for c in coded.values()})
        self.triples = _lookup(row, (len(pair) + 1) * k)
        runs: list[list[int]] = [[-1, -1] for _ in range(len(row) + 1)]
        self.slots = np.ones((len(row) + 1) * k, dtype=np.uint8 if k <= 255 else np.uint16)
        for term, c in coded.items():
            r = row[pair[c[0] * k + c[1]] * k + c[2]]
            if len(c) == 3:
                runs[r][0] = vocab[term]
            else:
                self.slots[r * k + c[3]] = len(runs[r])
                runs[r].append(vocab[term])
        self.starts = np.cumsum([0] + [len(run) for run in runs[:-1]], dtype=np.intp)
        self.run_ids = np.array([i for run in runs for i in run], dtype=np.int32)

    def ids_of(self, signal: str) -> np.ndarray:
        """Term ids of the char_wb 3- and 4-grams of `signal` (one id per occurrence): every 3-gram in
        order, then every 4-gram in order."""
        points = np.frombuffer(f" {signal} ".encode("utf-32-le"), dtype=np.uint32)
        if len(points) < 3:
            return np.empty(0, dtype=np.int32)
        c = self.table.take(points, mode="clip")  # beyond the BMP -> U+FFFF, never in the alphabet
        k = self.radix
        rows = self.triples.take(self.pairs.take(c[:-2] * k + c[1:-1]) * k + c[2:])
        start = self.starts.take(rows)
        ids = self.run_ids.take(np.concatenate([start, start[:-1] + self.slots.take(rows[:-1] * k + c[3:])]))
        return ids[ids >= 0]


def _numbered(keys: set[int]) -> dict[int, int]:
    """Each key -> 1, 2, ... in key order (0 stays free for "none")."""
    return {key: i for i, key in enumerate(sorted(keys), start=1)}


def _lookup(numbers: dict[int, int], size: int) -> np.ndarray:
    table = np.zeros(size, dtype=np.intp)  # index-sized: int32 tables cost a conversion per lookup
    table[list(numbers)] = list(numbers.values())
    return table


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
        grams = self.coder.ids_of(analysis.signal).tolist()
        counts = Counter(grams)
        n_char = len(counts)
        words = word_feature_list(analysis.tokens)
        counts.update(map(self.word_ids.get, words))
        counts.pop(None, None)  # unknown words; removing the key keeps the others' order
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        if len(grams) + len(words) > MAX_TF:  # no count can exceed the number of occurrences
            tf = np.minimum(tf, MAX_TF)
        weights = self.log_tf[tf] * self.idf[ids]
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
        # in place, in the same order as `intents + intent_bias + (topic + topic_bias)[intent_topic]`
        intents += self.intent_bias
        topic += self.topic_bias
        intents += topic[self.intent_topic]
        return intents

    def _sparse_scores(self, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """weights @ intent_weights[ids] over each term's kept cells (two gathers and one bincount)."""
        cells = self.top_weights[ids]
        cells *= weights[:, None]
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
