"""Seeded fixtures for the optional parts of a model folder (docs/model-contract.md, "Optional parts"):
random U-Nets and classifiers saved in the reference code's checkpoint layouts, and the committed
tests/fixtures/models/tiny-pooled-seg/ folder with its goldens.json.

tiny-pooled-seg is tests/fixtures/models/tiny with two changes: image_encoder.onnx gains the ``pooled``
output by graph surgery (an Identity from the Flatten output that feeds the Gemm making ``global``;
``global`` and ``local`` stay bit-identical), and a ``segmentation.onnx`` exported from a seeded random
SegmentationUnet on the tiny trunk config.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch
import torch.nn as nn

from gloria_export.checkpoint import infer_config, load_checkpoint
from gloria_export.export import model_checksum, sha256_file
from gloria_export.extras import export_segmentation, segmentation_manifest
from gloria_ref.config import ImageConfig
from gloria_ref.model import GloriaModel, load_state_dict
from gloria_ref.segmentation import SegmentationUnet

from . import synthetic

SEG_CLASSES = ["Effusion", "Pneumothorax"]
SEG_SIZE = 64
SEG_DECODER = (16, 16, 8, 8, 8)
SEED = 0


def random_segmentation(cfg: ImageConfig, classes: int, decoder: Sequence[int], size: int, seed: int) -> SegmentationUnet:
    """A U-Net with Kaiming-normal convs, perturbed BatchNorm affine terms and running statistics
    measured on calibration images (so eval mode is not a no-op), in eval mode."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = SegmentationUnet(cfg, classes, decoder)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
                m.reset_running_stats()
                m.momentum = None
        net.segmentation_head[0].weight.mul_(0.2)
        net.train()
        for _ in range(2):
            net(torch.rand(4, 3, size, size, generator=g) * 2 - 1)
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 0.1
    return net.eval()


def write_segmentation_checkpoint(net: SegmentationUnet, path: str, prefix: str = "model.") -> None:
    """The reference SegmentationModel's Lightning layout: ``model.`` + the smp Unet's names."""
    state = {prefix + k: v.clone() for k, v in net.state_dict().items()}
    torch.save({"epoch": 0, "global_step": 0, "pytorch-lightning_version": "1.1.4", "state_dict": state, "hyper_parameters": {}}, path)


