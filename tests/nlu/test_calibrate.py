"""The threshold search of `thongthin nlu calibrate` (the full procedure runs in minutes: see nlu/README.md)."""
from __future__ import annotations

import numpy as np

from nlu.calibrate import _j_curve, _youden


def _plain_j(conf: np.ndarray, keep: np.ndarray, unknown: np.ndarray, oos: np.ndarray, p: float) -> float:
    return float(np.mean(conf[keep] >= p) + np.mean((conf[unknown] < p) | oos[unknown]) - 1)


def test_j_curve_equals_the_plain_formula() -> None:
    rng = np.random.default_rng(3)
    conf = rng.random(500)
    keep, oos = rng.random(500) < 0.6, rng.random(500) < 0.2
    grid = np.linspace(0.01, 0.9, 90)
    fast = _j_curve(conf[keep], conf[~keep], oos[~keep], grid)
    assert np.allclose(fast, [_plain_j(conf, keep, ~keep, oos, p) for p in grid])


def test_threshold_separates_kept_from_unknown_and_is_stable() -> None:
    rng = np.random.default_rng(5)
    kept = rng.uniform(0.45, 1.0, 2000)  # right answers: confident
    unknown = rng.uniform(0.0, 0.55, 2000)  # nothing fits: unsure
    conf = np.concatenate([kept, unknown])
    keep = np.arange(4000) < 2000
    oos = np.zeros(4000, dtype=bool)
    best, j = _youden(conf, keep, ~keep, oos)
    assert 0.45 <= best <= 0.55 and j > 0.8
    # a few changed samples move the chosen threshold by a grid step at most
    conf2 = conf.copy()
    conf2[:20] = rng.uniform(0.0, 1.0, 20)
    assert abs(_youden(conf2, keep, ~keep, oos)[0] - best) <= 0.011


def test_each_out_of_scope_subject_is_scored_by_an_index_without_it(fixture_examples) -> None:  # noqa: ANN001
    """Leave-one-out-of-scope-subject-out: each out-of-scope intent's examples are scored as unknown
    messages by an index built from every other intent (one intent fewer), and in-scope ones never are."""
    from nlu.calibrate import _leave_out, _out_of_scope_subject
    from nlu.engine import Analyzer
    from nlu.index import featurize
    from nlu.resources import load_nlu_data

    analyzer = Analyzer(load_nlu_data())

    def feats(text: str) -> tuple:
        analysis = analyzer(text)[2]
        return (*featurize(analysis), len(analysis.tokens))

    subjects = {e.intent for e in fixture_examples if e.topic == "out_of_scope"}
    intents = {e.intent for e in fixture_examples}
    samples = _leave_out(fixture_examples, _out_of_scope_subject, feats, lambda t: feats(t)[:2], seed=0)
    assert subjects and samples
    assert all(s.gold == "out_of_scope" and not s.known for s in samples)
    assert {len(s.topics) for s in samples} == {len(intents) - 1}
