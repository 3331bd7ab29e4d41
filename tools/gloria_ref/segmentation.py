"""GLoRIA's segmentation model as the reference code builds it (docs/model-contract.md, "Optional parts").

``load_img_segmentation_model`` makes a segmentation_models_pytorch ``Unet("resnet50",
encoder_weights=None, activation=None)`` and loads the GLoRIA image trunk into its encoder. This module
is that network with the same parameter names, so a checkpoint of the reference's
``SegmentationModel`` loads unchanged once its ``model.`` prefix is stripped:

- ``encoder.*``: the torchvision ResNet trunk (conv1, bn1, layer1..layer4; no fc). Unlike the image
  encoder, no 299 resize: the input is taken at its own size S.
- ``decoder.blocks.{i}.conv{1,2}.{0,1}.*``: five blocks; each upsamples ×2 (nearest), concatenates the
  skip of the same resolution (none for the last), then two 3×3 conv (no bias) + BatchNorm + ReLU.
  The centre is an identity.
- ``segmentation_head.0.*``: a 3×3 conv (with bias) from the last decoder width to the classes.

Eval mode throughout (BatchNorm running statistics), as the rest of gloria_ref.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ImageConfig
from .image import ResNetTrunk

DECODER_CHANNELS: Tuple[int, ...] = (256, 128, 64, 32, 16)


class ConvBnRelu(nn.Sequential):
    """smp's Conv2dReLU with batch norm: ``0`` conv 3×3 (no bias), ``1`` BatchNorm, ``2`` ReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DecoderBlock(nn.Module):
    def __init__(self, cin: int, skip: int, cout: int):
        super().__init__()
        self.conv1 = ConvBnRelu(cin + skip, cout)
        self.conv2 = ConvBnRelu(cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor = None) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class UnetDecoder(nn.Module):
    def __init__(self, encoder_channels: Sequence[int], decoder_channels: Sequence[int]):
        super().__init__()
        # encoder_channels: (input, conv1, layer1, layer2, layer3, layer4); the input is never a skip.
        deep_first = list(encoder_channels[1:])[::-1]
        head = deep_first[0]
        ins = [head] + list(decoder_channels[:-1])
        skips = deep_first[1:] + [0]
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o) for i, s, o in zip(ins, skips, decoder_channels))

    def forward(self, features: List[torch.Tensor]) -> torch.Tensor:
        deep_first = features[1:][::-1]
        x = deep_first[0]
        skips = deep_first[1:]
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


def encoder_channels(cfg: ImageConfig) -> Tuple[int, ...]:
    """Channels of the encoder's six stages for a trunk config (ResNet-50: 3, 64, 256, 512, 1024, 2048)."""
    w = cfg.width
    return (3, w, w * 4, w * 8, w * 16, w * 32)


class SegmentationUnet(nn.Module):
    """[B,3,S,S] in [-1,1] → logits [B,C,S,S] (S divisible by 32)."""

    def __init__(self, cfg: ImageConfig, classes: int, decoder_channels: Sequence[int] = DECODER_CHANNELS):
        super().__init__()
        if len(decoder_channels) != 5:
            raise ValueError("the decoder has five blocks")
        self.encoder = ResNetTrunk(cfg)
        self.decoder = UnetDecoder(encoder_channels(cfg), decoder_channels)
        self.segmentation_head = nn.Sequential(nn.Conv2d(decoder_channels[-1], classes, 3, padding=1))
        self.eval()

    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The six encoder stages: the input, conv1+bn1+relu, maxpool+layer1, layer2, layer3, layer4."""
        e = self.encoder
        f1 = e.relu(e.bn1(e.conv1(x)))
        f2 = e.layer1(e.maxpool(f1))
        f3 = e.layer2(f2)
        f4 = e.layer3(f3)
        f5 = e.layer4(f4)
        return [x, f1, f2, f3, f4, f5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.segmentation_head(self.decoder(self.features(x)))
