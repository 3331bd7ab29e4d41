"""Runs the exported ONNX graphs in PyTorch, so the quality of a shipped model folder is measured on
the very weights and graphs it ships (there is no onnxruntime for Python here).

A small interpreter for the operators torch.onnx writes for image_encoder.onnx and
text_encoder.onnx at opset 17 (docs/model-contract.md). Unknown operators raise, rather than being
guessed at.
"""

from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

_DTYPES = {
    onnx.TensorProto.FLOAT: torch.float32,
    onnx.TensorProto.DOUBLE: torch.float64,
    onnx.TensorProto.INT64: torch.int64,
    onnx.TensorProto.INT32: torch.int32,
    onnx.TensorProto.BOOL: torch.bool,
}


def _attrs(node) -> Dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _tensor(proto) -> torch.Tensor:
    return torch.from_numpy(np.array(numpy_helper.to_array(proto)))


def _ints(t: torch.Tensor) -> List[int]:
    return [int(v) for v in t.reshape(-1).tolist()]


def _div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a.dtype.is_floating_point or b.dtype.is_floating_point:
        return a / b
    return torch.div(a, b, rounding_mode="trunc")


def _slice(x, starts, ends, axes=None, steps=None):
    s, e = _ints(starts), _ints(ends)
    ax = _ints(axes) if axes is not None else list(range(len(s)))
    st = _ints(steps) if steps is not None else [1] * len(s)
    index = [slice(None)] * x.dim()
    for a, b, c, d in zip(ax, s, e, st):
        if d != 1:
            raise NotImplementedError("Slice with steps")
        n = x.shape[a]
        b = max(0, min(n, b + n if b < 0 else b))
        c = max(0, min(n, c + n if c < 0 else c))
        index[a] = slice(b, c)
    return x[tuple(index)]


def _gather(x, idx, axis=0):
    axis = axis % x.dim()
    flat = idx.reshape(-1).to(torch.int64)
    flat = torch.where(flat < 0, flat + x.shape[axis], flat)
    out = torch.index_select(x, axis, flat)
    return out.reshape(x.shape[:axis] + idx.shape + x.shape[axis + 1 :])


def _reshape(x, shape, allowzero=0):
    dims = _ints(shape)
    if not allowzero:
        dims = [x.shape[i] if d == 0 else d for i, d in enumerate(dims)]
    return x.reshape(dims)


def _unsqueeze(x, axes):
    out = x
    rank = x.dim() + len(_ints(axes))
    for a in sorted(a % rank for a in _ints(axes)):
        out = out.unsqueeze(a)
    return out


def _conv(x, w, b=None, group=1, pads=None, strides=None, dilations=None, **_):
    nd = w.dim() - 2
    pads = pads or [0] * (2 * nd)
    if pads[:nd] != pads[nd:]:
        raise NotImplementedError("asymmetric Conv padding")
    fn = F.conv2d if nd == 2 else F.conv1d
    return fn(x, w, b, stride=strides or 1, padding=pads[:nd], dilation=dilations or 1, groups=group)


def _maxpool(x, kernel_shape, pads=None, strides=None, ceil_mode=0, **_):
    pads = pads or [0, 0, 0, 0]
    if pads[:2] != pads[2:]:
        raise NotImplementedError("asymmetric MaxPool padding")
    return F.max_pool2d(x, kernel_shape, stride=strides, padding=pads[:2], ceil_mode=bool(ceil_mode))


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    a = a.t() if transA else a
    b = b.t() if transB else b
    y = alpha * (a @ b)
    return y + beta * c if c is not None else y


