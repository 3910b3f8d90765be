"""The classic baseline of thai_nlu.md: TF-IDF character n-grams (char_wb 2-4, sublinear) + LinearSVC.

Trained on the same knowledge examples as the engine, on topic labels, with the research note's `norm`
preprocessing. It answers when its best decision score is positive and falls back otherwise.
scikit-learn is listed in the `[eval]` extra (and is a main dependency: nlu/linear.py trains with it); it is
imported only here, lazily.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from pythainlp.util import normalize, thai_digit_to_arabic_digit

from nlu.evaluation import Prediction
from nlu.types import TrainingExample

_REPEATS = re.compile(r"([ก-ฮ])\1{2,}")


class MissingExtra(RuntimeError):
    pass


def _sklearn() -> tuple[Any, Any]:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtra("the baseline needs scikit-learn: pip install -e '.[eval]'") from exc
    return TfidfVectorizer, LinearSVC


def preprocess(text: str) -> str:
    return _REPEATS.sub(r"\1", thai_digit_to_arabic_digit(normalize(text))).lower()


class Baseline:
    def __init__(self, examples: Sequence[TrainingExample]) -> None:
        vectorizer_cls, svc_cls = _sklearn()
        self.vectorizer = vectorizer_cls(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.model = svc_cls()
        matrix = self.vectorizer.fit_transform([preprocess(e.text) for e in examples])
        self.model.fit(matrix, [e.topic for e in examples])
        self.topics: list[str] = list(self.model.classes_)
        audiences: dict[str, set[str]] = {}
        for e in examples:
            audiences.setdefault(e.topic, set()).add(e.audience)
        self._audiences = [audiences[t] for t in self.topics]

    def predict(self, text: str, audience: str | None = None) -> Prediction:
        raw = np.atleast_1d(self.model.decision_function(self.vectorizer.transform([preprocess(text)]))[0])
        scores = raw if len(raw) == len(self.topics) else np.array([-raw[0], raw[0]])  # two classes: one score
        if audience is not None:  # same audience filter as the engine, so the comparison is fair
            allowed = np.array([bool(a & {audience, "any"}) for a in self._audiences])
            scores = np.where(allowed, scores, -np.inf)
        order = np.argsort(-scores)
        topics = tuple(self.topics[i] for i in order[:3])
        decision = "answer" if scores[order[0]] > 0 else "fallback"
        return Prediction(topics[0], decision, topics)
