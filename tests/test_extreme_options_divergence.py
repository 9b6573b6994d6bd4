"""A learning rate far too large (--base-lr 1e3) whose weights blow up where a ReLU turns their NaN into zeros:
the loss stays finite, so the run trained on, printing evaluations at chance from those weights, until its next
checkpoint refused them (micro: 300 iterations later; caffenet: 5000). Each evaluation checks the weights first."""

import math

import pytest

from minitransfer import config
from minitransfer import train as training
from minitransfer.run_logs import divergence

RUN = dict(split="random", half="A", base_lr=1e3, seed=1, max_iter=20, eval_every=5, batch_size=8, device="cpu",
           quiet=True)


def _diverged_at(config_, run):
    with pytest.raises(training.Diverged):
        training.train(config_)
    said = divergence(run / "metrics.jsonl")
    return said, int(said.split(" at iteration ")[1].split()[0])


def test_weights_that_blew_up_under_a_finite_loss_stop_the_run_at_its_next_evaluation(micro_data, tmp_path):
    # the oracle: checked at every iteration's checkpoint, the iteration whose update blew the weights up
    said, blown = _diverged_at(config.TrainConfig(out=str(tmp_path / "every.h5"), data=micro_data,
                                                  checkpoint_every=1, **RUN), tmp_path / "every.run")
    assert said.startswith("training diverged: weights of "), said
    first_evaluation = math.ceil(blown / RUN["eval_every"]) * RUN["eval_every"]
    said, stopped = _diverged_at(config.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data,
                                                    checkpoint_every=1000, **RUN), tmp_path / "baseA.run")
    assert said.startswith("training diverged: weights of "), said  # the loss stayed finite: its premise
    assert stopped == first_evaluation < RUN["max_iter"], said
    evaluated = (tmp_path / "baseA.run" / "eval.csv").read_text().splitlines()[1:]
    assert all(int(row.split(",")[0]) < first_evaluation for row in evaluated), evaluated
