"""Report cleaning (§3.1), character counts (§4.2), aggregation (§3.4) and text embeddings (§3.5)."""

import torch

from gloria_goldens.synthetic import build_vocab
from gloria_ref.text import aggregate_tokens, char_count, clean_text, reference_columns, text_embeddings
from gloria_ref.tokenizer import WordPieceTokenizer
from gloria_ref.zeroshot import CHEXPERT_PROMPTS


def test_one_word_text_cleans_to_empty():
    assert clean_text("cardiomegaly") == ""
    assert clean_text("Cardiomegaly.") == ""


def test_punctuation_vanishes_and_sentences_join():
    assert clean_text("Mild edema. No effusion!") == "mild edema no effusion"


def test_short_sentences_are_dropped():
    assert clean_text("Stable. Small left effusion. Unchanged.") == "small left effusion"


def test_numbered_list_markers_and_decimals_split():
    assert clean_text("1. Mild edema\n2. Nodule of 2.5 cm") == "mild edema nodule of 5 cm"


def test_non_ascii_is_stripped_after_tokenizing():
    assert clean_text("Pleural effusión noted") == "pleural effusin noted"
    assert clean_text("肺 opacity seen") == "opacity seen"


def test_underscore_survives_cleaning():
    assert clean_text("left_lower lobe") == "left_lower lobe"


def test_replacement_character_pair_is_a_space():
    assert clean_text("mild\ufffd\ufffdedema") == "mild edema"


def test_prompt_character_counts_match_spec_table():
    # gloria-numerics §5 table, in order.
    expected = {
        "Atelectasis": [50, 54, 39, 43, 51],
        "Cardiomegaly": [59, 51, 39, 37, 85],
        "Consolidation": [59, 52, 57, 53, 55],
        "Edema": [17, 44, 26, 25, 21],
        "Pleural Effusion": [43, 38, 39, 43, 32],
    }
    got = {c: [char_count(p) for p in ps] for c, ps in CHEXPERT_PROMPTS.items()}
    assert got == expected


def test_reference_columns_count_code_points_and_clamp_at_96():
    assert reference_columns("x" * 200) == 96
    assert reference_columns("") == 0
    assert reference_columns("é肺🙂") == 3  # code points, not UTF-16 units
    # The reference counts characters that do not start with "[" (its cap_lens expression).
    assert char_count("a[b") == 2


def test_aggregation_layout_sums_pieces_and_pads_with_zeros():
    tokens = [["[CLS]", "sub", "##segment", "##al", "edema", "[SEP]", "[PAD]", "[PAD]"]]
    emb = torch.arange(8, dtype=torch.float32).view(1, 8, 1).repeat(1, 1, 2) + 1
    words, strings = aggregate_tokens(emb, tokens)
    assert strings[0] == ["[CLS]", "subsegmental", "edema", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"]
    assert words[0, :, 0].tolist() == [1, 2 + 3 + 4, 5, 6, 0, 0, 0, 0]


def test_sentence_embedding_is_sum_of_real_tokens_over_97():
    tok = WordPieceTokenizer(build_vocab())
    enc = tok.encode("mild subsegmental atelectasis")
    tokens = [enc.tokens]
    t = 97
    torch.manual_seed(0)
    states = [torch.randn(1, t, 3) for _ in range(5)]
    word, sentence, words = text_embeddings(states, tokens, 4)
    n_real = sum(enc.attention_mask)
    expected = sum(s[0, :n_real].sum(0) for s in states[-4:]) / t
    assert torch.allclose(sentence[0], expected, atol=1e-6)
    assert word.shape == (1, 3, t)
    assert words[0][:6] == ["[CLS]", "mild", "subsegmental", "atelectasis", "[SEP]", "[PAD]"]
    # Slot 2 is the sum over the last 4 layers of the three pieces of "subsegmental".
    piece = sum(s[0, 2:5].sum(0) for s in states[-4:])
    assert torch.allclose(word[0, :, 2], piece, atol=1e-6)
    assert torch.all(word[0, :, 5:] == 0)
