"""GLoRIA similarities (gloria-numerics §4): global cosine, local word-region attention, combined.

Two column selections for the local score (§4.2, §10.2):
- REFERENCE: columns 1..min(character count of the raw text, 96) of the 97 word slots — the words,
  then [SEP], then zero columns, as the published code slices them.
- WORDS: columns 1..n, the words only.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np
import torch

REFERENCE = "REFERENCE"
WORDS = "WORDS"


def global_similarity(img_g: np.ndarray, txt_g: np.ndarray) -> np.ndarray:
    """scikit-learn ``cosine_similarity`` in float32 (§4.1): rows L2-normalised, zero rows stay 0."""
    a = np.asarray(img_g, dtype=np.float32)
    b = np.asarray(txt_g, dtype=np.float32)

    def normalise(x: np.ndarray) -> np.ndarray:
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))
        norms[norms == 0.0] = 1.0
        return x / norms[:, None]

    return normalise(a) @ normalise(b).T


def attention_fn(query: torch.Tensor, context: torch.Tensor, temp1: float):
    """The reference's double softmax (§4.2). query [B,D,L], context [B,D,h,w].

    Returns the weighted context [B,D,L] and the attention [B,L,h,w].
    """
    b, _, l = query.shape
    ih, iw = context.shape[2], context.shape[3]
    m = ih * iw
    ctx = context.reshape(b, -1, m)
    attn = torch.bmm(ctx.transpose(1, 2), query)  # [B,M,L] raw dot products
    attn = torch.softmax(attn.reshape(b * m, l), dim=-1).reshape(b, m, l)  # over words
    attn = attn.transpose(1, 2).reshape(b * l, m) * temp1
    attn = torch.softmax(attn, dim=-1).reshape(b, l, m)  # over regions
    weighted = torch.bmm(ctx, attn.transpose(1, 2))  # [B,D,L]
    return weighted, attn.reshape(b, l, ih, iw)


def _cosine(x1: torch.Tensor, x2: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """torch cosine with the product of the norms clamped at eps (§10.10)."""
    w12 = (x1 * x2).sum(1)
    return w12 / (x1.norm(2, dim=1) * x2.norm(2, dim=1)).clamp(min=eps)


def columns(raw: str, n_words: int, mode: str, max_length: int = 97) -> int:
    """Number of word columns (starting at slot 1) a text takes part with."""
    if mode == REFERENCE:
        from .text import reference_columns

        return reference_columns(raw, max_length)
    if mode == WORDS:
        return n_words
    raise ValueError(f"unknown slicing mode {mode}")


def local_pair(
    words: torch.Tensor, regions: torch.Tensor, temp1: float = 4.0, temp2: float = 5.0
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One text's selected columns against every image, as ``get_local_similarities`` does.

    words [D,L], regions [B,D,h,w] → (scores [B], word cosines [B,L], attention [B,L,h,w]).
    L = 0 (an empty WORDS selection) gives score 0, as the ONNX graph does.
    """
    b = regions.shape[0]
    d, l = words.shape
    if l == 0:
        h, w = regions.shape[2], regions.shape[3]
        return torch.zeros(b), torch.zeros(b, 0), torch.zeros(b, 0, h, w)
    query = words.unsqueeze(0).repeat(b, 1, 1)
    weighted, attn = attention_fn(query, regions, temp1)
    q = query.transpose(1, 2).reshape(b * l, d)
    c = weighted.transpose(1, 2).reshape(b * l, d)
    cos = _cosine(q, c).view(b, l)
    # log(max(exp(temp2·cos))) as the reference writes it; equal to temp2·max(cos) up to rounding.
    score = torch.log(torch.max(torch.exp(cos * temp2), dim=1).values)
    return score, cos, attn


def local_similarity(
    img_l: torch.Tensor,
    word_emb: torch.Tensor,
    raws: Sequence[str],
    n_words: Sequence[int],
    mode: str,
    temp1: float = 4.0,
    temp2: float = 5.0,
) -> np.ndarray:
    """[N_img, N_txt] local scores (§4.2). img_l [B,D,h,w], word_emb [N,D,T]."""
    t = word_emb.shape[2]
    cols: List[torch.Tensor] = []
    for i, raw in enumerate(raws):
        l = columns(raw, n_words[i], mode, t)
        score, _, _ = local_pair(word_emb[i, :, 1 : l + 1], img_l, temp1, temp2)
        cols.append(score)
    return torch.stack(cols, dim=1).numpy().astype(np.float32)


def combined(global_sim: np.ndarray, local_sim: np.ndarray) -> np.ndarray:
    """``get_similarities(..., "both")`` (§4.3): the plain mean of the two matrices."""
    return ((local_sim + global_sim) / 2).astype(np.float32)
