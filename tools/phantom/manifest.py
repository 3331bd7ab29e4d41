"""Adds the zero-shot REFERENCE statistics and training provenance to an exported manifest.

The model checksum (docs/model-contract.md) covers the listed files only, not manifest.json, so it is
recomputed with the exporter's own function from the files on disk and must come out unchanged.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict

from gloria_export.export import FILES, model_checksum, sha256_file
from gloria_ref.zeroshot import CLASSES


def set_reference(path: str, stats: Dict[str, Dict[str, float]], source: Dict[str, Any]) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    for c in CLASSES:
        if not (stats[c]["std"] > 0):
            raise ValueError(f"zero-shot reference std of {c} is {stats[c]['std']}")
    manifest["zeroShot"]["reference"] = {c: {"mean": stats[c]["mean"], "std": stats[c]["std"]} for c in CLASSES}
    manifest["source"].update(source)
    folder = os.path.dirname(path)
    files = {name: sha256_file(os.path.join(folder, name)) for name in FILES}
    if files != manifest["files"]:
        raise ValueError("model files changed since export")
    checksum = model_checksum(files)
    if checksum != manifest["checksum"]:
        raise ValueError("recomputed checksum differs from the exporter's")
    manifest["checksum"] = checksum
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return manifest
