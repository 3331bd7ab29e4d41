#!/usr/bin/python3
"""Golden data for the TypeScript image decoding and preprocessing (gloria-numerics §2, §8).

Everything expected here comes from the reference stack: cv2.imread(path, 0) for PNG/JPEG/TIFF,
cv2.resize(..., INTER_AREA), numpy padding, PIL convert("RGB") and torchvision CenterCrop, ToTensor
and Normalize(0.5, 0.5) for the encoder input, pydicom for DICOM pixel data, and cv2.convertScaleAbs
for the RSNA scaling of §8.

Images whose content is only needed as pixels (the resize sweep, the preprocessing shapes) are not
stored: both sides build them from `synthetic()` below, a hash of (x, y, seed) that the tests
reproduce, so only their sizes and SHA-256 digests are written. Files that must be decoded are
written small.

Usage: /usr/bin/python3 tools/goldens/preprocess_goldens.py [--out tests/fixtures/preprocess]
Writes <out>/*.png|jpg|tif|dcm and <out>/goldens.json. Deterministic: running it twice gives the
same files (except JPEG/DICOM encoder versions, which the digests then follow).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pydicom
import torch
from PIL import Image
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filebase import DicomBytesIO
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
    RLELossless,
)
from torchvision import transforms

torch.set_num_threads(1)
cv2.setNumThreads(1)

ROOT = Path(__file__).resolve().parents[2]


def sha(a: np.ndarray | bytes) -> str:
    data = a if isinstance(a, bytes) else np.ascontiguousarray(a).tobytes()
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Synthetic content shared with tests/unit/image/synthetic-image.ts (keep the two in step).

M32 = 0xFFFFFFFF


def _mix(h: np.ndarray) -> np.ndarray:
    h = h.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x7FEB352D)
    h ^= h >> np.uint32(15)
    h *= np.uint32(0x846CA68B)
    h ^= h >> np.uint32(16)
    return h


def synthetic(width: int, height: int, seed: int, mode: str) -> np.ndarray:
    """uint8 [height, width]. Modes: noise (uniform bytes), ties (126..129, stresses rounding
    of halves), smooth (a diagonal ramp with ±3 noise), xray (bright disc on a dark ramp)."""
    x = np.arange(width, dtype=np.uint32)[None, :]
    y = np.arange(height, dtype=np.uint32)[:, None]
    with np.errstate(over="ignore"):
        h = _mix(x * np.uint32(0x9E3779B1) + y * np.uint32(0x85EBCA77) + np.uint32((seed * 0xC2B2AE3D) & M32))
    h = h.astype(np.int64)
    xi = x.astype(np.int64)
    yi = y.astype(np.int64)
    if mode == "noise":
        out = h & 255
    elif mode == "ties":
        out = 126 + (h & 3)
    elif mode == "smooth":
        ramp = (xi * 255) // max(width - 1, 1) + (yi * 255) // max(height - 1, 1)
        out = ramp // 2 + (h & 7) - 3
    elif mode == "xray":
        cx, cy = width // 2, height // 2
        r2 = (xi - cx) ** 2 + (yi - cy) ** 2
        rad = max(min(width, height) // 3, 1)
        base = 20 + (yi * 60) // max(height, 1)
        out = np.where(r2 < rad * rad, 200 - (r2 * 80) // (rad * rad), base) + (h & 15) - 8
    else:
        raise ValueError(mode)
    return np.clip(np.broadcast_to(out, (height, width)), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# The reference pipeline (gloria-numerics §2; gloria/models/gloria_model.py::process_img).


def reference_resize(gray: np.ndarray, imsize: int = 256) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    size = gray.shape
    max_dim = max(size)
    max_ind = size.index(max_dim)
    if max_ind == 0:
        wpercent = imsize / float(size[0])
        hsize = int(float(size[1]) * float(wpercent))
        desireable_size = (imsize, hsize)
    else:
        hpercent = imsize / float(size[1])
        wsize = int(float(size[0]) * float(hpercent))
        desireable_size = (wsize, imsize)
    resized = cv2.resize(gray, desireable_size[::-1], interpolation=cv2.INTER_AREA)
    if max_ind == 0:
        pad = imsize - resized.shape[1]
        top, bottom, left, right = 0, 0, int(np.floor(pad / 2)), int(np.ceil(pad / 2))
    else:
        pad = imsize - resized.shape[0]
        top, bottom, left, right = int(np.floor(pad / 2)), int(np.ceil(pad / 2)), 0, 0
    padded = np.pad(resized, [(top, bottom), (left, right)], "constant", constant_values=0)
    return resized, padded, (top, bottom, left, right)


TRANSFORM = transforms.Compose(
    [transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
)


def reference_preprocess(gray: np.ndarray) -> dict:
    resized, padded, (top, bottom, left, right) = reference_resize(gray)
    img = Image.fromarray(padded).convert("RGB")
    cropped_u8 = np.asarray(transforms.CenterCrop(224)(img))[..., 0]
    tensor = TRANSFORM(img)
    assert tensor.dtype == torch.float32 and tuple(tensor.shape) == (3, 224, 224)
    return {
        "resized": [int(resized.shape[1]), int(resized.shape[0])],
        "padding": [top, bottom, left, right],
        "resizedSha256": sha(resized),
        "croppedSha256": sha(cropped_u8),
        "pixelsSha256": sha(tensor.numpy().astype("<f4")),
    }


# ---------------------------------------------------------------------------------------------
# Resize sweep: cv2.resize INTER_AREA over many shapes, synthetic content.


def resize_cases(rng: np.random.Generator) -> list[tuple[int, int, int, int, int, str]]:
    cases: list[tuple[int, int, int, int]] = []
    # GLoRIA's own targets (§2.2) for assorted source sizes.
    for sw, sh in [(320, 390), (390, 320), (300, 300), (256, 256), (200, 256), (100, 80), (80, 100),
                   (512, 512), (1024, 768), (768, 1024), (3, 200), (1, 200), (200, 3), (257, 255),
                   (511, 513), (2048, 2500), (1500, 1800), (255, 256), (129, 64)]:
        if sh >= sw:
            dh, dw = 256, int(sw * (256 / sh))
        else:
            dw, dh = 256, int(sh * (256 / sw))
        cases.append((sw, sh, dw, dh))
    # Integer factors (area fast path), equal and unequal per axis.
    for f in [(2, 2), (3, 3), (4, 4), (5, 5), (2, 3), (3, 2), (4, 1), (1, 4), (7, 7), (8, 8)]:
        for dw, dh in [(17, 13), (64, 48), (37, 41), (8, 9)]:
            cases.append((dw * f[0], dh * f[1], dw, dh))
    # Enlarging and mixed axes, with widths around the 8/16-lane boundaries.
    for dw in [1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 100, 256]:
        cases.append((max(1, dw // 3), 11, dw, 29))
        cases.append((dw + 5 if dw < 60 else dw * 2, 7, dw, 23))
    # Random shapes: shrink, enlarge, mixed.
    while len(cases) < 320:
        sw, sh = int(rng.integers(1, 400)), int(rng.integers(1, 400))
        kind = rng.integers(0, 3)
        if kind == 0:
            dw, dh = int(rng.integers(1, sw + 1)), int(rng.integers(1, sh + 1))
        elif kind == 1:
            dw, dh = int(rng.integers(sw, sw * 4 + 2)), int(rng.integers(sh, sh * 4 + 2))
        else:
            dw, dh = int(rng.integers(1, 300)), int(rng.integers(1, 300))
        cases.append((sw, sh, dw, dh))
    modes = ["noise", "ties", "smooth", "xray"]
    return [(sw, sh, dw, dh, 1000 + i, modes[i % 4]) for i, (sw, sh, dw, dh) in enumerate(cases)]


def large_resize_cases(rng: np.random.Generator, n: int) -> list[tuple[int, int, int, int, int, str]]:
    """Many more random shapes, up to radiograph sizes, for the optional large sweep."""
    modes = ["noise", "ties", "smooth", "xray"]
    cases = []
    for i in range(n):
        big = i % 10 == 0
        sw = int(rng.integers(1, 3000 if big else 600))
        sh = int(rng.integers(1, 3000 if big else 600))
        kind = i % 4
        if kind == 0:  # GLoRIA's target (§2.2)
            if sh >= sw:
                dh, dw = 256, int(sw * (256 / sh))
            else:
                dw, dh = 256, int(sh * (256 / sw))
            if dw == 0 or dh == 0:
                continue
        elif kind == 1:
            dw, dh = int(rng.integers(1, sw + 1)), int(rng.integers(1, sh + 1))
        elif kind == 2:
            f = int(rng.integers(2, 9))
            dw, dh = max(1, sw // f), max(1, sh // f)
            sw, sh = dw * f, dh * f
        else:
            dw, dh = int(rng.integers(1, 700)), int(rng.integers(1, 700))
        cases.append((sw, sh, dw, dh, 50000 + i, modes[i % 4]))
    return cases


def resize_sweep(cases: list[tuple[int, int, int, int, int, str]]) -> list[dict]:
    out = []
    for sw, sh, dw, dh, seed, mode in cases:
        src = synthetic(sw, sh, seed, mode)
        dst = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_AREA)
        assert dst.shape == (dh, dw)
        out.append({"sw": sw, "sh": sh, "dw": dw, "dh": dh, "seed": seed, "mode": mode, "sha256": sha(dst)})
    return out


def preprocess_shapes() -> list[dict]:
    out = []
    shapes = [(320, 390, "xray"), (390, 320, "xray"), (300, 300, "smooth"), (256, 256, "noise"),
              (210, 256, "noise"), (100, 80, "xray"), (80, 100, "smooth"), (512, 512, "ties"),
              (1024, 768, "xray"), (3, 200, "noise"), (1, 200, "smooth"), (511, 513, "noise"),
              (1700, 2100, "xray"), (255, 255, "ties")]
    for i, (w, h, mode) in enumerate(shapes):
        gray = synthetic(w, h, 7 + i, mode)
        out.append({"width": w, "height": h, "seed": 7 + i, "mode": mode, **reference_preprocess(gray)})
    return out


def pixel_table() -> list[float]:
    """The 256 float32 values ToTensor+Normalize give each grey level (§2.6–§2.7)."""
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])(Image.fromarray(ramp))
    return [float(v) for v in t.numpy().reshape(-1)]


# ---------------------------------------------------------------------------------------------
# Files to decode.


def add_png_chunk(png: bytes, ctype: bytes, data: bytes) -> bytes:
    """Inserts a chunk right after IHDR."""
    ihdr_end = 8 + 4 + 4 + 13 + 4
    chunk = struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & M32)
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def write_image_files(out: Path) -> list[dict]:
    files: list[tuple[str, bytes]] = []

    def pil_bytes(img: Image.Image, fmt: str, **kw) -> bytes:
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        return b.getvalue()

    def cv_bytes(arr: np.ndarray, ext: str, params: list[int] | None = None) -> bytes:
        ok, enc = cv2.imencode(ext, arr, params or [])
        assert ok
        return enc.tobytes()

    tall = synthetic(320, 390, 1, "xray")
    files.append(("gray8_tall_390x320.png", cv_bytes(tall, ".png", [cv2.IMWRITE_PNG_COMPRESSION, 9])))
    g16 = (synthetic(60, 50, 2, "smooth").astype(np.uint16) * 257 + synthetic(60, 50, 3, "noise")).astype(np.uint16)
    files.append(("gray16.png", cv_bytes(g16, ".png")))
    rgb = np.stack([synthetic(48, 40, s, m) for s, m in [(4, "noise"), (5, "smooth"), (6, "xray")]], -1)
    files.append(("rgb8.png", pil_bytes(Image.fromarray(rgb), "PNG")))
    rgba = np.concatenate([rgb, synthetic(48, 40, 7, "noise")[..., None]], -1)
    files.append(("rgba8.png", pil_bytes(Image.fromarray(rgba, "RGBA"), "PNG")))
    files.append(("palette.png", pil_bytes(Image.fromarray(rgb).quantize(32), "PNG")))
    la = np.stack([synthetic(48, 40, 8, "xray"), synthetic(48, 40, 9, "noise")], -1)
    files.append(("gray_alpha.png", pil_bytes(Image.fromarray(la, "LA"), "PNG")))
    files.append(("gray1bit.png", pil_bytes(Image.fromarray(synthetic(48, 40, 10, "noise") > 127), "PNG")))
    plain = pil_bytes(Image.fromarray(rgb), "PNG")
    files.append(("rgb8_gamma045.png", add_png_chunk(plain, b"gAMA", struct.pack(">I", 45455))))
    files.append(("rgb8_srgb.png", add_png_chunk(plain, b"sRGB", b"\x00")))
    files.append(("rgb8_gamma1.png", add_png_chunk(plain, b"gAMA", struct.pack(">I", 100000))))
    rgb16 = np.stack([(synthetic(40, 32, s, "smooth").astype(np.uint16) * 257 + synthetic(40, 32, s + 1, "noise"))
                      for s in (11, 13, 15)], -1).astype(np.uint16)
    files.append(("rgb16.png", cv_bytes(rgb16[..., ::-1], ".png")))
    exif = Image.Exif()
    exif[0x0112] = 6
    small = synthetic(60, 40, 17, "xray")
    files.append(("orient6.png", pil_bytes(Image.fromarray(small), "PNG", exif=exif.tobytes())))
    files.append(("orient6.jpg", pil_bytes(Image.fromarray(small), "JPEG", exif=exif.tobytes(), quality=90)))
    files.append(("gray.jpg", cv_bytes(synthetic(90, 70, 18, "xray"), ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90])))
    crgb = np.stack([synthetic(64, 48, s, m) for s, m in [(19, "xray"), (20, "smooth"), (21, "noise")]], -1)
    files.append(("color420.jpg", pil_bytes(Image.fromarray(crgb), "JPEG", quality=85)))
    files.append(("color444.jpg", pil_bytes(Image.fromarray(crgb), "JPEG", quality=92, subsampling=0)))
    files.append(("color_progressive.jpg", pil_bytes(Image.fromarray(crgb), "JPEG", quality=85, progressive=True)))
    files.append(("color_bgr_cv2.jpg", cv_bytes(crgb, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 80])))
    files.append(("cmyk.jpg", pil_bytes(Image.fromarray(crgb).convert("CMYK"), "JPEG", quality=90)))
    files.append(("gray8.tif", pil_bytes(Image.fromarray(synthetic(50, 40, 22, "xray")), "TIFF")))
    files.append(("rgb8.tif", pil_bytes(Image.fromarray(crgb), "TIFF")))
    files.append(("gray16.tif", cv_bytes(g16, ".tif")))
    files.append(("rgb16.tif", cv_bytes(rgb16[..., ::-1], ".tif")))

    entries = []
    for name, data in files:
        (out / name).write_bytes(data)
        gray = cv2.imread(str(out / name), 0)
        assert gray is not None and gray.dtype == np.uint8, name
        entries.append({
            "file": name,
            "width": int(gray.shape[1]),
            "height": int(gray.shape[0]),
            "graySha256": sha(gray),
            **({"preprocess": reference_preprocess(gray)} if name == "gray8_tall_390x320.png" else {}),
        })
    return entries


# ---------------------------------------------------------------------------------------------
# DICOM: files built with pydicom; expectations from pydicom's pixel_array in numpy.


def voi_linear(x: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2 (LINEAR) to 0..255, rounded half up."""
    y = ((x - (center - 0.5)) / (width - 1) + 0.5) * 255.0
    y = np.where(x <= center - 0.5 - (width - 1) / 2, 0.0, y)
    y = np.where(x > center - 0.5 + (width - 1) / 2, 255.0, y)
    return np.floor(y + 0.5).astype(np.uint8)


def minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        return np.zeros(x.shape, np.uint8)
    return np.floor((x - lo) * (255.0 / (hi - lo)) + 0.5).astype(np.uint8)


def rsna(pixel_array: np.ndarray, photometric: str) -> np.ndarray:
    """gloria/datasets/image_dataset.py::PneumoniaImageDataset.read_from_dicom (gloria-numerics §8).

    One deliberate difference: pydicom returns big-endian arrays for Explicit VR Big Endian files and
    cv2 reads their bytes as if native, so the reference turns those images into noise; the values
    are put in native order first."""
    pixel_array = pixel_array.astype(pixel_array.dtype.newbyteorder("="))
    x = cv2.convertScaleAbs(pixel_array, alpha=(255.0 / pixel_array.max()))
    if photometric == "MONOCHROME1":
        x = cv2.bitwise_not(x)
    return x


def expected_dicom(ds: pydicom.Dataset, arr: np.ndarray | None = None) -> dict:
    """Expected grey for each scaling mode. `arr` replaces pixel_array where pydicom has no decoder."""
    if arr is None:
        arr = ds.pixel_array
        if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1:
            arr = arr[0]
    photometric = ds.PhotometricInterpretation
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    modality = arr.astype(np.float64) * slope + intercept
    out = {}
    if "WindowCenter" in ds:
        wc = ds.WindowCenter
        ww = ds.WindowWidth
        wc = float(wc[0] if isinstance(wc, pydicom.multival.MultiValue) else wc)
        ww = float(ww[0] if isinstance(ww, pydicom.multival.MultiValue) else ww)
        win = voi_linear(modality, wc, ww)
    else:
        win = minmax(modality)
    mm = minmax(modality)
    if photometric == "MONOCHROME1":
        win, mm = 255 - win, 255 - mm
    out["window"] = sha(win)
    out["minmax"] = sha(mm)
    out["rsna"] = sha(rsna(arr, photometric))
    return out


