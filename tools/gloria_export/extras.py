"""The optional parts of a model folder (docs/model-contract.md, "Optional parts") and the classifier
head file, from the reference code's fine-tuned checkpoints.

- Segmentation: the reference ``SegmentationModel`` checkpoint (``model.encoder.*``,
  ``model.decoder.*``, ``model.segmentation_head.*``; the ``model.`` prefix is optional) → the
  U-Net of gloria_ref.segmentation → ``segmentation.onnx`` (``pixel_values`` [B,3,S,S] → ``logits``
  [B,C,S,S]).
- Classifier head: the reference ``ClassificationModel`` checkpoint (``PretrainedImageClassifier``:
  ``model.img_encoder.model.*`` trunk, ``model.classifier.{weight,bias}``; or ``ImageClassifier``:
  ``model.img_encoder.*`` trunk) → the ``gloria-search/classifier-head@1`` JSON that
  ``gloria classifier import`` reads, a Linear on the pooled features.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch

from gloria_ref.config import ImageConfig
from gloria_ref.segmentation import SegmentationUnet

from .checkpoint import _lenient_unpickling
from .onnx_export import OPSET

HEAD_FORMAT = "gloria-search/classifier-head@1"
CHEXPERT_COMPETITION = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]
SEGMENTATION_PARTS = ("encoder.", "decoder.", "segmentation_head.")


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The ``state_dict`` of a Lightning checkpoint (or a bare state dict), tensors only."""
    with _lenient_unpickling():
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not a checkpoint (no state_dict)")
    return {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}


def _count_blocks(state: Dict[str, torch.Tensor], prefix: str) -> int:
    pat = re.compile(re.escape(prefix) + r"(\d+)\.")
    idx = {int(m.group(1)) for k in state for m in [pat.match(k)] if m}
    return max(idx) + 1 if idx else 0


def trunk_config(state: Dict[str, torch.Tensor], prefix: str, path: str, input_resize: Optional[int]) -> ImageConfig:
    """The ResNet trunk's sizes read from its tensors (width from conv1, blocks per layer)."""
    key = prefix + "conv1.weight"
    if key not in state:
        raise ValueError(f"{path}: no {key} (not the expected checkpoint layout)")
    layers = tuple(_count_blocks(state, f"{prefix}layer{i}.") for i in range(1, 5))
    if 0 in layers:
        raise ValueError(f"{path}: the trunk under {prefix} lacks a layer ({layers} blocks)")
    return ImageConfig(layers=layers, width=int(state[key].shape[0]), input_resize=input_resize)  # type: ignore[arg-type]


