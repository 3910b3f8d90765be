"""`thongthin nlu calibrate`: choose score weights and decision thresholds on the knowledge examples only.

Procedure (the eval set is never used here; it only checks the result):
1. k-fold (5, stratified by intent): index 4/5 of the examples, score the held-out fifth -> "known" samples;
   also score messages made of 2-3 held-out examples of one topic joined (real messages are longer).
2. leave-one-out for what the bot has no examples of -> "unknown" samples:
   a. leave-one-topic-out: index everything except one topic, score (up to 40 of) that topic's examples and
      joined ones: a message about something the bot has no intent for;
   b. leave-one-out-of-scope-subject-out: the same for each out-of-scope intent (shopping, hospitals, ...):
      a message from outside the LAO's remit on a subject the out-of-scope examples do not cover. Without
      these the only out-of-scope negatives are held-out examples of subjects already covered, which the
      out_of_scope topic catches whatever the threshold.
3. weights: the share of the topic and intent models (grid) that maximises k-fold topic accuracy.
4. calibration: logistic regression of "top topic is right" on (top score, gap to the runner-up,
   ln(1 + words)) over known + unknown samples; confidence = that probability.
5. fallback_below: the confidence that maximises Youden's J = (in-scope known-right kept) + (unknown and
   held-out out-of-scope rejected) - 1; the median of the maximisers over 200 bootstrap resamples, because
   J is flat near its top and a plain argmax moves with a few examples.
6. answer_from: the lowest confidence >= fallback_below at which at most 3 % of all samples would be
   answered with a wrong topic (the contract's conf_wrong, with room below its 5 % ceiling).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nlu.engine import Analyzer, _nlu_dir
from nlu.index import IntentIndex, featurize
from nlu.policy import MAX_WORDS, OUT_OF_SCOPE, Thresholds
from nlu.resources import load_nlu_data
from nlu.scoring import SIGNALS
from nlu.types import TrainingExample

FOLDS = 5
UNKNOWN_PER_GROUP = 40
COMPOSITES_PER_TOPIC = 8  # joined held-out examples per topic and fold (see _composites)
MAX_CONF_WRONG = 0.03
BOOTSTRAP_ROUNDS = 200  # resamples for fallback_below (see _youden)


@dataclass
class Sample:
    gold: str
    words: int
    topics: list[str]  # topic of every intent in the index that scored it
    signals: np.ndarray  # (len(SIGNALS), n_intents)
    known: bool  # False: its topic was not in the index


@dataclass
class CalibrationResult:
    weights: dict[str, float]
    thresholds: Thresholds
    figures: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"weights: {self.weights}", f"thresholds: {self.thresholds}"]
        lines += [f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in self.figures.items()]
        return "\n".join(lines)


def calibrate(examples: Sequence[TrainingExample], kb: Any, seed: int = 0) -> CalibrationResult:
    analyzer = Analyzer(load_nlu_data(_nlu_dir(kb)), list(getattr(kb, "laos", {}).values()))

    @lru_cache(maxsize=None)
    def feats(text: str) -> Any:
        analysis = analyzer(text)[2]
        return (*featurize(analysis), len(analysis.tokens))

    def index_features(text: str) -> Any:
        return feats(text)[:2]

    examples = list(examples)
    samples = (_kfold(examples, feats, index_features, seed)
               + _leave_out(examples, lambda e: e.topic, feats, index_features, seed)
               + _leave_out(examples, _out_of_scope_subject, feats, index_features, seed))
    weights, accuracy = _best_weights([s for s in samples if s.known])
    s1, gap, words, right, rejected_oos, known = _decision_inputs(samples, weights)
    slope, center, gap_weight, length_weight = _logistic(s1, gap, np.log1p(words), right)
    base = Thresholds(slope=slope, center=center, gap_weight=gap_weight, length_weight=length_weight)
    conf = np.array([base.confidence(a, b, int(n)) for a, b, n in zip(s1, gap, words)])
    is_oos = np.array([smp.gold == OUT_OF_SCOPE for smp in samples])
    # keep: in-scope messages ranked right; reject: topics the index lacks and held-out out-of-scope ones
    fallback, j = _youden(conf, right & known & ~is_oos, ~known | is_oos, rejected_oos)
    answer = _answer_from(conf, right, rejected_oos, fallback)
    th = Thresholds(slope, center, gap_weight, length_weight, fallback, answer)
    figures = {"examples": len(examples), "kfold_topic_accuracy": accuracy, "youden_j": j,
               "known_kept": float(np.mean(conf[right & known & ~is_oos] >= fallback)),
               "unknown_rejected": float(np.mean((conf[~known] < fallback) | rejected_oos[~known])),
               "out_of_scope_rejected": float(np.mean((conf[is_oos] < fallback) | rejected_oos[is_oos]))}
    return CalibrationResult(weights, th, figures)


def _folds(examples: list[TrainingExample], seed: int) -> list[int]:
    rng = random.Random(seed)
    by_intent: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        by_intent.setdefault(e.intent, []).append(i)
    fold = [0] * len(examples)
    for members in by_intent.values():
        rng.shuffle(members)
        offset = rng.randrange(FOLDS)
        for k, i in enumerate(members):
            fold[i] = (k + offset) % FOLDS
    return fold


def _score(index: IntentIndex, held: list[TrainingExample], feats: Any, known: bool) -> list[Sample]:
    out = []
    for e in held:
        chars, words, n_words = feats(e.text)
        signals = index.scorer.signals_from_features(chars, words)
        out.append(Sample(e.topic, n_words, index.topics, np.stack([signals[n] for n in SIGNALS]), known))
    return out


def _composites(held: list[TrainingExample], rng: random.Random, per_topic: int) -> list[TrainingExample]:
    """Two or three held-out examples of one topic joined into one message.

    Real messages are longer than knowledge examples and often say several things about one problem;
    they score lower against the models than a single example does. Calibrating on these too keeps the
    thresholds from rejecting every long message (they are scored, never trained on)."""
    by_topic: dict[str, list[TrainingExample]] = {}
    for e in held:
        by_topic.setdefault(e.topic, []).append(e)
    out = []
    for topic, members in sorted(by_topic.items()):
        for _ in range(per_topic if len(members) > 1 else 0):
            parts = rng.sample(members, min(len(members), rng.choice((2, 3))))
            out.append(TrainingExample(" ".join(p.text for p in parts), parts[0].intent, topic, parts[0].audience))
    return out


def _kfold(examples: list[TrainingExample], feats: Any, index_features: Any, seed: int) -> list[Sample]:
    fold, rng = _folds(examples, seed), random.Random(seed)
    samples: list[Sample] = []
    for k in range(FOLDS):
        train = [e for e, f in zip(examples, fold) if f != k]
        held = [e for e, f in zip(examples, fold) if f == k]
        held += _composites(held, rng, COMPOSITES_PER_TOPIC)
        samples += _score(IntentIndex.build(train, index_features), held, feats, known=True)
    return samples


def _out_of_scope_subject(example: TrainingExample) -> str | None:
    return example.intent if example.topic == OUT_OF_SCOPE else None


def _leave_out(examples: list[TrainingExample], group: Callable[[TrainingExample], str | None], feats: Any,
               index_features: Any, seed: int) -> list[Sample]:
    """For each group (a topic, an out-of-scope subject): index every other example, score (up to
    UNKNOWN_PER_GROUP of) the group's examples and joined ones as messages the index has nothing for."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    keys = [group(e) for e in examples]
    for name in sorted({k for k in keys if k is not None}):
        held = [e for e, k in zip(examples, keys) if k == name]
        train = [e for e, k in zip(examples, keys) if k != name]
        if not train:
            continue
        held = rng.sample(held, min(UNKNOWN_PER_GROUP, len(held))) + _composites(held, rng, COMPOSITES_PER_TOPIC)
        samples += _score(IntentIndex.build(train, index_features), held, feats, known=False)
    return samples


