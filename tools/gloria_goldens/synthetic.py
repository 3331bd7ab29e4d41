"""Seeded synthetic models for golden fixtures: a WordPiece vocab and non-degenerate random weights.

Nothing here is trained; the point is a model whose numbers exercise every code path (several word
pieces per word, unknown words, peaky attention, BatchNorm with real running statistics).
"""

from __future__ import annotations

import os
import random
from typing import Iterable, List, Tuple

import numpy as np
import torch
import torch.nn as nn

from gloria_export.checkpoint import lightning_checkpoint, official_hyper_parameters
from gloria_ref import config
from gloria_ref.bert import init_bert_weights
from gloria_ref.model import GloriaModel

# Whole words of the CheXpert prompts and common report language. Words left out on purpose are
# built from the pieces below, so they tokenize into several pieces.
WORDS = """
the a an of at in on is are with and or to for no not without there be as by from this that which
than other less more likely unchanged stable new old since prior comparison compared seen noted
mild minimal moderate severe small large tiny trace increased decreased improved improvement
persistent residual partial patchy linear bilateral left right upper lower mid middle base bases
lobe lobes zone lung lungs chest heart size cardiac silhouette enlarged enlargement normal limits
view portable erect ap pa lateral radiograph demonstrates redemonstration remains borderline
prominent vessels vascular congestion pulmonary edema effusion effusions pleural consolidation
airspace opacity opacities pneumothorax pneumonia fracture nodule mass device tube line catheter
findings impression recommend follow up weeks days cm mm clear sharp
costophrenic angle angles blunting hilar mediastinal contours within greater ventricular chambers
likely ll be has have been are was were suggest suggests consistent possible may represent
""".split()

# Stems and "##" pieces that compose the words above and a few more.
STEMS = """
ate sub retro inter band app pres cardio bi hemi peri re dis un over
""".split()
PIECES = """
lect asis segment al ment pul monic cardiac sti tial like eran ce ist ent mega ly ial lar
s es ed ing er est ity ous ive ic ies ation ional
""".split()


def build_vocab(size: int | None = None) -> List[str]:
    """[PAD]=0, [unused1..99], [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103, then characters, the
    radiology words, stems and pieces. With ``size``, pad with filler entries that start with an
    upper-case letter, which lower-cased input never reaches, so the tokenization of any lower-cased
    text is the same at every size (only the ids of nothing reachable change)."""
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(1, 100)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen = set(vocab)

    def add(items: Iterable[str]) -> None:
        for it in items:
            if it not in seen:
                seen.add(it)
                vocab.append(it)

    punct = [chr(c) for c in range(33, 127) if not chr(c).isalnum()]
    lower = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(d) for d in range(10)]
    add(punct + digits + [c.upper() for c in lower] + lower)
    add("##" + c for c in digits + lower)
    add(WORDS)
    add(STEMS)
    add("##" + p for p in PIECES)
    add(str(n) for n in range(10, 100))
    if size is not None:
        if size < len(vocab):
            raise ValueError(f"vocab size {size} is below the {len(vocab)} base entries")
        rng = random.Random(1234)
        syll = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]
        while len(vocab) < size:
            word = "".join(rng.choice(syll) for _ in range(rng.randint(1, 4)))
            entry = word[0].upper() + word[1:]
            if rng.random() < 0.3:
                entry = "##" + entry
            add([entry])
    return vocab


