"""Exports a GLoRIA checkpoint into a model folder per docs/model-contract.md.

Writes image_encoder.onnx, text_encoder.onnx, local_similarity.onnx, tokenizer.json, vocab.txt and
manifest.json. The graphs come from the eval-mode reference (gloria-numerics §10.1).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import Any, Dict, List, Optional, Tuple

import onnx
import torch

from gloria_ref.config import GloriaConfig
from gloria_ref.model import GloriaModel, load_state_dict
from gloria_ref.segmentation import SegmentationUnet
from gloria_ref.tokenizer import load_vocab
from gloria_ref.zeroshot import PROMPT_SET

from . import extras, onnx_export
from .checkpoint import check_hyper_parameters, infer_config, is_official, load_checkpoint, to_container
from .tokenizer_json import write_tokenizer_json

FORMAT = "gloria-search/model@1"
FILES = ("image_encoder.onnx", "text_encoder.onnx", "local_similarity.onnx", "tokenizer.json", "vocab.txt")
SEGMENTATION_FILE = "segmentation.onnx"


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_checksum(files: Dict[str, str]) -> str:
    """sha256 of the sorted "file:sha256" lines, each ending in "\\n" (the model id's third part)."""
    text = "".join(line + "\n" for line in sorted(f"{name}:{digest}" for name, digest in files.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_vocab(vocab: list, cfg: GloriaConfig) -> None:
    if len(vocab) != cfg.text.vocab_size:
        raise ValueError(f"vocab.txt has {len(vocab)} entries, the checkpoint's embedding table {cfg.text.vocab_size}")
    special = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102}
    for tok, want in special.items():
        if tok not in vocab or vocab.index(tok) != want:
            raise ValueError(f"vocab.txt must have {tok} at id {want} (gloria-numerics §3.2)")


def export_model(
    model: GloriaModel,
    vocab_path: str,
    out_dir: str,
    name: str,
    version: str,
    source: Optional[Dict[str, Any]] = None,
    segmentation: Optional[Tuple[SegmentationUnet, List[str], int]] = None,
) -> Dict[str, Any]:
    """Write the model folder from an in-memory model; returns the manifest. ``segmentation``
    (network, classes, size) adds segmentation.onnx and the manifest's ``segmentation``."""
    cfg = model.cfg
    vocab = load_vocab(vocab_path)
    check_vocab(vocab, cfg)
    os.makedirs(out_dir, exist_ok=True)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        onnx_export.export_image(model, os.path.join(out_dir, "image_encoder.onnx"))
        onnx_export.export_text(model, os.path.join(out_dir, "text_encoder.onnx"))
        onnx_export.export_local_similarity(cfg, os.path.join(out_dir, "local_similarity.onnx"))
    names = list(FILES)
    if segmentation is not None:
        extras.export_segmentation(segmentation[0], segmentation[2], os.path.join(out_dir, SEGMENTATION_FILE))
        names.append(SEGMENTATION_FILE)
    for graph in [n for n in names if n.endswith(".onnx")]:
        onnx.checker.check_model(os.path.join(out_dir, graph))
    write_tokenizer_json(os.path.join(out_dir, "tokenizer.json"), vocab, cfg.text.max_length, cfg.text.lowercase)
    if os.path.abspath(vocab_path) != os.path.abspath(os.path.join(out_dir, "vocab.txt")):
        shutil.copyfile(vocab_path, os.path.join(out_dir, "vocab.txt"))
    files = {f: sha256_file(os.path.join(out_dir, f)) for f in names}
    h, w = cfg.image.grid()
    _, local = model.encode_images(torch.zeros(1, 3, cfg.image.crop, cfg.image.crop))
    model.train(was_training)
    if tuple(local.shape[2:]) != (h, w):
        raise ValueError(f"region grid is {tuple(local.shape[2:])}, expected {(h, w)}")
    manifest = {
        "format": FORMAT,
        "name": name,
        "version": version,
        "checksum": model_checksum(files),
        "files": files,
        "image": {"resize": cfg.image.imsize, "crop": cfg.image.crop, "norm": cfg.image.norm, "channels": 3},
        "text": {
            "maxLength": cfg.text.max_length,
            "lowercase": cfg.text.lowercase,
            "specialIds": {"pad": 0, "unk": 100, "cls": 101, "sep": 102},
            "lastNLayers": cfg.text.last_n_layers,
        },
        "embedding": {"dim": cfg.embedding_dim, "grid": [h, w], "pooledDim": cfg.image.global_channels},
        "similarity": {
            "attentionTemperature": cfg.similarity.temp1,
            "localTemperature": cfg.similarity.temp2,
            "temp3": cfg.similarity.temp3,
            "localAggregation": "max",
        },
        "zeroShot": {"promptSet": PROMPT_SET, "reference": None},
        **({"segmentation": extras.segmentation_manifest(segmentation[1], segmentation[2])} if segmentation else {}),
        "source": {
            "exporter": "tools/export-gloria",
            "opset": onnx_export.OPSET,
            "mode": "eval (gloria-numerics §10.1)",
            "architecture": cfg.to_dict(),
            **(source or {}),
        },
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return manifest


def export_checkpoint(
    ckpt_path: str,
    vocab_path: str,
    out_dir: str,
    name: str,
    version: str,
    segmentation_ckpt: Optional[str] = None,
    segmentation_classes: Optional[List[str]] = None,
    segmentation_size: int = 512,
    segmentation_decoder: Optional[List[int]] = None,
) -> Dict[str, Any]:
    """Load a Lightning checkpoint, check its config, and export it (with the reference's
    segmentation checkpoint when given)."""
    seg = None
    if segmentation_ckpt is not None:
        net, classes = extras.build_segmentation(
            extras.segmentation_state(segmentation_ckpt), segmentation_ckpt, segmentation_classes, segmentation_decoder
        )
        seg = (net, classes, segmentation_size)
    state, hp = load_checkpoint(ckpt_path)
    check_hyper_parameters(hp)
    cfg = infer_config(state, hp)
    model = GloriaModel(cfg)
    load_state_dict(model, state)
    source = {
        "checkpoint": os.path.basename(ckpt_path),
        "checkpointSha256": sha256_file(ckpt_path),
        "officialConfig": is_official(hp),
        "hyperParameters": _jsonable(to_container(hp)),
    }
    if segmentation_ckpt is not None:
        source["segmentationCheckpoint"] = os.path.basename(segmentation_ckpt)
        source["segmentationCheckpointSha256"] = sha256_file(segmentation_ckpt)
    return export_model(model, vocab_path, out_dir, name, version, source, seg)


def _jsonable(x: Any) -> Any:
    try:
        json.dumps(x)
        return x
    except TypeError:
        if isinstance(x, dict):
            return {str(k): _jsonable(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [_jsonable(v) for v in x]
        return repr(x)
