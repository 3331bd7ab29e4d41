"""Lower-precision variants of an exported model folder (docs/precision.md).

fp16: every float tensor of the image and text encoders becomes float16 (weights, constants, casts),
with float32 kept at the graph's inputs and outputs, so the server feeds and reads the same tensors as
before. Meant for the CUDA execution provider; on the CPU, ONNX Runtime runs fp16 nodes it has no
kernel for through casts, which is slow but lets the conversion be checked anywhere.

int8: dynamic quantisation for the CPU. Each MatMul and Gemm with constant weights (the text
encoder's projections and feed-forward layers, the image encoder's global head) gets its activation
quantised at run time (DynamicQuantizeLinear, uint8, per tensor) and its weights quantised once,
symmetrically per output column as int8 (MatMulInteger, the u8s8 kernels that use VNNI/AMX where the
CPU has them); the int32 result is scaled back to float and the bias added. Convolutions stay float32
by default: ONNX Runtime's ConvInteger is far slower than its float32 convolutions (measured in
docs/precision.md); `convs=True` quantises them too (uint8 weights around the zero point 128, per
output channel), for the accuracy study only.

The local-similarity graph stays float32 in both: it has no weights, and its exponentials and
normalisations are where half precision would cost most.
"""

from typing import Dict, List, Optional, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FP16_MAX = float(np.finfo(np.float16).max)

# Inputs that the ONNX operators require to be float32 whatever the data type (index per op type).
_FLOAT32_INPUTS = {"Resize": {1, 2}}


def _initializers(graph: onnx.GraphProto) -> Dict[str, onnx.TensorProto]:
    return {t.name: t for t in graph.initializer}


def _constant_values(graph: onnx.GraphProto) -> Dict[str, np.ndarray]:
    """Outputs of Constant nodes and initializers, as arrays."""
    out = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    out[node.output[0]] = numpy_helper.to_array(attr.t)
    return out


def _to_half(array: np.ndarray) -> np.ndarray:
    return np.clip(array, -FP16_MAX, FP16_MAX).astype(np.float16)


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `model` computing in float16, with float32 inputs and outputs."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    keep32 = set()
    for node in graph.node:
        for index in _FLOAT32_INPUTS.get(node.op_type, ()):
            if index < len(node.input) and node.input[index]:
                keep32.add(node.input[index])

    for i, tensor in enumerate(list(graph.initializer)):
        if tensor.data_type == TensorProto.FLOAT and tensor.name not in keep32:
            graph.initializer[i].CopyFrom(numpy_helper.from_array(_to_half(numpy_helper.to_array(tensor)), tensor.name))
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] not in keep32:
            for attr in node.attribute:
                if attr.name == "value" and attr.t.data_type == TensorProto.FLOAT:
                    attr.t.CopyFrom(numpy_helper.from_array(_to_half(numpy_helper.to_array(attr.t)), attr.t.name))
        if node.op_type == "Cast":
            for attr in node.attribute:
                if attr.name == "to" and attr.i == TensorProto.FLOAT:
                    attr.i = TensorProto.FLOAT16
        if node.op_type == "ConstantOfShape":
            for attr in node.attribute:
                if attr.name == "value" and attr.t.data_type == TensorProto.FLOAT:
                    attr.t.CopyFrom(numpy_helper.from_array(_to_half(numpy_helper.to_array(attr.t)), attr.t.name))

    new_nodes: List[onnx.NodeProto] = []
    renamed: Dict[str, str] = {}
    for value in graph.input:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            half = f"{value.name}__fp16"
            renamed[value.name] = half
            new_nodes.append(helper.make_node("Cast", [value.name], [half], to=TensorProto.FLOAT16, name=f"{value.name}__to_fp16"))
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renamed:
                node.input[i] = renamed[name]
    outputs = {v.name for v in graph.output if v.type.tensor_type.elem_type == TensorProto.FLOAT}
    produced: Dict[str, str] = {}
    for node in graph.node:
        for i, name in enumerate(node.output):
            if name in outputs:
                node.output[i] = f"{name}__fp16"
                produced[name] = node.output[i]
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in produced:
                node.input[i] = produced[name]
    tail = [helper.make_node("Cast", [half], [name], to=TensorProto.FLOAT, name=f"{name}__to_fp32") for name, half in produced.items()]
    nodes = new_nodes + list(graph.node) + tail
    del graph.node[:]
    graph.node.extend(nodes)
    # Intermediate shapes/types are re-inferred by the runtime; stale float32 annotations would clash.
    del graph.value_info[:]
    return model


class _Builder:
    """Accumulates the nodes and initializers that replace a float op by its integer form."""

    def __init__(self, graph: onnx.GraphProto):
        self.graph = graph
        self.initializers: List[onnx.TensorProto] = []
        self.quantized_inputs: Dict[str, Tuple[str, str, str]] = {}
        self.counter = 0

    def name(self, stem: str) -> str:
        self.counter += 1
        return f"q8_{stem}_{self.counter}"

    def constant(self, stem: str, array: np.ndarray) -> str:
        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def quantize_input(self, tensor: str, nodes: List[onnx.NodeProto]) -> Tuple[str, str, str]:
        """DynamicQuantizeLinear of an activation, once per tensor."""
        if tensor not in self.quantized_inputs:
            q, scale, zero = self.name("x"), self.name("x_scale"), self.name("x_zero")
            nodes.append(helper.make_node("DynamicQuantizeLinear", [tensor], [q, scale, zero], name=self.name("dql")))
            self.quantized_inputs[tensor] = (q, scale, zero)
        return self.quantized_inputs[tensor]


