#!/usr/bin/python3
"""Independent decoding of a DICOM corpus for the differential test (tests/integration/image/dicom-corpus.test.ts).

    tools/dicom/corpus_reference.py CORPUS_DIR OUT_DIR

For every file under CORPUS_DIR, pydicom (with Pillow, OpenJPEG and GDCM from Debian) reads the
first frame and maps it to 0-255 grey the way the service's `minmax` scaling does: the modality LUT
(rescale slope and intercept), then the image's full range onto 0-255 rounded half up, MONOCHROME1
inverted. Colour becomes grey as GLoRIA's loader (cv2.imread in grey) would have it: a JPEG frame is
decoded by Pillow straight to grey (libjpeg's own output: the Y channel of YCbCr, its weights for RGB);
other RGB as OpenCV's luma ((4899 R + 9617 G + 1868 B + 8192) >> 14); native YBR_FULL / YBR_FULL_422
their Y samples. Writes OUT_DIR/index.json
({file: {ok, width, height, photometric, transferSyntax, error}}) and OUT_DIR/<n>.u8 (the grey
pixels, row-major) for each file read.
"""

import json
import os
import sys

import io

import numpy as np
import pydicom
from PIL import Image
from pydicom.encaps import generate_pixel_data_frame
from pydicom.pixel_data_handlers.util import apply_modality_lut

JPEG = ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51")


def jpeg_grey(ds):
    """The first JPEG frame decoded by libjpeg directly to grey (what cv2.imread(..., 0) does)."""
    frame = next(generate_pixel_data_frame(ds.PixelData, int(getattr(ds, "NumberOfFrames", 1) or 1)))
    image = Image.open(io.BytesIO(frame))
    image.draft("L", image.size)
    if image.mode != "L":
        raise ValueError(f"Pillow did not decode to grey ({image.mode})")
    return np.asarray(image, dtype=np.uint8)


def first_frame(ds):
    arr = ds.pixel_array
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    if frames > 1:
        arr = arr[0]
    return arr


def to_grey(ds, arr):
    photometric = str(ds.PhotometricInterpretation).upper()
    syntax = str(ds.file_meta.TransferSyntaxUID)
    if photometric in ("MONOCHROME1", "MONOCHROME2"):
        values = apply_modality_lut(arr, ds).astype(np.float64)
        lo, hi = values.min(), values.max()
        grey = np.zeros(values.shape, dtype=np.uint8)
        if hi > lo:
            grey = np.floor((values - lo) * (255.0 / (hi - lo)) + 0.5).astype(np.uint8)
        if photometric == "MONOCHROME1":
            grey = 255 - grey
        return grey
    if syntax in JPEG:
        return jpeg_grey(ds)
    arr = arr.astype(np.int64)
    if photometric.startswith("YBR_FULL"):
        return arr[..., 0].astype(np.uint8)
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    return ((r * 4899 + g * 9617 + b * 1868 + 8192) >> 14).astype(np.uint8)


def main(corpus, out):
    os.makedirs(out, exist_ok=True)
    index = {}
    files = []
    for root, _, names in os.walk(corpus):
        for name in names:
            path = os.path.join(root, name)
            files.append(os.path.relpath(path, corpus))
    for n, rel in enumerate(sorted(files)):
        entry = {"ok": False}
        try:
            ds = pydicom.dcmread(os.path.join(corpus, rel), force=True)
            if "PixelData" not in ds:
                raise ValueError("no pixel data")
            grey = to_grey(ds, first_frame(ds))
            if grey.ndim != 2:
                raise ValueError(f"unexpected shape {grey.shape}")
            grey.tofile(os.path.join(out, f"{n}.u8"))
            entry = {
                "ok": True,
                "n": n,
                "width": int(grey.shape[1]),
                "height": int(grey.shape[0]),
                "photometric": str(ds.PhotometricInterpretation),
                "transferSyntax": str(ds.file_meta.TransferSyntaxUID),
            }
        except Exception as error:  # noqa: BLE001 - every failure is a row of the table
            entry = {"ok": False, "error": f"{type(error).__name__}: {error}"[:200]}
        index[rel] = entry
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
