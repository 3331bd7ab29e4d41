"""Scores and quality measures of a GLoRIA model on phantom sets, with the reference maths.

An ``Encoder`` is anything that maps pixel values to (global, local) and token ids to the
``token_embeddings`` of text_encoder.onnx: the in-memory model during training, or the exported ONNX
graphs in evaluate.py. Word aggregation, sentence embeddings and similarities are the reference's
(tools/gloria_ref: gloria-numerics §3.4-§5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import torch

from gloria_ref import similarity as sim
from gloria_ref import text as txt
from gloria_ref.preprocess import center_crop
from gloria_ref.tokenizer import WordPieceTokenizer
from gloria_ref.zeroshot import CHEXPERT_PROMPTS, CLASSES, all_prompts, class_scores

from .data import PhantomSet
from .encode import to_pixels

ImageFn = Callable[[torch.Tensor], Tuple[torch.Tensor, torch.Tensor]]
TextFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

# Lateralised text queries per class, "<side> <anatomy> <class>" like "left pleural effusion";
# "left"/"right" is the patient's side. Other phrasings are reported beside them (PHRASINGS).
SIDED_PHRASES = {
    "Pleural Effusion": "{side} pleural effusion",
    "Consolidation": "{side} lung consolidation",
    "Atelectasis": "{side} lung atelectasis",
}
PHRASINGS = {
    "in-the-lung": {
        "Consolidation": "consolidation in the {side} lung",
        "Atelectasis": "atelectasis in the {side} lung",
    },
    "lower-lobe": {
        "Consolidation": "{side} lower lobe consolidation",
        "Atelectasis": "{side} lower lobe atelectasis",
    },
}


def sided_queries(phrases: Dict[str, str] = SIDED_PHRASES) -> List[Tuple[str, str, str]]:
    return [(p.format(side=s), c, s) for c, p in phrases.items() for s in ("left", "right")]


@dataclass
class Encoder:
    image: ImageFn
    tokens: TextFn
    tokenizer: WordPieceTokenizer
    max_length: int = 97
    crop: int = 224
    temp1: float = 4.0
    temp2: float = 5.0


@dataclass
class Texts:
    raw: List[str]
    words: torch.Tensor  # [N,D,T]
    sentence: torch.Tensor  # [N,D]
    n_words: List[int]
    word_lists: List[List[str]]


@torch.no_grad()
def encode_images(enc: Encoder, images: np.ndarray, batch: int = 64) -> Tuple[torch.Tensor, torch.Tensor]:
    """Centre-cropped (§2.5) images of a set → (global [N,D], local [N,D,h,w])."""
    gs, ls = [], []
    for i in range(0, len(images), batch):
        crops = np.stack([center_crop(im, enc.crop) for im in images[i : i + batch]])
        g, loc = enc.image(to_pixels(crops))
        gs.append(g)
        ls.append(loc)
    return torch.cat(gs), torch.cat(ls)


@torch.no_grad()
def encode_texts(enc: Encoder, raws: Sequence[str], batch: int = 64) -> Texts:
    words_all, sent_all, n_all, lists_all = [], [], [], []
    for i in range(0, len(raws), batch):
        b = txt.prepare_texts(raws[i : i + batch], enc.tokenizer, enc.max_length)
        tok = enc.tokens(b.input_ids, b.attention_mask, b.token_type_ids)
        agg, word_lists = txt.aggregate_tokens(tok, b.tokens)  # §3.4
        words_all.append(agg.transpose(1, 2))
        sent_all.append(agg.mean(dim=1))  # §3.5: mean over all T slots
        n_all += [txt.n_words(w) for w in word_lists]
        lists_all += word_lists
    return Texts(list(raws), torch.cat(words_all), torch.cat(sent_all), n_all, lists_all)


def similarities(enc: Encoder, img_g, img_l, texts: Texts, mode: str = sim.REFERENCE):
    """(global, local, both) [N_img, N_txt] (§4.1-§4.3)."""
    g = sim.global_similarity(img_g.numpy(), texts.sentence.numpy())
    loc = sim.local_similarity(img_l, texts.words, texts.raw, texts.n_words, mode, enc.temp1, enc.temp2)
    return g, loc, sim.combined(g, loc)


def prompt_similarities(enc: Encoder, img_g, img_l):
    """(global, both) [N_img, 25] for the 25 prompts in class order, REFERENCE columns (§5)."""
    prompts = encode_texts(enc, all_prompts())
    g, _, both = similarities(enc, img_g, img_l, prompts, sim.REFERENCE)
    return g, both


def zero_shot_raw(both: np.ndarray) -> np.ndarray:
    """[N_img, 5] raw zero-shot scores: max over each class's 5 prompts of "both" (§5 step 3)."""
    return class_scores(both)


def reference_stats(raw: np.ndarray) -> Dict[str, Dict[str, float]]:
    """Per-class mean and std (ddof 0) for REFERENCE normalisation (manifest zeroShot.reference)."""
    return {c: {"mean": float(raw[:, k].mean()), "std": float(raw[:, k].std())} for k, c in enumerate(CLASSES)}


def zero_shot_accuracy(raw: np.ndarray, stats: Dict[str, Dict[str, float]], data: PhantomSet) -> float:
    """Argmax of REFERENCE-normalised scores on single-finding images."""
    mean = np.array([stats[c]["mean"] for c in CLASSES])
    std = np.array([stats[c]["std"] for c in CLASSES])
    idx = data.single_finding()
    pred = ((raw[idx] - mean) / std).argmax(1)
    truth = data.labels[idx].argmax(1)
    return float((pred == truth).mean())


