"""The whole GLoRIA model in eval mode, with the checkpoint's module names (gloria-numerics §7).

State-dict keys are those of the checkpoint after the loader strips everything up to the last
"gloria.": ``img_encoder.model.*``, ``img_encoder.global_embedder.*``, ``img_encoder.local_embedder.*``,
``text_encoder.model.*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

import numpy as np
import torch
import torch.nn as nn

from . import similarity as sim
from . import text as txt
from .bert import BertModel
from .config import GloriaConfig
from .image import ImageEncoder
from .tokenizer import WordPieceTokenizer


class TextEncoder(nn.Module):
    def __init__(self, cfg: GloriaConfig):
        super().__init__()
        self.model = BertModel(cfg.text)


@dataclass
class TextOutputs:
    batch: txt.TextBatch
    token_embeddings: torch.Tensor  # [N,T,D] (text_encoder.onnx output)
    word_embeddings: torch.Tensor  # [N,D,T] (§3.5)
    sentence_embeddings: torch.Tensor  # [N,D]
    words: List[List[str]]  # aggregated words per text, "[PAD]"-padded to T

    @property
    def n_words(self) -> List[int]:
        return [txt.n_words(w) for w in self.words]


class GloriaModel(nn.Module):
    def __init__(self, cfg: GloriaConfig):
        super().__init__()
        self.cfg = cfg
        self.img_encoder = ImageEncoder(cfg.image, cfg.embedding_dim)
        self.text_encoder = TextEncoder(cfg)
        self.eval()

    @torch.no_grad()
    def encode_images(self, pixel_values: torch.Tensor):
        """[B,3,S,S] → (global [B,D], local [B,D,h,w])."""
        return self.img_encoder(pixel_values)

    @torch.no_grad()
    def encode_texts(self, raws: Sequence[str], tokenizer: WordPieceTokenizer) -> TextOutputs:
        batch = txt.prepare_texts(raws, tokenizer, self.cfg.text.max_length)
        states = self.text_encoder.model.hidden_states(batch.input_ids, batch.attention_mask, batch.token_type_ids)
        n = self.cfg.text.last_n_layers
        word, sentence, words = txt.text_embeddings(states, batch.tokens, n)
        return TextOutputs(batch, txt.token_embeddings(states, n), word, sentence, words)

    @torch.no_grad()
    def similarities(self, img_g, img_l, text: TextOutputs, mode: str):
        """(global, local, combined) [N_img, N_txt] float32 matrices (§4)."""
        g = sim.global_similarity(img_g.numpy(), text.sentence_embeddings.numpy())
        loc = sim.local_similarity(
            img_l,
            text.word_embeddings,
            text.batch.raw,
            text.n_words,
            mode,
            self.cfg.similarity.temp1,
            self.cfg.similarity.temp2,
        )
        return g, loc, sim.combined(g, loc)


def load_state_dict(model: GloriaModel, state: dict) -> None:
    """Strict load; the saved ``position_ids`` buffer is dropped first (§7)."""
    state = {k: v for k, v in state.items() if not k.endswith("position_ids")}
    model.load_state_dict(state, strict=True)
    model.eval()


def numpy_f32(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)
