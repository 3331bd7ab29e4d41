#!/usr/bin/python3
"""PyTorch side of the runtime benchmarks (bench/encode.bench.ts, bench/rerank.bench.ts).

    tools/bench_torch.py encode --model DIR [--threads 2] [--batches 1,16] [--seconds 2]
    tools/bench_torch.py rerank --model DIR [--threads 2] [--ks 10,50,200] [--query TEXT] [--seconds 2]

Rebuilds the model folder's architecture (manifest.source.architecture) with the reference modules of
gloria_ref in eval mode, seeded like tools/make-goldens (so the synthetic models carry the very
weights of their ONNX export; timings do not depend on weight values anyway), times it, and prints
one JSON object on stdout. Per-run times are the fastest of repeated runs.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

from gloria_goldens import synthetic
from gloria_ref import similarity as sim
from gloria_ref.config import GloriaConfig
from gloria_ref.model import GloriaModel
from gloria_ref.tokenizer import WordPieceTokenizer


def time_runs(fn, seconds: float, min_runs: int = 3, max_runs: int = 200):
    """(fastest wall seconds, fewest CPU seconds) of one call after a warm-up, as bench/*.bench.ts
    times: the fastest run is the least disturbed by other load; CPU time ignores time-sharing."""
    fn()
    walls, cpus = [], []
    start = time.perf_counter()
    while len(walls) < min_runs or (time.perf_counter() - start < seconds and len(walls) < max_runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)



def load_model(model_dir: str, seed: int, init: bool):
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    arch = manifest.get("source", {}).get("architecture")
    if arch is None:
        raise SystemExit("bench_torch: manifest.source.architecture is missing; cannot rebuild the model")
    model = GloriaModel(GloriaConfig.from_dict(arch))
    if init:
        synthetic.init_random(model, seed)
    model.eval()
    return model, manifest


def image_gflop(model: GloriaModel) -> float:
    """Multiply-adds ×2 of every Conv2d and Linear for one image (the 299 resize and pooling excluded)."""
    flops = [0]

    def conv_hook(m: nn.Conv2d, _inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        flops[0] += 2 * k * out.shape[1] * out.shape[2] * out.shape[3]

    def linear_hook(m: nn.Linear, _inp, out):
        flops[0] += 2 * m.in_features * m.out_features

    hooks = []
    for m in model.img_encoder.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    crop = model.cfg.image.crop
    with torch.no_grad():
        model.encode_images(torch.zeros(1, 3, crop, crop))
    for h in hooks:
        h.remove()
    return flops[0] / 1e9


def encode(args) -> dict:
    model, _ = load_model(args.model, args.seed, init=not args.no_init)
    crop = model.cfg.image.crop
    t = model.cfg.text.max_length
    bert = model.text_encoder.model
    n_layers = model.cfg.text.last_n_layers
    out = {"threads": torch.get_num_threads(), "gflopPerImage": image_gflop(model), "image": {}, "text": {}}
    g = torch.Generator().manual_seed(1)
    for b in args.batches:
        x = torch.rand(b, 3, crop, crop, generator=g) * 2 - 1
        with torch.no_grad():
            sec, cpu = time_runs(lambda: model.encode_images(x), args.seconds)
        out["image"][str(b)] = {
            "secondsPerRun": sec,
            "imagesPerSecond": b / sec,
            "cpuSecondsPerRun": cpu,
            "imagesPerCpuSecond": b / cpu,
        }
        ids = torch.randint(103, model.cfg.text.vocab_size, (b, t), generator=g)
        ids[:, 0] = 101
        mask = torch.zeros(b, t, dtype=torch.int64)
        mask[:, :24] = 1
        types = torch.zeros(b, t, dtype=torch.int64)

        def text_run():
            states = bert.hidden_states(ids, mask, types)
            return torch.stack(states[-n_layers:], 0).sum(0)

        with torch.no_grad():
            sec, _ = time_runs(text_run, args.seconds)
        out["text"][str(b)] = {"secondsPerRun": sec, "textsPerSecond": b / sec}
    return out


def rerank(args) -> dict:
    model, _ = load_model(args.model, args.seed, init=not args.no_init)
    tokenizer = WordPieceTokenizer.from_file(os.path.join(args.model, "vocab.txt"))
    d = model.cfg.embedding_dim
    h, w = model.cfg.image.grid()
    text = model.encode_texts([args.query], tokenizer)
    g = torch.Generator().manual_seed(2)
    out = {"threads": torch.get_num_threads(), "query": args.query, "columns": {}, "modes": {}}
    for mode in (sim.REFERENCE, sim.WORDS):
        out["columns"][mode] = sim.columns(args.query, text.n_words[0], mode, model.cfg.text.max_length)
        out["modes"][mode] = {}
        for k in args.ks:
            regions = torch.randn(k, d, h, w, generator=g)
            with torch.no_grad():
                sec, cpu = time_runs(
                    lambda: sim.local_similarity(regions, text.word_embeddings, [args.query], text.n_words, mode),
                    args.seconds,
                )
            out["modes"][mode][str(k)] = {
                "secondsPerRun": sec,
                "candidatesPerSecond": k / sec,
                "cpuSecondsPerRun": cpu,
                "candidatesPerCpuSecond": k / cpu,
            }
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("task", choices=["encode", "rerank"])
    p.add_argument("--model", required=True, help="model folder with manifest.json")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=2.0, help="time budget per measurement")
    p.add_argument("--batches", default="1,16")
    p.add_argument("--ks", default="10,50,200")
    p.add_argument("--query", default="small left pleural effusion with adjacent atelectasis")
    p.add_argument("--seed", type=int, default=0, help="seed of gloria_goldens.synthetic.init_random")
    p.add_argument("--no-init", action="store_true", help="skip the seeded init (default weights; same timings)")
    args = p.parse_args()
    args.batches = [int(x) for x in args.batches.split(",")]
    args.ks = [int(x) for x in args.ks.split(",")]
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    result = encode(args) if args.task == "encode" else rerank(args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