def _calibration_images(n: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """Random noise and smooth blobs in [-1,1], to estimate BatchNorm running statistics."""
    noise = torch.rand(n // 2, 3, size, size, generator=generator) * 2 - 1
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
    smooth = []
    for i in range(n - n // 2):
        cx, cy = (torch.rand(2, generator=generator) - 0.5).tolist()
        blob = torch.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) * (2 + 3 * i))
        smooth.append((blob * 2 - 1).expand(3, size, size))
    return torch.cat([noise, torch.stack(smooth)])


def init_random(model: GloriaModel, seed: int) -> None:
    """torchvision's ResNet init (Kaiming-normal fan-out convs), perturbed BatchNorm affine terms and
    running statistics measured on calibration images, then BERT's N(0, 0.02) init with sharper
    query/key weights so the attention is not uniform."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    enc = model.img_encoder
    with torch.no_grad():
        for m in enc.model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
        # Residual branches start small (as zero_init_residual does, but not zero), so the random
        # trunk stays well conditioned: float32 rounding differences between runtimes are not blown
        # up across 16 blocks.
        for block in (b for layer in (enc.model.layer1, enc.model.layer2, enc.model.layer3, enc.model.layer4) for b in layer):
            block.bn3.weight.mul_(0.3)
        enc.global_embedder.reset_parameters()
        enc.local_embedder.reset_parameters()
        # Running statistics: cumulative average over calibration batches in train mode.
        for m in enc.model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        enc.train()
        crop = model.cfg.image.crop
        for _ in range(2):
            enc.features(_calibration_images(4, crop, g))
        for m in enc.model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 0.1
    init_bert_weights(model.text_encoder.model, g)
    with torch.no_grad():
        for layer in model.text_encoder.model.encoder.layer:
            for lin in (layer.attention.self.query, layer.attention.self.key):
                lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * 0.05)
    model.eval()


def phantom_radiograph(h: int, w: int, seed: int) -> np.ndarray:
    """A smooth chest-radiograph-like uint8 image (dark lungs, bright mediastinum and ribs' shading)
    for golden inputs that look like real data rather than noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    y = yy / h
    x = xx / w
    img = 0.55 + 0.25 * y
    for cx in (0.3, 0.7):
        lung = ((x - cx) / 0.17) ** 2 + ((y - 0.5) / 0.32) ** 2
        img -= 0.35 * np.exp(-(lung**3))
    img += 0.25 * np.exp(-(((x - 0.52) / 0.1) ** 2 + ((y - 0.62) / 0.2) ** 2))
    img += 0.05 * np.sin(y * 60 + 3 * np.sin(x * 6))
    blob = ((x - rng.uniform(0.25, 0.75)) / 0.06) ** 2 + ((y - rng.uniform(0.35, 0.7)) / 0.05) ** 2
    img += 0.2 * np.exp(-blob)
    img += rng.normal(0, 0.02, size=img.shape)
    return np.clip(img * 255, 0, 255).astype(np.uint8)


def write_checkpoint(kind: str, workdir: str, seed: int = 0) -> Tuple[str, str]:
    """Write a seeded synthetic Lightning checkpoint and its vocab.txt; returns their paths.

    ``full``: official sizes (ResNet-50 + BERT-base, vocab 28,996) and the official config values.
    ``tiny``: config.tiny sizes, with an ``arch`` section in the hyper-parameters.
    """
    if kind == "tiny":
        vocab = build_vocab()
        cfg = config.tiny(len(vocab))
        hp = official_hyper_parameters(
            {
                "experiment_name": "gloria_search_tiny",
                "model": {
                    "arch": cfg.to_dict(),
                    "vision": {"model_name": "resnet_tiny", "pretrained": False},
                    "text": {
                        "bert_type": "gloria-search/bert-tiny",
                        "embedding_dim": cfg.embedding_dim,
                        "last_n_layers": cfg.text.last_n_layers,
                    },
                },
            }
        )
    elif kind == "full":
        vocab = build_vocab(28996)
        cfg = config.official()
        hp = official_hyper_parameters()
    else:
        raise ValueError(f"unknown synthetic model {kind}")
    model = GloriaModel(cfg)
    init_random(model, seed)
    vocab_path = os.path.join(workdir, f"{kind}-vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in vocab))
    state = model.state_dict()
    # The official checkpoint carries transformers' position_ids buffer; the exporter must drop it.
    state["text_encoder.model.embeddings.position_ids"] = torch.arange(cfg.text.max_positions)[None]
    ckpt_path = os.path.join(workdir, f"{kind}.ckpt")
    torch.save(lightning_checkpoint(state, hp), ckpt_path)
    return ckpt_path, vocab_path