def _grid() -> list[dict[str, float]]:
    """The topic model's share 0..1 of the score; the intent model has the rest."""
    return [{"intent": round(1 - k / 10, 1), "topic": k / 10} for k in range(11)]


def _best_weights(known: list[Sample]) -> tuple[dict[str, float], float]:
    best, best_acc = _grid()[0], -1.0
    for weights in _grid():
        w = np.array([weights[n] for n in SIGNALS])
        acc = np.mean([s.topics[int(np.argmax(w @ s.signals))] == s.gold for s in known])
        if acc > best_acc + 1e-9:
            best, best_acc = weights, float(acc)
    return best, best_acc


def _decision_inputs(samples: list[Sample], weights: dict[str, float]) -> tuple[np.ndarray, ...]:
    w = np.array([weights[n] for n in SIGNALS])
    s1, gap, words, right, oos, known = [], [], [], [], [], []
    for s in samples:
        scores = w @ s.signals
        order = np.argsort(-scores)
        top_topic = s.topics[order[0]]
        runner = next((scores[i] for i in order if s.topics[i] != top_topic), 0.0)
        s1.append(scores[order[0]])
        gap.append(scores[order[0]] - runner)
        words.append(s.words)
        right.append(s.known and top_topic == s.gold)
        oos.append(top_topic == OUT_OF_SCOPE)
        known.append(s.known)
    return (np.array(s1), np.array(gap), np.minimum(np.array(words), MAX_WORDS), np.array(right), np.array(oos), np.array(known))