def precision_at_k(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Mean over queries (columns of scores [N_img, Q]) of the share of hits in the top k."""
    top = np.argsort(-scores, axis=0, kind="stable")[:k]  # [k,Q]
    return float(np.mean([relevant[top[:, q], q].mean() for q in range(scores.shape[1])]))


def prompt_retrieval(g: np.ndarray, both: np.ndarray, data: PhantomSet, k: int = 5) -> Dict[str, float]:
    """Text→image Precision@k with the 25 class prompts as queries (columns of the prompt
    similarities); a hit carries the prompt's class."""
    per = len(next(iter(CHEXPERT_PROMPTS.values())))
    rel = np.repeat(data.labels, per, axis=1).astype(bool)  # prompts are in class order
    return {"global": precision_at_k(g, rel, k), "both": precision_at_k(both, rel, k)}


def sided_relevance(data: PhantomSet, cls: str, side: str) -> np.ndarray:
    """Images with a finding of ``cls`` on ``side``; a bilateral finding covers both sides."""
    return np.array([any(f.cls == cls and f.side in (side, "bilateral") for f in fs) for fs in data.findings])


def rerank_precision(
    enc: Encoder,
    img_g,
    img_l,
    data: PhantomSet,
    k: int = 10,
    first_stage: int = 100,
    phrases=SIDED_PHRASES,
    per_query: bool = False,
):
    """Precision@k of the lateralised queries: the global ranking, and the global top-N re-ranked by
    (local + global)/2 (§4.3; REFERENCE or WORDS columns) or by the mean of the two z-scored across
    the candidates (the retrieval code's combination, §6; "zscore-" prefix)."""
    queries = sided_queries(phrases)
    texts = encode_texts(enc, [q for q, _, _ in queries])
    g = sim.global_similarity(img_g.numpy(), texts.sentence.numpy())
    out = {"global": [], sim.REFERENCE: [], sim.WORDS: [], "zscore-" + sim.REFERENCE: [], "zscore-" + sim.WORDS: []}
    for qi, (_, cls, side) in enumerate(queries):
        rel = sided_relevance(data, cls, side)
        cand = np.argsort(-g[:, qi], kind="stable")[:first_stage]
        out["global"].append(rel[cand[:k]].mean())
        sub = Texts([texts.raw[qi]], texts.words[qi : qi + 1], texts.sentence[qi : qi + 1], [texts.n_words[qi]], [])
        for mode in (sim.REFERENCE, sim.WORDS):
            loc = sim.local_similarity(img_l[cand], sub.words, sub.raw, sub.n_words, mode, enc.temp1, enc.temp2)[:, 0]
            both = (loc + g[cand, qi]) / 2
            order = cand[np.argsort(-both, kind="stable")]
            out[mode].append(rel[order[:k]].mean())
            z = _zscore(loc) + _zscore(g[cand, qi])
            order = cand[np.argsort(-z, kind="stable")]
            out["zscore-" + mode].append(rel[order[:k]].mean())
    summary: Dict = {m: float(np.mean(v)) for m, v in out.items()}
    if per_query:
        summary["perQuery"] = {
            q: {"global": float(out["global"][i]), sim.REFERENCE: float(out[sim.REFERENCE][i])}
            for i, (q, _, _) in enumerate(queries)
        }
    return summary


def _zscore(x: np.ndarray) -> np.ndarray:
    std = x.std()
    return (x - x.mean()) / std if std > 0 else np.zeros_like(x)


def attention_side(enc: Encoder, img_l, data: PhantomSet) -> Dict[str, float]:
    """Share of single-finding lateralised images whose attention for the side word of
    "<side> <class phrase>" has most of its mass on the correct image half (patient's left = image
    right), for both column selections (§4.2)."""
    queries = {(c, s): q for q, c, s in sided_queries()}
    texts = encode_texts(enc, list(queries.values()))
    keys = list(queries)
    hits = {sim.REFERENCE: [], sim.WORDS: []}
    w = img_l.shape[3]
    for i, fs in enumerate(data.findings):
        if len(fs) != 1 or fs[0].side not in ("left", "right") or (fs[0].cls, fs[0].side) not in queries:
            continue
        qi = keys.index((fs[0].cls, fs[0].side))
        col = texts.word_lists[qi].index(fs[0].side)  # the slot of the side word
        for mode in hits:
            n = sim.columns(texts.raw[qi], texts.n_words[qi], mode)
            _, _, attn = sim.local_pair(texts.words[qi, :, 1 : n + 1], img_l[i : i + 1], enc.temp1, enc.temp2)
            a = attn[0, col - 1]  # [h,w]; column 1 of the slice is slot 1
            right_half = float(a[:, w // 2 :].sum() / a.sum())
            hits[mode].append(right_half > 0.5 if fs[0].side == "left" else right_half < 0.5)
    return {m: float(np.mean(v)) for m, v in hits.items()} | {"images": len(hits[sim.WORDS])}


def quality(enc: Encoder, test: PhantomSet, stats: Dict[str, Dict[str, float]]) -> Dict:
    img_g, img_l = encode_images(enc, test.images)
    g, both = prompt_similarities(enc, img_g, img_l)
    raw = zero_shot_raw(both)
    return {
        "testImages": len(test),
        "zeroShotAccuracy": zero_shot_accuracy(raw, stats, test),
        "zeroShotImages": int(len(test.single_finding())),
        "promptPrecisionAt5": prompt_retrieval(g, both, test, 5),
        "attentionSide": attention_side(enc, img_l, test),
        "lateralPrecisionAt10": rerank_precision(enc, img_g, img_l, test, 10, 100, per_query=True),
        "lateralPrecisionAt10OtherPhrasings": {
            name: rerank_precision(enc, img_g, img_l, test, 10, 100, {**SIDED_PHRASES, **extra})
            for name, extra in PHRASINGS.items()
        },
    }
