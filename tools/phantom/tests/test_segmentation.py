"""The phantom segmentation trainer: the trunk rebuilt from the shipped folded image graph gives the
graph's own pooled features, and its Dice is the reference's."""

import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gloria_ref.config import ImageConfig
from gloria_ref.segmentation import SegmentationUnet
from phantom.onnx_eval import OnnxGraph
from phantom.segmentation import CLASSES, DECODER, dice_per_image, trunk_from_onnx

MODEL = os.path.join(os.path.dirname(__file__), "..", "..", "..", "models", "gloria-phantom")


def test_dice_is_the_references():
    prob = np.zeros((3, 4, 4))
    truth = np.zeros((3, 4, 4))
    prob[0, :2] = 0.9  # 8 predicted, 4 true, 4 shared → 2·4/12
    truth[0, 0] = 1
    prob[1, 0, 0] = 0.5  # not above the threshold: empty prediction on an empty mask → 1
    prob[2, 0, 0] = 0.7  # predicted on an empty mask → 0
    np.testing.assert_allclose(dice_per_image(prob, truth), [8 / 12, 1.0, 0.0])


@pytest.mark.skipif(not os.path.exists(os.path.join(MODEL, "image_encoder.onnx")), reason="no demo model")
def test_rebuilt_trunk_matches_the_image_graph():
    import json

    with open(os.path.join(MODEL, "manifest.json"), encoding="utf-8") as f:
        arch = json.load(f)["source"]["architecture"]["image"]
    cfg = ImageConfig(layers=tuple(arch["layers"]), width=arch["width"], input_resize=None)
    net = SegmentationUnet(cfg, len(CLASSES), DECODER)
    missing, unexpected = net.load_state_dict(trunk_from_onnx(MODEL, cfg), strict=False)
    assert not unexpected
    assert not [k for k in missing if k.startswith("encoder.") and not k.endswith("num_batches_tracked")]
    graph = OnnxGraph(os.path.join(MODEL, "image_encoder.onnx"))
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0)) * 2 - 1
    pooled = dict(zip(graph.output_names, graph.run(pixel_values=x)))["pooled"]
    # The graph resizes 224 → 128 (bilinear, align_corners) before conv1; the segmentation path does not.
    small = F.interpolate(x, size=(arch["input_resize"],) * 2, mode="bilinear", align_corners=True)
    with torch.no_grad():
        ours = net.features(small)[-1].mean((2, 3))
    assert pooled.shape == ours.shape
    np.testing.assert_allclose(pooled.numpy(), ours.numpy(), rtol=1e-4, atol=1e-4)
