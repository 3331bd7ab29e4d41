"""Text side of GLoRIA: cleaning (§3.1), token→word aggregation (§3.4), text embeddings (§3.5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence

import torch

from .tokenizer import SEP, PAD, WordPieceTokenizer

_LIST_MARKER = re.compile(r"[0-9]+\.")
_WORD = re.compile(r"\w+")


def clean_text(raw: str) -> str:
    """``process_text``'s cleaning (§3.1): sentences of ≤1 token vanish, punctuation disappears."""
    text = raw.replace("\n", " ")
    sentences = [s for part in _LIST_MARKER.split(text) for s in part.split(".")]
    kept: List[str] = []
    for sentence in sentences:
        sentence = sentence.replace("\ufffd\ufffd", " ")
        tokens = _WORD.findall(sentence.lower())
        if len(tokens) <= 1:
            continue
        ascii_tokens = [t.encode("ascii", "ignore").decode("ascii") for t in tokens]
        kept.append(" ".join(t for t in ascii_tokens if t))
    return " ".join(kept)


def char_count(raw: str) -> int:
    """``cap_lens`` of the reference (§4.2): its entries are the characters of the raw string that do
    not start with "[", which for ordinary text is Python ``len`` (code points)."""
    return len([c for c in raw if not c.startswith("[")])


def reference_columns(raw: str, max_length: int = 97) -> int:
    """Number of word columns REFERENCE slicing takes: min(char_count, max_length - 1) (§4.2, §10.2)."""
    return min(char_count(raw), max_length - 1)


@dataclass
class TextBatch:
    raw: List[str]
    cleaned: List[str]
    input_ids: torch.Tensor  # [N,T] int64
    attention_mask: torch.Tensor  # [N,T] int64
    token_type_ids: torch.Tensor  # [N,T] int64
    tokens: List[List[str]]  # vocab strings of input_ids
    char_counts: List[int]


def prepare_texts(raws: Sequence[str], tokenizer: WordPieceTokenizer, max_length: int = 97) -> TextBatch:
    cleaned = [clean_text(r) for r in raws]
    encs = [tokenizer.encode(c, max_length) for c in cleaned]
    return TextBatch(
        raw=list(raws),
        cleaned=cleaned,
        input_ids=torch.tensor([e.input_ids for e in encs], dtype=torch.int64),
        attention_mask=torch.tensor([e.attention_mask for e in encs], dtype=torch.int64),
        token_type_ids=torch.tensor([e.token_type_ids for e in encs], dtype=torch.int64),
        tokens=[[tokenizer.vocab_list[i] for i in e.input_ids] for e in encs],
        char_counts=[char_count(r) for r in raws],
    )


def aggregate_tokens(token_embeddings: torch.Tensor, tokens: List[List[str]]):
    """``aggregate_tokens`` (§3.4) on [N,T,D] (or [N,layers,T,D] summed beforehand — the sums commute).

    Returns (words [N,T,D], word strings per text padded with "[PAD]"). Slot 0 = [CLS], then one slot
    per word (the sum of its pieces), then [SEP], then zeros.
    """
    n, t, d = token_embeddings.shape
    out = torch.zeros_like(token_embeddings)
    all_words: List[List[str]] = []
    for i in range(n):
        slots: List[torch.Tensor] = []
        words: List[str] = []
        bank: List[torch.Tensor] = []
        bank_words: List[str] = []
        for j in range(t):
            tok = tokens[i][j]
            emb = token_embeddings[i, j]
            if tok == SEP:
                slots.append(torch.stack(bank).sum(0))
                words.append("".join(bank_words))
                slots.append(emb)
                words.append(tok)
                break
            if not tok.startswith("##"):
                if bank:
                    slots.append(torch.stack(bank).sum(0))
                    words.append("".join(bank_words))
                bank = [emb]
                bank_words = [tok]
            else:
                bank.append(emb)
                bank_words.append(tok[2:])
        out[i, : len(slots)] = torch.stack(slots)
        all_words.append(words + [PAD] * (t - len(words)))
    return out, all_words


def text_embeddings(hidden_states: List[torch.Tensor], tokens: List[List[str]], last_n_layers: int):
    """Word embeddings [N,D,T] and sentence embeddings [N,D] (§3.5) from BERT's hidden states.

    Follows the reference order: aggregate each of the last n layers, mean over all T slots (zeros
    included, so it divides by T), then sum over the layers.
    """
    layers = torch.stack(hidden_states[-last_n_layers:], dim=1)  # [N,Ln,T,D]
    n, ln, t, d = layers.shape
    agg, words = aggregate_tokens(layers.permute(0, 2, 1, 3).reshape(n, t, ln * d), tokens)
    agg = agg.view(n, t, ln, d).permute(0, 2, 1, 3)  # [N,Ln,T,D]
    sentence = agg.mean(dim=2).sum(dim=1)
    word = agg.sum(dim=1).permute(0, 2, 1).contiguous()
    return word, sentence, words


def token_embeddings(hidden_states: List[torch.Tensor], last_n_layers: int) -> torch.Tensor:
    """What text_encoder.onnx returns: per token, the sum of the last n hidden states [N,T,D]."""
    return torch.stack(hidden_states[-last_n_layers:], dim=0).sum(0)


def n_words(words: List[str]) -> int:
    """Words between [CLS] and [SEP] in an aggregated word list."""
    return words.index(SEP) - 1