def encode_jpeg_lossless(img: np.ndarray, precision: int, predictor: int, pt: int = 0, restart: int = 0) -> bytes:
    """A minimal ITU T.81 process-14 encoder (one component, one Huffman table), for fixtures only:
    pydicom and cv2 here cannot write (or read) lossless JPEG, so the expected pixels are the source."""
    h, w = img.shape
    x = (img.astype(np.int64) >> pt).tolist()
    initial = 1 << (precision - pt - 1)
    cats: list[int] = []
    bits: list[tuple[int, int]] = []
    restart_row, restart_col, left = 0, 0, restart
    order: list[tuple[int, int, bool]] = []  # (y, x, restart before this sample)
    for yy in range(h):
        for xx in range(w):
            rst = bool(restart) and left == 0 and (yy, xx) != (0, 0)
            if rst:
                left = restart
                restart_row, restart_col = yy, xx
            if restart:
                left -= 1
            if yy == restart_row:
                pred = initial if xx == restart_col else x[yy][xx - 1]
            elif xx == 0:
                pred = x[yy - 1][xx]
            else:
                ra, rb, rc = x[yy][xx - 1], x[yy - 1][xx], x[yy - 1][xx - 1]
                pred = {1: ra, 2: rb, 3: rc, 4: ra + rb - rc, 5: ra + ((rb - rc) >> 1),
                        6: rb + ((ra - rc) >> 1), 7: (ra + rb) >> 1}[predictor]
            d = (x[yy][xx] - pred) & 0xFFFF
            if d >= 0x8000:
                d -= 0x10000
            if d == -0x8000:
                cat, extra = 16, (0, 0)
            else:
                cat = 0 if d == 0 else abs(d).bit_length()
                extra = (d if d > 0 else d + (1 << cat) - 1, cat)
            cats.append(cat)
            bits.append(extra)
            order.append((yy, xx, rst))
    # Huffman code lengths from the category counts, plus a reserved symbol so no code is all ones.
    freq = {c: cats.count(c) for c in set(cats)}
    nodes = [(f, [c]) for c, f in sorted(freq.items())] + [(0, [-1])]
    lengths = {c: 0 for c in list(freq) + [-1]}
    while len(nodes) > 1:
        nodes.sort(key=lambda n: (n[0], min(n[1])))
        (fa, a), (fb, b) = nodes[0], nodes[1]
        for c in a + b:
            lengths[c] += 1
        nodes = nodes[2:] + [(fa + fb, a + b)]
    if len(lengths) == 2:
        lengths = {c: 1 for c in lengths}
    assert max(lengths.values()) <= 16
    symbols = sorted(lengths, key=lambda c: (lengths[c], c if c >= 0 else 99))
    codes, code, prev = {}, 0, lengths[symbols[0]]
    for c in symbols:
        code <<= lengths[c] - prev
        prev = lengths[c]
        codes[c] = (code, lengths[c])
        code += 1
    real = [c for c in symbols if c >= 0]
    counts = bytes(sum(1 for c in real if lengths[c] == n) for n in range(1, 17))
    out = bytearray()
    acc, nacc = 0, 0
    def put(v: int, n: int) -> None:
        nonlocal acc, nacc
        acc = (acc << n) | v
        nacc += n
        while nacc >= 8:
            byte = (acc >> (nacc - 8)) & 0xFF
            nacc -= 8
            out.append(byte)
            if byte == 0xFF:
                out.append(0)
    def flush() -> None:
        nonlocal acc, nacc
        if nacc:
            put((1 << (8 - nacc)) - 1, 8 - nacc)
        acc = 0
    rst_n = 0
    for (yy, xx, rst), cat, (v, n) in zip(order, cats, bits):
        if rst:
            flush()
            out.extend([0xFF, 0xD0 + rst_n])
            rst_n = (rst_n + 1) % 8
        put(*codes[cat])
        if n:
            put(v, n)
    flush()
    seg = lambda m, body: bytes([0xFF, m]) + struct.pack(">H", len(body) + 2) + body
    header = b"\xff\xd8"
    header += seg(0xC3, bytes([precision]) + struct.pack(">HH", h, w) + bytes([1, 1, 0x11, 0]))
    header += seg(0xC4, bytes([0x00]) + counts + bytes(real))
    if restart:
        header += seg(0xDD, struct.pack(">H", restart))
    header += seg(0xDA, bytes([1, 1, 0x00, predictor, 0, pt]))
    return header + bytes(out) + b"\xff\xd9"


