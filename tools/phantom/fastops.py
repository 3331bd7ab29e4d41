"""Matrix products with gradients on oneDNN, for training on CPU.

Debian's torch does its float32 ``mm``/``bmm``/``addmm`` with the reference BLAS, which is several
times slower than oneDNN (see gloria_ref/fastlinear.py for inference). These autograd functions route
the forward and both backward products through oneDNN: 2-D products through its linear primitive and
batched ones through a grouped 1×1 convolution. Results equal torch's up to float32 summation order.
Training only; exported graphs never contain them.
"""

from __future__ import annotations

import types

import torch
import torch.nn as nn

from gloria_ref.fastlinear import Linear as RefLinear


def _mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a [m,k] @ b [k,n] on oneDNN (its linear computes x @ wᵀ)."""
    out = torch._C._nn.mkldnn_linear(a.contiguous().to_mkldnn(), b.t().contiguous().to_mkldnn(), None)
    return out.to_dense()


def _bmm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a [G,m,k] @ b [G,k,n] as a grouped 1×1 convolution (oneDNN)."""
    g, m, k = a.shape
    n = b.shape[2]
    # Called directly: F.conv2d falls back to im2col + reference BLAS for batch-1 1×1 convolutions.
    out = torch.mkldnn_convolution(
        b.contiguous().reshape(1, g * k, n, 1), a.contiguous().reshape(g * m, k, 1, 1), None, [0, 0], [1, 1], [1, 1], g
    )
    return out.reshape(g, m, n)


class _MM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with torch.no_grad():
            return _mm(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with torch.no_grad():
            da = _mm(grad, b.t()) if ctx.needs_input_grad[0] else None
            db = _mm(a.t(), grad) if ctx.needs_input_grad[1] else None
        return da, db


class _BMM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with torch.no_grad():
            return _bmm(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with torch.no_grad():
            da = _bmm(grad, b.transpose(1, 2)) if ctx.needs_input_grad[0] else None
            db = _bmm(a.transpose(1, 2), grad) if ctx.needs_input_grad[1] else None
        return da, db


def mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _MM.apply(a, b)


def bmm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _BMM.apply(a, b)


def _linear_forward(self: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    lead = x.shape[:-1]
    y = mm(x.reshape(-1, x.shape[-1]), self.weight.t())
    if self.bias is not None:
        y = y + self.bias
    return y.reshape(*lead, self.out_features)


def use_onednn_linears(model: nn.Module) -> int:
    """Makes every Linear of ``model`` run on oneDNN with gradients; returns how many. Parameters and
    state-dict names are untouched. (BERT's attention products are small enough that torch's own
    batched product is faster than a grouped convolution.)"""
    count = 0
    for m in model.modules():
        if isinstance(m, (nn.Linear, RefLinear)):
            m.forward = types.MethodType(_linear_forward, m)
            count += 1
    return count


def restore_linears(model: nn.Module) -> None:
    for m in model.modules():
        if "forward" in m.__dict__:
            del m.forward
