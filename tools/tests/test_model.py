"""Model pieces: torchvision parity of the ResNet trunk, checkpoint key names (§7), BERT masking,
the exported resize against F.interpolate."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F
import torchvision

from gloria_ref import config
from gloria_ref.bert import BertModel, init_bert_weights
from gloria_ref.image import AlignCornersResize, ImageEncoder
from gloria_ref.model import GloriaModel


def test_resnet50_trunk_matches_torchvision():
    cfg = dataclasses.replace(config.official().image, input_resize=None, crop=64)
    enc = ImageEncoder(cfg, 768).eval()
    tv = torchvision.models.resnet50(weights=None).eval()
    state = {k: v for k, v in tv.state_dict().items() if not k.startswith("fc.")}
    enc.model.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        pooled, local = enc.features(x)
        y = tv.maxpool(tv.relu(tv.bn1(tv.conv1(x))))
        l3 = tv.layer3(tv.layer2(tv.layer1(y)))
        p4 = torch.flatten(tv.avgpool(tv.layer4(l3)), 1)
    assert torch.allclose(local, l3, atol=1e-5)
    assert torch.allclose(pooled, p4, atol=1e-5)


def test_official_state_dict_names_and_shapes_follow_the_checkpoint():
    sd = GloriaModel(config.official()).state_dict()
    shapes = {k: tuple(v.shape) for k, v in sd.items()}
    assert shapes["img_encoder.model.conv1.weight"] == (64, 3, 7, 7)
    assert shapes["img_encoder.model.layer3.0.conv2.weight"] == (256, 256, 3, 3)
    assert shapes["img_encoder.model.layer4.0.downsample.0.weight"] == (2048, 1024, 1, 1)
    assert shapes["img_encoder.global_embedder.weight"] == (768, 2048)
    assert shapes["img_encoder.global_embedder.bias"] == (768,)
    assert shapes["img_encoder.local_embedder.weight"] == (768, 1024, 1, 1)
    assert "img_encoder.local_embedder.bias" not in shapes
    assert not any(k.startswith("img_encoder.model.fc") for k in shapes)
    assert shapes["text_encoder.model.embeddings.word_embeddings.weight"] == (28996, 768)
    assert shapes["text_encoder.model.encoder.layer.11.attention.self.query.weight"] == (768, 768)
    assert shapes["text_encoder.model.encoder.layer.11.intermediate.dense.weight"] == (3072, 768)
    assert shapes["text_encoder.model.pooler.dense.weight"] == (768, 768)
    assert "img_encoder.model.layer1.0.bn1.num_batches_tracked" in shapes
    assert sum(1 for k in shapes if k.startswith("img_encoder.model.layer3.") and k.endswith("conv1.weight")) == 6


def test_grid_sizes():
    assert config.official().image.grid() == (19, 19)
    assert config.tiny(600).image.grid() == (7, 7)


@pytest.fixture(scope="module")
def bert():
    cfg = config.TextConfig(vocab_size=200, hidden=32, layers=2, heads=4, ffn=64, max_positions=128)
    m = BertModel(cfg).eval()
    init_bert_weights(m, torch.Generator().manual_seed(0), std=0.2)
    return m


def test_padding_positions_do_not_change_real_tokens(bert):
    ids = torch.tensor([[101, 5, 6, 102, 0, 0], [101, 5, 6, 102, 77, 88]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0]])
    with torch.no_grad():
        out = bert.hidden_states(ids, mask, torch.zeros_like(ids))[-1]
    assert torch.allclose(out[0, :4], out[1, :4], atol=1e-5)
    assert not torch.allclose(out[0, 4:], out[1, 4:])


def test_hidden_states_count_and_layernorm(bert):
    ids = torch.tensor([[101, 5, 102]])
    with torch.no_grad():
        states = bert.hidden_states(ids, torch.ones_like(ids), torch.zeros_like(ids))
    assert len(states) == 3
    # Every state leaves a LayerNorm with unit weight and zero bias: per-token mean 0, variance 1.
    for s in states:
        assert torch.allclose(s.mean(-1), torch.zeros(1, 3), atol=1e-5)
        assert torch.allclose(s.var(-1, unbiased=False), torch.ones(1, 3), atol=1e-3)


def test_gelu_is_exact_erf(bert):
    x = torch.tensor([-1.0, 0.5, 2.0])
    erf = 0.5 * x * (1 + torch.erf(x / 2**0.5))
    assert torch.allclose(F.gelu(x), erf, atol=1e-7)


@pytest.mark.parametrize("size", [(224, 299), (224, 112)])
def test_export_resize_matches_f_interpolate_to_an_ulp(size):
    a, b = size
    x = torch.rand(2, 3, a, a, generator=torch.Generator().manual_seed(1)) * 2 - 1
    want = F.interpolate(x, size=(b, b), mode="bilinear", align_corners=True)
    assert (AlignCornersResize(a, b)(x) - want).abs().max().item() <= 2.5e-7
