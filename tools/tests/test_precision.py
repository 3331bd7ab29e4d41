"""Structure of the fp16 and int8 graphs tools/convert-precision writes (numerics are checked through
ONNX Runtime in tests/integration/model/precision.test.ts)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from gloria_export.precision import FP16_MAX, _quantize_weights, to_fp16, to_int8


def small_graph() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=(4,)).astype(np.float32)
    fc = rng.normal(size=(4, 5)).astype(np.float32)
    gemm_w = rng.normal(size=(2, 5)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Resize", ["c", "", "scales"], ["r"], mode="linear"),
        helper.make_node("GlobalAveragePool", ["r"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("MatMul", ["f", "fc"], ["m"]),
        helper.make_node("Gemm", ["m", "gemm_w"], ["y"], transB=1),
        helper.make_node("Constant", [], ["big"], value=numpy_helper.from_array(np.array([-3.0e38], dtype=np.float32), "big")),
        helper.make_node("Add", ["y", "big"], ["z"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2]), helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2])],
        [
            numpy_helper.from_array(w, "w"),
            numpy_helper.from_array(b, "b"),
            numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales"),
            numpy_helper.from_array(fc, "fc"),
            numpy_helper.from_array(gemm_w, "gemm_w"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_fp16_keeps_float32_io_and_resize_scales():
    model = to_fp16(small_graph())
    onnx.checker.check_model(model)
    types = {t.name: t.data_type for t in model.graph.initializer}
    assert types["scales"] == TensorProto.FLOAT
    assert all(types[n] == TensorProto.FLOAT16 for n in ("w", "b", "fc", "gemm_w"))
    assert [i.type.tensor_type.elem_type for i in model.graph.input] == [TensorProto.FLOAT]
    assert [o.type.tensor_type.elem_type for o in model.graph.output] == [TensorProto.FLOAT, TensorProto.FLOAT]
    assert model.graph.node[0].op_type == "Cast" and model.graph.node[-1].op_type == "Cast"
    big = next(n for n in model.graph.node if n.op_type == "Constant")
    assert numpy_helper.to_array(big.attribute[0].t)[0] == np.float16(-FP16_MAX)


def test_int8_leaves_convolutions_float_unless_asked():
    model, counts = to_int8(small_graph())
    onnx.checker.check_model(model)
    ops = [n.op_type for n in model.graph.node]
    assert counts == {"Conv": 0, "MatMul": 1, "Gemm": 1}
    assert ops.count("Conv") == 1 and ops.count("MatMulInteger") == 2
    mm_weights = [t for t in model.graph.initializer if t.data_type == TensorProto.INT8]
    assert len(mm_weights) >= 2


def test_int8_replaces_weighted_ops_and_drops_float_weights():
    model, counts = to_int8(small_graph(), convs=True)
    onnx.checker.check_model(model)
    ops = [n.op_type for n in model.graph.node]
    assert counts == {"Conv": 1, "MatMul": 1, "Gemm": 1}
    assert "Conv" not in ops and "MatMul" not in ops and "Gemm" not in ops
    assert ops.count("ConvInteger") == 1 and ops.count("MatMulInteger") == 2
    # Each distinct activation is quantised once.
    assert ops.count("DynamicQuantizeLinear") == 3
    names = {t.name for t in model.graph.initializer}
    assert not names & {"w", "fc", "gemm_w"}
    assert "scales" in names


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("unsigned", [False, True])
def test_weight_quantisation_is_symmetric_per_channel(axis, unsigned):
    w = np.random.default_rng(1).normal(size=(6, 7)).astype(np.float32) * np.arange(1, 8, dtype=np.float32)
    q, scale = _quantize_weights(w, axis, unsigned)
    zero = 128 if unsigned else 0
    assert q.dtype == (np.uint8 if unsigned else np.int8)
    assert q.astype(np.int32).min() - zero >= -127 and q.astype(np.int32).max() - zero <= 127
    shape = [1, 1]
    shape[axis] = -1
    restored = (q.astype(np.float32) - zero) * scale.reshape(shape)
    assert np.all(np.abs(restored - w) <= scale.reshape(shape) / 2 + 1e-6)
    assert np.allclose(np.abs(restored).max(axis=1 - axis), np.abs(w).max(axis=1 - axis), rtol=1e-6)
