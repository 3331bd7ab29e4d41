"""GLoRIA image encoder (gloria-numerics §1): ResNet trunk, 299 resize inside, two linear projections.

Parameter names follow torchvision's ResNet so that the checkpoint's ``img_encoder.model.*`` tensors
load unchanged (§7); ``fc`` is absent, as in the checkpoint.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ImageConfig
from .fastlinear import Linear


class Bottleneck(nn.Module):
    """torchvision Bottleneck (ResNet v1.5: the stride sits on the 3x3 conv, §1)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: bool = False):
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (
            nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))
            if downsample
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + identity)


class ResNetTrunk(nn.Module):
    """conv1 → bn1 → relu → maxpool → layer1..layer4, torchvision names, no avgpool/fc."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        w = cfg.width
        self.conv1 = nn.Conv2d(3, w, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        inplanes = w
        for i, blocks in enumerate(cfg.layers):
            planes = w * (2**i)
            stride = 1 if i == 0 else 2
            mods = [Bottleneck(inplanes, planes, stride, downsample=True)]
            inplanes = planes * Bottleneck.expansion
            mods += [Bottleneck(inplanes, planes) for _ in range(blocks - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*mods))


def torch_align_corners_weights(in_size: int, out_size: int):
    """Source indices and weights of torch's bilinear align_corners resize along one axis, as its CPU
    kernel yields them (measured against F.interpolate): scale = (in-1)/(out-1) rounded to float32,
    then src = scale·o without rounding, i0 = ⌊src⌋, λ1 = src − i0 rounded once, λ0 = 1 − λ1.
    A graph built from these reproduces F.interpolate to about one float32 ulp, where an ONNX Resize
    differs by the ~1e-5 coordinate rounding (gloria-numerics §1: 224→299)."""
    scale = np.float32(in_size - 1) / np.float32(out_size - 1) if out_size > 1 else np.float32(0)
    src = np.arange(out_size, dtype=np.float64) * np.float64(scale)
    i0 = np.floor(src).astype(np.int64)
    lam1 = np.clip(src - i0, 0.0, 1.0).astype(np.float32)
    lam0 = (np.float32(1) - lam1).astype(np.float32)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, lam0, lam1


class AlignCornersResize(nn.Module):
    """Bilinear align_corners resize as Gather + multiply-add (width first, then height, as torch's
    separable CPU kernel evaluates it). Used in the exported image graph (gloria-numerics §1)."""

    def __init__(self, in_size: int, out_size: int):
        super().__init__()
        i0, i1, lam0, lam1 = torch_align_corners_weights(in_size, out_size)
        self.register_buffer("i0", torch.from_numpy(i0), persistent=False)
        self.register_buffer("i1", torch.from_numpy(i1), persistent=False)
        self.register_buffer("lam0", torch.from_numpy(lam0), persistent=False)
        self.register_buffer("lam1", torch.from_numpy(lam1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = x.index_select(3, self.i0) * self.lam0 + x.index_select(3, self.i1) * self.lam1
        l0 = self.lam0.unsqueeze(1)
        l1 = self.lam1.unsqueeze(1)
        return cols.index_select(2, self.i0) * l0 + cols.index_select(2, self.i1) * l1


class ImageEncoder(nn.Module):
    """[B,3,S,S] in [-1,1] → (global [B,D], local [B,D,h,w]) (§1, ``image_encoder_forward``)."""

    def __init__(self, cfg: ImageConfig, embedding_dim: int):
        super().__init__()
        self.cfg = cfg
        self.model = ResNetTrunk(cfg)
        self.global_embedder = Linear(cfg.global_channels, embedding_dim)
        self.local_embedder = nn.Conv2d(cfg.local_channels, embedding_dim, 1, bias=False)

    def features(self, x: torch.Tensor, resize: Optional[nn.Module] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """(pooled layer4 [B,C4], layer3 [B,C3,h,w]) — ``resnet_forward``. ``resize`` replaces
        F.interpolate (the exporter passes an AlignCornersResize)."""
        if self.cfg.input_resize is not None:
            if resize is not None:
                x = resize(x)
            else:
                size = (self.cfg.input_resize, self.cfg.input_resize)
                x = F.interpolate(x, size=size, mode="bilinear", align_corners=True)
        m = self.model
        x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        x = m.layer1(x)
        x = m.layer2(x)
        local = m.layer3(x)
        x = m.layer4(local)
        pooled = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return pooled, local

    def forward(self, x: torch.Tensor, resize: Optional[nn.Module] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        pooled, local = self.features(x, resize)
        return self.global_embedder(pooled), self.local_embedder(local)
