"""The optional parts of a model folder through the exporter (tools/export-gloria): the image graph's
`pooled` output, segmentation.onnx from the reference's segmentation checkpoint, and the classifier
head file from its fine-tuned classification checkpoint, each run through ONNX Runtime (node) against
the torch reference; and the committed tests/fixtures/models/tiny-pooled-seg against torch."""

import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F

from gloria_export.checkpoint import infer_config, load_checkpoint
from gloria_export.export import model_checksum, sha256_file
from gloria_goldens import optional_parts as op
from gloria_goldens import synthetic
from gloria_goldens.node_onnx import run_onnx
from gloria_ref.config import ImageConfig
from gloria_ref.model import GloriaModel, load_state_dict

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
EXPORTER = os.path.join(TOOLS, "export-gloria")
FIXTURE = os.path.join(ROOT, "tests/fixtures/models/tiny-pooled-seg")
TINY = os.path.join(ROOT, "tests/fixtures/models/tiny")
TOL = 1e-4
DECODER = (16, 16, 8, 8, 8)

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _exporter(*args):
    return subprocess.run([EXPORTER, *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("optional")


@pytest.fixture(scope="module")
def tiny(work):
    ckpt, vocab = synthetic.write_checkpoint("tiny", str(work), seed=0)
    state, hp = load_checkpoint(ckpt)
    model = GloriaModel(infer_config(state, hp))
    load_state_dict(model, state)
    return ckpt, vocab, model.eval(), state


@pytest.fixture(scope="module")
def seg_net(tiny):
    cfg = tiny[2].cfg.image
    return op.random_segmentation(ImageConfig(layers=cfg.layers, width=cfg.width, input_resize=None), 2, DECODER, 64, seed=3)


@pytest.fixture(scope="module")
def exported(tiny, seg_net, work):
    ckpt, vocab, _, _ = tiny
    seg_ckpt = work / "siim.ckpt"
    op.write_segmentation_checkpoint(seg_net, str(seg_ckpt))
    out = work / "model"
    res = _exporter(
        "--checkpoint", ckpt, "--vocab", vocab, "--out", out, "--segmentation-checkpoint", seg_ckpt,
        "--segmentation-classes", "Effusion,Pneumothorax", "--segmentation-size", 64,
    )
    assert res.returncode == 0, res.stderr
    assert "with segmentation Effusion,Pneumothorax" in res.stdout
    return str(out), str(seg_ckpt)


def _pixels(n, size, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1


def test_manifest_states_pooled_width_and_segmentation(exported):
    out, seg_ckpt = exported
    with open(os.path.join(out, "manifest.json")) as f:
        man = json.load(f)
    assert man["embedding"]["pooledDim"] == 256
    assert man["segmentation"] == {"classes": ["Effusion", "Pneumothorax"], "size": 64, "resize": "stretch", "norm": "half"}
    assert set(man["files"]) == {"image_encoder.onnx", "text_encoder.onnx", "local_similarity.onnx", "tokenizer.json", "vocab.txt", "segmentation.onnx"}
    for name, digest in man["files"].items():
        assert sha256_file(os.path.join(out, name)) == digest
    assert man["checksum"] == model_checksum(man["files"])
    assert man["source"]["segmentationCheckpointSha256"] == sha256_file(seg_ckpt)
    m = onnx.load(os.path.join(out, "segmentation.onnx"))
    assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [17]
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [(v.name, dims(v)) for v in m.graph.input] == [("pixel_values", ["batch", 3, 64, 64])]
    assert [(v.name, dims(v)) for v in m.graph.output] == [("logits", ["batch", 2, 64, 64])]


@needs_node
def test_pooled_output_equals_the_reference_and_global_local_are_unchanged(exported, tiny):
    out, _ = exported
    model = tiny[2]
    x = _pixels(2, 224, 11)
    got = run_onnx(os.path.join(out, "image_encoder.onnx"), {"pixel_values": x.numpy()}, ["global", "local", "pooled"])
    with torch.no_grad():
        pooled, _ = model.img_encoder.features(x)
        g, loc = model.encode_images(x)
    diff = np.abs(got["pooled"] - pooled.numpy()).max()
    print(f"pooled max |diff| {diff:.2e}")
    assert got["pooled"].shape == (2, 256) and diff <= TOL
    assert np.abs(got["global"] - g.numpy()).max() <= TOL
    assert np.abs(got["local"] - loc.numpy()).max() <= TOL


@needs_node
def test_segmentation_onnx_equals_the_reference_unet(exported, seg_net):
    out, _ = exported
    x = _pixels(3, 64, 12)
    got = run_onnx(os.path.join(out, "segmentation.onnx"), {"pixel_values": x.numpy()}, ["logits"])["logits"]
    with torch.no_grad():
        want = seg_net(x).numpy()
    diff = np.abs(got - want).max()
    print(f"segmentation logits max |diff| {diff:.2e} (max |logit| {np.abs(want).max():.2f})")
    assert got.shape == (3, 2, 64, 64) and diff <= TOL


def test_segmentation_checkpoint_without_prefix_and_default_class(tiny, work):
    from gloria_export import extras

    cfg = tiny[2].cfg.image
    net = op.random_segmentation(ImageConfig(layers=cfg.layers, width=cfg.width, input_resize=None), 1, DECODER, 64, seed=4)
    path = work / "bare.ckpt"
    op.write_segmentation_checkpoint(net, str(path), prefix="")
    built, classes = extras.build_segmentation(extras.segmentation_state(str(path)), str(path))
    assert classes == ["Pneumothorax"]
    x = _pixels(1, 64, 5)
    with torch.no_grad():
        assert torch.equal(built(x), net(x))


def test_segmentation_checkpoint_errors_are_clear(tiny, seg_net, work):
    ckpt, vocab, _, _ = tiny
    base = {"model." + k: v for k, v in seg_net.state_dict().items()}

    def attempt(state, *extra):
        path = work / "bad-seg.ckpt"
        torch.save({"state_dict": state}, path)
        return _exporter("--checkpoint", ckpt, "--vocab", vocab, "--out", work / "bad", "--segmentation-checkpoint", path, *extra)

    missing = dict(base)
    del missing["model.decoder.blocks.1.conv2.0.weight"]
    res = attempt(missing, "--segmentation-classes", "A,B")
    assert res.returncode == 1 and "1 missing: decoder.blocks.1.conv2.0.weight" in res.stderr
    extra = dict(base, **{"model.decoder.blocks.5.conv1.0.weight": torch.zeros(1)})
    res = attempt(extra, "--segmentation-classes", "A,B")
    assert res.returncode == 1 and "unexpected: decoder.blocks.5.conv1.0.weight" in res.stderr
    shaped = dict(base, **{"model.encoder.layer2.0.conv1.weight": torch.zeros(3, 32, 1, 1)})
    res = attempt(shaped, "--segmentation-classes", "A,B")
    assert res.returncode == 1 and "shape mismatch: encoder.layer2.0.conv1.weight (3, 32, 1, 1)" in res.stderr
    res = attempt(base)
    assert res.returncode == 1 and "the head has 2 classes; name them with --segmentation-classes" in res.stderr
    res = attempt(base, "--segmentation-classes", "Pneumothorax")
    assert res.returncode == 1 and "2 output(s); 1 distinct class name(s)" in res.stderr
    res = attempt({"model.loss.w": torch.zeros(1)})
    assert res.returncode == 1 and "no model.encoder.*" in res.stderr


def _classifier_reference(trunk_state, cfg, weight, bias, x):
    """The reference ClassificationModel's forward: the trunk with the resize to input_resize
    (bilinear, align_corners), average pool, Linear."""
    enc = GloriaModel(cfg).img_encoder
    enc.model.load_state_dict(trunk_state)
    enc.eval()
    with torch.no_grad():
        pooled, _ = enc.features(x)
        return F.linear(pooled, weight, bias)


@pytest.fixture(scope="module")
def head_case(tiny, work):
    _, _, model, state = tiny
    trunk = {k[len("img_encoder.model.") :]: v for k, v in state.items() if k.startswith("img_encoder.model.")}
    g = torch.Generator().manual_seed(7)
    weight = torch.randn(5, 256, generator=g) * 0.1
    bias = torch.randn(5, generator=g)
    return trunk, weight, bias


@needs_node
def test_head_on_exported_pooled_equals_the_reference_classifier(tiny, exported, head_case, work):
    ckpt, _, model, _ = tiny
    trunk, weight, bias = head_case
    cls_ckpt = work / "chexpert_finetuned.ckpt"
    op.write_classifier_checkpoint(trunk, weight, bias, str(cls_ckpt))
    head_path = work / "head.json"
    res = _exporter("--classifier-checkpoint", cls_ckpt, "--classifier-out", head_path, "--checkpoint", ckpt)
    assert res.returncode == 0, res.stderr
    assert "warning" not in res.stderr
    head = json.loads(head_path.read_text())
    assert list(head) == ["format", "name", "classes", "features", "dim", "weights", "biases", "source"]
    assert head["format"] == "gloria-search/classifier-head@1" and head["name"] == "chexpert_finetuned"
    assert head["classes"] == ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]
    assert head["features"] == "POOLED" and head["dim"] == 256
    assert head["source"] == {"checkpoint": "chexpert_finetuned.ckpt", "checkpointSha256": sha256_file(cls_ckpt), "encoderMatchesModel": True}
    x = _pixels(3, 224, 13)
    pooled = run_onnx(os.path.join(exported[0], "image_encoder.onnx"), {"pixel_values": x.numpy()}, ["pooled"])["pooled"]
    logits = pooled.astype(np.float64) @ np.array(head["weights"]).T + np.array(head["biases"])
    want = _classifier_reference(trunk, model.cfg, weight, bias, x).numpy()
    diff = np.abs(logits - want).max()
    print(f"classifier logits max |diff| {diff:.2e}")
    assert diff <= TOL


def test_head_layouts_classes_and_encoder_comparison(tiny, head_case, work):
    ckpt, _, _, _ = tiny
    trunk, weight, bias = head_case
    plain = work / "plain.ckpt"
    op.write_classifier_checkpoint(trunk, weight[:2], bias[:2], str(plain), layout="plain")
    out = work / "plain.json"
    res = _exporter("--classifier-checkpoint", plain, "--classifier-out", out)
    assert res.returncode == 1 and "2 outputs; name them with --classifier-classes" in res.stderr
    res = _exporter("--classifier-checkpoint", plain, "--classifier-out", out, "--classifier-classes", "Edema, Pneumonia", "--classifier-name", "two")
    assert res.returncode == 0, res.stderr
    head = json.loads(out.read_text())
    assert head["classes"] == ["Edema", "Pneumonia"] and head["name"] == "two"
    assert "is an ImageClassifier" in res.stderr
    assert head["source"]["encoderMatchesModel"] is None
    assert np.array_equal(np.array(head["weights"], dtype=np.float32), weight[:2].numpy())
    # A fine-tuned trunk (one tensor changed by one ulp) is not the pretraining model's.
    tuned = dict(trunk)
    tuned["layer3.0.conv2.weight"] = torch.nextafter(trunk["layer3.0.conv2.weight"], torch.tensor(1.0))
    changed = work / "tuned.ckpt"
    op.write_classifier_checkpoint(tuned, weight, bias, str(changed))
    res = _exporter("--classifier-checkpoint", changed, "--classifier-out", out, "--checkpoint", ckpt)
    assert res.returncode == 0, res.stderr
    assert "warning: the image trunk" in res.stderr
    assert json.loads(out.read_text())["source"]["encoderMatchesModel"] is False
    op.write_classifier_checkpoint(trunk, weight[:, :100], bias, str(changed))
    res = _exporter("--classifier-checkpoint", changed, "--classifier-out", out)
    assert res.returncode == 1 and "reads 100 features; the trunk pools 256" in res.stderr


def test_committed_pooled_seg_fixture_is_consistent():
    with open(os.path.join(FIXTURE, "manifest.json")) as f:
        man = json.load(f)
    with open(os.path.join(TINY, "manifest.json")) as f:
        tiny_man = json.load(f)
    files = {name: sha256_file(os.path.join(FIXTURE, name)) for name in man["files"]}
    assert files == man["files"] and model_checksum(files) == man["checksum"]
    for name in ("text_encoder.onnx", "local_similarity.onnx", "tokenizer.json", "vocab.txt"):
        assert files[name] == tiny_man["files"][name]
    assert man["embedding"] == {**tiny_man["embedding"], "pooledDim": 256}
    assert man["segmentation"] == {"classes": op.SEG_CLASSES, "size": 64, "resize": "stretch", "norm": "half"}
    goldens = op.read_goldens(FIXTURE)
    assert goldens["model"]["checksum"] == man["checksum"]
    enc, tiny_enc = (onnx.load(os.path.join(d, "image_encoder.onnx")).graph for d in (FIXTURE, TINY))
    assert [o.name for o in enc.output] == ["global", "local", "pooled"]
    assert list(enc.node)[:-1] == list(tiny_enc.node) and list(enc.initializer) == list(tiny_enc.initializer)
    assert enc.node[-1].op_type == "Identity"


@needs_node
def test_committed_pooled_seg_fixture_matches_torch(work):
    goldens = op.read_goldens(FIXTURE)
    (work / "ref").mkdir(exist_ok=True)
    model = op.tiny_reference(str(work / "ref"))
    seg_in = op.decode_pixels(goldens["segmentation"])
    enc_in = op.decode_pixels(goldens["encoder"])
    with torch.no_grad():
        pooled, _ = model.img_encoder.features(torch.from_numpy(enc_in)[None])
    assert np.abs(np.array(goldens["encoder"]["pooled"]) - pooled[0].numpy()).max() <= 1e-5
    got = run_onnx(os.path.join(FIXTURE, "image_encoder.onnx"), {"pixel_values": enc_in[None]}, ["global", "local", "pooled"])
    base = run_onnx(os.path.join(TINY, "image_encoder.onnx"), {"pixel_values": enc_in[None]}, ["global", "local"])
    assert np.array_equal(got["global"], base["global"]) and np.array_equal(got["local"], base["local"])
    pooled_diff = np.abs(got["pooled"][0] - np.array(goldens["encoder"]["pooled"])).max()
    logits = run_onnx(os.path.join(FIXTURE, "segmentation.onnx"), {"pixel_values": seg_in[None]}, ["logits"])["logits"][0]
    probs = 1 / (1 + np.exp(-logits.astype(np.float64)))
    prob_diff = np.abs(probs - np.array(goldens["segmentation"]["probabilities"])).max()
    print(f"fixture: pooled max |diff| {pooled_diff:.2e}, probabilities max |diff| {prob_diff:.2e}")
    assert pooled_diff <= TOL and prob_diff <= TOL
    # The seeded U-Net the fixture came from gives the committed probabilities again (drift check).
    cfg = model.cfg.image
    net = op.random_segmentation(ImageConfig(layers=cfg.layers, width=cfg.width, input_resize=None), 2, op.SEG_DECODER, op.SEG_SIZE, op.SEED + 1)
    with torch.no_grad():
        again = torch.sigmoid(net(torch.from_numpy(seg_in)[None]))[0].numpy()
    assert np.abs(again - np.array(goldens["segmentation"]["probabilities"])).max() <= 1e-5
