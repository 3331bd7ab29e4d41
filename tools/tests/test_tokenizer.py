"""The reference WordPiece tokenizer (gloria-numerics §3.2) on the edge cases the runtime must match."""

import pytest

from gloria_goldens.synthetic import build_vocab
from gloria_ref.tokenizer import WordPieceTokenizer, basic_tokenize, wordpiece


@pytest.fixture(scope="module")
def tok():
    return WordPieceTokenizer(build_vocab())


def test_basic_tokenizer_lowercases_strips_accents_and_splits_punctuation():
    assert basic_tokenize("Pleural Effusión, LEFT-side") == ["pleural", "effusion", ",", "left", "-", "side"]


def test_underscore_is_punctuation():
    assert basic_tokenize("left_lower__lobe") == ["left", "_", "lower", "_", "_", "lobe"]


def test_cjk_characters_are_isolated_and_controls_removed():
    assert basic_tokenize("肺x\u0000y\ufffdz\u200b") == ["肺", "xyz"]


def test_greedy_longest_match_with_continuation_pieces(tok):
    assert tok.tokenize("subsegmental bandlike") == ["sub", "##segment", "##al", "band", "##like"]
    assert tok.tokenize("atelectasis cardiomegaly") == ["ate", "##lect", "##asis", "cardio", "##mega", "##ly"]


def test_word_with_unmatched_remainder_is_one_unk(tok):
    # "é" is stripped to "e"; "肺" has no entry; a 101-character word exceeds the per-word limit.
    assert tok.tokenize("肺") == ["[UNK]"]
    assert wordpiece("a" * 101, tok.vocab) == ["[UNK]"]
    assert wordpiece("a" * 100, tok.vocab) != ["[UNK]"]


def test_encode_layout_special_ids_and_padding(tok):
    enc = tok.encode("mild pulmonary edema")
    assert enc.input_ids[0] == 101
    n = sum(enc.attention_mask)
    assert enc.input_ids[n - 1] == 102
    assert enc.input_ids[n:] == [0] * (97 - n)
    assert enc.tokens[:n] == ["[CLS]", "mild", "pulmonary", "edema", "[SEP]"]
    assert enc.token_type_ids == [0] * 97
    assert len(enc.input_ids) == 97


def test_empty_text_is_cls_sep(tok):
    enc = tok.encode("")
    assert enc.input_ids[:3] == [101, 102, 0]
    assert sum(enc.attention_mask) == 2


def test_truncation_keeps_95_pieces_then_sep(tok):
    enc = tok.encode("mild " * 200)
    assert sum(enc.attention_mask) == 97
    assert enc.input_ids[0] == 101 and enc.input_ids[96] == 102
    assert enc.tokens[1:96] == ["mild"] * 95


def test_special_token_strings_stay_whole(tok):
    assert tok.tokenize("edema [SEP] mild") == ["edema", "[SEP]", "mild"]
