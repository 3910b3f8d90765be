"""`thongthin nlu eval`: the measurement contract's figures for the engine and the baseline.

Definitions (a fallback counts as a miss everywhere):
  top1       in-scope questions whose top topic is right and whose decision is answer or clarify
  top3       in-scope questions whose right topic is among the first three candidates (not on fallback)
  answered   in-scope questions decided `answer`
  conf_wrong all questions decided `answer` with a wrong topic (out-of-scope answered as anything else)
  oos_rej    out-of-scope questions decided `fallback` or given topic `out_of_scope`
"""
from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu.policy import OUT_OF_SCOPE


@dataclass(frozen=True)
class Row:
    id: str
    role: str
    topic: str
    question: str

    @property
    def audience(self) -> str | None:
        return self.role if self.role in ("citizen", "officer") else None


@dataclass(frozen=True)
class Prediction:
    topic: str | None
    decision: str
    candidates: tuple[str, ...]  # candidate topics, best first


@dataclass
class Metrics:
    top1: float = 0.0
    top3: float = 0.0
    answered: float = 0.0
    conf_wrong: float = 0.0
    oos_rej: float = 0.0
    n_in: int = 0
    n_oos: int = 0
    per_topic: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # topic -> (n, top1 hits, answered)
    confused: Counter[tuple[str, str]] = field(default_factory=Counter)


def read_tsv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Row(r["id"], r.get("role") or "none", r["topic"], r["question"]) for r in reader if r.get("question")]


def measure(rows: Sequence[Row], predict: Callable[[Row], Prediction]) -> Metrics:
    m = Metrics()
    counts: dict[str, list[int]] = {}
    top1 = top3 = answered = wrong = rejected = 0
    for row in rows:
        p = predict(row)
        fallback = p.decision == "fallback"
        if p.decision == "answer" and p.topic != row.topic:
            wrong += 1
        if row.topic == OUT_OF_SCOPE:
            m.n_oos += 1
            rejected += fallback or p.topic == OUT_OF_SCOPE
            continue
        m.n_in += 1
        hit = not fallback and p.topic == row.topic
        top1 += hit
        top3 += not fallback and row.topic in p.candidates[:3]
        answered += p.decision == "answer"
        stats = counts.setdefault(row.topic, [0, 0, 0])
        stats[0] += 1
        stats[1] += hit
        stats[2] += p.decision == "answer"
        if not hit:
            m.confused[(row.topic, _shown(p))] += 1
    m.top1, m.top3, m.answered = (x / max(m.n_in, 1) for x in (top1, top3, answered))
    m.conf_wrong = wrong / max(len(rows), 1)
    m.oos_rej = rejected / max(m.n_oos, 1)
    m.per_topic = {t: (c[0], c[1], c[2]) for t, c in sorted(counts.items())}
    return m


def _shown(p: Prediction) -> str:
    """What a miss was taken for: the top topic, or the best candidate behind a fallback."""
    if p.decision != "fallback":
        return str(p.topic)
    return f"{p.candidates[0]} (fallback)" if p.candidates else "fallback (no candidate)"


def format_report(ours: Metrics, baseline: Metrics | None) -> str:
    names = ("top1", "top3", "answered", "conf_wrong", "oos_rej")
    lines = [f"{'metric':<12}{'nlu':>8}{'baseline':>10}"]
    for name in names:
        base = f"{getattr(baseline, name):>10.3f}" if baseline else f"{'-':>10}"
        lines.append(f"{name:<12}{getattr(ours, name):>8.3f}{base}")
    lines.append(f"(in-scope {ours.n_in}, out-of-scope {ours.n_oos})")
    lines += ["", f"{'topic':<28}{'n':>4}{'top1':>7}{'answ':>7}{'base top1':>11}"]
    for topic, (n, hit, ans) in ours.per_topic.items():
        b = baseline.per_topic.get(topic, (n, 0, 0)) if baseline else None
        base = f"{b[1] / n:>11.2f}" if b else f"{'-':>11}"
        lines.append(f"{topic:<28}{n:>4}{hit / n:>7.2f}{ans / n:>7.2f}{base}")
    for label, metrics in (("nlu", ours), ("baseline", baseline)):
        if metrics is None:
            continue
        lines += ["", f"most confused ({label}): gold -> predicted"]
        lines += [f"  {g} -> {p}: {c}" for (g, p), c in metrics.confused.most_common(12)]
    return "\n".join(lines)


def training_examples(kb: object) -> list:
    """The examples `kb export` yields (knowledge.export when present), as TrainingExample."""
    from nlu.index import examples_from_kb
    from nlu.types import TrainingExample

    try:
        from knowledge.export import iter_examples
    except ImportError:
        return examples_from_kb(kb)
    audience = {i.id: i.audience for i in kb.intents.values()}  # type: ignore[attr-defined]
    return [TrainingExample(e["text"], e["intent"], e["topic"], audience.get(e["intent"], "any"))
            for e in iter_examples(kb)]


def engine_predictor(engine: object) -> Callable[[Row], Prediction]:
    """What `measure` needs from an NluEngine: classify a row with its role as audience."""
    def predict(row: Row) -> Prediction:
        r = engine.classify(row.question, row.audience)  # type: ignore[attr-defined]
        return Prediction(r.topic, r.decision, tuple(c.topic for c in r.candidates))

    return predict


def run(engine: object, rows: Sequence[Row], baseline: object | None) -> str:
    """The printed report: the engine's figures and the baseline's side by side."""
    base = measure(rows, lambda row: baseline.predict(row.question, row.audience)) if baseline else None  # type: ignore[attr-defined]
    return format_report(measure(rows, engine_predictor(engine)), base)
