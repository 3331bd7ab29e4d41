"""Differentiable GLoRIA text and image encoding for training (gloria-numerics §1, §3.1-§3.5).

The reference package (tools/gloria_ref) computes the same numbers without gradients and with a
per-token Python loop; here the word aggregation of §3.4 is a scatter-add over precomputed word slots,
so a batch of reports is one tensor operation. Reports are cleaned once and kept as tokenized
sentences, so the sentence-order augmentation of training needs no re-tokenizing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np
import torch

from gloria_ref.model import GloriaModel
from gloria_ref.text import clean_text
from gloria_ref.tokenizer import CLS, PAD, SEP, WordPieceTokenizer

_LIST_MARKER = re.compile(r"[0-9]+\.")
# Side words of the phantom reports; they always name the patient's side (docs/phantoms.md).
SIDE_WORDS = {"left": 1, "right": -1}


def report_sentences(raw: str) -> List[str]:
    """The cleaned sentences of a report; joined with spaces they equal clean_text(raw) (§3.1)."""
    out: List[str] = []
    for part in _LIST_MARKER.split(raw.replace("\n", " ")):
        for piece in part.split("."):
            cleaned = clean_text(piece)
            if cleaned:
                out.append(cleaned)
    return out


@dataclass
class TokenizedReport:
    sentences: List[List[str]]  # word pieces per cleaned sentence

    def pieces(self, order: Sequence[int] | None = None) -> List[str]:
        idx = range(len(self.sentences)) if order is None else order
        return [p for i in idx for p in self.sentences[i]]

    def sides(self, order: Sequence[int] | None = None) -> List[int]:
        """Per piece: +1 for the word "left", −1 for "right", else 0. The phantom reports use them
        only for the patient's side of a finding (docs/phantoms.md)."""
        return [SIDE_WORDS.get(p, 0) for p in self.pieces(order)]


def tokenize_report(raw: str, tokenizer: WordPieceTokenizer) -> TokenizedReport:
    return TokenizedReport([tokenizer.tokenize(s) for s in report_sentences(raw)])


@dataclass
class TokenBatch:
    input_ids: torch.Tensor  # [N,T] int64
    attention_mask: torch.Tensor  # [N,T] int64
    token_type_ids: torch.Tensor  # [N,T] int64
    slots: torch.Tensor  # [N,T] int64: word slot of each token (§3.4); T for padding
    n_words: List[int]  # words between [CLS] and [SEP]
    side_slots: torch.Tensor  # [N,T] int64: per word slot, its side sign (TokenizedReport.sides)


def word_slots(tokens: Sequence[str]) -> List[int]:
    """§3.4 for one token list: [CLS] is slot 0, each non-"##" piece opens a slot, "##" pieces join
    the open slot, [SEP] takes its own slot; positions after [SEP] get -1."""
    slots: List[int] = []
    current = -1
    done = False
    for tok in tokens:
        if done:
            slots.append(-1)
            continue
        if tok == SEP:
            current += 1
            slots.append(current)
            done = True
            continue
        if not tok.startswith("##") or current < 0:
            current += 1
        slots.append(current)
    return slots


def make_batch(
    piece_lists: Sequence[Sequence[str]],
    tokenizer: WordPieceTokenizer,
    max_length: int,
    piece_sides: Sequence[Sequence[int]] | None = None,
) -> TokenBatch:
    """[CLS] + at most max_length-2 pieces + [SEP] + [PAD]… (§3.2), with each token's word slot and,
    from ``piece_sides`` (default: none), each word slot's side."""
    ids, masks, slots, n_words, sides = [], [], [], [], []
    for k, pieces in enumerate(piece_lists):
        tokens = [CLS] + list(pieces[: max_length - 2]) + [SEP]
        pad = max_length - len(tokens)
        s = word_slots(tokens)
        side = [0] * max_length
        if piece_sides is not None:
            for j, sign in enumerate(piece_sides[k][: max_length - 2]):
                side[s[j + 1]] = sign  # token j+1 is piece j (after [CLS])
        sides.append(side)
        ids.append([tokenizer.vocab[t] for t in tokens] + [tokenizer.vocab[PAD]] * pad)
        masks.append([1] * len(tokens) + [0] * pad)
        slots.append([x if x >= 0 else max_length for x in s] + [max_length] * pad)
        n_words.append(max(s) - 1)
    return TokenBatch(
        input_ids=torch.tensor(ids, dtype=torch.int64),
        attention_mask=torch.tensor(masks, dtype=torch.int64),
        token_type_ids=torch.zeros(len(ids), max_length, dtype=torch.int64),
        slots=torch.tensor(slots, dtype=torch.int64),
        n_words=n_words,
        side_slots=torch.tensor(sides, dtype=torch.int64),
    )


def encode_text(model: GloriaModel, batch: TokenBatch):
    """(word embeddings [N,D,T], sentence embeddings [N,D]) as §3.4-§3.5, with gradients.

    BERT runs on the longest real length of the batch only: its additive mask (−10000) makes the
    padded positions' contribution exactly 0 in float32, so the real tokens' states are unchanged.
    """
    cfg = model.cfg.text
    t = batch.input_ids.shape[1]
    used = int(batch.attention_mask.sum(1).max())
    ids, mask, types = (x[:, :used] for x in (batch.input_ids, batch.attention_mask, batch.token_type_ids))
    states = model.text_encoder.model.hidden_states(ids, mask, types)
    tok = torch.stack(states[-cfg.last_n_layers :], dim=0).sum(0)  # [N,used,D]
    n, _, d = tok.shape
    slots = batch.slots[:, :used]
    words = torch.zeros(n, t + 1, d, dtype=tok.dtype)
    words = words.scatter_add(1, slots.unsqueeze(2).expand(n, used, d), tok)[:, :t]
    real = (slots < t).to(tok.dtype).unsqueeze(2)
    # §3.5: the mean over all T slots (zeros included) summed over layers = Σ real tokens / T.
    sentence = (tok * real).sum(1) / t
    return words.transpose(1, 2), sentence


def to_pixels(u8: np.ndarray) -> torch.Tensor:
    """uint8 [B,S,S] grey → [B,3,S,S] float32 in [-1,1] (§2.4, §2.6-2.7)."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).to(torch.float32).div(255.0)
    x = (x - 0.5) / 0.5
    return x.unsqueeze(1).expand(-1, 3, -1, -1).contiguous()
