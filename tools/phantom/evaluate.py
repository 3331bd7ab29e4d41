"""Measure a phantom model folder on held-out phantoms and print the results as JSON.

    tools/evaluate-phantom --model models/gloria-phantom

The folder's own ONNX graphs run through a PyTorch interpreter (onnx_eval.py); word aggregation,
similarities and zero-shot scoring are the reference's (tools/gloria_ref, gloria-numerics §3.4-§5).
Measures (docs/phantom-model.md):
- zeroShotAccuracy: single-finding test images, argmax over the 5 classes of the REFERENCE-normalised
  zero-shot scores (the 25 GLoRIA prompts, max over each class's prompts of (local+global)/2).
- promptPrecisionAt5: text→image Precision@5 with each of the 25 prompts as the query; a hit has the
  prompt's class. "global" ranks by global cosine, "both" by (local+global)/2.
- attentionSide: share of single-finding left/right test images whose attention map for the side word
  of "<side> <class phrase>" puts most of its mass on the correct image half (the patient's left is
  the image's right).
- lateralPrecisionAt10: Precision@10 of "left/right pleural effusion", "consolidation in the left/right
  lung", "atelectasis in the left/right lung" (hit = the class on that side; a bilateral finding counts
  for both sides), ranked by global cosine, and after re-ranking the global top 100 by
  (local+global)/2 with REFERENCE or WORDS columns.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import torch

from gloria_export.export import FILES, model_checksum, sha256_file
from gloria_ref.tokenizer import WordPieceTokenizer
from phantom import data as phantom_data
from phantom import scoring
from phantom.onnx_eval import OnnxGraph

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)


def folder_encoder(model_dir: str):
    """(manifest, Encoder over the folder's ONNX graphs), after checking every file's sha256."""
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for name in FILES:
        if sha256_file(os.path.join(model_dir, name)) != manifest["files"][name]:
            raise ValueError(f"{name} does not match its sha256 in manifest.json")
    if model_checksum(manifest["files"]) != manifest["checksum"]:
        raise ValueError("manifest checksum does not match its files")
    image = OnnxGraph(os.path.join(model_dir, "image_encoder.onnx"))
    text = OnnxGraph(os.path.join(model_dir, "text_encoder.onnx"))
    tokenizer = WordPieceTokenizer.from_file(os.path.join(model_dir, "vocab.txt"), manifest["text"]["lowercase"])

    def run_image(x: torch.Tensor):
        g, loc = image.run(pixel_values=x)[:2]
        return g, loc

    def run_text(ids, mask, types):
        return text.run(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    enc = scoring.Encoder(
        image=run_image,
        tokens=run_text,
        tokenizer=tokenizer,
        max_length=manifest["text"]["maxLength"],
        crop=manifest["image"]["crop"],
        temp1=manifest["similarity"]["attentionTemperature"],
        temp2=manifest["similarity"]["localTemperature"],
    )
    return manifest, enc


def main() -> int:
    p = argparse.ArgumentParser(description="quality of a phantom model folder on held-out phantoms (JSON)")
    p.add_argument("--model", default=os.path.join(ROOT, "models", "gloria-phantom"))
    p.add_argument(
        "--work", default=os.path.join(ROOT, "scratch", "phantom-train"), help="where phantom sets are cached"
    )
    p.add_argument("--count", type=int, default=1000, help="test-split phantoms")
    p.add_argument("--seed", type=int, default=3, help="test-split seed (training used seed 1 of the train split)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    manifest, enc = folder_encoder(args.model)
    stats = manifest["zeroShot"]["reference"]
    if not stats:
        print("evaluate: the manifest has no zeroShot.reference statistics", file=sys.stderr)
        return 1
    name = f"test-test-s{args.seed}-n{args.count}"
    test = phantom_data.load_or_generate(os.path.abspath(args.work), name, args.count, args.seed, "test")
    result = {
        "model": f"{manifest['name']}@{manifest['version']}#{manifest['checksum'][:12]}",
        "testSet": {"split": "test", "seed": args.seed, "count": args.count},
        **scoring.quality(enc, test, stats),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