def _logistic(s1: np.ndarray, gap: np.ndarray, length: np.ndarray, y: np.ndarray, steps: int = 50,
              ) -> tuple[float, float, float, float]:
    """IRLS for P(y) = sigmoid(b0 + b1*s1 + b2*gap + b3*length) -> (slope, center, gap_weight, length_weight)."""
    x = np.column_stack([np.ones_like(s1), s1, gap, length])
    beta = np.zeros(4)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ beta, -50, 50)))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + 1e-3 * np.eye(4)
        beta += np.linalg.solve(hessian, x.T @ (y - p))
    slope = float(beta[1]) if abs(beta[1]) > 1e-6 else 1e-6
    return slope, float(-beta[0] / slope), float(beta[2]), float(beta[3])


def _youden(conf: np.ndarray, keep: np.ndarray, unknown: np.ndarray, oos: np.ndarray,
            seed: int = 0) -> tuple[float, float]:
    """The threshold maximising J, as the median over bootstrap resamples of the samples.

    J is flat near its top (within 0.01 over ~0.15 of confidence), so the plain argmax moved by 0.03
    when 20 of 8,000 examples changed; the median of the resamples' argmaxes does not chase that noise."""
    grid = np.linspace(0.01, 0.9, 90)
    kept, doubtful, declined = conf[keep], conf[unknown], oos[unknown]
    rng = np.random.default_rng(seed)
    picks = []
    for _ in range(BOOTSTRAP_ROUNDS):
        k = kept[rng.integers(0, len(kept), len(kept))]
        u = rng.integers(0, len(doubtful), len(doubtful))
        picks.append(grid[int(np.argmax(_j_curve(k, doubtful[u], declined[u], grid)))])
    best = round(float(np.median(picks)), 3)
    return best, float(_j_curve(kept, doubtful, declined, np.array([best]))[0])


def _j_curve(kept: np.ndarray, doubtful: np.ndarray, declined: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """J at each threshold: share of `kept` at or above it + share of `doubtful` below it or declined - 1."""
    above = 1 - np.searchsorted(np.sort(kept), grid, side="left") / max(len(kept), 1)
    open_ = np.sort(doubtful[~declined])  # declined ones are rejected whatever the threshold
    below = (np.searchsorted(open_, grid, side="left") + int(declined.sum())) / max(len(doubtful), 1)
    return above + below - 1


def _answer_from(conf: np.ndarray, right: np.ndarray, oos: np.ndarray, floor: float) -> float:
    for p in np.linspace(floor, 0.99, 200):
        wrong = (conf >= p) & ~oos & ~right
        if wrong.mean() <= MAX_CONF_WRONG:
            return round(float(p), 3)
    return 0.99


def write_thresholds(result: CalibrationResult, kb: Any) -> Path:
    path = _nlu_dir(kb) / "thresholds.yaml"
    th = result.thresholds
    body = {
        "weights": result.weights,
        "calibration": {"slope": round(th.slope, 4), "center": round(th.center, 4),
                        "gap_weight": round(th.gap_weight, 4), "length_weight": round(th.length_weight, 4)},
        "decision": {"fallback_below": th.fallback_below, "answer_from": th.answer_from,
                     "max_candidates": th.max_candidates},
        "chosen": {"on": date.today().isoformat(), "by": "thongthin nlu calibrate --write",
                   **{k: round(v, 4) if isinstance(v, float) else v for k, v in result.figures.items()}},
    }
    header = "".join(f"# {line}\n" if line else "#\n" for line in (__doc__ or "").strip().splitlines())
    path.write_text(header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
