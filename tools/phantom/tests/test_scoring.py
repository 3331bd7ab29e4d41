"""The quality measures count what docs/phantom-model.md says they count."""

import numpy as np

from phantom.data import Finding, PhantomSet
from phantom.scoring import precision_at_k, sided_queries, sided_relevance, zero_shot_accuracy


def _set(findings, labels):
    n = len(findings)
    return PhantomSet(np.zeros((n, 4, 4), np.uint8), [""] * n, np.array(labels), findings, [""] * n)


def test_precision_at_k_per_query_columns():
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]])
    relevant = np.array([[True, False], [False, False], [False, True]])
    assert precision_at_k(scores, relevant, 1) == 1.0
    assert precision_at_k(scores, relevant, 2) == 0.5


def test_sided_relevance_counts_bilateral_for_both_sides():
    data = _set(
        [
            [Finding("Pleural Effusion", "small", "left")],
            [Finding("Pleural Effusion", "large", "bilateral")],
            [Finding("Pleural Effusion", "small", "right")],
            [Finding("Consolidation", "mild", "left lower lobe")],
        ],
        [[0, 0, 0, 0, 1]] * 3 + [[0, 0, 1, 0, 0]],
    )
    assert sided_relevance(data, "Pleural Effusion", "left").tolist() == [True, True, False, False]
    assert sided_relevance(data, "Consolidation", "left").tolist() == [False, False, False, True]


def test_zero_shot_accuracy_uses_reference_stats_and_single_findings():
    classes = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]
    data = _set(
        [[Finding("Edema", "mild", None)], [Finding("Cardiomegaly", "mild", None)], []],
        [[0, 0, 0, 1, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0]],
    )
    raw = np.array([[1.0, 1.0, 1.0, 2.5, 1.0], [1.0, 1.5, 1.0, 2.0, 1.0], [5.0, 5.0, 5.0, 5.0, 5.0]])
    plain = {c: {"mean": 0.0, "std": 1.0} for c in classes}
    assert zero_shot_accuracy(raw, plain, data) == 0.5  # image 1 argmax is Edema
    shifted = dict(plain, Edema={"mean": 1.0, "std": 1.0})
    assert zero_shot_accuracy(raw, shifted, data) == 1.0


def test_sided_queries_name_the_patient_side():
    queries = sided_queries()
    assert ("left pleural effusion", "Pleural Effusion", "left") in queries
    assert len(queries) == 6
