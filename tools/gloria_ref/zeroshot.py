"""Zero-shot CheXpert classification (gloria-numerics §5).

The prompts are the 25 that ``generate_chexpert_class_prompts(n=5)`` samples after ``random.seed(6)``,
shipped as data (§10.8), leading/trailing spaces and typos included.
"""

from __future__ import annotations

from typing import Dict, List

import numpy as np

PROMPT_SET = "gloria-chexpert-5x5@1"

CHEXPERT_PROMPTS: Dict[str, List[str]] = {
    "Atelectasis": [
        "minimal residual atelectasis at the left lung zone",
        "minimal subsegmental atelectasis at the left lung base",
        " trace atelectasis at the mid lung zone",
        "mild bandlike atelectasis at the lung bases",
        "minimal bandlike atelectasis at the right lung base",
    ],
    "Cardiomegaly": [
        " portable view of the chest demonstrates mild cardiomegaly ",
        " cardiac silhouette size is upper limits of normal ",
        " heart size remains at mildly enlarged ",
        " mildly prominent cardiac silhouette ",
        " ap erect chest radiograph demonstrates the heart size is the upper limits of normal ",
    ],
    "Consolidation": [
        "apperance of bilateral consolidation at the right lung base",
        "improved patchy consolidation at the lower lung zone",
        "apperance of partial consolidation at the left upper lobe",
        "increased partial consolidation at the left lung base",
        "increased airspace consolidation at the upper lung zone",
    ],
    "Edema": [
        " pulmonary edema ",
        "improvement in pulmonary interstitial edema ",
        "decreased pulmonary edema ",
        "moderate pulmonary edema ",
        "mild pulmonary edema ",
    ],
    "Pleural Effusion": [
        "increased left subpulmonic pleural effusion",
        "stable tiny bilateral pleural effusion",
        "large tiny subpulmonic pleural effusion",
        "decreased tiny subpulmonic pleural effusion",
        " tiny bilateral pleural effusion",
    ],
}

CLASSES = list(CHEXPERT_PROMPTS)


def all_prompts() -> List[str]:
    return [p for c in CLASSES for p in CHEXPERT_PROMPTS[c]]


def class_scores(combined_sim: np.ndarray, prompts_per_class: int = 5) -> np.ndarray:
    """[N_img, 25] "both" scores of the prompts in class order → [N_img, 5]: max over each class's
    prompts (§5 step 3; the reference says "average" but takes the max)."""
    n = combined_sim.shape[0]
    return combined_sim.reshape(n, len(CLASSES), prompts_per_class).max(axis=2).astype(np.float32)


def zscore_batch(scores: np.ndarray) -> np.ndarray:
    """BATCH normalisation (§5 step 4): z-score each class column across images, ddof 0. A single
    image is returned unchanged; a column with zero spread becomes NaN, as in the reference."""
    if scores.shape[0] <= 1:
        return scores.copy()
    mean = scores.mean(axis=0)
    std = scores.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((scores - mean) / std).astype(np.float32)
