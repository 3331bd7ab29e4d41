"""Reference implementation of GLoRIA inference (Huang et al., ICCV 2021) in PyTorch.

This package is the golden source for gloria-search: the exporter turns its modules into the ONNX
graphs of docs/model-contract.md, and the golden fixtures under tests/fixtures/golden/ are computed
with it. It reproduces the published code's numerics (gloria-numerics §1-§5), quirks included, with one
deliberate difference: everything runs in **eval mode** (gloria-numerics §10.1). The published code never
calls ``.eval()``, so there BatchNorm uses batch statistics and BERT dropout stays on; here BatchNorm
uses its running statistics and dropout is off, which makes every output deterministic and
independent of the batch it was computed in.

Modules:
- ``config``: architecture and inference settings (the official sizes, or any smaller variant).
- ``image``: the ResNet image encoder with the 224->299 resize and the two projections (§1).
- ``bert``: a hand-written BERT with Hugging Face parameter names (§3.3).
- ``fastlinear``: nn.Linear on oneDNN for CPU inference (Debian's torch ships the reference BLAS).
- ``tokenizer``: a pure-Python BERT WordPiece tokenizer (§3.2).
- ``text``: report cleaning, token->word aggregation and the text embeddings (§3.1, §3.4, §3.5).
- ``similarity``: global, local and combined similarities (§4).
- ``zeroshot``: the 25 CheXpert prompts and zero-shot classification (§5).
- ``model``: the whole model, built from a config and a state dict with the checkpoint's names (§7).
- ``preprocess``: image preprocessing of §2 with OpenCV/PIL, for golden inputs.

The exporter (checkpoint reading, ONNX export, precision conversion) is the sibling package
``gloria_export``; the golden writers (seeded synthetic models, goldens, kernels) are ``gloria_goldens``.
Neither is imported from here (tools/tests/test_layout.py).
"""

from .config import GloriaConfig, ImageConfig, TextConfig, SimilarityConfig  # noqa: F401
