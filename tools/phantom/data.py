"""Synthetic phantom data for the gloria-phantom model: generation, decoding and caching.

Phantoms come from the TypeScript generator (``gloria phantoms``, docs/phantoms.md). Every image is
decoded to 8-bit grey the way the serving side decodes it and then taken through GLoRIA's
resize-and-pad of gloria-numerics §2.2-2.3 (the reference OpenCV code), so training, evaluation and the
TypeScript runtime see the same pixels. Nothing here trains or evaluates.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional

import cv2
import numpy as np

from gloria_ref.preprocess import resize_pad

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]


@dataclass
class Finding:
    cls: str
    severity: str
    location: Optional[str]

    @property
    def side(self) -> Optional[str]:
        """The patient's side (left, right, bilateral) or None; docs/phantoms.md."""
        if self.location is None:
            return None
        for side in ("left", "right"):
            if self.location.startswith(side):
                return side
        return "bilateral"


@dataclass
class PhantomSet:
    """One generated set: images after §2.2-2.3 (uint8 [N,256,256]), reports, labels, findings."""

    images: np.ndarray
    reports: List[str]
    labels: np.ndarray  # [N,5] int, CLASSES order
    findings: List[List[Finding]]
    paths: List[str]

    def __len__(self) -> int:
        return len(self.reports)

    def single_finding(self) -> np.ndarray:
        """Indices of images with exactly one finding."""
        return np.array([i for i, f in enumerate(self.findings) if len(f) == 1], dtype=np.int64)


def generate(out_dir: str, count: int, seed: int, split: str) -> str:
    """Writes a phantom set with the generator behind ``gloria phantoms`` (tools/phantom/generate.mjs)
    unless ``out_dir`` already holds a manifest of ``count`` rows."""
    manifest = os.path.join(out_dir, "manifest.csv")
    if os.path.exists(manifest):
        with open(manifest, newline="", encoding="utf-8") as f:
            if sum(1 for _ in csv.DictReader(f)) == count:
                return manifest
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generate.mjs")
    cmd = ["node", script, out_dir, str(count), str(seed), split]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return manifest


def _linear_window(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2 LINEAR window onto 0-255, rounded half up (as src/model/image does)."""
    lo = center - 0.5 - (width - 1) / 2
    hi = center - 0.5 + (width - 1) / 2
    scaled = np.floor(((values - (center - 0.5)) / (width - 1) + 0.5) * 255 + 0.5)
    out = np.where(values <= lo, 0, np.where(values > hi, 255, scaled))
    return out.astype(np.uint8)


def _first(value) -> float:
    try:
        return float(value[0])
    except TypeError:
        return float(value)


def read_dicom(path: str) -> np.ndarray:
    """uint8 grey from a phantom DICOM: modality rescale, the file's window, MONOCHROME1 inverted."""
    import pydicom

    ds = pydicom.dcmread(path)
    raw = ds.pixel_array.astype(np.float64)
    values = raw * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
    center, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center is not None and width is not None and _first(width) >= 1:
        gray = _linear_window(values, _first(center), _first(width))
    else:
        lo, hi = values.min(), values.max()
        gray = np.floor((values - lo) * (255.0 / max(hi - lo, 1e-9)) + 0.5).astype(np.uint8)
    if str(ds.PhotometricInterpretation).upper() == "MONOCHROME1":
        gray = 255 - gray
    return gray


def read_gray(path: str) -> np.ndarray:
    """uint8 grey as the serving side decodes it: cv2.imread(path, 0) for PNG (16-bit included,
    gloria-numerics §2.1), the windowing above for DICOM."""
    if path.lower().endswith(".dcm"):
        return read_dicom(path)
    gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise ValueError(f"cannot read {path}")
    return gray


def load_set(manifest_path: str, imsize: int = 256, cache: bool = True) -> PhantomSet:
    """Reads a generated set; the resized images are cached next to the manifest as images.npy."""
    base = os.path.dirname(manifest_path)
    with open(manifest_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cache_path = os.path.join(base, f"images-{imsize}.npy")
    images = None
    if cache and os.path.exists(cache_path):
        images = np.load(cache_path)
        if images.shape[0] != len(rows):
            images = None
    if images is None:
        images = np.stack([resize_pad(read_gray(os.path.join(base, r["Path"])), imsize) for r in rows])
        if cache:
            np.save(cache_path, images)
    findings = [
        [Finding(f["class"], f["severity"], f.get("location")) for f in json.loads(r["Findings"])] for r in rows
    ]
    labels = np.array([[int(r[c]) for c in CLASSES] for r in rows], dtype=np.int64)
    return PhantomSet(images, [r["Report"] for r in rows], labels, findings, [r["Path"] for r in rows])


def load_or_generate(work: str, name: str, count: int, seed: int, split: str) -> PhantomSet:
    out = os.path.join(work, name)
    return load_set(generate(out, count, seed, split))


def class_side_index(findings: List[Finding]) -> Dict[str, Optional[str]]:
    """class → side for one image's findings."""
    return {f.cls: f.side for f in findings}