def _quantize_weights(weights: np.ndarray, axis: int, unsigned: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel along `axis`: int8 in [-127, 127] (or uint8 around 128), and float32 scales."""
    reduce_axes = tuple(a for a in range(weights.ndim) if a != axis)
    peak = np.abs(weights).max(axis=reduce_axes) if reduce_axes else np.abs(weights)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    shape = [1] * weights.ndim
    shape[axis] = -1
    q = np.clip(np.round(weights / scale.reshape(shape)), -127, 127).astype(np.int32)
    return ((q + 128).astype(np.uint8) if unsigned else q.astype(np.int8)), scale


def to_int8(model: onnx.ModelProto, convs: bool = False) -> Tuple[onnx.ModelProto, Dict[str, int]]:
    """A copy of `model` with dynamically quantised MatMul/Gemm (and Conv with `convs`); returns it and op counts."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    constants = _constant_values(graph)
    b = _Builder(graph)
    counts = {"Conv": 0, "MatMul": 0, "Gemm": 0}
    nodes: List[onnx.NodeProto] = []
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        weight = constants.get(node.input[1]) if len(node.input) > 1 else None
        usable = weight is not None and weight.dtype == np.float32
        if convs and node.op_type == "Conv" and usable and weight.ndim == 4 and attrs.get("group", 1) == 1:
            x_q, x_scale, x_zero = b.quantize_input(node.input[0], nodes)
            w_q, w_scale = _quantize_weights(weight, 0, unsigned=True)
            acc = b.name("conv_i32")
            nodes.append(
                helper.make_node(
                    "ConvInteger",
                    [x_q, b.constant("w", w_q), x_zero, b.constant("w_zero", np.array(128, dtype=np.uint8))],
                    [acc],
                    name=b.name("conv"),
                    **{k: v for k, v in attrs.items() if k in ("dilations", "group", "kernel_shape", "pads", "strides", "auto_pad")},
                )
            )
            _rescale(b, nodes, acc, x_scale, w_scale.reshape(1, -1, 1, 1), node.output[0],
                     constants.get(node.input[2]).reshape(1, -1, 1, 1) if len(node.input) > 2 and node.input[2] else None)
            counts["Conv"] += 1
            continue
        if node.op_type == "MatMul" and usable and weight.ndim == 2:
            x_q, x_scale, x_zero = b.quantize_input(node.input[0], nodes)
            w_q, w_scale = _quantize_weights(weight, 1)
            acc = b.name("mm_i32")
            nodes.append(helper.make_node("MatMulInteger", [x_q, b.constant("w", w_q), x_zero, b.constant("w_zero", np.array(0, dtype=np.int8))], [acc], name=b.name("mm")))
            _rescale(b, nodes, acc, x_scale, w_scale, node.output[0], None)
            counts["MatMul"] += 1
            continue
        if (
            node.op_type == "Gemm"
            and usable
            and weight.ndim == 2
            and attrs.get("transA", 0) == 0
            and attrs.get("alpha", 1.0) == 1.0
            and attrs.get("beta", 1.0) == 1.0
        ):
            matrix = weight.T if attrs.get("transB", 0) else weight
            x_q, x_scale, x_zero = b.quantize_input(node.input[0], nodes)
            w_q, w_scale = _quantize_weights(np.ascontiguousarray(matrix), 1)
            acc = b.name("gemm_i32")
            nodes.append(helper.make_node("MatMulInteger", [x_q, b.constant("w", w_q), x_zero, b.constant("w_zero", np.array(0, dtype=np.int8))], [acc], name=b.name("gemm")))
            bias = constants.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            _rescale(b, nodes, acc, x_scale, w_scale, node.output[0], bias)
            counts["Gemm"] += 1
            continue
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(b.initializers)
    _drop_unused_initializers(graph)
    return model, counts


def _rescale(b: _Builder, nodes: List[onnx.NodeProto], acc: str, x_scale: str, w_scale: np.ndarray, output: str, bias: Optional[np.ndarray]) -> None:
    """float(acc) · x_scale · w_scale (+ bias) into `output`."""
    as_float = b.name("acc_f32")
    nodes.append(helper.make_node("Cast", [acc], [as_float], to=TensorProto.FLOAT, name=b.name("cast")))
    by_x = b.name("by_x")
    nodes.append(helper.make_node("Mul", [as_float, x_scale], [by_x], name=b.name("mul")))
    if bias is None:
        nodes.append(helper.make_node("Mul", [by_x, b.constant("w_scale", w_scale.astype(np.float32))], [output], name=b.name("mul")))
        return
    scaled = b.name("scaled")
    nodes.append(helper.make_node("Mul", [by_x, b.constant("w_scale", w_scale.astype(np.float32))], [scaled], name=b.name("mul")))
    nodes.append(helper.make_node("Add", [scaled, b.constant("bias", bias.astype(np.float32))], [output], name=b.name("add")))


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    """Drops the float weights (initializers and Constant nodes) that the integer ops replaced."""
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    nodes = [n for n in graph.node if n.op_type != "Constant" or n.output[0] in used]
    del graph.node[:]
    graph.node.extend(nodes)
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
