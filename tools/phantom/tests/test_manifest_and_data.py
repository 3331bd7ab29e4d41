"""Manifest patching keeps the exporter's checksum; DICOM windowing follows the serving side."""

import json

import numpy as np
import pytest

from gloria_export.export import FILES, model_checksum, sha256_file
from gloria_ref.zeroshot import CLASSES
from phantom.data import _linear_window
from phantom.manifest import set_reference


def _folder(tmp_path):
    for i, name in enumerate(FILES):
        (tmp_path / name).write_bytes(bytes([i]) * 10)
    files = {name: sha256_file(str(tmp_path / name)) for name in FILES}
    manifest = {"checksum": model_checksum(files), "files": files, "zeroShot": {"reference": None}, "source": {}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def test_reference_written_and_checksum_unchanged(tmp_path):
    before = _folder(tmp_path)
    stats = {c: {"mean": float(k), "std": 0.5 + k} for k, c in enumerate(CLASSES)}
    after = set_reference(str(tmp_path / "manifest.json"), stats, {"referenceSet": {"count": 3}})
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk == after
    assert after["checksum"] == before["checksum"]
    assert list(after["zeroShot"]["reference"]) == CLASSES
    assert after["zeroShot"]["reference"]["Edema"] == {"mean": 3.0, "std": 3.5}
    assert after["source"]["referenceSet"] == {"count": 3}


def test_reference_refuses_changed_files_and_zero_spread(tmp_path):
    _folder(tmp_path)
    stats = {c: {"mean": 0.0, "std": 1.0} for c in CLASSES}
    (tmp_path / "vocab.txt").write_bytes(b"changed")
    with pytest.raises(ValueError, match="changed"):
        set_reference(str(tmp_path / "manifest.json"), stats, {})
    stats["Edema"]["std"] = 0.0
    with pytest.raises(ValueError, match="Edema"):
        set_reference(str(tmp_path / "manifest.json"), stats, {})


def test_linear_window_matches_dicom_formula():
    # PS3.3 C.11.2.1.2 with center 100, width 51: below c-0.5-(w-1)/2 = 74.5 → 0, above 124.5 → 255.
    values = np.array([70.0, 74.5, 75.0, 99.5, 124.5, 125.0, 200.0])
    out = _linear_window(values, 100.0, 51.0)
    assert out.dtype == np.uint8
    assert out.tolist() == [0, 0, 3, 128, 255, 255, 255]
