"""The gloria-phantom WordPiece vocabulary: BERT's special-token layout, single characters as a
fallback, then every word of the training reports and of GLoRIA's zero-shot prompt generator
(gloria-numerics §5), so the 25 prompts and any prompt the generator could make tokenize into whole words.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, List

from gloria_ref.text import clean_text
from gloria_ref.tokenizer import basic_tokenize
from gloria_ref.zeroshot import all_prompts

# The lists of GLoRIA's generate_chexpert_class_prompts (gloria-numerics §5), typos included.
PROMPT_GENERATOR_LISTS: List[List[str]] = [
    ["", "mild", "minimal"],
    [
        "subsegmental atelectasis",
        "linear atelectasis",
        "trace atelectasis",
        "bibasilar atelectasis",
        "retrocardiac atelectasis",
        "bandlike atelectasis",
        "residual atelectasis",
    ],
    [
        "at the mid lung zone",
        "at the upper lung zone",
        "at the right lung zone",
        "at the left lung zone",
        "at the lung bases",
        "at the right lung base",
        "at the left lung base",
        "at the bilateral lung bases",
        "at the left lower lobe",
        "at the right lower lobe",
    ],
    [
        "cardiac silhouette size is upper limits of normal",
        "cardiomegaly which is unchanged",
        "mildly prominent cardiac silhouette",
        "portable view of the chest demonstrates stable cardiomegaly",
        "portable view of the chest demonstrates mild cardiomegaly",
        "persistent severe cardiomegaly",
        "heart size is borderline enlarged",
        "cardiomegaly unchanged",
        "heart size is at the upper limits of normal",
        "redemonstration of cardiomegaly",
        "ap erect chest radiograph demonstrates the heart size is the upper limits of normal",
        "cardiac silhouette size is mildly enlarged",
        "mildly enlarged cardiac silhouette, likely left ventricular enlargement. other chambers are less prominent",
        "heart size remains at mildly enlarged",
        "persistent cardiomegaly with prominent upper lobe vessels",
    ],
    ["", "increased", "improved", "apperance of"],
    [
        "bilateral consolidation",
        "reticular consolidation",
        "retrocardiac consolidation",
        "patchy consolidation",
        "airspace consolidation",
        "partial consolidation",
    ],
    [
        "at the lower lung zone",
        "at the upper lung zone",
        "at the left lower lobe",
        "at the right lower lobe",
        "at the left upper lobe",
        "at the right uppper lobe",
        "at the right lung base",
        "at the left lung base",
    ],
    ["", "mild", "improvement in", "presistent", "moderate", "decreased"],
    ["pulmonary edema", "trace interstitial edema", "pulmonary interstitial edema"],
    ["", "small", "stable", "large", "decreased", "increased"],
    ["left", "right", "tiny"],
    ["bilateral pleural effusion", "subpulmonic pleural effusion", "bilateral pleural effusion"],
]

SPECIAL = ["[PAD]"] + [f"[unused{i}]" for i in range(1, 100)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def prompt_words() -> List[str]:
    """Every word the prompt generator and the 25 sampled prompts contain, in first-seen order."""
    texts = [t for lst in PROMPT_GENERATOR_LISTS for t in lst] + all_prompts()
    seen: List[str] = []
    for t in texts:
        for w in basic_tokenize(t):
            if w not in seen:
                seen.append(w)
    return seen


def build_vocab(reports: Iterable[str]) -> List[str]:
    """[PAD]=0, [unused1..99], [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103 (gloria-numerics §3.2), then
    single characters and their "##" forms (so no lower-case ASCII word becomes [UNK]), then the words
    of the cleaned reports by descending frequency (ties alphabetical), then the prompt words."""
    vocab = list(SPECIAL)
    seen = set(vocab)

    def add(tokens: Iterable[str]) -> None:
        for t in tokens:
            if t not in seen:
                seen.add(t)
                vocab.append(t)

    chars = [chr(c) for c in range(33, 127) if not chr(c).isupper()]
    add(chars)
    add("##" + c for c in chars if c.isalnum())
    counts: Counter = Counter()
    for r in reports:
        counts.update(basic_tokenize(clean_text(r)))
    add(w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    add(prompt_words())
    return vocab


def write_vocab(vocab: List[str], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for t in vocab:
            f.write(t + "\n")
