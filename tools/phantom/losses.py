"""GLoRIA's pretraining losses (gloria-numerics §4.4), batched over every image-report pair.

- Local: for report i and image b, the word-region attention of §4.2 (double softmax, attention
  temperature temp1) over the columns [0:n_i+1] of report i (CLS + words, no SEP, no padding), then
  score = log Σ_j exp(temp2·cos_j), scaled by temp3; cross-entropy over images and over reports.
- Global: temp3 · cosine (norms' product clamped at 1e-8); cross-entropy in both directions.
The published code loops over reports with exactly n_i+1 columns each; padding the columns and
masking them out of both the word softmax and the sum gives the same numbers.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import torch
import torch.nn.functional as F

from gloria_ref.similarity import attention_fn

from . import fastops


def word_cosines(
    img_l: torch.Tensor,
    words: torch.Tensor,
    counts: Sequence[int],
    start: int = 0,
    temp1: float = 4.0,
):
    """(cos [B_img, N_txt, L], attention A2 [B_img, M, N_txt, L], column mask [N_txt, L]) of the
    word-region attention of §4.2 for the columns [start : start + counts[i]] of each text i; the
    other columns are masked out of the word softmax and get cos = −inf.

    The word context c_j = Σ_r A2[j,r]·v_r is never formed: w_j·c_j = Σ_r A2[j,r]·S[r,j] and
    ‖c_j‖² = A2[j]ᵀ·G·A2[j] with the regions' Gram matrix G, which is cheaper for M < D and equal
    up to rounding.
    """
    b, d = img_l.shape[:2]
    regions = img_l.reshape(b, d, -1)  # [B,D,M]
    m = regions.shape[2]
    lmax = max(counts)
    w = words[:, :, start : start + lmax]  # [N,D,L]
    n = w.shape[0]
    mask = torch.zeros(n, lmax, dtype=torch.bool)
    for i, c in enumerate(counts):
        mask[i, :c] = True
    # Raw dot products S[b,r,n,l] = v_{b,r} · w_{n,l} as one [B·M, D] × [D, N·L] product.
    s = fastops.mm(regions.transpose(1, 2).reshape(b * m, d), w.transpose(0, 1).reshape(d, n * lmax))
    s = s.view(b, m, n, lmax).masked_fill(~mask[None, None], float("-inf"))
    a1 = torch.softmax(s, dim=3)  # over words, per region
    a2 = torch.softmax(a1 * temp1, dim=1)  # over regions, per word
    dot = (a2 * s.masked_fill(~mask[None, None], 0.0)).sum(1)  # [B,N,L]
    gram = torch.bmm(regions.transpose(1, 2), regions)  # [B,M,M]
    ga2 = fastops.bmm(gram, a2.reshape(b, m, n * lmax)).view(b, m, n, lmax)
    c_norm = (a2 * ga2).sum(1).clamp(min=1e-12).sqrt()  # ‖c‖ [B,N,L]
    w_norm = w.norm(dim=1)  # [N,L]
    cos = dot / (w_norm[None] * c_norm).clamp(min=1e-8)
    cos = cos.masked_fill(~mask[None], float("-inf"))
    return cos, a2, mask


def local_scores(
    img_l: torch.Tensor,
    words: torch.Tensor,
    n_words: Sequence[int],
    temp1: float = 4.0,
    temp2: float = 5.0,
    with_attention: bool = False,
):
    """[B_img, N_txt] local similarities before temp3. img_l [B,D,h,w]; words [N,D,T]. With
    ``with_attention`` also the region attention A2 [B_img, M, N_txt, L] (L = max n+1 columns).
    """
    cos, a2, _ = word_cosines(img_l, words, [n + 1 for n in n_words], 0, temp1)  # §4.4: columns [0:n+1]
    scores = torch.logsumexp(cos * temp2, dim=2)  # log Σ exp(temp2·cos), [B_img, N_txt]
    return (scores, a2) if with_attention else scores


def local_scores_reference(img_l, words, n_words, temp1=4.0, temp2=5.0) -> torch.Tensor:
    """The published loop (one report at a time, exact columns), for tests of local_scores."""
    b = img_l.shape[0]
    out = []
    for i, nw in enumerate(n_words):
        word = words[i, :, : nw + 1].unsqueeze(0).repeat(b, 1, 1)
        weighted, _ = attention_fn(word, img_l, temp1)
        norms = word.norm(dim=1) * weighted.norm(dim=1)
        cos = (word * weighted).sum(1) / norms.clamp(min=1e-8)
        out.append(torch.log(torch.exp(cos * temp2).sum(1)))
    return torch.stack(out, dim=1)


def global_scores(img_g: torch.Tensor, txt_g: torch.Tensor) -> torch.Tensor:
    """[B_img, N_txt] cosines, the product of the norms clamped at 1e-8."""
    dots = img_g @ txt_g.T
    norms = img_g.norm(dim=1, keepdim=True) * txt_g.norm(dim=1, keepdim=True).T
    return dots / norms.clamp(min=1e-8)


def symmetric_ce(scores: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    labels = torch.arange(scores.shape[0])
    return F.cross_entropy(scores, labels), F.cross_entropy(scores.T, labels)


def side_grounding(a2: torch.Tensor, side_slots: torch.Tensor, grid_w: int, images=None) -> torch.Tensor:
    """Mean of −log(attention mass on the correct image half) over the sided words of each report
    with its own image. a2 [B, M, B, L] from local_scores; side_slots [B, ≥L] holds +1 for a word
    about the patient's left (= the image's right half), −1 for the right, else 0.
    """
    b, m, n, lmax = a2.shape
    rows = torch.arange(n)
    images = rows if images is None else images
    own = a2[images, :, rows, :]  # [N,M,L]: report i with its image (image i unless given)
    x = torch.arange(m) % grid_w
    right_half = (x >= grid_w // 2).to(own.dtype)  # [M]
    mass_right = (own * right_half[None, :, None]).sum(1)  # [B,L]
    sides = side_slots[:, :lmax]
    mass = torch.where(sides > 0, mass_right, 1.0 - mass_right)
    picked = mass[sides != 0]
    if picked.numel() == 0:
        return a2.new_zeros(())
    return -torch.log(picked.clamp(min=1e-6)).mean()


def gloria_loss(
    img_g, img_l, txt_g, words, n_words, temp1=4.0, temp2=5.0, temp3=10.0, side_slots=None, side_weight=0.0
):
    """(total, local, global, side): total = the four cross-entropies summed (weights 1, §4), plus
    side_weight × side_grounding when side_slots is given."""
    if side_slots is not None and side_weight > 0:
        loc_scores, a2 = local_scores(img_l, words, n_words, temp1, temp2, with_attention=True)
        side = side_grounding(a2, side_slots, img_l.shape[3])
    else:
        loc_scores = local_scores(img_l, words, n_words, temp1, temp2)
        side = img_l.new_zeros(())
    l0, l1 = symmetric_ce(loc_scores * temp3)
    g0, g1 = symmetric_ce(global_scores(img_g, txt_g) * temp3)
    local = l0 + l1
    glob = g0 + g1
    return local + glob + side_weight * side, local.detach(), glob.detach(), side.detach()


def phrase_loss(
    img_g: torch.Tensor,
    img_l: torch.Tensor,
    phrase_g: torch.Tensor,
    phrase_words: torch.Tensor,
    phrase_n_words: Sequence[int],
    targets: torch.Tensor,
    allowed: torch.Tensor,
    temp1: float = 4.0,
    scale: float = 10.0,
    sharpness: float = 20.0,
    phrase_sides=None,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(local, global) cross-entropy of short sided phrases over images, the retrieval view of the
    model: phrase k must score its own image (index targets[k]) above every image allowed[k]
    marks (hard negatives such as the horizontally flipped own image, whose finding is on the
    other side). The local score follows inference (§4.2): the best word's cosine over the words
    and [SEP] (columns [1 : n+2]), here a smooth maximum with the given sharpness; the global score
    is the cosine. Both are multiplied by ``scale`` before the softmax over images. With
    ``phrase_sides`` (the side slots of the phrases) also the side grounding of each phrase with its
    own image (third value; 0 without).
    """
    cos, a2, _ = word_cosines(img_l, phrase_words, [n + 1 for n in phrase_n_words], 1, temp1)  # [B,K,L]
    smooth_max = torch.logsumexp(cos * sharpness, dim=2) / sharpness  # [B_img, K]
    neg_inf = torch.tensor(float("-inf"))
    loc = torch.where(allowed, smooth_max.T * scale, neg_inf)  # [K, B_img]
    glob = torch.where(allowed, global_scores(img_g, phrase_g).T * scale, neg_inf)
    side = img_l.new_zeros(())
    if phrase_sides is not None:
        side = side_grounding(a2, phrase_sides[:, 1:], img_l.shape[3], targets)  # column 0 is slot 1
    return F.cross_entropy(loc, targets), F.cross_entropy(glob, targets), side