def _strip(state: Dict[str, torch.Tensor], prefix: str) -> Dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def check_state(module: torch.nn.Module, state: Dict[str, torch.Tensor], path: str, what: str) -> None:
    """Missing, unexpected and mis-shaped tensors, all listed in one ValueError (BatchNorm's
    num_batches_tracked may be absent)."""
    want = module.state_dict()
    missing = sorted(k for k in want if k not in state and not k.endswith("num_batches_tracked"))
    unexpected = sorted(k for k in state if k not in want)
    shapes = [
        f"{k} {tuple(state[k].shape)} (expected {tuple(want[k].shape)})"
        for k in want
        if k in state and tuple(state[k].shape) != tuple(want[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing: " + ", ".join(missing[:8]) + (" …" if len(missing) > 8 else ""))
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected: " + ", ".join(unexpected[:8]) + (" …" if len(unexpected) > 8 else ""))
    if shapes:
        problems.append("shape mismatch: " + "; ".join(shapes[:8]) + (" …" if len(shapes) > 8 else ""))
    if problems:
        raise ValueError(f"{path}: the {what} does not match: " + "; ".join(problems))


# --- segmentation -------------------------------------------------------------------------------


def segmentation_state(path: str) -> Dict[str, torch.Tensor]:
    """The U-Net's tensors (``encoder.``, ``decoder.``, ``segmentation_head.``) with the ``model.``
    prefix removed when present."""
    raw = read_state_dict(path)
    state = _strip(raw, "model.") if any(k.startswith("model.") for k in raw) else raw
    state = {k: v for k, v in state.items() if k.startswith(SEGMENTATION_PARTS)}
    if not state:
        raise ValueError(f"{path}: no model.encoder.*, model.decoder.* or model.segmentation_head.* tensors")
    return state


def build_segmentation(
    state: Dict[str, torch.Tensor],
    path: str,
    classes: Optional[Sequence[str]] = None,
    decoder_channels: Optional[Sequence[int]] = None,
) -> Tuple[SegmentationUnet, List[str]]:
    """The reference U-Net loaded from ``state``; classes default to the head's output count (which
    must then be 1: Pneumothorax, the reference's SIIM task) and are checked against it."""
    head = state.get("segmentation_head.0.weight")
    if head is None:
        raise ValueError(f"{path}: no segmentation_head.0.weight")
    n = int(head.shape[0])
    if classes is None:
        if n != 1:
            raise ValueError(f"{path}: the head has {n} classes; name them with --segmentation-classes")
        classes = ["Pneumothorax"]
    classes = [c.strip() for c in classes]
    if len(classes) != n or any(not c for c in classes) or len(set(classes)) != n:
        raise ValueError(f"{path}: the head has {n} output(s); {len(classes)} distinct class name(s) given: {classes}")
    if decoder_channels is None:
        decoder_channels = []
        for i in range(5):
            w = state.get(f"decoder.blocks.{i}.conv1.0.weight")
            if w is None:
                raise ValueError(f"{path}: no decoder.blocks.{i}.conv1.0.weight")
            decoder_channels.append(int(w.shape[0]))
    cfg = trunk_config(state, "encoder.", path, None)
    net = SegmentationUnet(cfg, n, tuple(decoder_channels))
    check_state(net, state, path, "segmentation checkpoint")
    net.load_state_dict(state, strict=False)
    net.eval()
    return net, classes


def export_segmentation(net: SegmentationUnet, size: int, path: str) -> None:
    if size % 32:
        raise ValueError(f"segmentation size {size} is not a multiple of 32")
    with torch.no_grad():
        torch.onnx.export(
            net.eval(),
            (torch.zeros(1, 3, size, size),),
            path,
            opset_version=OPSET,
            input_names=["pixel_values"],
            output_names=["logits"],
            dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
            do_constant_folding=True,
        )


def segmentation_manifest(classes: Sequence[str], size: int) -> Dict[str, Any]:
    return {"classes": list(classes), "size": int(size), "resize": "stretch", "norm": "half"}


# --- classifier head ----------------------------------------------------------------------------


def classifier_parts(path: str) -> Tuple[Dict[str, torch.Tensor], torch.Tensor, torch.Tensor, str]:
    """(trunk tensors under torchvision names, classifier weight [C,P], bias [C], layout name)."""
    raw = read_state_dict(path)
    state = _strip(raw, "model.") if any(k.startswith("model.") for k in raw) else raw
    if "classifier.weight" not in state or "classifier.bias" not in state:
        raise ValueError(f"{path}: no model.classifier.weight / model.classifier.bias")
    if any(k.startswith("img_encoder.model.") for k in state):
        trunk, layout = _strip(state, "img_encoder.model."), "PretrainedImageClassifier"
    elif "img_encoder.conv1.weight" in state:
        trunk, layout = _strip(state, "img_encoder."), "ImageClassifier"
    else:
        raise ValueError(f"{path}: no image trunk under model.img_encoder.model.* or model.img_encoder.*")
    trunk = {k: v for k, v in trunk.items() if not k.startswith("fc.")}
    weight, bias = state["classifier.weight"].float(), state["classifier.bias"].float()
    if weight.dim() != 2 or bias.shape != (weight.shape[0],):
        raise ValueError(f"{path}: classifier weight {tuple(weight.shape)} and bias {tuple(bias.shape)} are not [C,P] and [C]")
    cfg = trunk_config(trunk, "", path, None)
    if weight.shape[1] != cfg.global_channels:
        raise ValueError(f"{path}: the classifier reads {weight.shape[1]} features; the trunk pools {cfg.global_channels}")
    return trunk, weight, bias, layout


def trunks_equal(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> bool:
    """Exactly the same trunk tensors (BatchNorm's num_batches_tracked aside)."""
    keys = {k for k in a if not k.endswith("num_batches_tracked")}
    if keys != {k for k in b if not k.endswith("num_batches_tracked")}:
        return False
    return all(a[k].shape == b[k].shape and torch.equal(a[k], b[k].to(a[k].dtype)) for k in keys)


def classifier_head(
    path: str,
    sha256: str,
    classes: Optional[Sequence[str]] = None,
    name: Optional[str] = None,
    pretrain_trunk: Optional[Dict[str, torch.Tensor]] = None,
) -> Tuple[Dict[str, Any], str]:
    """(the head file's JSON (src/services/classifier/head.import.ts), the checkpoint's layout).
    ``pretrain_trunk`` (the pretraining checkpoint's ``img_encoder.model.*`` tensors) sets
    ``encoderMatchesModel``."""
    trunk, weight, bias, layout = classifier_parts(path)
    n = int(weight.shape[0])
    if classes is None:
        if n != len(CHEXPERT_COMPETITION):
            raise ValueError(f"{path}: the classifier has {n} outputs; name them with --classifier-classes")
        classes = CHEXPERT_COMPETITION
    classes = [c.strip() for c in classes]
    if len(classes) != n or any(not c for c in classes) or len(set(classes)) != n:
        raise ValueError(f"{path}: the classifier has {n} output(s); {len(classes)} distinct class name(s) given: {classes}")
    matches = None if pretrain_trunk is None else trunks_equal(trunk, pretrain_trunk)
    base = os.path.basename(path)
    head = {
        "format": HEAD_FORMAT,
        "name": name or os.path.splitext(base)[0],
        "classes": list(classes),
        "features": "POOLED",
        "dim": int(weight.shape[1]),
        "weights": [[float(x) for x in row] for row in weight.tolist()],
        "biases": [float(x) for x in bias.tolist()],
        "source": {"checkpoint": base, "checkpointSha256": sha256, "encoderMatchesModel": matches},
    }
    return head, layout


def write_head(head: Dict[str, Any], out: str) -> None:
    with open(out, "w", encoding="utf-8") as f:
        json.dump(head, f, ensure_ascii=False)
        f.write("\n")
