"""Zero-shot table (§5): max over prompts, batch z-scores with ddof 0."""

import numpy as np

from gloria_ref.zeroshot import CLASSES, all_prompts, class_scores, zscore_batch


def test_prompts_are_25_in_class_order_with_spaces_kept():
    prompts = all_prompts()
    assert len(prompts) == 25 and len(CLASSES) == 5
    assert prompts[2] == " trace atelectasis at the mid lung zone"
    assert prompts[15] == " pulmonary edema "
    assert prompts[10] == "apperance of bilateral consolidation at the right lung base"


def test_class_score_is_max_over_its_prompts():
    comb = np.arange(50, dtype=np.float32).reshape(2, 25)
    comb[0, 7] = 100
    got = class_scores(comb)
    assert got.shape == (2, 5)
    assert got[0].tolist() == [4, 100, 14, 19, 24]


def test_batch_zscore_ddof0_single_image_unchanged_constant_column_nan():
    s = np.array([[1.0, 2.0], [3.0, 2.0]], dtype=np.float32)
    z = zscore_batch(s)
    assert np.allclose(z[:, 0], [-1.0, 1.0])
    assert np.isnan(z[:, 1]).all()
    one = np.array([[0.3, 0.4]], dtype=np.float32)
    assert np.array_equal(zscore_batch(one), one)