def write_classifier_checkpoint(
    trunk: Dict[str, torch.Tensor], weight: torch.Tensor, bias: torch.Tensor, path: str, layout: str = "pretrained"
) -> None:
    """The reference ClassificationModel's Lightning layout. ``pretrained``: PretrainedImageClassifier
    (``model.img_encoder.model.*`` + the GLoRIA embedders); ``plain``: ImageClassifier
    (``model.img_encoder.*`` trunk directly)."""
    state: Dict[str, torch.Tensor] = {}
    if layout == "pretrained":
        state.update({"model.img_encoder.model." + k: v.clone() for k, v in trunk.items()})
        d = 16
        state["model.img_encoder.global_embedder.weight"] = torch.zeros(d, weight.shape[1])
        state["model.img_encoder.global_embedder.bias"] = torch.zeros(d)
        state["model.img_encoder.local_embedder.weight"] = torch.zeros(d, weight.shape[1] // 2, 1, 1)
    elif layout == "plain":
        state.update({"model.img_encoder." + k: v.clone() for k, v in trunk.items()})
    else:
        raise ValueError(layout)
    state["model.classifier.weight"] = weight.clone()
    state["model.classifier.bias"] = bias.clone()
    torch.save({"epoch": 0, "global_step": 0, "pytorch-lightning_version": "1.1.4", "state_dict": state, "hyper_parameters": {}}, path)


def tiny_reference(workdir: str) -> GloriaModel:
    """The seeded tiny model that tests/fixtures/models/tiny was exported from."""
    ckpt, _ = synthetic.write_checkpoint("tiny", workdir, SEED)
    state, hp = load_checkpoint(ckpt)
    model = GloriaModel(infer_config(state, hp))
    load_state_dict(model, state)
    return model.eval()


def add_pooled_output(src: str, dst: str, pooled_dim: int) -> None:
    """Copy image_encoder.onnx with a third output ``pooled``: an Identity from the input of the Gemm
    (or MatMul) that makes ``global``, which is the flattened, average-pooled layer4."""
    m = onnx.load(src)
    g = m.graph
    producer = {o: n for n in g.node for o in n.output}
    node = producer["global"]
    while node.op_type not in ("Gemm", "MatMul"):
        node = producer[node.input[0]]
    feature = node.input[0]
    flat = producer.get(feature)
    if flat is None or flat.op_type not in ("Flatten", "Reshape"):
        raise ValueError(f"the projection's input {feature} is not a Flatten output")
    g.node.append(onnx.helper.make_node("Identity", [feature], ["pooled"], name="pooled_identity"))
    batch = g.output[0].type.tensor_type.shape.dim[0].dim_param or "batch"
    g.output.append(onnx.helper.make_tensor_value_info("pooled", onnx.TensorProto.FLOAT, [batch, pooled_dim]))
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def _inputs(crop: int) -> List[Tuple[str, np.ndarray]]:
    """Seeded grey uint8 inputs: one for the segmenter (64×64), one for the encoder (crop×crop)."""
    return [("segmentation", synthetic.phantom_radiograph(SEG_SIZE, SEG_SIZE, 1)), ("encoder", synthetic.phantom_radiograph(crop, crop, 2))]


def to_values(grey: np.ndarray) -> np.ndarray:
    """The goldens' stated conversion: value = u / 127.5 − 1 (in double, stored as float32), the grey
    channel copied to 3 channels → [3,H,W]."""
    v = (grey.astype(np.float64) / 127.5 - 1.0).astype(np.float32)
    return np.ascontiguousarray(np.broadcast_to(v, (3,) + grey.shape))


def build_fixture(tiny_dir: str, out_dir: str, workdir: str) -> Dict[str, Any]:
    """Write tiny-pooled-seg/ (model folder and goldens.json) from tiny/; returns the goldens."""
    model = tiny_reference(workdir)
    cfg = model.cfg.image
    with open(os.path.join(tiny_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    for name in manifest["files"]:
        if name != "image_encoder.onnx":
            shutil.copyfile(os.path.join(tiny_dir, name), os.path.join(out_dir, name))
    add_pooled_output(os.path.join(tiny_dir, "image_encoder.onnx"), os.path.join(out_dir, "image_encoder.onnx"), cfg.global_channels)
    seg_cfg = ImageConfig(layers=cfg.layers, width=cfg.width, input_resize=None)
    net = random_segmentation(seg_cfg, len(SEG_CLASSES), SEG_DECODER, SEG_SIZE, SEED + 1)
    export_segmentation(net, SEG_SIZE, os.path.join(out_dir, "segmentation.onnx"))
    onnx.checker.check_model(os.path.join(out_dir, "segmentation.onnx"))
    files = {name: sha256_file(os.path.join(out_dir, name)) for name in list(manifest["files"]) + ["segmentation.onnx"]}
    manifest["name"] = "gloria-tiny-pooled-seg"
    manifest["files"] = files
    manifest["checksum"] = model_checksum(files)
    manifest["embedding"]["pooledDim"] = cfg.global_channels
    manifest["segmentation"] = segmentation_manifest(SEG_CLASSES, SEG_SIZE)
    manifest["source"] = {
        **manifest.get("source", {}),
        "fixture": "tiny + pooled output (graph surgery) + seeded random segmentation U-Net (tools/make-goldens --pooled-seg)",
        "segmentationDecoderChannels": list(SEG_DECODER),
    }
    ordered = {k: manifest[k] for k in manifest if k != "source"}
    ordered["source"] = manifest["source"]
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(ordered, f, indent=2, ensure_ascii=False)
        f.write("\n")

    (_, seg_u8), (_, enc_u8) = _inputs(cfg.crop)
    with torch.no_grad():
        probs = torch.sigmoid(net(torch.from_numpy(to_values(seg_u8))[None]))[0]
        pooled, local = model.img_encoder.features(torch.from_numpy(to_values(enc_u8))[None])
        glob = model.img_encoder.global_embedder(pooled)
    goldens = {
        "model": {"dir": os.path.basename(out_dir), "checksum": ordered["checksum"]},
        "conversion": "value = u / 127.5 - 1, u the stored grey uint8 (base64, row-major H×W), copied to 3 channels",
        "tolerance": {"absolute": 1e-4},
        "segmentation": {
            "shape": [3, *seg_u8.shape],
            "greyU8": base64.b64encode(seg_u8.tobytes()).decode("ascii"),
            "classes": SEG_CLASSES,
            "probabilities": [_rounded(p) for p in probs.numpy()],
        },
        "encoder": {
            "shape": [3, *enc_u8.shape],
            "greyU8": base64.b64encode(enc_u8.tobytes()).decode("ascii"),
            "pooled": _rounded(pooled[0].numpy()),
            "global": _rounded(glob[0].numpy()),
        },
    }
    with open(os.path.join(out_dir, "goldens.json"), "w", encoding="utf-8") as f:
        json.dump(goldens, f, separators=(",", ":"))
        f.write("\n")
    return goldens


def _rounded(a: np.ndarray) -> Any:
    """Nested lists of floats at 7 significant digits (well inside the 1e-4 tolerance)."""
    if a.ndim == 1:
        return [float(f"{v:.7g}") for v in a.tolist()]
    return [_rounded(r) for r in a]


def decode_pixels(entry: Dict[str, Any]) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(entry["greyU8"]), dtype=np.uint8)
    return to_values(raw.reshape(entry["shape"][1:]))


def read_goldens(out_dir: str) -> Optional[Dict[str, Any]]:
    path = os.path.join(out_dir, "goldens.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)
