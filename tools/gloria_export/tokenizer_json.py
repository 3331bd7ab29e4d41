"""Writes a BERT WordPiece tokenizer in the Hugging Face ``tokenizer.json`` format (gloria-numerics §3.2).

Settings mirror the tokenizer GLoRIA loads: BertNormalizer with lower-casing (accents stripped, as
lower-casing implies), BertPreTokenizer, WordPiece with "##" and 100 characters per word, the
template [CLS] $A [SEP], right truncation and padding to max_length. Loaders that do not apply the
padding and truncation sections (tokenizers.js) must pad and truncate themselves.
"""

from __future__ import annotations

import json
from typing import Dict, List, Sequence

from gloria_ref.tokenizer import MAX_CHARS_PER_WORD, SPECIAL_TOKENS


def tokenizer_json(vocab: Sequence[str], max_length: int = 97, lowercase: bool = True) -> Dict:
    ids: Dict[str, int] = {}
    for i, tok in enumerate(vocab):
        ids.setdefault(tok, i)
    added: List[Dict] = [
        {
            "id": ids[tok],
            "content": tok,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for tok in SPECIAL_TOKENS
        if tok in ids
    ]
    added.sort(key=lambda a: a["id"])
    cls, sep, pad = ids["[CLS]"], ids["[SEP]"], ids["[PAD]"]
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": {
            "strategy": {"Fixed": max_length},
            "direction": "Right",
            "pad_to_multiple_of": None,
            "pad_id": pad,
            "pad_type_id": 0,
            "pad_token": "[PAD]",
        },
        "added_tokens": added,
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": lowercase,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": MAX_CHARS_PER_WORD,
            "vocab": ids,
        },
    }


def write_tokenizer_json(path: str, vocab: Sequence[str], max_length: int = 97, lowercase: bool = True) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, max_length, lowercase), f, ensure_ascii=False, indent=1)
        f.write("\n")
