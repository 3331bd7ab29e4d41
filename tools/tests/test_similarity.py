"""Similarity maths (§4) against naive loop implementations, and the ONNX graph module against the
reference slicing."""

import math

import numpy as np
import pytest
import torch

from gloria_export.onnx_export import LocalSimilarityGraph
from gloria_ref import similarity as sim


def naive_local(words, regions, temp1=4.0, temp2=5.0):
    """§4.2 written as loops over regions and words. words [D,L], regions [D,M] (float64)."""
    d, L = words.shape
    m = regions.shape[1]
    s = [[sum(regions[k, r] * words[k, j] for k in range(d)) for j in range(L)] for r in range(m)]
    a1 = []
    for r in range(m):
        mx = max(s[r])
        e = [math.exp(v - mx) for v in s[r]]
        a1.append([v / sum(e) for v in e])
    cos, attn = [], []
    for j in range(L):
        logits = [temp1 * a1[r][j] for r in range(m)]
        mx = max(logits)
        e = [math.exp(v - mx) for v in logits]
        a2 = [v / sum(e) for v in e]
        attn.append(a2)
        c = [sum(a2[r] * regions[k, r] for r in range(m)) for k in range(d)]
        w = [words[k, j] for k in range(d)]
        dot = sum(x * y for x, y in zip(w, c))
        nw = math.sqrt(sum(x * x for x in w))
        nc = math.sqrt(sum(x * x for x in c))
        cos.append(dot / max(nw * nc, 1e-8))
    return temp2 * max(cos), cos, attn


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(3)
    words = torch.randn(6, 5, generator=g)
    words[:, 4] = 0  # a zero column, as REFERENCE slicing takes after [SEP]
    regions = torch.randn(2, 6, 3, 3, generator=g) * 2
    return words, regions


def test_local_pair_matches_naive_loops(data):
    words, regions = data
    score, cos, attn = sim.local_pair(words, regions)
    for b in range(2):
        want_score, want_cos, want_attn = naive_local(words.double().numpy(), regions[b].reshape(6, 9).double().numpy())
        assert score[b].item() == pytest.approx(want_score, abs=1e-5)
        assert np.allclose(cos[b].numpy(), want_cos, atol=1e-6)
        assert np.allclose(attn[b].reshape(5, 9).numpy(), want_attn, atol=1e-6)
    assert torch.all(cos[:, 4] == 0)  # the zero column's cosine is 0, it still shares the softmax


def test_zero_columns_change_the_reference_score(data):
    words, regions = data
    with_zeros, _, _ = sim.local_pair(words, regions)
    without, _, _ = sim.local_pair(words[:, :4], regions)
    assert not torch.allclose(with_zeros, without)


def test_global_similarity_is_sklearn_cosine_with_zero_rows_zero():
    a = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    b = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32)
    got = sim.global_similarity(a, b)
    assert got.dtype == np.float32
    assert np.allclose(got, [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]])


def test_combined_is_plain_mean():
    assert np.allclose(sim.combined(np.array([[0.5]]), np.array([[3.0]])), [[1.75]])


def test_columns_by_mode():
    raw = " pulmonary edema "
    assert sim.columns(raw, 2, sim.REFERENCE) == 17
    assert sim.columns(raw, 2, sim.WORDS) == 2
    assert sim.columns("x" * 300, 50, sim.REFERENCE) == 96


def _padded(columns_list, d, l_max, fill):
    words = torch.full((len(columns_list), d, l_max), fill)
    mask = torch.zeros(len(columns_list), l_max)
    for i, w in enumerate(columns_list):
        words[i, :, : w.shape[1]] = w
        mask[i, : w.shape[1]] = 1
    return words, mask


def test_graph_masks_and_broadcasts_like_separate_reference_runs(data):
    words, regions = data
    graph = LocalSimilarityGraph(4.0, 5.0)
    texts = [words, words[:, :2], words[:, 1:4]]
    padded, mask = _padded(texts, 6, 5, fill=50.0)  # masked columns hold large garbage
    flat = regions.reshape(2, 6, 9)
    for b in range(2):
        scores, cos, attn = graph(padded, mask, flat[b : b + 1])  # Kw = 3, Kr = 1
        for i, w in enumerate(texts):
            ref_score, ref_cos, ref_attn = sim.local_pair(w, regions[b : b + 1])
            L = w.shape[1]
            assert scores[i].item() == pytest.approx(ref_score[0].item(), abs=1e-5)
            assert torch.allclose(cos[i, :L], ref_cos[0], atol=1e-6)
            assert torch.all(cos[i, L:] == 0)
            assert torch.allclose(attn[i, :L], ref_attn[0].reshape(L, 9), atol=1e-6)
            assert torch.all(attn[i, L:] == 0)
    scores, _, attn = graph(words.unsqueeze(0), torch.ones(1, 5), flat)  # Kw = 1, Kr = 2
    ref_score, _, ref_attn = sim.local_pair(words, regions)
    assert torch.allclose(scores, ref_score, atol=1e-5)
    assert attn.shape == (2, 5, 9)


def test_graph_scores_zero_when_every_column_is_masked(data):
    words, regions = data
    scores, cos, attn = LocalSimilarityGraph(4.0, 5.0)(words.unsqueeze(0), torch.zeros(1, 5), regions.reshape(2, 6, 9))
    assert torch.all(scores == 0) and torch.all(cos == 0) and torch.all(attn == 0)
    assert torch.isfinite(scores).all()


def test_local_similarity_matrix_uses_mode_slicing(data):
    words, regions = data
    word_emb = torch.zeros(2, 6, 97)
    word_emb[:, :, 1:6] = words
    raws = ["abc", "abcdefgh"]
    ref = sim.local_similarity(regions, word_emb, raws, [2, 2], sim.REFERENCE)
    wrd = sim.local_similarity(regions, word_emb, raws, [2, 2], sim.WORDS)
    assert ref.shape == (2, 2)
    expected = sim.local_pair(word_emb[1, :, 1:9], regions)[0]
    assert np.allclose(ref[:, 1], expected.numpy(), atol=1e-6)
    assert np.allclose(wrd[:, 0], wrd[:, 1])  # same two words, different raw lengths
