"""``evaluate.evaluate`` on nets whose fc8 has no preference (zeroed: every output equal) or has
diverged (NaN outputs): they score 0, not 1, because a class tied with the true one counts against
it (Caffe's Accuracy layer) and a NaN row counts as wrong. A control that prefers one class scores
exactly the share of images of that class, at top-1 and top-5 alike (the other seven stay tied)."""

import numpy as np
import pytest

from minitransfer import evaluate, models

CLASSES = 8


def batches(labels):
    rng = np.random.default_rng(17)
    for part in np.array_split(labels, 3):  # uneven batches
        yield rng.standard_normal((part.size, 3, 12, 12)).astype(np.float32), part


@pytest.mark.parametrize("fc8_bias, favourite", [(0.0, None), (np.nan, None), (0.0, 3)],
                         ids=["zeroed", "diverged", "prefers-class-3"])
def test_evaluate_counts_ties_and_nans_as_wrong(fc8_bias, favourite):
    net = models.micro(CLASSES)
    fc8 = net.layer("fc8")
    fc8.weight.data[...] = 0
    fc8.bias.data[...] = fc8_bias
    if favourite is not None:
        fc8.bias.data[favourite] = 1
    labels = np.random.default_rng(18).integers(0, CLASSES, size=40)
    expected = float(np.mean(labels == favourite))
    assert (favourite is None) == (expected == 0) and expected < 1  # the control: above 0, below 1
    scores = evaluate.evaluate(net, batches(labels))
    assert scores["images"] == 40
    assert scores["top1"] == pytest.approx(expected, abs=1e-12)
    assert scores["top5"] == pytest.approx(expected, abs=1e-12)
