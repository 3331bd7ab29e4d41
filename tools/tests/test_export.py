"""The exporter (tools/export-gloria) on a seeded tiny checkpoint: graph structure per
docs/model-contract.md, manifest, config checks; and the committed tiny fixtures' integrity."""

import hashlib
import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
import torch

from gloria_export.checkpoint import check_hyper_parameters, infer_config, load_checkpoint, official_hyper_parameters
from gloria_export.export import model_checksum
from gloria_goldens import synthetic

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
EXPORTER = os.path.join(TOOLS, "export-gloria")


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory):
    work = tmp_path_factory.mktemp("ckpt")
    return synthetic.write_checkpoint("tiny", str(work), seed=0)


@pytest.fixture(scope="module")
def exported(tiny_ckpt, tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    ckpt, vocab = tiny_ckpt
    res = subprocess.run(
        [EXPORTER, "--checkpoint", ckpt, "--vocab", vocab, "--out", str(out), "--name", "t", "--version", "0.1.0"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert "exported t@0.1.0#" in res.stdout
    return str(out)


def _io(model):
    def desc(v):
        t = v.type.tensor_type
        dims = [d.dim_param or d.dim_value for d in t.shape.dim]
        return onnx.TensorProto.DataType.Name(t.elem_type), dims

    return {v.name: desc(v) for v in model.graph.input}, {v.name: desc(v) for v in model.graph.output}


def test_graphs_have_contract_names_types_and_dynamic_axes(exported):
    graphs = {f: onnx.load(os.path.join(exported, f)) for f in ("image_encoder.onnx", "text_encoder.onnx", "local_similarity.onnx")}
    for m in graphs.values():
        onnx.checker.check_model(m)
        assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [17]
    ins, outs = _io(graphs["image_encoder.onnx"])
    assert ins == {"pixel_values": ("FLOAT", ["batch", 3, 224, 224])}
    assert outs == {"global": ("FLOAT", ["batch", 64]), "local": ("FLOAT", ["batch", 64, 7, 7]), "pooled": ("FLOAT", ["batch", 256])}
    ins, outs = _io(graphs["text_encoder.onnx"])
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        assert ins[name] == ("INT64", ["batch", "sequence"])
    assert outs == {"token_embeddings": ("FLOAT", ["batch", "sequence", 64])}
    ins, outs = _io(graphs["local_similarity.onnx"])
    assert ins == {
        "words": ("FLOAT", ["word_batch", 64, "columns"]),
        "word_mask": ("FLOAT", ["word_batch", "columns"]),
        "regions": ("FLOAT", ["region_batch", 64, "regions"]),
    }
    assert set(outs) == {"scores", "word_cosines", "attention"}


def test_local_similarity_graph_is_batched_without_loops(exported):
    ops = {n.op_type for n in onnx.load(os.path.join(exported, "local_similarity.onnx")).graph.node}
    assert "MatMul" in ops and "Softmax" in ops
    assert not ops & {"Loop", "Scan", "If"}


def test_manifest_follows_the_contract(exported):
    with open(os.path.join(exported, "manifest.json")) as f:
        man = json.load(f)
    assert set(man) == {"format", "name", "version", "checksum", "files", "image", "text", "embedding", "similarity", "zeroShot", "source"}
    assert man["format"] == "gloria-search/model@1"
    assert man["image"] == {"resize": 256, "crop": 224, "norm": "half", "channels": 3}
    assert man["text"] == {"maxLength": 97, "lowercase": True, "specialIds": {"pad": 0, "unk": 100, "cls": 101, "sep": 102}, "lastNLayers": 2}
    assert man["embedding"] == {"dim": 64, "grid": [7, 7], "pooledDim": 256}
    assert man["similarity"] == {"attentionTemperature": 4.0, "localTemperature": 5.0, "temp3": 10.0, "localAggregation": "max"}
    assert man["zeroShot"] == {"promptSet": "gloria-chexpert-5x5@1", "reference": None}
    for name, digest in man["files"].items():
        with open(os.path.join(exported, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest
    lines = "".join(f"{k}:{v}\n" for k, v in sorted(man["files"].items()))
    assert man["checksum"] == hashlib.sha256(lines.encode()).hexdigest()


def test_tokenizer_json_is_a_wordpiece_bert_tokenizer(exported):
    with open(os.path.join(exported, "tokenizer.json")) as f:
        tj = json.load(f)
    assert tj["normalizer"]["type"] == "BertNormalizer" and tj["normalizer"]["lowercase"] is True
    assert tj["pre_tokenizer"] == {"type": "BertPreTokenizer"}
    assert tj["model"]["type"] == "WordPiece" and tj["model"]["continuing_subword_prefix"] == "##"
    assert tj["model"]["vocab"]["[CLS]"] == 101 and tj["model"]["vocab"]["[PAD]"] == 0
    assert tj["truncation"]["max_length"] == 97 and tj["padding"]["strategy"] == {"Fixed": 97}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_tokenizers_js_gives_the_reference_ids(exported):
    from gloria_ref.tokenizer import WordPieceTokenizer

    tok = WordPieceTokenizer.from_file(os.path.join(exported, "vocab.txt"))
    texts = ["mild subsegmental atelectasis", "Left_lower LOBE, 2.5cm", "effusión 肺 zzzq", "", "[SEP] x"]
    script = (
        "import('@huggingface/tokenizers').then(({Tokenizer})=>{const fs=require('fs');"
        f"const t=new Tokenizer(JSON.parse(fs.readFileSync({json.dumps(os.path.join(exported, 'tokenizer.json'))},'utf8')),{{}});"
        f"console.log(JSON.stringify({json.dumps(texts)}.map(s=>t.encode(s).ids)))}})"
    )
    res = subprocess.run(["node", "-e", script], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    js = json.loads(res.stdout)
    for s, ids in zip(texts, js):
        enc = tok.encode(s)
        assert ids == enc.input_ids[: sum(enc.attention_mask)], s


def test_checkpoint_loading_strips_prefix_and_drops_position_ids(tiny_ckpt):
    state, hp = load_checkpoint(tiny_ckpt[0])
    assert "img_encoder.model.conv1.weight" in state
    assert not any("position_ids" in k or k.startswith("gloria.") for k in state)
    cfg = infer_config(state, hp)
    assert cfg.embedding_dim == 64 and cfg.image.grid() == (7, 7) and cfg.text.last_n_layers == 2


def test_sizes_are_read_from_tensors_without_an_arch_section(tiny_ckpt):
    state, _ = load_checkpoint(tiny_ckpt[0])
    hp = official_hyper_parameters({"model": {"vision": {"model_name": "other"}, "text": {"num_heads": 4, "last_n_layers": 2}}})
    cfg = infer_config(state, hp)
    assert cfg.image.layers == (1, 1, 1, 1) and cfg.image.width == 8
    assert (cfg.text.hidden, cfg.text.layers, cfg.text.heads, cfg.text.ffn) == (64, 2, 4, 128)


def test_official_config_values_are_asserted():
    check_hyper_parameters(official_hyper_parameters())
    with pytest.raises(ValueError, match="word_num = 64.*temp1 = 3.0"):
        check_hyper_parameters(official_hyper_parameters({"model": {"gloria": {"temp1": 3.0}}, "data": {"text": {"word_num": 64}}}))
    with pytest.raises(ValueError, match="aggregate_method"):
        check_hyper_parameters(official_hyper_parameters({"model": {"text": {"bert_type": "x", "aggregate_method": "mean"}}}))


def test_exporter_refuses_bad_config_and_wrong_vocab(tiny_ckpt, tmp_path):
    ckpt, vocab = tiny_ckpt
    raw = torch.load(ckpt)
    raw["hyper_parameters"].transforms.norm = "imagenet"
    bad = tmp_path / "bad.ckpt"
    torch.save(raw, bad)
    res = subprocess.run([EXPORTER, "--checkpoint", str(bad), "--vocab", vocab, "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert res.returncode == 1 and "transforms.norm" in res.stderr
    short = tmp_path / "vocab.txt"
    with open(vocab) as f:
        short.write_text("".join(f.readlines()[:-1]))
    res = subprocess.run([EXPORTER, "--checkpoint", ckpt, "--vocab", str(short), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert res.returncode == 1 and "entries" in res.stderr


def test_committed_tiny_fixtures_are_consistent():
    model_dir = os.path.join(ROOT, "tests/fixtures/models/tiny")
    golden_dir = os.path.join(ROOT, "tests/fixtures/golden/tiny")
    with open(os.path.join(model_dir, "manifest.json")) as f:
        man = json.load(f)
    files = {}
    for name in man["files"]:
        with open(os.path.join(model_dir, name), "rb") as f:
            files[name] = hashlib.sha256(f.read()).hexdigest()
    assert files == man["files"] and model_checksum(files) == man["checksum"]
    total = sum(os.path.getsize(os.path.join(model_dir, n)) for n in os.listdir(model_dir))
    assert total < 3 * 1024 * 1024
    with open(os.path.join(golden_dir, "index.json")) as f:
        index = json.load(f)
    assert index["model"]["checksum"] == man["checksum"]
    for meta in index["arrays"].values():
        size = os.path.getsize(os.path.join(golden_dir, meta["file"]))
        assert size == int(np.prod(meta["shape"])) * np.dtype(meta["dtype"]).itemsize


def test_committed_tiny_goldens_match_the_current_reference(tiny_ckpt):
    """Regenerating the seeded tiny model reproduces the committed embeddings (drift check)."""
    from gloria_goldens.goldens import golden_images
    from gloria_ref.model import GloriaModel, load_state_dict
    from gloria_ref.preprocess import to_pixel_values

    state, hp = load_checkpoint(tiny_ckpt[0])
    model = GloriaModel(infer_config(state, hp))
    load_state_dict(model, state)
    golden_dir = os.path.join(ROOT, "tests/fixtures/golden/tiny")
    g, _ = model.encode_images(to_pixel_values(golden_images()[2]))
    want = np.fromfile(os.path.join(golden_dir, "image_global.bin"), dtype="<f4").reshape(g.shape)
    assert np.allclose(g.numpy(), want, atol=1e-5)


def test_checkpoint_with_classes_of_missing_packages_loads(tiny_ckpt, tmp_path):
    """Lightning 1.1 keys callback states by class; the exporter must not need pytorch_lightning."""
    import sys
    import types

    fake = types.ModuleType("fake_lightning_callbacks")

    class ModelCheckpoint:
        def __init__(self):
            self.best = 1.5

    ModelCheckpoint.__module__ = "fake_lightning_callbacks"
    ModelCheckpoint.__qualname__ = "ModelCheckpoint"
    fake.ModelCheckpoint = ModelCheckpoint
    sys.modules["fake_lightning_callbacks"] = fake
    raw = torch.load(tiny_ckpt[0])
    raw["callbacks"] = {ModelCheckpoint: {"best_model_score": 0.1}}
    raw["loggers"] = [ModelCheckpoint()]
    path = tmp_path / "lightning.ckpt"
    torch.save(raw, path)
    del sys.modules["fake_lightning_callbacks"]
    state, hp = load_checkpoint(str(path))
    assert "img_encoder.model.conv1.weight" in state
    check_hyper_parameters(hp)
