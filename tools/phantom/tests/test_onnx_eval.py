"""The ONNX interpreter used by evaluate.py reproduces the model the graphs were exported from."""

import numpy as np
import torch

from gloria_export.export import export_model
from gloria_goldens import synthetic
from gloria_ref.model import GloriaModel
from gloria_ref.tokenizer import WordPieceTokenizer
from phantom.onnx_eval import OnnxGraph
from phantom.train import phantom_config
from phantom.vocab import build_vocab, write_vocab


def test_interpreter_matches_model(tmp_path):
    vocab = build_vocab(["small left pleural effusion. the lungs are clear."])
    write_vocab(vocab, str(tmp_path / "vocab.txt"))
    model = GloriaModel(phantom_config(len(vocab)))
    synthetic.init_random(model, 0)
    export_model(model, str(tmp_path / "vocab.txt"), str(tmp_path / "m"), "t", "0.0.0")
    image = OnnxGraph(str(tmp_path / "m" / "image_encoder.onnx"))
    text = OnnxGraph(str(tmp_path / "m" / "text_encoder.onnx"))
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0)) * 2 - 1
    g, loc = image.run(pixel_values=x)[:2]
    rg, rl = model.encode_images(x)
    np.testing.assert_allclose(g.numpy(), rg.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(loc.numpy(), rl.numpy(), rtol=1e-4, atol=1e-4)
    tok = WordPieceTokenizer(vocab)
    enc = [tok.encode(t, 97) for t in ("small left pleural effusion", "the lungs are clear xq")]
    ids = torch.tensor([e.input_ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    types = torch.zeros_like(ids)
    (tokens,) = text.run(input_ids=ids, attention_mask=mask, token_type_ids=types)
    with torch.no_grad():
        states = model.text_encoder.model.hidden_states(ids, mask, types)
    ref = torch.stack(states[-model.cfg.text.last_n_layers :]).sum(0)
    np.testing.assert_allclose(tokens.numpy(), ref.numpy(), rtol=1e-4, atol=1e-4)
