"""A multinomial logistic regression over topics, trained with L-BFGS (scipy) on the knowledge examples.

Why beside the centroids: the centroid of a diverse class (out_of_scope: shops, buses, hospitals ...) is
weak, while a discriminative model learns what separates it from the LAO's topics. The two are mixed in
IntentScorer with a weight chosen by cross-validation.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, sparse

L2 = 0.1  # weight penalty on the summed loss; about sklearn's C=10
MAX_ITER = 30  # early stopping: more iterations fit the authored examples better and real messages worse


class TopicModel:
    """P(topic | features). `weights` is terms x topics (dense, term-major for one-gather scoring)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, topics: list[str]) -> None:
        self.weights, self.bias, self.topics = weights, bias, topics

    @classmethod
    def fit(cls, x: sparse.csr_matrix, labels: list[str]) -> TopicModel:
        topics = sorted(set(labels))
        y = np.array([topics.index(t) for t in labels])
        n_terms, n_topics = x.shape[1], len(topics)
        if n_topics < 2:
            return cls(np.zeros((n_terms, n_topics), np.float32), np.zeros(n_topics, np.float32), topics)
        onehot = np.zeros((len(y), n_topics), dtype=np.float32)
        onehot[np.arange(len(y)), y] = 1.0
        x = x.astype(np.float32)
        xt = x.T.tocsr()  # the gradient needs x.T @ diff every step

        def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
            flat = flat.astype(np.float32)
            w, b = flat[:-n_topics].reshape(n_terms, n_topics), flat[-n_topics:]
            z = x @ w + b
            z -= z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            diff = np.exp(log_p) - onehot
            value = -(log_p * onehot).sum() + 0.5 * L2 * (w * w).sum()
            grad_w = xt @ diff + L2 * w
            return float(value), np.concatenate([grad_w.ravel(), diff.sum(axis=0)]).astype(np.float64)

        start = np.zeros(n_terms * n_topics + n_topics)
        result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITER})
        flat = result.x
        return cls(flat[:-n_topics].reshape(n_terms, n_topics).astype(np.float32),
                   flat[-n_topics:].astype(np.float32), topics)

    def probabilities(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        z = values @ self.weights[idx] + self.bias if len(idx) else self.bias.copy()
        z = np.exp(z - z.max())
        return z / z.sum()
