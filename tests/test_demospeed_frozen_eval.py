"""A frozen network's evaluations pass the validation images through its frozen layers once per run
(``evaluate.through_frozen``) and score the same bits as the whole net's forward pass at each one."""

import numpy as np
import pytest

from minitransfer import evaluate, models, training_run
from minitransfer import train as training

FAST = {"batch_size": 16, "max_iter": 6, "eval_every": 2, "quiet": True, "device": "cpu"}


def _batches(net, sizes, seed):
    rng = np.random.default_rng(seed)
    return [((rng.standard_normal((size, *net.input_shape)) * 60).astype(np.float32),
             rng.integers(0, net.num_outputs, size).astype(np.int32)) for size in sizes]


@pytest.mark.parametrize("n", range(0, 8))
def test_scores_through_the_frozen_layers_are_the_whole_forward_passes(n):
    net = models.micro(7)
    net.initialize(seed=11)
    net.freeze(n)
    batches = _batches(net, (5, 3, 1), seed=n)
    start, kept = evaluate.through_frozen(net, batches, limit_bytes=2**30)
    assert start == evaluate.frozen_stages(net) and (start > 0) == (n > 0)
    assert evaluate.evaluate(net, kept, start=start) == evaluate.evaluate(net, batches)
    for (x, labels), (y, _) in zip(batches, kept):
        loss, logits = net.forward(x, labels, train=False)
        got_loss, got_logits = evaluate._forward_from(net, start, y, labels)
        assert got_logits.tobytes() == logits.tobytes() and float(got_loss) == float(loss)


def test_outputs_larger_than_the_limit_are_not_kept():
    net = models.micro(7)
    net.initialize(seed=1)
    net.freeze(1)  # conv1+relu1 and pool1+norm1 run once: norm1's output, 24 x 6 x 6 floats an image
    batches = _batches(net, (4,), seed=0)
    assert evaluate.through_frozen(net, batches, limit_bytes=4 * 24 * 36 * 4 - 1) == (0, batches)
    assert evaluate.through_frozen(net, batches, limit_bytes=4 * 24 * 36 * 4)[0] == 2


@pytest.mark.parametrize("n", [1, 4, 7])
def test_a_frozen_transfer_logs_the_evaluations_it_logged_without_them(micro_data, tmp_path, monkeypatch, n):
    base = tmp_path / "baseA.h5"
    options = dict(FAST, data=micro_data, preset="micro", seed=3)
    training.train(training.TrainConfig(out=str(base), half="A", **options))
    transfer = dict(options, half="B", copy_from=str(base), n=n, frozen=True)
    training.train(training.TrainConfig(out=str(tmp_path / "kept.h5"), **transfer))
    monkeypatch.setattr(training_run, "through_frozen", lambda net, batches, limit: (0, batches))
    training.train(training.TrainConfig(out=str(tmp_path / "whole.h5"), **transfer))
    kept = (tmp_path / "kept.run" / "eval.csv").read_text()
    assert kept == (tmp_path / "whole.run" / "eval.csv").read_text() and len(kept.splitlines()) == 4
