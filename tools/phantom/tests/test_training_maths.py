"""The batched training maths equal the reference's per-item code (gloria-numerics §3.4-§3.5, §4.4)."""

import numpy as np
import pytest
import torch

from gloria_ref import text as txt
from gloria_ref.config import GloriaConfig, ImageConfig, TextConfig
from gloria_ref.model import GloriaModel
from gloria_ref.tokenizer import WordPieceTokenizer
from phantom import fastops
from phantom.encode import encode_text, make_batch, report_sentences, tokenize_report, word_slots
from phantom.losses import gloria_loss, local_scores, local_scores_reference
from phantom.train import init_model
from phantom.vocab import build_vocab, prompt_words

REPORTS = [
    "PA and lateral views of the chest. Small left pleural effusion. No pneumothorax.",
    "portable ap view of the chest. 1. moderate pulmonary edema. 2. heart size is normal.",
    "the lungs are clear. no atelectasis, focal consolidation or pleural effusion.",
    "mild bibasilar atelectasis. impression: mild bibasilar atelectasis unchanged xyzzyq.",
]


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    vocab = build_vocab(REPORTS[:3])
    tok = WordPieceTokenizer(vocab)
    cfg = GloriaConfig(
        image=ImageConfig(layers=(1, 1, 1, 1), width=8, input_resize=64),
        text=TextConfig(
            vocab_size=len(vocab), hidden=32, layers=2, heads=4, ffn=64, max_positions=128, last_n_layers=3
        ),
    )
    model = GloriaModel(cfg)
    init_model(model, 0)
    model.eval()
    return vocab, tok, model


def test_vocab_layout_and_prompt_words(setup):
    vocab, tok, _ = setup
    assert vocab[0] == "[PAD]" and vocab[100] == "[UNK]" and vocab[101] == "[CLS]" and vocab[102] == "[SEP]"
    for w in prompt_words():
        assert tok.tokenize(w) == [w]  # every prompt word is a whole vocab entry
    assert "[UNK]" not in tok.tokenize("xyzzyq")  # unseen words fall back to characters


def test_sentences_join_to_clean_text():
    for r in REPORTS:
        assert " ".join(report_sentences(r)) == txt.clean_text(r)


def test_side_slots_mark_side_words(setup):
    _, tok, _ = setup
    report = tokenize_report("Small left pleural effusion. No pneumothorax. Left and right effusions.", tok)
    batch = make_batch([report.pieces()], tok, 97, [report.sides()])
    # [CLS] small left pleural effusion | no pneumothorax | left and right effusions [SEP]
    assert batch.side_slots[0, :12].tolist() == [0, 0, 1, 0, 0, 0, 0, 1, 0, -1, 0, 0]
    assert make_batch([report.pieces()], tok, 97).side_slots.abs().sum() == 0


def test_side_grounding_rewards_the_correct_half():
    from phantom.losses import side_grounding

    grid_w = 4
    a2 = torch.zeros(1, 16, 1, 2)
    right = torch.tensor([1.0 if r % grid_w >= 2 else 0.0 for r in range(16)])
    a2[0, :, 0, 1] = right / right.sum()  # column 1 attends to the image's right half only
    sides = torch.tensor([[0, 1]])
    assert side_grounding(a2, sides, grid_w) < 1e-5  # "left" on the image's right: correct
    assert side_grounding(a2, -sides, grid_w) > 10  # "right" there: wrong


def test_word_slots_follow_aggregation():
    assert word_slots(["[CLS]", "a", "##b", "c", "[SEP]", "[PAD]"]) == [0, 1, 1, 2, 3, -1]
    assert word_slots(["[CLS]", "[SEP]"]) == [0, 1]


def test_encode_text_matches_reference(setup):
    _, tok, model = setup
    pieces = [tokenize_report(r, tok).pieces() for r in REPORTS]
    batch = make_batch(pieces, tok, 97)
    with torch.no_grad():
        words, sentence = encode_text(model, batch)
        ref = txt.prepare_texts(REPORTS, tok, 97)
        assert torch.equal(ref.input_ids, batch.input_ids)
        states = model.text_encoder.model.hidden_states(ref.input_ids, ref.attention_mask, ref.token_type_ids)
        rw, rs, rwords = txt.text_embeddings(states, ref.tokens, 3)
    assert batch.n_words == [txt.n_words(w) for w in rwords]
    np.testing.assert_allclose(words.numpy(), rw.numpy(), atol=2e-5)
    np.testing.assert_allclose(sentence.numpy(), rs.numpy(), atol=2e-5)


