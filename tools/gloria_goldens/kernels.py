"""The local-similarity kernels (docs/model-contract.md, "Kernels"): gloria-numerics §4.2 written node by
node with onnx.helper, one graph per stored region encoding (float32, float16, int8 + scales).

They compute what a model folder's local_similarity.onnx computes (onnx_export.LocalSimilarityGraph)
but are laid out for speed and carry no weights: the temperatures are an input, so one file serves
every model. The big region tensor [K,D,M] is never transposed: S is formed as Wᵀ·R ([K,L,M]) and the
context as R·A2ᵀ, transposing only the attention. Int8 regions are widened without their scales and
the scales applied to the two [K,L,M] tensors that meet R instead (S after the product, A2 before
it), which is exact algebra and spares a pass over K·D·M values. Built deterministically: the same
onnx version writes the same bytes (tools/tests/test_kernels.py checks the committed files).
"""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8
ENCODINGS = ("f32", "f16", "i8")
# A finite stand-in for -inf, as in onnx_export: exp() of it underflows to 0, and a row with every
# column masked stays finite (the mask then zeroes it) instead of turning into NaN.
MASKED = 1e30
# The clamp on the product of the norms (gloria-numerics §4.2).
NORM_EPS = 1e-8

_REGION_TYPE = {"f32": TensorProto.FLOAT, "f16": TensorProto.FLOAT16, "i8": TensorProto.INT8}


def kernel_file(encoding: str) -> str:
    return f"local_similarity.{encoding}.onnx"


def build_kernel(encoding: str) -> onnx.ModelProto:
    """The local-similarity graph taking regions in `encoding` ("f32", "f16" or "i8")."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown region encoding {encoding!r}; expected one of {ENCODINGS}")
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def node(op: str, inputs: list[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def const(name: str, value, dtype=TensorProto.FLOAT, dims=()) -> str:
        values = value if isinstance(value, list) else [value]
        inits.append(helper.make_tensor(name, dtype, list(dims), values))
        return name

    one = const("one", 1.0)
    masked = const("masked", MASKED)
    eps = const("norm_eps", NORM_EPS)
    zero = const("zero", 0.0)
    axis_last = const("axis_last", [2], TensorProto.INT64, [1])
    axis_d = const("axis_d", [1], TensorProto.INT64, [1])
    t1 = node("Gather", ["temperatures", const("i_temp1", 0, TensorProto.INT64)], "temp1", axis=0)
    t2 = node("Gather", ["temperatures", const("i_temp2", 1, TensorProto.INT64)], "temp2", axis=0)

    # R [Kr,D,M] in float32; int8 stays unscaled here (see the module docstring).
    regions = "regions" if encoding == "f32" else node("Cast", ["regions"], "regions_f32", to=TensorProto.FLOAT)

    # word_mask holds each column's multiplicity: 1 a column, 0 padding, n > 1 one column standing for
    # n identical columns (REFERENCE's zero columns: n copies add n·exp(S) to the word softmax, i.e.
    # log n to the logit). `present` is 1 where the multiplicity is positive.
    present = node("Min", ["word_mask", one], "present")  # [Kw,L]
    mask3 = node("Unsqueeze", [present, axis_last], "mask3")  # [Kw,L,1]
    neg_masked = const("neg_masked", -MASKED)
    bias = node("Max", [node("Log", [node("Unsqueeze", ["word_mask", axis_last], "mult3")], "log_mult3"), neg_masked], "mask_bias")  # log n or -1e30

    # Sᵀ[k,j,r] = w_j·v_r: [Kw,L,D]·[Kr,D,M] → [K,L,M].
    words_t = node("Transpose", ["words"], "words_t", perm=[0, 2, 1])
    s = node("MatMul", [words_t, regions], "s")
    if encoding == "i8":
        s = node("Mul", [s, "region_scales"], "s_scaled")
    s = node("Add", [s, bias], "s_masked")
    # A1: softmax over the words of each region (axis 1); masked columns get exp(-1e30) = 0, and a
    # fully masked row (a uniform softmax) is zeroed by the mask.
    a1 = node("Mul", [node("Softmax", [s], "a1_all", axis=1), mask3], "a1")
    # A2: softmax over the regions of temp1·A1 for each word (last axis).
    a2 = node("Softmax", [node("Mul", [a1, t1], "a1_tempered")], "a2", axis=-1)  # [K,L,M]

    # c_j = Σ_r A2[j,r]·v_r: R·A2ᵀ = [Kr,D,M]·[K,M,L] → [K,D,L].
    a2_for_context = node("Mul", [a2, "region_scales"], "a2_scaled") if encoding == "i8" else a2
    context = node("MatMul", [regions, node("Transpose", [a2_for_context], "a2_t", perm=[0, 2, 1])], "context")

    # cos_j = w_j·c_j / max(‖w_j‖‖c_j‖, eps), 0 where masked.
    dot = node("ReduceSum", [node("Mul", ["words", context], "wc"), axis_d], "dot", keepdims=0)  # [K,L]
    wn2 = node("ReduceSum", [node("Mul", ["words", "words"], "ww"), axis_d], "wn2", keepdims=0)  # [Kw,L]
    cn2 = node("ReduceSum", [node("Mul", [context, context], "cc"), axis_d], "cn2", keepdims=0)  # [K,L]
    norms = node("Mul", [node("Sqrt", [wn2], "wn"), node("Sqrt", [cn2], "cn")], "norms")
    cos = node("Div", [dot, node("Max", [norms, eps], "norms_clamped")], "cos_all")
    node("Mul", [cos, present], "word_cosines")

    # score = temp2 · max over unmasked columns; 0 for a pair with none.
    mask_bias2 = node("Mul", [node("Sub", [present, one], "present_minus_one"), masked], "mask_bias2")
    best = node("ReduceMax", [node("Add", ["word_cosines", mask_bias2], "cos_masked")], "best", axes=[1], keepdims=0)
    any_col = node("Greater", [node("ReduceMax", [present], "mask_max", axes=[1], keepdims=0), zero], "any_col")
    node("Where", [any_col, node("Mul", [best, t2], "best_scaled"), zero], "scores")
    node("Mul", [a2, mask3], "attention")

    f = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info("words", f, ["word_batch", "dim", "columns"]),
        helper.make_tensor_value_info("word_mask", f, ["word_batch", "columns"]),
        helper.make_tensor_value_info("regions", _REGION_TYPE[encoding], ["region_batch", "dim", "regions"]),
    ]
    if encoding == "i8":
        inputs.append(helper.make_tensor_value_info("region_scales", f, ["region_batch", 1, "regions"]))
    inputs.append(helper.make_tensor_value_info("temperatures", f, [2]))
    outputs = [
        helper.make_tensor_value_info("scores", f, ["pairs"]),
        helper.make_tensor_value_info("word_cosines", f, ["pairs", "columns"]),
        helper.make_tensor_value_info("attention", f, ["pairs", "columns", "regions"]),
    ]
    graph = helper.make_graph(nodes, f"gloria_local_similarity_{encoding}", inputs, outputs, inits)
    model = helper.make_model(
        graph,
        producer_name="gloria-search/tools/make-kernels",
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
    )
    model.doc_string = (
        "GLoRIA local similarity (gloria-numerics §4.2), regions as "
        + {"f32": "float32", "f16": "float16", "i8": "int8 × region_scales"}[encoding]
        + "; temperatures = (temp1, temp2). See docs/model-contract.md."
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def kernel_bytes(encoding: str) -> bytes:
    return build_kernel(encoding).SerializeToString(deterministic=True)
