"""Train the small gloria-phantom model on synthetic phantoms and export it (docs/phantom-model.md).

    tools/train-phantom --out models/gloria-phantom

Steps: generate the phantom sets with the generator behind ``gloria phantoms`` (cached under --work),
build the WordPiece vocabulary, warm-start the image trunk on the phantoms' labels, train with
GLoRIA's global + local losses (gloria-numerics §4.4) plus a side-word grounding term on CPU, write a
Lightning-style checkpoint, export it with tools/export-gloria's code, add the zero-shot REFERENCE
statistics to the manifest and print the quality on the test split.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from gloria_export.checkpoint import lightning_checkpoint, official_hyper_parameters
from gloria_export.export import export_checkpoint
from gloria_ref.bert import init_bert_weights
from gloria_ref.config import GloriaConfig, ImageConfig, TextConfig
from gloria_ref.model import GloriaModel
from gloria_ref.tokenizer import WordPieceTokenizer
from phantom import data as phantom_data
from phantom import fastops
from phantom import scoring
from phantom.encode import SIDE_WORDS, encode_text, make_batch, to_pixels, tokenize_report
from phantom.losses import gloria_loss, phrase_loss
from phantom.manifest import set_reference
from phantom.vocab import build_vocab, write_vocab

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
NAME = "gloria-phantom"
VERSION = "1.0.0"

# Phantom sets: (directory, count, seed, split). The reference set and the test set are disjoint
# from the training set (another seed; another split).
TRAIN = ("train", 3000, 1, "train")
REFERENCE = ("reference", 500, 2, "train")
TEST = ("test", 1000, 3, "test")


def phantom_config(vocab_size: int) -> GloriaConfig:
    """GLoRIA's layout at phantom size: ResNet (Bottleneck) trunk of width 16 at 128 px, whose layer3
    gives an 8×8 region grid (4 columns per image half), and a 3-layer BERT of width 64 (D = 64);
    the last 4 hidden states are the embedding output and the 3 layers."""
    return GloriaConfig(
        image=ImageConfig(layers=(1, 1, 1, 1), width=16, input_resize=128),
        text=TextConfig(
            vocab_size=vocab_size, hidden=64, layers=3, heads=4, ffn=256, max_positions=128, last_n_layers=4
        ),
    )


def hyper_parameters(cfg: GloriaConfig, args) -> object:
    return official_hyper_parameters(
        {
            "experiment_name": "gloria_search_phantom",
            "model": {
                "arch": cfg.to_dict(),
                "vision": {"model_name": "resnet_phantom", "pretrained": False},
                "text": {
                    "bert_type": "gloria-search/bert-phantom",
                    "embedding_dim": cfg.embedding_dim,
                    "last_n_layers": cfg.text.last_n_layers,
                },
            },
            "data": {"dataset": "gloria-phantoms"},
            "train": {
                "seed": args.seed,
                "epochs": args.epochs,
                "batch_size": args.batch,
                "lr": args.lr,
                "weight_decay": args.weight_decay,
                "warmup_steps": args.warmup,
                "shuffle_sentences": args.shuffle_sentences,
                "side_weight": args.side_weight,
                "phrase_weight": args.phrase_weight,
                "phrase_global_weight": args.phrase_global_weight,
                "phrase_sharpness": args.phrase_sharpness,
                "phrase_side_weight": args.phrase_side_weight,
                "warm_start": {"steps": args.warm_steps, "lr": args.warm_lr, "targets": WARM_TARGETS},
                "train_set": {"count": TRAIN[1], "seed": TRAIN[2], "split": TRAIN[3]},
            },
        }
    )


def init_model(model: GloriaModel, seed: int) -> None:
    """torchvision's ResNet init (Kaiming fan-out, unit BatchNorm, zero last BN of each block) and
    BERT's N(0, 0.02)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    for m in model.img_encoder.model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    model.img_encoder.global_embedder.reset_parameters()
    model.img_encoder.local_embedder.reset_parameters()
    init_bert_weights(model.text_encoder.model, g)


def random_crops(images: np.ndarray, crop: int, rng: np.random.Generator) -> np.ndarray:
    """GLoRIA's training transform: RandomCrop(crop) of the padded image (gloria-numerics §2)."""
    span = images.shape[1] - crop
    out = np.empty((len(images), crop, crop), dtype=np.uint8)
    for i, im in enumerate(images):
        y, x = rng.integers(0, span + 1, size=2)
        out[i] = im[y : y + crop, x : x + crop]
    return out