def test_local_scores_match_reference_loop():
    torch.manual_seed(1)
    img_l = torch.randn(5, 16, 4, 4)
    words = torch.randn(3, 16, 12)
    n_words = [3, 7, 10]
    np.testing.assert_allclose(
        local_scores(img_l, words, n_words).numpy(),
        local_scores_reference(img_l, words, n_words).numpy(),
        rtol=1e-4,
        atol=1e-4,
    )


def test_fast_products_and_gradients():
    torch.manual_seed(2)
    a = torch.randn(6, 9, dtype=torch.float32, requires_grad=True)
    b = torch.randn(9, 4, dtype=torch.float32, requires_grad=True)
    (fastops.mm(a, b) ** 2).sum().backward()
    ga, gb = a.grad.clone(), b.grad.clone()
    a.grad = b.grad = None
    ((a @ b) ** 2).sum().backward()
    np.testing.assert_allclose(ga.numpy(), a.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)
    x = torch.randn(3, 5, 7, requires_grad=True)
    y = torch.randn(3, 7, 2, requires_grad=True)
    (fastops.bmm(x, y) ** 2).sum().backward()
    gx, gy = x.grad.clone(), y.grad.clone()
    x.grad = y.grad = None
    (torch.bmm(x, y) ** 2).sum().backward()
    np.testing.assert_allclose(gx.numpy(), x.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gy.numpy(), y.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_loss_and_gradients_are_finite(setup):
    _, tok, model = setup
    reports = [tokenize_report(r, tok) for r in REPORTS]
    batch = make_batch([r.pieces() for r in reports], tok, 97, [r.sides() for r in reports])
    torch.manual_seed(3)
    img = torch.rand(4, 3, 224, 224) * 2 - 1
    model.train()
    fastops.use_onednn_linears(model)
    try:
        g, loc = model.img_encoder(img)
        words, sentence = encode_text(model, batch)
        loss, l_local, l_global, side = gloria_loss(
            g, loc, sentence, words, batch.n_words, side_slots=batch.side_slots, side_weight=1.0
        )
        loss.backward()
    finally:
        fastops.restore_linears(model)
        model.eval()
    assert torch.isfinite(loss) and side > 0  # REPORTS[0] says "left"
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(x).all() for x in grads)


def test_phrase_batch_keeps_only_true_negatives():
    from phantom.data import Finding
    from phantom.train import phrase_batch

    findings = [
        [Finding("Consolidation", "mild", "left lower lobe")],
        [Finding("Consolidation", "mild", "right lower lobe")],
        [Finding("Consolidation", "mild", "bilateral lower lobes")],
        [Finding("Edema", "mild", None)],
        [Finding("Pleural Effusion", "small", "left")],
    ]
    targets, allowed = phrase_batch(findings, [0, 1, 4], len(findings))
    assert targets.tolist() == [0, 1, 4]
    # columns: the 5 images, then the flipped images 0, 1 and 4 (right, left consolidation; right effusion)
    assert allowed.int().tolist() == [
        [1, 1, 0, 1, 1, 1, 0, 1],  # left consolidation: not the bilateral one nor flipped image 1
        [1, 1, 0, 1, 1, 0, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1],  # left effusion: every other image is a negative
    ]


def test_phrase_loss_prefers_the_own_image():
    from phantom.losses import phrase_loss

    torch.manual_seed(4)
    img_l = torch.randn(3, 8, 2, 2)
    img_g = torch.randn(3, 8)
    words = img_l.reshape(3, 8, 4)[:2, :, :3].clone()  # phrase k's words are regions of image k
    words[:, :, 0] = 0.0  # slot 0 ([CLS]) takes no part
    targets = torch.tensor([0, 1])
    allowed = torch.ones(2, 3, dtype=torch.bool)
    loc, glob, _ = phrase_loss(img_g, img_l, img_g[:2], words, [1, 1], targets, allowed)
    assert torch.isfinite(loc) and torch.isfinite(glob)
    assert glob < np.log(3)  # the phrase's sentence is its image's global feature
    allowed[0, 1:] = False  # only the target left: nothing to learn
    loc_only, _, _ = phrase_loss(img_g, img_l, img_g[:2], words, [1, 1], targets, allowed)
    assert loc_only < loc
