"""Linear models over the joint TF-IDF vector: one for topics, one for intents.

Why linear SVMs: on k-fold over the knowledge examples they ranked topics better than intent centroids
and Complement Naive Bayes (0.763 against 0.724 topic accuracy, `thongthin nlu calibrate`): a centroid
rewards what an intent's examples share, an SVM what *separates* them from everything else, which is
what a long complaint that mentions several things needs. Training (liblinear, squared hinge) runs once
per knowledge version; the cached index holds only the weight arrays, so serving and a warm start never
import scikit-learn.

Topics are few (a fixed vocabulary), so the topic model is one-vs-rest over every example. Intents grow
with the knowledge, and one-vs-rest over every example costs intents x examples (a knowledge base 10x
larger took over 15 minutes), so each intent's SVM sees its own topic's examples (what it must be told
apart from) and a fixed-size sample of the other topics' (what keeps margins comparable across topics):
in a k-fold experiment topic accuracy was 0.772 with 1,500 sampled and 0.772 with all, and training
grows linearly.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

# Regularisation. k-fold topic accuracy of the topic model alone on 5,367 examples: 0.742 at C=0.3,
# 0.760 at 0.5, 0.776 at 1, 0.778 at 2 and at 4 (a plateau: the smallest C on it is kept).
SVM_C = 1.0
OTHER_TOPIC_SAMPLE = 1_500  # negatives from other topics per intent model (see the module docstring)

Weights = np.ndarray | sparse.csr_matrix  # terms x classes


class LinearModel:
    """Scores per class for a feature vector: `weights` is terms x classes (term-major: one gather)."""

    def __init__(self, weights: Weights, bias: np.ndarray, classes: list[str]) -> None:
        self.weights, self.bias, self.classes = weights, bias, classes

    @classmethod
    def fit(cls, x: sparse.csr_matrix, labels: Sequence[str], c: float = SVM_C) -> LinearModel:
        """One-vs-rest over every example (the topic model)."""
        classes = sorted(set(labels))
        if len(classes) < 2:  # nothing to separate: every class scores the same
            return cls(np.zeros((x.shape[1], len(classes)), np.float32), np.zeros(len(classes), np.float32),
                       classes)
        svm = _svm(c).fit(x, list(labels))
        coef, bias = svm.coef_, svm.intercept_
        if len(classes) == 2:  # liblinear returns one hyperplane for two classes: make it two columns
            coef, bias = np.vstack([-coef, coef]), np.concatenate([-bias, bias])
        return cls(np.ascontiguousarray(coef.T, dtype=np.float32), bias.astype(np.float32), classes)

    @classmethod
    def fit_within_groups(cls, x: sparse.csr_matrix, labels: Sequence[str], groups: Sequence[str],
                          c: float = SVM_C, sample: int = OTHER_TOPIC_SAMPLE, seed: int = 0) -> LinearModel:
        """One binary SVM per class against its own group and a sample of the others (the intent model).

        Weights come back sparse: a class's SVM is zero on every term its training rows never contain.
        """
        labels_a, groups_a = np.asarray(labels), np.asarray(groups)
        classes = sorted(set(labels))
        rng = np.random.default_rng(seed)
        columns, bias = [], np.zeros(len(classes), np.float32)
        for j, label in enumerate(classes):
            rows = _training_rows(labels_a, groups_a, label, rng, sample)
            target = labels_a[rows] == label
            if target.all():  # nothing to tell it apart from (a one-intent knowledge base)
                columns.append(sparse.csr_matrix((x.shape[1], 1), dtype=np.float32))
                continue
            svm = _svm(c).fit(x[rows], target)
            columns.append(sparse.csr_matrix(svm.coef_.T.astype(np.float32)))
            bias[j] = svm.intercept_[0]
        return cls(sparse.hstack(columns, format="csr", dtype=np.float32), bias, classes)

    def scores(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Signed distance to each class's hyperplane (> 0: on the class's side)."""
        if len(idx) == 0:
            return self.bias.copy()
        rows = self.weights[idx]
        product = rows.T @ values if sparse.issparse(rows) else values @ rows
        return np.asarray(product, dtype=np.float32).ravel() + self.bias


def _svm(c: float):  # noqa: ANN202 - sklearn is imported lazily (build time only)
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, max_iter=5000)


def _training_rows(labels: np.ndarray, groups: np.ndarray, label: str, rng: np.random.Generator,
                   sample: int) -> np.ndarray:
    """Rows of `label`'s group (its positives and nearest negatives) plus a sample of other groups."""
    group = groups[labels == label][0]
    own = np.flatnonzero(groups == group)
    others = np.flatnonzero(groups != group)
    if len(others) > sample:
        others = rng.choice(others, sample, replace=False)
    return np.sort(np.concatenate([own, others]))
