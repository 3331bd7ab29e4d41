"""Runs an ONNX graph through ONNX Runtime in node (tools/run_onnx.mjs): there is no onnxruntime for
Python here, and node's is the runtime the service uses."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Dict, Sequence

import numpy as np

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)


def run_onnx(model: str, inputs: Dict[str, np.ndarray], outputs: Sequence[str]) -> Dict[str, np.ndarray]:
    """float32 inputs by name → the named outputs as float32 arrays."""
    with tempfile.TemporaryDirectory(prefix="gloria-onnx-") as tmp:
        req = {"model": os.path.abspath(model), "inputs": {}, "outputs": {}}
        for name, arr in inputs.items():
            path = os.path.join(tmp, f"in-{name}.bin")
            np.ascontiguousarray(arr, dtype="<f4").tofile(path)
            req["inputs"][name] = {"file": path, "shape": list(arr.shape)}
        for name in outputs:
            req["outputs"][name] = os.path.join(tmp, f"out-{name}.bin")
        req_path = os.path.join(tmp, "request.json")
        with open(req_path, "w", encoding="utf-8") as f:
            json.dump(req, f)
        res = subprocess.run(
            ["node", os.path.join(TOOLS, "run_onnx.mjs"), req_path], capture_output=True, text=True, cwd=ROOT
        )
        if res.returncode != 0:
            raise RuntimeError(f"run_onnx.mjs failed: {res.stderr.strip()[-2000:]}")
        shapes = json.loads(res.stdout.strip().splitlines()[-1])
        return {n: np.fromfile(req["outputs"][n], dtype="<f4").reshape(shapes[n]) for n in outputs}
