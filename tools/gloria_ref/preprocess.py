"""GLoRIA's inference image preprocessing (gloria-numerics §2) with OpenCV and PIL, as the reference does.

Used to turn golden source images into encoder inputs; the encoder itself sees only the tensor.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from PIL import Image


def resize_pad(gray: np.ndarray, imsize: int = 256) -> np.ndarray:
    """§2.2-2.3: longer side → imsize with INTER_AREA (truncated short side), zero-pad centred."""
    h, w = gray.shape
    if h >= w:
        nh, nw = imsize, int(w * (imsize / h))
    else:
        nh, nw = int(h * (imsize / w)), imsize
    resized = cv2.resize(gray, (nw, nh), interpolation=cv2.INTER_AREA)
    ph, pw = imsize - nh, imsize - nw
    top, left = ph // 2, pw // 2
    return np.pad(resized, ((top, ph - top), (left, pw - left)), constant_values=0)


def center_crop(img: np.ndarray, crop: int = 224) -> np.ndarray:
    """§2.5: torchvision CenterCrop offsets, round((H - crop) / 2)."""
    h, w = img.shape[:2]
    top = int(round((h - crop) / 2.0))
    left = int(round((w - crop) / 2.0))
    return img[top : top + crop, left : left + crop]


def preprocess_u8(gray: np.ndarray, imsize: int = 256, crop: int = 224) -> np.ndarray:
    """uint8 grey H×W → uint8 [3,crop,crop] (grey copied to RGB by PIL, §2.4)."""
    padded = resize_pad(gray, imsize)
    rgb = np.asarray(Image.fromarray(padded, mode="L").convert("RGB"))
    return np.ascontiguousarray(center_crop(rgb, crop).transpose(2, 0, 1))


def to_pixel_values(u8: np.ndarray) -> torch.Tensor:
    """uint8 [...,3,S,S] → float32 in [-1,1]: ToTensor (x/255) then Normalize(0.5, 0.5) (§2.6-2.7)."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).to(torch.float32).div(255.0)
    return (x - 0.5) / 0.5
