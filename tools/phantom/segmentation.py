"""Train the demo model's segmentation decoder on the phantoms' masks and ship it (docs/phantom-model.md).

    tools/train-phantom-segmentation --model models/gloria-phantom

The shipped folder has no checkpoint, only ONNX graphs, and its image graph has each BatchNorm
folded into the convolution before it. The trunk is rebuilt in torch from that graph (each Conv
node's weight and bias go to the module its name gives; the BatchNorm after it becomes the identity
plus the folded bias), frozen, and taken without the encoder's 128 resize, as the reference's
segmentation model takes its trunk. Its features are computed once; a small decoder of
segmentation_models_pytorch's Unet layout (gloria_ref.segmentation) is trained on them with BCE +
soft Dice (over the images that have the finding) against the masks `gloria phantoms` writes,
at S = 128 (the whole image stretched with
INTER_AREA, x/255·2−1, as docs/model-contract.md says). The trunk and the decoder are exported
together as segmentation.onnx, and the manifest gains `segmentation`, the file's hash and the new
checksum. Dice on held-out test-split phantoms is printed (the reference's definition, per image
over the images that have the finding).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from typing import Dict, List, Tuple

import cv2
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from gloria_ref.config import ImageConfig
from gloria_ref.segmentation import SegmentationUnet
from phantom import data as phantom_data

CLASSES = ["Atelectasis", "Consolidation", "Pleural Effusion"]
SIZE = 128
DECODER = (64, 32, 32, 16, 16)


def trunk_from_onnx(model_dir: str, cfg: ImageConfig) -> Dict[str, torch.Tensor]:
    """The trunk's parameters as SegmentationUnet's encoder names, from the folded image graph."""
    graph = onnx.load(os.path.join(model_dir, "image_encoder.onnx")).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state: Dict[str, torch.Tensor] = {}
    for node in graph.node:
        if node.op_type != "Conv" or "local_embedder" in node.name:
            continue
        # "/enc/layer2/layer2.0/downsample/downsample.0/Conv" → layer2.0.downsample.0; "/enc/conv1/Conv" → conv1
        parts = [p for p in node.name.split("/")[2:-1]]
        module = parts[-1] if len(parts) == 1 else ".".join([parts[1]] + [p.split(".")[-1] for p in parts[2:]])
        weight = torch.from_numpy(init[node.input[1]].copy())
        bias = torch.from_numpy(init[node.input[2]].copy())
        bn = {"conv1": "bn1", "conv2": "bn2", "conv3": "bn3"}
        head, _, last = module.rpartition(".")
        if last in bn:
            bn_name = f"{head}.{bn[last]}" if head else bn[last]
        else:  # downsample.0 → downsample.1
            bn_name = f"{head}.1"
        state[f"encoder.{module}.weight"] = weight
        c = weight.shape[0]
        # The folded BatchNorm: y = x + bias exactly (mean 0, var + eps = 1, scale 1).
        state[f"encoder.{bn_name}.weight"] = torch.ones(c)
        state[f"encoder.{bn_name}.bias"] = bias
        state[f"encoder.{bn_name}.running_mean"] = torch.zeros(c)
        state[f"encoder.{bn_name}.running_var"] = torch.full((c,), 1.0 - 1e-5)
    return state


def stretch(gray: np.ndarray) -> np.ndarray:
    return cv2.resize(gray, (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def load_split(base: str) -> Tuple[np.ndarray, np.ndarray]:
    """Stretched images [N,S,S] uint8 and masks [N,C,S,S] {0,1} of one generated set."""
    with open(os.path.join(base, "manifest.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    images = np.zeros((len(rows), SIZE, SIZE), np.uint8)
    masks = np.zeros((len(rows), len(CLASSES), SIZE, SIZE), np.uint8)
    for i, row in enumerate(rows):
        images[i] = stretch(phantom_data.read_gray(os.path.join(base, row["Path"])))
        for cls, rel in json.loads(row.get("Mask") or "{}").items():
            if cls in CLASSES:
                m = cv2.imread(os.path.join(base, rel), cv2.IMREAD_GRAYSCALE)
                masks[i, CLASSES.index(cls)] = stretch(m) >= 128
    return images, masks


def pixels(u8: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(u8.astype(np.float32) / 255.0 * 2.0 - 1.0)
    return x.unsqueeze(1).expand(-1, 3, -1, -1).contiguous()


@torch.no_grad()
def trunk_features(net: SegmentationUnet, images: np.ndarray, batch: int = 64) -> List[torch.Tensor]:
    chunks: List[List[torch.Tensor]] = []
    for i in range(0, len(images), batch):
        feats = net.features(pixels(images[i : i + batch]))[1:]
        chunks.append([f.half() for f in feats])
    return [torch.cat([c[k] for c in chunks]) for k in range(5)]


def dice_per_image(prob: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """[N] Dice of one class per image as the reference's get_dice: P = prob > threshold, T = mask;
    2|P∩T| / (|P| + |T|) where the mask has pixels, and 1 or 0 (nothing predicted or not) where it is empty."""
    p = (prob > threshold).reshape(len(prob), -1)
    t = truth.reshape(len(truth), -1) > 0
    inter = (p & t).sum(1)
    total = p.sum(1) + t.sum(1)
    return np.where(t.sum(1) > 0, 2.0 * inter / np.maximum(total, 1), (p.sum(1) == 0).astype(np.float64))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="models/gloria-phantom")
    ap.add_argument("--work", default="scratch/phantom-segmentation")
    ap.add_argument("--train", type=int, default=1200)
    ap.add_argument("--test", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-write", action="store_true", help="train and report, leave the model folder alone")
    args = ap.parse_args(argv)
    args.work = os.path.abspath(args.work)
    args.model = os.path.abspath(args.model)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    manifest_path = os.path.join(args.model, "manifest.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    arch = manifest["source"]["architecture"]["image"]
    cfg = ImageConfig(layers=tuple(arch["layers"]), width=arch["width"], input_resize=None)
    net = SegmentationUnet(cfg, len(CLASSES), DECODER)
    missing, unexpected = net.load_state_dict(trunk_from_onnx(args.model, cfg), strict=False)
    if unexpected or any(k.startswith("encoder.") and not k.endswith("num_batches_tracked") for k in missing):
        raise SystemExit(f"trunk does not match: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for p in net.encoder.parameters():
        p.requires_grad_(False)

    started = time.time()
    train_dir = phantom_data.generate(os.path.join(args.work, "train"), args.train, 11, "train")
    test_dir = phantom_data.generate(os.path.join(args.work, "test"), args.test, 12, "test")
    train_x, train_y = load_split(os.path.dirname(train_dir))
    test_x, test_y = load_split(os.path.dirname(test_dir))
    feats = trunk_features(net, train_x)
    print(f"data and trunk features: {time.time() - started:.0f} s", file=sys.stderr)

    targets = torch.from_numpy(train_y.astype(np.float32))
    pos = targets.mean((0, 2, 3)).clamp(min=1e-3)
    pos_weight = ((1 - pos) / pos).clamp(max=50.0).view(1, -1, 1, 1)
    opt = torch.optim.Adam(list(net.decoder.parameters()) + list(net.segmentation_head.parameters()), lr=2e-3)
    steps = args.epochs * ((len(train_x) + 31) // 32)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=5e-3, total_steps=steps)
    net.decoder.train()
    net.segmentation_head.train()
    g = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        order = torch.randperm(len(train_x), generator=g)
        total = 0.0
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            # The decoder skips the input stage: an empty stand-in takes its place.
            fs = [torch.empty(0)] + [f[idx].float() for f in feats]
            logits = net.segmentation_head(net.decoder(fs))
            y = targets[idx]
            bce = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)
            # Soft Dice over the (image, class) pairs that have the finding: an absent finding is
            # left to the BCE term, so small regions are not outweighed by the many empty maps.
            p = torch.sigmoid(logits)
            present = y.sum((2, 3)) > 0
            soft = 1 - (2 * (p * y).sum((2, 3)) + 1) / (p.sum((2, 3)) + y.sum((2, 3)) + 1)
            loss = bce + (soft[present].mean() if present.any() else 0.0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print(f"epoch {epoch + 1}: loss {total / len(train_x):.4f} ({time.time() - started:.0f} s)", file=sys.stderr)
    net.eval()

    with torch.no_grad():
        probs = torch.cat([torch.sigmoid(net(pixels(test_x[i : i + 64]))) for i in range(0, len(test_x), 64)]).numpy()
    report = {"size": SIZE, "threshold": 0.5, "testImages": len(test_x), "perClass": []}
    for k, cls in enumerate(CLASSES):
        has = test_y[:, k].reshape(len(test_y), -1).any(1)
        d = dice_per_image(probs[has, k], test_y[has, k])
        empty = dice_per_image(probs[~has, k], test_y[~has, k])
        report["perClass"].append(
            {
                "className": cls,
                "images": int(has.sum()),
                "dice": float(d.mean()) if has.any() else None,
                "emptyCorrect": float(empty.mean()),
                "diceAll": float(np.concatenate([d, empty]).mean()),
            }
        )
    dices = [c["dice"] for c in report["perClass"] if c["dice"] is not None]
    report["meanDice"] = float(np.mean(dices))
    report.update({"decoderChannels": list(DECODER), "trainImages": args.train, "epochs": args.epochs, "seed": args.seed})
    os.makedirs(args.work, exist_ok=True)
    with open(os.path.join(args.work, "report.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    if args.no_write:
        return 0

    out = os.path.join(args.model, "segmentation.onnx")
    torch.onnx.export(
        net,
        (torch.zeros(1, 3, SIZE, SIZE),),
        out,
        opset_version=17,
        input_names=["pixel_values"],
        output_names=["logits"],
        dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
        do_constant_folding=True,
    )
    # Read the manifest again now: only segmentation, files and checksum change.
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    with open(out, "rb") as f:
        manifest["files"]["segmentation.onnx"] = hashlib.sha256(f.read()).hexdigest()
    manifest["segmentation"] = {"classes": CLASSES, "size": SIZE, "resize": "stretch", "norm": "half"}
    lines = sorted(f"{f}:{d}\n" for f, d in manifest["files"].items())
    manifest["checksum"] = hashlib.sha256("".join(lines).encode()).hexdigest()
    with open(manifest_path, "w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out} and {manifest_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
