"""Pure-Python BERT WordPiece tokenizer (gloria-numerics §3.2): the golden source for token ids.

Behaves like the Bio_ClinicalBERT tokenizer GLoRIA loads with default settings: BasicTokenizer with
lower-casing and accent stripping (do_lower_case = True), punctuation (ASCII symbols, including "_",
and every Unicode P* character) split into single tokens, CJK characters isolated, then greedy
longest-match-first WordPiece with the "##" continuation prefix and 100 characters per word at most.
``encode`` truncates to max_length including [CLS] and [SEP], then pads with [PAD].
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Sequence

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)
MAX_CHARS_PER_WORD = 100


def load_vocab(path: str) -> List[str]:
    """One token per line; the line number is the id."""
    with open(path, "r", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def _is_whitespace(ch: str) -> bool:
    return ch in (" ", "\t", "\n", "\r") or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_tokenize(text: str, lowercase: bool = True) -> List[str]:
    """Clean, isolate CJK, split on whitespace, lower-case + strip accents, split punctuation."""
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        cleaned.append(" " if _is_whitespace(ch) else ch)
    spaced = []
    for ch in cleaned:
        spaced.append(f" {ch} " if _is_cjk(ord(ch)) else ch)
    out: List[str] = []
    for token in "".join(spaced).split():
        if lowercase:
            token = token.lower()
            token = "".join(c for c in unicodedata.normalize("NFD", token) if unicodedata.category(c) != "Mn")
        current = ""
        for ch in token:
            if _is_punctuation(ch):
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


def wordpiece(word: str, vocab: Dict[str, int]) -> List[str]:
    """Greedy longest-match-first; a word with any unmatched remainder becomes a single [UNK]."""
    chars = list(word)
    if len(chars) > MAX_CHARS_PER_WORD:
        return [UNK]
    pieces: List[str] = []
    start = 0
    while start < len(chars):
        end = len(chars)
        found = None
        while start < end:
            sub = "".join(chars[start:end])
            if start > 0:
                sub = "##" + sub
            if sub in vocab:
                found = sub
                break
            end -= 1
        if found is None:
            return [UNK]
        pieces.append(found)
        start = end
    return pieces


@dataclass
class Encoding:
    input_ids: List[int]
    attention_mask: List[int]
    token_type_ids: List[int]
    tokens: List[str]


class WordPieceTokenizer:
    def __init__(self, vocab: Sequence[str], lowercase: bool = True):
        self.vocab_list = list(vocab)
        self.vocab: Dict[str, int] = {}
        for i, tok in enumerate(self.vocab_list):
            self.vocab.setdefault(tok, i)
        self.lowercase = lowercase
        for tok in SPECIAL_TOKENS[:4]:
            if tok not in self.vocab:
                raise ValueError(f"vocab has no {tok}")

    @classmethod
    def from_file(cls, path: str, lowercase: bool = True) -> "WordPieceTokenizer":
        return cls(load_vocab(path), lowercase)

    def id(self, token: str) -> int:
        return self.vocab[token]

    def tokenize(self, text: str) -> List[str]:
        """Word pieces of ``text`` without special tokens. Special-token strings inside the text are
        kept whole, as the Hugging Face tokenizers do."""
        out: List[str] = []
        for segment in _split_specials(text):
            if segment in SPECIAL_TOKENS and segment in self.vocab:
                out.append(segment)
                continue
            for word in basic_tokenize(segment, self.lowercase):
                out.extend(wordpiece(word, self.vocab))
        return out

    def encode(self, text: str, max_length: int = 97) -> Encoding:
        """[CLS] + at most max_length-2 pieces + [SEP], padded with [PAD] to max_length (§3.2)."""
        pieces = self.tokenize(text)[: max_length - 2]
        tokens = [CLS] + pieces + [SEP]
        ids = [self.vocab[t] for t in tokens]
        n = len(ids)
        pad = max_length - n
        return Encoding(
            input_ids=ids + [self.vocab[PAD]] * pad,
            attention_mask=[1] * n + [0] * pad,
            token_type_ids=[0] * max_length,
            tokens=tokens + [PAD] * pad,
        )


def _split_specials(text: str) -> List[str]:
    """Split ``text`` around occurrences of the special-token strings."""
    parts = [text]
    for special in SPECIAL_TOKENS:
        nxt: List[str] = []
        for p in parts:
            if p in SPECIAL_TOKENS:
                nxt.append(p)
                continue
            chunks = p.split(special)
            for i, c in enumerate(chunks):
                if i > 0:
                    nxt.append(special)
                if c:
                    nxt.append(c)
        parts = nxt
    return parts