def base_dataset(rows: int, cols: int, syntax: str, preamble: bytes = b"\0" * 128) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image for Presentation
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1." + str(rows * 1000 + cols)
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.8.498.1"
    ds = FileDataset(None, {}, file_meta=meta, preamble=preamble)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.2"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.3"
    ds.PatientName = "Phantom^Synthetic"
    ds.PatientID = "SYNTH-001"
    ds.Modality = "DX"
    ds.ViewPosition = "PA"
    ds.BodyPartExamined = "CHEST"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.is_little_endian = syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    return ds


def set_pixels(ds: Dataset, arr: np.ndarray, bits_stored: int, signed: bool, photometric: str) -> None:
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = arr.dtype.itemsize * 8
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if arr.ndim == 3:
        ds.NumberOfFrames = arr.shape[0]
    dtype = arr.dtype.newbyteorder("<" if ds.is_little_endian else ">")
    ds.PixelData = arr.astype(dtype).tobytes()


def write_dicom_files(out: Path) -> list[dict]:
    items: list[tuple[str, FileDataset, dict]] = []
    rows, cols = 48, 40

    base12 = (synthetic(cols, rows, 30, "xray").astype(np.uint16) * 16 + synthetic(cols, rows, 31, "noise") % 16)

    ds = base_dataset(rows, cols, ExplicitVRLittleEndian)
    set_pixels(ds, base12, 12, False, "MONOCHROME2")
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 2, -1024, "US"
    ds.WindowCenter, ds.WindowWidth = 1500, 3000
    items.append(("mono2_u16_rescale_window.dcm", ds, {}))

    ds = base_dataset(rows, cols, ExplicitVRLittleEndian)
    set_pixels(ds, base12, 12, False, "MONOCHROME1")
    ds.WindowCenter = pydicom.multival.MultiValue(pydicom.valuerep.DSfloat, ["2048", "1000"])
    ds.WindowWidth = pydicom.multival.MultiValue(pydicom.valuerep.DSfloat, ["4096", "500"])
    items.append(("mono1_u16_two_windows.dcm", ds, {}))

    # Its preamble starts like a TIFF file, as dual-format DICOM files do; "DICM" must win.
    ds = base_dataset(rows, cols, ExplicitVRLittleEndian, preamble=b"II*\0" + b"\0" * 124)
    set_pixels(ds, synthetic(cols, rows, 32, "xray"), 8, False, "MONOCHROME2")
    items.append(("mono2_u8_no_window.dcm", ds, {}))

    signed = (base12.astype(np.int32) - 2048).astype(np.int16)
    ds = base_dataset(rows, cols, ImplicitVRLittleEndian)
    set_pixels(ds, signed, 16, True, "MONOCHROME2")
    ds.RescaleSlope, ds.RescaleIntercept = 1, 0
    ds.WindowCenter, ds.WindowWidth = 40, 400
    items.append(("mono2_s16_implicit.dcm", ds, {}))

    ds = base_dataset(rows, cols, ExplicitVRBigEndian)
    set_pixels(ds, base12, 12, False, "MONOCHROME2")
    ds.WindowCenter, ds.WindowWidth = 2000, 2500
    items.append(("mono2_u16_big_endian.dcm", ds, {}))

    ds = base_dataset(rows, cols, DeflatedExplicitVRLittleEndian)
    set_pixels(ds, base12, 12, False, "MONOCHROME2")
    items.append(("mono2_u16_deflated.dcm", ds, {}))

    ds = base_dataset(rows, cols, ExplicitVRLittleEndian)
    set_pixels(ds, base12, 12, False, "MONOCHROME2")
    ds.compress(RLELossless, encoding_plugin="pydicom")
    items.append(("mono2_u16_rle.dcm", ds, {}))

    ds = base_dataset(rows, cols, ExplicitVRLittleEndian)
    set_pixels(ds, synthetic(cols, rows, 33, "xray"), 8, False, "MONOCHROME1")
    ds.compress(RLELossless, encoding_plugin="pydicom")
    items.append(("mono1_u8_rle.dcm", ds, {}))

    frames = np.stack([base12, base12[::-1]])
    ds = base_dataset(rows, cols, ExplicitVRLittleEndian)
    set_pixels(ds, frames, 12, False, "MONOCHROME2")
    items.append(("mono2_u16_two_frames.dcm", ds, {}))

    jpeg_src = synthetic(cols, rows, 34, "xray")
    ok, enc = cv2.imencode(".jpg", jpeg_src, [cv2.IMWRITE_JPEG_QUALITY, 92])
    ds = base_dataset(rows, cols, JPEGBaseline8Bit)
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = encapsulate([enc.tobytes()])
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    items.append(("mono2_jpeg_baseline.dcm", ds, {"jpegSource": True}))

    # Lossless JPEG: SV1 (.70) and other predictors (.57), with restarts and a point transform.
    for name, src, bits, predictor, pt, restart in [
        ("mono2_u16_jpeg_lossless_sv1.dcm", base12, 12, 1, 0, 0),
        ("mono2_u16_jpeg_lossless_p7_restart.dcm", base12, 12, 7, 0, cols),
        ("mono2_u16_jpeg_lossless_p4_restart_midrow.dcm", base12, 12, 4, 0, 29),
        ("mono2_u16_jpeg_lossless_p6_pt1.dcm", (base12 >> 1) << 1, 12, 6, 1, 0),
        ("mono2_u16_jpeg_lossless_p5_16bit.dcm", (base12.astype(np.uint32) * 16 + 7).astype(np.uint16), 16, 5, 0, 0),
        ("mono2_u8_jpeg_lossless_p2.dcm", synthetic(cols, rows, 35, "noise"), 8, 2, 0, 0),
        ("mono2_u8_jpeg_lossless_p3.dcm", synthetic(cols, rows, 36, "smooth"), 8, 3, 0, 0),
    ]:
        syntax = "1.2.840.10008.1.2.4.70" if predictor == 1 else "1.2.840.10008.1.2.4.57"
        ds = base_dataset(rows, cols, syntax)
        set_pixels(ds, src, bits, False, "MONOCHROME2")
        ds.PixelData = encapsulate([encode_jpeg_lossless(src, bits, predictor, pt, restart)])
        ds["PixelData"].is_undefined_length = True
        ds["PixelData"].VR = "OB"
        if bits == 12:
            ds.WindowCenter, ds.WindowWidth = 2048, 3000
        items.append((name, ds, {"source": src}))

    rgb = np.stack([synthetic(cols, rows, s, "xray") for s in (37, 38, 39)], -1)
    ds = base_dataset(rows, cols, ExplicitVRLittleEndian)
    ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
    set_pixels(ds, rgb, 8, False, "RGB")
    items.append(("rgb_u8.dcm", ds, {"gray": cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)}))

    entries = []
    for name, ds, extra in items:
        path = out / name
        ds.save_as(path, write_like_original=False)
        back = pydicom.dcmread(path)
        if "gray" in extra:
            exp = {"gray": sha(extra["gray"])}
        else:
            exp = expected_dicom(back, extra.get("source"))
        if extra.get("jpegSource"):
            # pydicom decodes JPEG with Pillow (libjpeg); the decoder under test must agree with cv2.
            gray = cv2.imdecode(np.frombuffer(pydicom.encaps.defragment_data(back.PixelData), np.uint8), 0)
            assert sha(gray) == sha(back.pixel_array), "Pillow and cv2 disagree on the JPEG frame"
        entries.append({
            "file": name,
            "width": int(back.Columns),
            "height": int(back.Rows),
            "transferSyntaxUid": str(back.file_meta.TransferSyntaxUID),
            "photometric": str(back.PhotometricInterpretation),
            "expected": exp,
        })

    # Files that must be refused: a JPEG 2000 frame (no decoder here) and a deflate bomb (8×8 image,
    # but the data set inflates to 20 MiB).
    ds = base_dataset(8, 8, "1.2.840.10008.1.2.4.90")
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + bytes(60)])
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    ds.save_as(out / "unsupported_jpeg2000.dcm", write_like_original=False)
    ds = base_dataset(8, 8, DeflatedExplicitVRLittleEndian)
    set_pixels(ds, np.zeros((8, 8), np.uint16), 12, False, "MONOCHROME2")
    ds.add_new(0x00091010, "OB", bytes(20 * 1024 * 1024))
    ds.private_block(0x0009, "SYNTHETIC PADDING", create=True)
    ds.save_as(out / "deflate_bomb.dcm", write_like_original=False)

    # The same 16-bit image without the 128-byte preamble and "DICM" (a raw data set).
    ds = base_dataset(rows, cols, ImplicitVRLittleEndian)
    set_pixels(ds, base12, 12, False, "MONOCHROME2")
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    raw = DicomBytesIO()
    raw.is_little_endian, raw.is_implicit_VR = True, True
    pydicom.filewriter.write_dataset(raw, ds)
    (out / "no_preamble_implicit.dcm").write_bytes(raw.getvalue())
    entries.append({
        "file": "no_preamble_implicit.dcm",
        "width": cols,
        "height": rows,
        "transferSyntaxUid": ImplicitVRLittleEndian,
        "photometric": "MONOCHROME2",
        "expected": expected_dicom(ds),
    })
    return entries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests/fixtures/preprocess")
    ap.add_argument("--large", type=int, metavar="N", default=0,
                    help="also write N more random resize cases to tests/fixtures/large/preprocess (gitignored)")
    args = ap.parse_args()
    if args.large:
        large = ROOT / "tests/fixtures/large/preprocess"
        large.mkdir(parents=True, exist_ok=True)
        sweep = resize_sweep(large_resize_cases(np.random.default_rng(99), args.large))
        (large / "resize_sweep.json").write_text(json.dumps({"resizeSweep": sweep}) + "\n")
        print(f"wrote {large / 'resize_sweep.json'} ({len(sweep)} cases)")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240611)
    goldens = {
        "generator": "tools/goldens/preprocess_goldens.py",
        "versions": {"cv2": cv2.__version__, "numpy": np.__version__, "torch": torch.__version__,
                     "pydicom": pydicom.__version__},
        "pixelTable": pixel_table(),
        "resizeSweep": resize_sweep(resize_cases(rng)),
        "preprocess": preprocess_shapes(),
        "images": write_image_files(out),
        "dicom": write_dicom_files(out),
    }
    # One line per resize case keeps the file short and diffs readable.
    text = json.dumps({k: v for k, v in goldens.items() if k != "resizeSweep"}, indent=1)
    sweep = ",\n".join("  " + json.dumps(c) for c in goldens["resizeSweep"])
    text = text[:-2] + ',\n "resizeSweep": [\n' + sweep + "\n ]\n}"
    json.loads(text)
    (out / "goldens.json").write_text(text + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {out} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
