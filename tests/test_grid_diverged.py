"""A grid's run whose training diverged: the grid's end said "fix that, then rerun the same command",
and the rerun diverged again, bit for bit, as often as it was run. It now says the run diverged, where,
and that the grid must be trained again with a lower --base-lr."""

import pytest

from minitransfer import config
from minitransfer import train as training
from minitransfer.grid_outcome import Failure, failure_cause
from minitransfer.run_outcome import Diverged

FAST = {"preset": "micro", "batch_size": 8, "eval_every": 2, "quiet": True, "device": "cpu"}
AGAIN = ("a rerun diverges again, bit for bit: train the grid again into a new folder (-o) with a lower --base-lr, "
         "which its runs share")


@pytest.fixture(scope="module")
def runs(micro_data, tmp_path_factory):
    """A run folder whose training diverged (a learning rate of 1e5) and one that finished."""
    folder = tmp_path_factory.mktemp("grid")
    with pytest.raises(Diverged):
        training.train(config.TrainConfig(out=str(folder / "A1B.h5"), data=micro_data, base_lr=1e5, max_iter=8,
                                          **FAST))
    training.train(config.TrainConfig(out=str(folder / "B1B.h5"), data=micro_data, max_iter=2, **FAST))
    return folder


def test_a_diverged_run_is_told_as_such_with_what_to_change(runs):
    said = failure_cause(1, ["random0/A1B"], [Failure(1, runs / "A1B.run" / "train.log")])
    assert said.startswith("random0/A1B: diverged (exit 1; training diverged: "), said
    assert said.endswith(f"): {AGAIN}"), said
    assert "rerun the same command" not in said


def test_runs_that_failed_otherwise_keep_the_advice_to_rerun_and_name_the_diverged_ones(runs):
    said = failure_cause(1, ["random0/A1B", "random0/B1B"], [Failure(1, runs / f"{name}.run" / "train.log")
                                                            for name in ("A1B", "B1B")])
    assert said.startswith(f"random0/A1B, random0/B1B: failed (exit 1): their train.log (e.g. {runs}/A1B.run/"
                           "train.log) says why; fix that, then rerun the same command; random0/A1B of them diverged "
                           "(random0/A1B: training diverged: "), said
    assert said.endswith(AGAIN)
    assert failure_cause(1, ["random0/B1B"], [Failure(1, runs / "B1B.run" / "train.log")]).endswith(
        "says why; fix that, then rerun the same command")
