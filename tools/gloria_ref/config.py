"""Architecture and inference settings of a GLoRIA model.

The official checkpoint uses ResNet-50 + BERT-base (gloria-numerics §0, §1, §3.3); smaller models (the
test model, the phantom model) keep the same layout and parameter names with other sizes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass(frozen=True)
class ImageConfig:
    """A torchvision-layout ResNet with Bottleneck blocks (expansion 4).

    ``width`` is the planes of layer1 (64 for ResNet-50); layer k has width·2^(k-1) planes and
    4·width·2^(k-1) output channels. ``input_resize`` is the square size the [B,3,crop,crop] input is
    resized to (bilinear, align_corners) before conv1; GLoRIA uses 299 (§1); None skips the resize.
    """

    layers: Tuple[int, int, int, int] = (3, 4, 6, 3)
    width: int = 64
    input_resize: Optional[int] = 299
    imsize: int = 256  # §2.2 longer side after resize
    crop: int = 224  # §2.5 centre crop = encoder input size
    norm: str = "half"  # §2.7

    @property
    def local_channels(self) -> int:
        """Channels of layer3, whose output is the region grid (§1)."""
        return self.width * 4 * 4

    @property
    def global_channels(self) -> int:
        """Channels of layer4, average-pooled into the global feature (§1)."""
        return self.width * 8 * 4

    def grid(self) -> Tuple[int, int]:
        """(h, w) of layer3 for a crop×crop input: conv1 s2, maxpool s2, layer2 s2, layer3 s2."""
        size = self.input_resize or self.crop

        def down(n: int, k: int, s: int, p: int) -> int:
            return (n + 2 * p - k) // s + 1

        n = down(size, 7, 2, 3)  # conv1
        n = down(n, 3, 2, 1)  # maxpool
        n = down(n, 3, 2, 1)  # layer2 (stride on the 3x3 conv)
        n = down(n, 3, 2, 1)  # layer3
        return (n, n)


@dataclass(frozen=True)
class TextConfig:
    """BERT sizes and the text settings of §3."""

    vocab_size: int = 28996
    hidden: int = 768
    layers: int = 12
    heads: int = 12
    ffn: int = 3072
    max_positions: int = 512
    type_vocab: int = 2
    layer_norm_eps: float = 1e-12  # §3.3
    max_length: int = 97  # §3.2 data.text.word_num
    last_n_layers: int = 4  # §3.3
    lowercase: bool = True  # §3.2


@dataclass(frozen=True)
class SimilarityConfig:
    """Temperatures of §4. Inference uses temp1 and temp2 only; temp3 is recorded."""

    temp1: float = 4.0
    temp2: float = 5.0
    temp3: float = 10.0


@dataclass(frozen=True)
class GloriaConfig:
    image: ImageConfig = field(default_factory=ImageConfig)
    text: TextConfig = field(default_factory=TextConfig)
    similarity: SimilarityConfig = field(default_factory=SimilarityConfig)

    @property
    def embedding_dim(self) -> int:
        """D: GLoRIA has no text projection, so the shared width is BERT's hidden size (§1, §3.5)."""
        return self.text.hidden

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "GloriaConfig":
        img = dict(d.get("image", {}))
        if "layers" in img:
            img["layers"] = tuple(img["layers"])
        return GloriaConfig(
            image=ImageConfig(**img),
            text=TextConfig(**d.get("text", {})),
            similarity=SimilarityConfig(**d.get("similarity", {})),
        )


def official() -> GloriaConfig:
    """The sizes of chexpert_resnet50.ckpt (gloria-numerics §0)."""
    return GloriaConfig()


def tiny(vocab_size: int) -> GloriaConfig:
    """The committed test model: same layout, 7x7 grid, D=64, 2-layer BERT."""
    return GloriaConfig(
        image=ImageConfig(layers=(1, 1, 1, 1), width=8, input_resize=112),
        text=TextConfig(
            vocab_size=vocab_size, hidden=64, layers=2, heads=4, ffn=128, max_positions=128, last_n_layers=2
        ),
    )