def _resize(x, roi=None, scales=None, sizes=None, mode=b"nearest", coordinate_transformation_mode=b"half_pixel", **_):
    mode = mode.decode() if isinstance(mode, bytes) else mode
    ctm = coordinate_transformation_mode
    ctm = ctm.decode() if isinstance(ctm, bytes) else ctm
    if mode != "linear" or ctm != "align_corners" or x.dim() != 4:
        raise NotImplementedError(f"Resize {mode}/{ctm}")
    if sizes is not None and sizes.numel():
        size = _ints(sizes)[2:]
    else:
        size = [int(np.floor(n * s)) for n, s in zip(x.shape[2:], scales.tolist()[2:])]
    return F.interpolate(x, size=size, mode="bilinear", align_corners=True)


def _layernorm(x, scale, bias=None, axis=-1, epsilon=1e-5, **_):
    dims = x.shape[axis % x.dim() :]
    return F.layer_norm(x, dims, scale, bias, epsilon)


def _softmax(x, axis=-1):
    return torch.softmax(x, dim=axis)


def _flatten(x, axis=1):
    lead = int(np.prod(x.shape[:axis])) if axis else 1
    return x.reshape(lead, -1)


_OPS: Dict[str, Callable] = {
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b,
    "Div": _div,
    "Pow": lambda a, b: torch.pow(a, b),
    "Sqrt": torch.sqrt,
    "Erf": torch.erf,
    "Relu": torch.relu,
    "Tanh": torch.tanh,
    "Neg": torch.neg,
    "Identity": lambda x: x,
    "MatMul": torch.matmul,
    "Gemm": _gemm,
    "Conv": _conv,
    "MaxPool": _maxpool,
    "GlobalAveragePool": lambda x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True),
    "Flatten": _flatten,
    "Resize": _resize,
    "LayerNormalization": _layernorm,
    "Softmax": _softmax,
    "Transpose": lambda x, perm=None: x.permute(*perm) if perm is not None else x.permute(*reversed(range(x.dim()))),
    "Reshape": _reshape,
    "Unsqueeze": _unsqueeze,
    "Squeeze": lambda x, axes=None: x.squeeze() if axes is None else x.squeeze(*_ints(axes)),
    "Concat": lambda *xs, axis: torch.cat(xs, dim=axis),
    "Gather": _gather,
    "Slice": _slice,
    "Shape": lambda x, start=0, end=None: torch.tensor(list(x.shape)[start:end], dtype=torch.int64),
    "Cast": lambda x, to: x.to(_DTYPES[to]),
    "Where": torch.where,
    "Equal": torch.eq,
    "Expand": lambda x, shape: x * torch.ones(_ints(shape), dtype=x.dtype),
    "ConstantOfShape": lambda shape, value=None: torch.full(
        _ints(shape), float(numpy_helper.to_array(value)[0]) if value is not None else 0.0
    ),
    "ReduceMean": lambda x, axes=None, keepdims=1: x.mean(dim=axes, keepdim=bool(keepdims)),
}


class OnnxGraph:
    """An ONNX graph evaluated node by node with torch operators (float32, CPU, no gradients)."""

    def __init__(self, path: str):
        self.model = onnx.load(path)
        graph = self.model.graph
        self.inits = {i.name: _tensor(i) for i in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in self.inits]
        self.output_names = [o.name for o in graph.output]
        unknown = {n.op_type for n in graph.node} - set(_OPS) - {"Constant"}
        if unknown:
            raise NotImplementedError(f"{path}: operators without an implementation: {sorted(unknown)}")

    @torch.no_grad()
    def run(self, **inputs: torch.Tensor) -> List[torch.Tensor]:
        env: Dict[str, torch.Tensor] = dict(self.inits)
        env.update(inputs)
        for node in self.model.graph.node:
            attrs = _attrs(node)
            if node.op_type == "Constant":
                env[node.output[0]] = _tensor(attrs["value"])
                continue
            args = [env[name] if name else None for name in node.input]
            while args and args[-1] is None:
                args.pop()
            out = _OPS[node.op_type](*args, **attrs)
            outs = out if isinstance(out, tuple) else (out,)
            for name, value in zip(node.output, outs):
                env[name] = value
        return [env[name] for name in self.output_names]
