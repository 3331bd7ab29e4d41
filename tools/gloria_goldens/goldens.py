"""Golden fixtures: reference outputs of a model for fixed images and texts (tests/fixtures/golden/).

Layout (see tests/fixtures/golden/README.md): ``index.json`` holds the scalars, strings, token ids and
an ``arrays`` table; every array is a little-endian ``.bin`` file next to it, with its dtype and shape.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Sequence

import numpy as np

from gloria_ref import similarity as sim
from gloria_ref.model import GloriaModel, numpy_f32
from gloria_ref.preprocess import preprocess_u8, to_pixel_values
from gloria_ref.text import reference_columns
from gloria_ref.tokenizer import PAD, WordPieceTokenizer
from gloria_ref.zeroshot import CHEXPERT_PROMPTS, CLASSES, PROMPT_SET, class_scores, zscore_batch

from .synthetic import phantom_radiograph

FORMAT = "gloria-search/golden@1"
_NUMBER_LIST = re.compile(r"\[(?:\s*-?[0-9][0-9.eE+-]*,?)+\s*\]")

LONG_REPORT = (
    "FINDINGS: 1. Moderate cardiomegaly with pulmonary vascular congestion.\n"
    "2. Small bilateral pleural effusions, left greater than right; no pneumothorax.\n"
    "IMPRESSION: Findings are consistent with mild interstitial edema. Recommend follow-up in 2.5 weeks."
)
TRUNCATED_REPORT = " ".join(
    [
        "There is persistent patchy retrocardiac opacity at the left lung base consistent with atelectasis.",
        "Mild interstitial edema is unchanged since the prior radiograph and the heart size remains enlarged.",
        "Small bilateral pleural effusions with subpulmonic components are stable in comparison.",
        "No new consolidation or pneumothorax is seen and the mediastinal contours are within normal limits.",
        "The costophrenic angles are blunted bilaterally and the hilar vessels are prominent.",
        "Compared with the prior study the subsegmental atelectasis at the right lung base has improved.",
        "The endotracheal tube and the right internal jugular catheter are unchanged in position.",
    ]
)

# Texts beside the 25 prompts: (id, raw). They cover the cleaning and slicing edge cases of §3.1/§4.2.
EXTRA_TEXTS = [
    ("long-report", LONG_REPORT),
    ("truncated-report", TRUNCATED_REPORT),
    ("underscore", "Opacity at the left_lower_lobe, likely atelectasis."),
    ("non-ascii", "Pleural effusión is noted at the left base."),
    ("one-word", "cardiomegaly"),
    ("empty", ""),
]

# Raw strings given straight to the tokenizer (no cleaning) for tokenizer parity checks.
TOKENIZER_CASES = [
    "",
    "mild pulmonary edema",
    "Mild Pulmonary EDEMA",
    "left_lower_lobe",
    "a__b _ _x_",
    "2.5 cm nodule, 10mm; 3/4 (approx.)",
    "café effusión naïve Ñandú",
    "xyzzyqwv unknownword",
    "肺 opacity 水",
    "tab\there\nnewline  double  space",
    "subsegmental subpulmonic retrocardiac apperance presistent",
    "a" * 120 + " after",
    "word " * 120,
    "it's the patient's \"prior\" [study] <none> {x} #1 @2 $3 %4 ^5 &6 *7 +8 =9 |0 ~ `",
]


class GoldenWriter:
    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.arrays: Dict[str, Dict[str, Any]] = {}
        os.makedirs(out_dir, exist_ok=True)
        for f in os.listdir(out_dir):
            if f.endswith(".bin") or f == "index.json":
                os.remove(os.path.join(out_dir, f))

    def add(self, name: str, array: Any, dtype: str = "float32") -> str:
        arr = np.ascontiguousarray(np.asarray(array, dtype=np.dtype(dtype).newbyteorder("<")))
        fname = f"{name}.bin"
        with open(os.path.join(self.out_dir, fname), "wb") as f:
            f.write(arr.tobytes())
        self.arrays[name] = {"file": fname, "dtype": dtype, "shape": list(arr.shape)}
        return name

    def write_index(self, index: Dict[str, Any]) -> None:
        index = dict(index)
        index["arrays"] = self.arrays
        text = json.dumps(index, indent=1, ensure_ascii=False, allow_nan=False)
        # Keep number lists (ids, masks, shapes) on one line each.
        text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(m.group(0)[1:-1].split()).replace(",,", ",") + "]", text)
        with open(os.path.join(self.out_dir, "index.json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")


def golden_images(crop: int = 224, imsize: int = 256):
    """(ids, descriptions, uint8 [4,3,crop,crop]): two seeded uniform-noise inputs (independent per
    channel) and two phantom radiographs, portrait and landscape, preprocessed per §2."""
    rng = np.random.default_rng(20210)
    noise = [rng.integers(0, 256, size=(3, crop, crop), dtype=np.uint8) for _ in range(2)]
    phantoms = [
        preprocess_u8(phantom_radiograph(390, 320, seed=1), imsize, crop),
        preprocess_u8(phantom_radiograph(300, 420, seed=2), imsize, crop),
    ]
    ids = ["noise-0", "noise-1", "phantom-390x320", "phantom-300x420"]
    notes = [
        "seeded uniform uint8 noise, independent channels",
        "seeded uniform uint8 noise, independent channels",
        "synthetic radiograph 390x320 (HxW), preprocessed per gloria-numerics §2",
        "synthetic radiograph 300x420 (HxW), preprocessed per gloria-numerics §2",
    ]
    return ids, notes, np.stack(noise + phantoms)


def golden_texts():
    items = []
    for cls in CLASSES:
        for k, p in enumerate(CHEXPERT_PROMPTS[cls]):
            items.append((f"prompt:{cls}:{k}", p))
    return items + EXTRA_TEXTS


def write_goldens(
    model: GloriaModel,
    tokenizer: WordPieceTokenizer,
    out_dir: str,
    model_dir_rel: str,
    manifest: Dict[str, Any],
    attention_pair: Sequence[str] = ("phantom-390x320", "prompt:Pleural Effusion:0"),
) -> Dict[str, Any]:
    cfg = model.cfg
    w = GoldenWriter(out_dir)
    t_max = cfg.text.max_length

    img_ids, img_notes, pixels_u8 = golden_images(cfg.image.crop, cfg.image.imsize)
    pixel_values = to_pixel_values(pixels_u8)
    img_g, img_l = model.encode_images(pixel_values)
    w.add("pixels_u8", pixels_u8, "uint8")
    w.add("image_global", numpy_f32(img_g))
    w.add("image_local", numpy_f32(img_l))

    texts = golden_texts()
    raws = [r for _, r in texts]
    out = model.encode_texts(raws, tokenizer)
    b = out.batch
    w.add("token_embeddings", numpy_f32(out.token_embeddings))
    w.add("word_embeddings", numpy_f32(out.word_embeddings))
    w.add("sentence_embeddings", numpy_f32(out.sentence_embeddings))
    text_entries = []
    for i, (tid, raw) in enumerate(texts):
        n_tok = int(b.attention_mask[i].sum())
        words = [x for x in out.words[i] if x != PAD]
        text_entries.append(
            {
                "id": tid,
                "raw": raw,
                "cleaned": b.cleaned[i],
                "charCount": b.char_counts[i],
                "referenceColumns": reference_columns(raw, t_max),
                "nWords": out.n_words[i],
                "inputIds": b.input_ids[i].tolist(),
                "attentionMask": b.attention_mask[i].tolist(),
                "tokens": b.tokens[i][:n_tok],
                "words": words,
            }
        )

    sims: Dict[str, Any] = {}
    combined: Dict[str, np.ndarray] = {}
    for mode in (sim.REFERENCE, sim.WORDS):
        g, loc, comb = model.similarities(img_g, img_l, out, mode)
        combined[mode] = comb
        suffix = mode.lower()
        sims[mode] = {
            "global": w.add("sim_global", g),
            "local": w.add(f"sim_local_{suffix}", loc),
            "combined": w.add(f"sim_combined_{suffix}", comb),
        }

    ii = img_ids.index(attention_pair[0])
    ti = [t for t, _ in texts].index(attention_pair[1])
    attention: Dict[str, Any] = {"image": attention_pair[0], "text": attention_pair[1]}
    for mode in (sim.REFERENCE, sim.WORDS):
        cols = sim.columns(raws[ti], out.n_words[ti], mode, t_max)
        score, cos, attn = sim.local_pair(
            out.word_embeddings[ti, :, 1 : cols + 1], img_l[ii : ii + 1], cfg.similarity.temp1, cfg.similarity.temp2
        )
        suffix = mode.lower()
        attention[mode] = {
            "columns": cols,
            "score": float(score[0]),
            "wordCosines": w.add(f"word_cosines_{suffix}", numpy_f32(cos[0])),
            "attention": w.add(f"attention_{suffix}", numpy_f32(attn[0])),
        }

    prompt_idx = [i for i, (t, _) in enumerate(texts) if t.startswith("prompt:")]
    zero: Dict[str, Any] = {"promptSet": PROMPT_SET, "classes": CLASSES, "images": img_ids}
    for mode in (sim.REFERENCE, sim.WORDS):
        raw_scores = class_scores(combined[mode][:, prompt_idx])
        suffix = mode.lower()
        zero[mode] = {
            "NONE": w.add(f"zeroshot_none_{suffix}", raw_scores),
            "BATCH": w.add(f"zeroshot_batch_{suffix}", zscore_batch(raw_scores)),
        }

    tok_cases = []
    for s in TOKENIZER_CASES:
        enc = tokenizer.encode(s, t_max)
        tok_cases.append({"text": s, "inputIds": enc.input_ids, "attentionMask": enc.attention_mask})

    h, wd = cfg.image.grid()
    index = {
        "format": FORMAT,
        "model": {
            "dir": model_dir_rel,
            "name": manifest["name"],
            "version": manifest["version"],
            "checksum": manifest["checksum"],
            "id": f"{manifest['name']}@{manifest['version']}#{manifest['checksum'][:12]}",
        },
        "settings": {
            "dim": cfg.embedding_dim,
            "grid": [h, wd],
            "maxLength": t_max,
            "lastNLayers": cfg.text.last_n_layers,
            "attentionTemperature": cfg.similarity.temp1,
            "localTemperature": cfg.similarity.temp2,
            "pixelTransform": "pixel_values = (u8 / 255 - 0.5) / 0.5 in float32",
        },
        "tolerance": {"absolute": 1e-4, "relative": 1e-4, "note": "float32 ONNX Runtime vs torch"},
        "images": [{"id": i, "index": k, "note": n} for k, (i, n) in enumerate(zip(img_ids, img_notes))],
        "texts": text_entries,
        "similarity": sims,
        "attention": attention,
        "zeroShot": zero,
        "tokenizerCases": tok_cases,
    }
    w.write_index(index)
    return index
