"""The serving scorer (nlu/fastscore.py) must give the same scores as the per-signal reference."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy import sparse

from nlu.engine import Analyzer
from nlu.fastscore import FastScorer, GramCoder
from nlu.features import char_ngram_list
from nlu.index import IntentIndex
from nlu.resources import load_nlu_data
from nlu.scoring import FEATURE_MIX, SIGNALS
from nlu.types import TrainingExample

MESSAGES = [
    "ขยะหน้าบ้านไม่มีใครมาเก็บเลยค่ะ 3 วันแล้ว",
    "เบี้ยยังชีบเดือนนี้เข้ายัง",
    "ถนนเป็นหลุม ไฟทางดับ มืดมาก อันตรายครับ",
    "hello ขอเบอร์ อบต. หน่อย 😀😀",
    "",
    "x",
]


@pytest.fixture(scope="module")
def built(fixture_examples: list[TrainingExample]) -> tuple[Analyzer, IntentIndex]:
    analyzer = Analyzer(load_nlu_data())
    return analyzer, IntentIndex.build(fixture_examples, analyzer.features)


def test_gram_ids_equal_the_string_ngrams(built: tuple[Analyzer, IntentIndex]) -> None:
    analyzer, index = built
    vocab = index.scorer.chars.vocab
    coder = GramCoder(vocab)
    for text in MESSAGES:
        signal = analyzer(text)[2].signal
        expected = Counter(vocab[g] for g in char_ngram_list(signal) if g in vocab)
        assert Counter(coder.ids_of(signal).tolist()) == expected, text


@pytest.mark.parametrize("dense_cells", [16_000_000, 0])  # 0: the sparse path very large knowledge takes
def test_fast_score_equals_weighted_signals(built: tuple[Analyzer, IntentIndex], dense_cells: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer, index = built
    monkeypatch.setattr("nlu.fastscore.DENSE_CELLS", dense_cells)
    scorer = index.scorer
    fast = FastScorer(scorer)
    assert fast.dense == bool(dense_cells)
    for text in MESSAGES:
        analysis = analyzer(text)[2]
        signals = scorer.signals(analysis)
        reference = sum(scorer.weights[k] * signals[k] for k in SIGNALS)
        # with no known term only the models' biases remain; the engine never ranks such a message
        np.testing.assert_allclose(fast.score(analysis), reference, atol=1e-5, err_msg=text)


def test_sparse_path_keeps_each_terms_largest_weights(built: tuple[Analyzer, IntentIndex],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond DENSE_CELLS each term keeps its SPARSE_CELLS/terms largest intent weights (at least 8)."""
    _, index = built
    weights = sparse.csr_matrix(index.scorer.intents.weights)
    terms = weights.shape[0]
    monkeypatch.setattr("nlu.fastscore.DENSE_CELLS", 0)
    monkeypatch.setattr("nlu.fastscore.SPARSE_CELLS", terms * 8)
    fast = FastScorer(index.scorer)
    for term in range(terms):
        original = np.sort(np.abs(weights[term].data))[::-1]
        row = np.abs(fast.top_weights[term][fast.top_weights[term] != 0])
        assert len(row) == min(8, len(original))
        if len(row):  # the kept cells are the row's largest (scaled by one mix factor for the row)
            np.testing.assert_allclose(np.sort(row)[::-1] / row.max(), original[: len(row)] / original[0], rtol=1e-4)
