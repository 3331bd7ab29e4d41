"""The three ONNX graphs of docs/model-contract.md, exported with torch.onnx at opset 17.

- image_encoder.onnx: pixel_values [B,3,S,S] → global [B,D], local [B,D,h,w], pooled [B,P] (layer4
  average-pooled before the global projection; resize inside, §1).
- text_encoder.onnx: input_ids, attention_mask, token_type_ids [N,T] int64 → token_embeddings
  [N,T,D], the sum of the last n hidden states (§3.3). Aggregation and the sentence embedding stay
  outside the graph (§3.4, §3.5).
- local_similarity.onnx: words [Kw,D,L], word_mask [Kw,L] float32, regions [Kr,D,M] → scores [K],
  word_cosines [K,L], attention [K,L,M] (§4.2), with Kw and Kr each 1 or K.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from gloria_ref.config import GloriaConfig
from gloria_ref.image import AlignCornersResize
from gloria_ref.model import GloriaModel

OPSET = 17
# A finite stand-in for -inf: exp() of it underflows to 0, and a row with every column masked stays
# finite (its result is then zeroed by the mask) instead of turning into NaN.
_MASKED = 1e30


class ImageGraph(nn.Module):
    def __init__(self, model: GloriaModel):
        super().__init__()
        self.enc = model.img_encoder
        cfg = model.cfg.image
        self.resize = AlignCornersResize(cfg.crop, cfg.input_resize) if cfg.input_resize is not None else None

    def forward(self, pixel_values):
        pooled, local = self.enc.features(pixel_values, self.resize)
        return self.enc.global_embedder(pooled), self.enc.local_embedder(local), pooled


class TextGraph(nn.Module):
    def __init__(self, model: GloriaModel):
        super().__init__()
        self.bert = model.text_encoder.model
        self.last_n = model.cfg.text.last_n_layers
        self.hidden = model.cfg.text.hidden

    def forward(self, input_ids, attention_mask, token_type_ids):
        states = self.bert.hidden_states(input_ids, attention_mask, token_type_ids)
        out = states[-self.last_n]
        for s in states[len(states) - self.last_n + 1 :]:
            out = out + s
        # The reshape states D in the graph's output type (shape inference loses it after the sum).
        return out.reshape(input_ids.shape[0], input_ids.shape[1], self.hidden)


class LocalSimilarityGraph(nn.Module):
    """GLoRIA's word-region attention similarity (§4.2) over K pairs, with a column mask.

    S = regionsᵀ·words (raw dot products); A1 = softmax over the unmasked words of each region;
    A2 = softmax over regions of temp1·A1 for each word; c_j = Σ_r A2[j,r]·v_r;
    cos_j = w_j·c_j / max(‖w_j‖‖c_j‖, 1e-8); score = temp2 · max over unmasked j of cos_j.
    Masked columns give cosine 0 and attention 0; a pair with no unmasked column scores 0.
    """

    def __init__(self, temp1: float, temp2: float):
        super().__init__()
        self.temp1 = float(temp1)
        self.temp2 = float(temp2)

    def forward(self, words, word_mask, regions):
        mask3 = word_mask.unsqueeze(1)  # [Kw,1,L]
        s = torch.matmul(regions.transpose(1, 2), words)  # [K,M,L]
        s = s + (mask3 - 1.0) * _MASKED
        e = torch.exp(s - s.amax(dim=2, keepdim=True)) * mask3
        a1 = e / e.sum(dim=2, keepdim=True).clamp(min=1e-30)  # softmax over words
        a2 = torch.softmax(a1 * self.temp1, dim=1)  # softmax over regions, [K,M,L]
        context = torch.matmul(regions, a2)  # [K,D,L]
        dot = (words * context).sum(dim=1)  # [K,L]
        norms = (words * words).sum(dim=1).sqrt() * (context * context).sum(dim=1).sqrt()
        cos = dot / norms.clamp(min=1e-8) * word_mask
        best = (cos + (word_mask - 1.0) * _MASKED).amax(dim=1)
        any_col = word_mask.amax(dim=1) > 0
        scores = torch.where(any_col, best * self.temp2, torch.zeros_like(best))
        attention = a2.transpose(1, 2) * word_mask.unsqueeze(2)  # [K,L,M]
        return scores, cos, attention


def export_image(model: GloriaModel, path: str) -> None:
    s = model.cfg.image.crop
    x = torch.zeros(1, 3, s, s)
    torch.onnx.export(
        ImageGraph(model).eval(),
        (x,),
        path,
        opset_version=OPSET,
        input_names=["pixel_values"],
        output_names=["global", "local", "pooled"],
        dynamic_axes={"pixel_values": {0: "batch"}, "global": {0: "batch"}, "local": {0: "batch"}, "pooled": {0: "batch"}},
        do_constant_folding=True,
    )


def export_text(model: GloriaModel, path: str) -> None:
    # A short trace input keeps tracing cheap (it runs on plain BLAS); both axes stay dynamic.
    t = 12
    ids = torch.zeros(1, t, dtype=torch.int64)
    ids[:, 0] = 101 if model.cfg.text.vocab_size > 101 else 1
    mask = torch.zeros(1, t, dtype=torch.int64)
    mask[:, :3] = 1
    types = torch.zeros(1, t, dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(
        TextGraph(model).eval(),
        (ids, mask, types),
        path,
        opset_version=OPSET,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["token_embeddings"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "token_embeddings": axes},
        do_constant_folding=True,
    )


def export_local_similarity(cfg: GloriaConfig, path: str) -> None:
    d = cfg.embedding_dim
    h, w = cfg.image.grid()
    words = torch.randn(1, d, 5)
    mask = torch.ones(1, 5)
    regions = torch.randn(3, d, h * w)
    torch.onnx.export(
        LocalSimilarityGraph(cfg.similarity.temp1, cfg.similarity.temp2).eval(),
        (words, mask, regions),
        path,
        opset_version=OPSET,
        input_names=["words", "word_mask", "regions"],
        output_names=["scores", "word_cosines", "attention"],
        dynamic_axes={
            "words": {0: "word_batch", 2: "columns"},
            "word_mask": {0: "word_batch", 1: "columns"},
            "regions": {0: "region_batch", 2: "regions"},
            "scores": {0: "pairs"},
            "word_cosines": {0: "pairs", 1: "columns"},
            "attention": {0: "pairs", 1: "columns", 2: "regions"},
        },
        do_constant_folding=True,
    )
