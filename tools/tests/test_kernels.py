"""The committed local-similarity kernels (models/kernels/) are exactly what tools/make-kernels builds
now, so a change to tools/gloria_goldens/kernels.py cannot ship without its regenerated files."""

import os

import pytest

onnx = pytest.importorskip("onnx", reason="onnx is not installed; the kernels cannot be rebuilt here")

from gloria_goldens.kernels import ENCODINGS, build_kernel, kernel_bytes, kernel_file  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS = os.path.join(ROOT, "models", "kernels")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_committed_kernel_is_what_make_kernels_builds(encoding):
    with open(os.path.join(KERNELS, kernel_file(encoding)), "rb") as f:
        committed = f.read()
    assert committed == kernel_bytes(encoding), f"models/kernels/{kernel_file(encoding)} is stale: run tools/make-kernels"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_kernel_io_matches_the_contract_graph_plus_encoding_inputs(encoding):
    graph = build_kernel(encoding).graph
    inputs = [i.name for i in graph.input]
    expected = ["words", "word_mask", "regions"] + (["region_scales"] if encoding == "i8" else []) + ["temperatures"]
    assert inputs == expected
    assert [o.name for o in graph.output] == ["scores", "word_cosines", "attention"]
    assert not [t for t in graph.initializer if len(t.dims) > 1 or (t.dims and t.dims[0] > 1)], "kernels carry no weights"
