"""Linear probes: GLoRIA's label-efficient classifier heads (one logistic output per class, BCE, L2).

The reference the service's Newton fit (src/services/classifier/logistic.fit.ts) is checked against:
scikit-learn's LogisticRegression with C = 1 / l2 and an unpenalised intercept, which minimises
sum_i BCE + (l2 / 2) * ||w||^2 -- the same objective.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression


def fit_heads(features: np.ndarray, labels: np.ndarray, l2: float):
    """features [n, d], labels [n, c] of 0/1 -> (weights [c, d], biases [c])."""
    weights, biases = [], []
    for c in range(labels.shape[1]):
        model = LogisticRegression(C=1.0 / l2, fit_intercept=True, solver="newton-cholesky", tol=1e-12, max_iter=1000)
        model.fit(features.astype(np.float64), labels[:, c].astype(np.int64))
        weights.append(model.coef_[0])
        biases.append(model.intercept_[0])
    return np.stack(weights), np.array(biases)


def probabilities(features: np.ndarray, weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """[n, c] sigmoid(x . w_c + b_c)."""
    return 1.0 / (1.0 + np.exp(-(features @ weights.T + biases)))