def intensity_jitter(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Mild per-image contrast/brightness changes in [-1,1] space (detector variation)."""
    b = x.shape[0]
    scale = torch.from_numpy(rng.uniform(0.85, 1.15, size=(b, 1, 1, 1)).astype(np.float32))
    shift = torch.from_numpy(rng.uniform(-0.1, 0.1, size=(b, 1, 1, 1)).astype(np.float32))
    return (x * scale + shift).clamp(-1.0, 1.0)


# Targets of the trunk's supervised warm start: the five classes; for the lateralised classes the
# side (a bilateral finding sets both) and the zone; for every class whether it is worse than its
# mildest severity.
SIDED = ("Atelectasis", "Consolidation", "Pleural Effusion")
WARM_TARGETS = (
    phantom_data.CLASSES
    + [f"{c}:{side}" for c in SIDED for side in ("left", "right")]
    + [f"{c}:{zone}" for c in ("Atelectasis", "Consolidation") for zone in ("upper", "lower")]
    + [f"{c}:beyond-mildest" for c in phantom_data.CLASSES]
)
MILDEST = {
    "Atelectasis": "minimal",
    "Cardiomegaly": "mild",
    "Consolidation": "mild",
    "Edema": "mild",
    "Pleural Effusion": "small",
}


def warm_targets(findings) -> torch.Tensor:
    out = np.zeros((len(findings), len(WARM_TARGETS)), dtype=np.float32)

    def put(key: str) -> None:
        out[i, WARM_TARGETS.index(key)] = 1.0

    for i, fs in enumerate(findings):
        for f in fs:
            put(f.cls)
            if f.cls in SIDED:
                for side in ("left", "right"):
                    if f.side in (side, "bilateral"):
                        put(f"{f.cls}:{side}")
            if f.cls in ("Atelectasis", "Consolidation") and f.location:
                put(f"{f.cls}:{'upper' if f.location.endswith('upper lobe') else 'lower'}")
            if f.severity != MILDEST[f.cls]:
                put(f"{f.cls}:beyond-mildest")
    return torch.from_numpy(out)


def warm_start_trunk(model: GloriaModel, train_set, args, rng: np.random.Generator) -> None:
    """Supervised warm start of the ResNet trunk on the phantoms' labels, standing in for the
    ImageNet initialisation GLoRIA starts from (gloria-numerics §1: pretrained = true): multi-label
    logistic regression (WARM_TARGETS) on the pooled layer4 feature through a throw-away linear
    head. Only the trunk keeps what it learned; the projections and BERT start from their
    initialisation."""
    enc = model.img_encoder
    head = nn.Linear(enc.cfg.global_channels, len(WARM_TARGETS))
    params = list(enc.model.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.warm_lr, weight_decay=1e-4)
    t0 = time.time()
    total = 0.0
    for step in range(args.warm_steps):
        idx = np.sort(rng.choice(len(train_set), args.batch, replace=False))
        pixels = intensity_jitter(to_pixels(random_crops(train_set.images[idx], enc.cfg.crop, rng)), rng)
        for group in opt.param_groups:
            ramp = min(1.0, (step + 1) / 30)
            group["lr"] = args.warm_lr * ramp * 0.5 * (1 + math.cos(math.pi * step / args.warm_steps))
        pooled, _ = enc.features(pixels)
        targets = warm_targets([train_set.findings[i] for i in idx])
        loss = nn.functional.binary_cross_entropy_with_logits(head(pooled), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.item()
        if (step + 1) % 100 == 0:
            elapsed = time.time() - t0
            print(f"warm start {step + 1}/{args.warm_steps}: bce {total / 100:.4f}, {elapsed:.0f}s", flush=True)
            total = 0.0


def caption(report, rng: np.random.Generator, shuffle_p: float):
    """(pieces, per-piece sides) of the report, its sentences shuffled with probability shuffle_p."""
    order = list(range(len(report.sentences)))
    if len(order) > 1 and rng.random() < shuffle_p:
        rng.shuffle(order)
    return report.pieces(order), report.sides(order)


OTHER_SIDE = {"left": "right", "right": "left"}


def sided_findings(findings, flipped: bool = False):
    """{(class, patient side)} that an image answers: a left or right finding gives its side (the
    other one for the horizontally flipped image), a bilateral finding both sides."""
    out = set()
    for f in findings:
        if f.side in OTHER_SIDE:
            out.add((f.cls, OTHER_SIDE[f.side] if flipped else f.side))
        elif f.side == "bilateral":
            out.update({(f.cls, "left"), (f.cls, "right")})
    return out


def side_phrase(report, rng: np.random.Generator):
    """A sentence of the report that names a side (the finding or impression sentence), as
    (pieces, per-piece sides); the whole report when none does."""
    named = [k for k, sent in enumerate(report.sentences) if any(p in SIDE_WORDS for p in sent)]
    pieces = report.sentences[named[rng.integers(len(named))]] if named else report.pieces()
    return list(pieces), [SIDE_WORDS.get(p, 0) for p in pieces]


def phrase_batch(findings, positions, n_images: int):
    """(targets [K], allowed [K, n_images + K]) for the side phrases of the images at ``positions``
    of a batch of n_images, whose flipped copies follow the batch in the same order. A phrase's
    candidates are its own image (the target), and as negatives every image, flipped copies
    included, that has none of the own image's one-sided findings (class and side): the flipped own
    image, images of the same class on the other side, images of other classes."""
    k = len(positions)
    sets = [sided_findings(f) for f in findings] + [sided_findings(findings[p], True) for p in positions]
    allowed = torch.zeros(k, n_images + k, dtype=torch.bool)
    for row, p in enumerate(positions):
        own = {(f.cls, f.side) for f in findings[p] if f.side in OTHER_SIDE}
        for j, other in enumerate(sets):
            allowed[row, j] = j == p or not (own & other)
    return torch.tensor(list(positions), dtype=torch.int64), allowed


def train(args) -> None:
    t_start = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)

    def load(spec):
        name, count, seed, split = spec
        return phantom_data.load_or_generate(work, f"{name}-{split}-s{seed}-n{count}", count, seed, split)

    train_set = load(TRAIN)
    t_data = time.time()
    print(f"data: {len(train_set)} training phantoms in {t_data - t_start:.0f}s", flush=True)

    vocab = build_vocab(train_set.reports)
    vocab_path = os.path.join(work, "vocab.txt")
    write_vocab(vocab, vocab_path)
    tokenizer = WordPieceTokenizer(vocab)
    reports = [tokenize_report(r, tokenizer) for r in train_set.reports]

    cfg = phantom_config(len(vocab))
    model = GloriaModel(cfg)
    init_model(model, args.seed)
    model.train()
    fastops.use_onednn_linears(model)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.2f}M parameters, grid {cfg.image.grid()}, D={cfg.embedding_dim}", flush=True)

    rng = np.random.default_rng(args.seed)
    warm_start_trunk(model, train_set, args, rng)

    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr
    )
    steps_per_epoch = len(train_set) // args.batch
    total = steps_per_epoch * args.epochs
    warmup = min(args.warmup, total // 5)

    def lr_at(step: int) -> float:
        if step < warmup:
            return args.lr * (step + 1) / warmup
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    sim = cfg.similarity
    step = 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(train_set))
        t_epoch = time.time()
        sums = np.zeros(7)
        for b in range(steps_per_epoch):
            idx = np.sort(order[b * args.batch : (b + 1) * args.batch])
            pixels = intensity_jitter(to_pixels(random_crops(train_set.images[idx], cfg.image.crop, rng)), rng)
            captions = [caption(reports[i], rng, args.shuffle_sentences) for i in idx]
            batch = make_batch([c[0] for c in captions], tokenizer, cfg.text.max_length, [c[1] for c in captions])
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            findings = [train_set.findings[i] for i in idx]
            sided = [p for p, f in enumerate(findings) if any(x.side in OTHER_SIDE for x in f)]
            use_phrases = args.phrase_weight > 0 and len(sided) > 0
            if use_phrases:
                # Flipped copies of the one-sided images: the same finding on the other side.
                all_g, all_l = model.img_encoder(torch.cat([pixels, pixels[sided].flip(-1)]))
                img_g, img_l = all_g[: len(idx)], all_l[: len(idx)]
            else:
                img_g, img_l = model.img_encoder(pixels)
            words, sentence = encode_text(model, batch)
            loss, l_local, l_global, l_side = gloria_loss(
                img_g,
                img_l,
                sentence,
                words,
                batch.n_words,
                sim.temp1,
                sim.temp2,
                sim.temp3,
                side_slots=batch.side_slots,
                side_weight=args.side_weight,
            )
            p_local = p_global = p_side = loss.new_zeros(())
            if use_phrases:
                phrases = [side_phrase(reports[idx[p]], rng) for p in sided]
                pb = make_batch([x[0] for x in phrases], tokenizer, cfg.text.max_length, [x[1] for x in phrases])
                p_words, p_sentence = encode_text(model, pb)
                targets, allowed = phrase_batch(findings, sided, len(idx))
                p_local, p_global, p_side = phrase_loss(
                    all_g, all_l, p_sentence, p_words, pb.n_words, targets, allowed, sim.temp1,
                    sharpness=args.phrase_sharpness, phrase_sides=pb.side_slots,
                )
                loss = (
                    loss
                    + args.phrase_weight * p_local
                    + args.phrase_global_weight * p_global
                    + args.phrase_side_weight * p_side
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            parts = (loss, l_local, l_global, l_side, p_local, p_global, p_side)
            sums += np.array([x.item() for x in parts])
            step += 1
        m = sums / steps_per_epoch
        print(
            f"epoch {epoch + 1}/{args.epochs}: loss {m[0]:.3f} (local {m[1]:.3f}, global {m[2]:.3f}, side {m[3]:.3f}, phrase local {m[4]:.3f}, global {m[5]:.3f}, side {m[6]:.3f}) "
            f"{time.time() - t_epoch:.0f}s, {time.time() - t_start:.0f}s total",
            flush=True,
        )
    t_train = time.time()

    model.eval()
    fastops.restore_linears(model)
    state = model.state_dict()
    ckpt_path = os.path.join(work, f"{NAME}.ckpt")
    torch.save(lightning_checkpoint(state, hyper_parameters(cfg, args)), ckpt_path)
    out = os.path.abspath(args.out)
    export_checkpoint(ckpt_path, vocab_path, out, NAME, VERSION)
    t_export = time.time()

    enc = scoring.Encoder(
        image=lambda x: model.encode_images(x),
        tokens=lambda ids, mask, types: _token_embeddings(model, ids, mask, types),
        tokenizer=tokenizer,
        max_length=cfg.text.max_length,
        crop=cfg.image.crop,
        temp1=sim.temp1,
        temp2=sim.temp2,
    )
    ref_set = load(REFERENCE)
    g, l_ = scoring.encode_images(enc, ref_set.images)
    _, both = scoring.prompt_similarities(enc, g, l_)
    stats = scoring.reference_stats(scoring.zero_shot_raw(both))
    set_reference(
        os.path.join(out, "manifest.json"),
        stats,
        {
            "referenceSet": {"count": REFERENCE[1], "seed": REFERENCE[2], "split": REFERENCE[3]},
            "training": {
                "command": "tools/train-phantom --out models/gloria-phantom",
                "trainSet": {"count": TRAIN[1], "seed": TRAIN[2], "split": TRAIN[3]},
                "epochs": args.epochs,
                "batchSize": args.batch,
                "seconds": round(t_train - t_start),
            },
        },
    )
    t_ref = time.time()
    print(
        f"timing: data {t_data - t_start:.0f}s, training {t_train - t_data:.0f}s, export {t_export - t_train:.0f}s, "
        f"reference stats {t_ref - t_export:.0f}s, total {t_ref - t_start:.0f}s",
        flush=True,
    )
    if args.evaluate:
        test_set = load(TEST)
        print(json.dumps(scoring.quality(enc, test_set, stats), indent=2), flush=True)


@torch.no_grad()
def _token_embeddings(model: GloriaModel, ids, mask, types) -> torch.Tensor:
    states = model.text_encoder.model.hidden_states(ids, mask, types)
    return torch.stack(states[-model.cfg.text.last_n_layers :], dim=0).sum(0)


def main() -> int:
    p = argparse.ArgumentParser(description="train and export the gloria-phantom model")
    p.add_argument("--out", default=os.path.join(ROOT, "models", NAME), help="model folder to write")
    p.add_argument("--work", default=os.path.join(ROOT, "scratch", "phantom-train"), help="phantoms, vocab, checkpoint")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--shuffle-sentences", type=float, default=0.5, help="probability of shuffling a report's sentences")
    p.add_argument("--warm-steps", type=int, default=1600, help="supervised warm-start steps of the image trunk")
    p.add_argument("--warm-lr", type=float, default=3e-3)
    p.add_argument("--side-weight", type=float, default=0.3, help="weight of the side-word grounding term")
    p.add_argument("--phrase-weight", type=float, default=1.0, help="weight of the side-phrase local loss (0: off)")
    p.add_argument("--phrase-global-weight", type=float, default=1.0, help="weight of the side-phrase global loss")
    p.add_argument("--phrase-side-weight", type=float, default=1.0, help="weight of the side phrases' side grounding")
    p.add_argument("--phrase-sharpness", type=float, default=20.0, help="smooth-maximum sharpness over words")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="CPU threads (the shipped model: 1)")
    p.add_argument("--no-evaluate", dest="evaluate", action="store_false", help="skip the test-split quality report")
    args = p.parse_args()
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
