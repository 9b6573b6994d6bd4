"""A run given `eval_batch_size` (train --eval-batch-size), resumed with its command line rerun without it
(`resume` 'auto' or its checkpoint file) or with its run folder named, keeps its own eval batch size, as it
keeps `checkpoint_every` and `log_every` (test_resume_run_settings); given, it changes. Before, 'auto' and
a checkpoint file were refused: "cannot resume ... with a different configuration: `eval_batch_size` 4 -> 8",
the preset's default (`batch_size`) taken for the value the user had chosen."""

import json

import pytest
from interrupting import interrupted_after

from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 6, "eval_every": 3, "checkpoint_every": 2, "device": "cpu", "quiet": True}
CHOSEN = 4  # not the default, which is `batch_size`


def _started(micro_data, tmp_path):
    """net.h5 trained with `eval_batch_size` CHOSEN, interrupted after its third iteration: its run folder."""
    assert CHOSEN != FAST["batch_size"]  # else the test proves nothing
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, eval_batch_size=CHOSEN,
                                           **FAST), 3)
    return tmp_path / "net.run"


def _resumed(way, run, micro_data, **given):
    if way == "run folder":
        return training.TrainConfig(resume=str(run), device="cpu", quiet=True, **given)
    resume = str(run / "checkpoint.h5") if way == "checkpoint file" else "auto"
    return training.TrainConfig(out=str(run.with_suffix(".h5")), data=micro_data, resume=resume, **FAST, **given)


def _recorded(run):
    return json.loads((run / "config.json").read_text())["eval_batch_size"]


@pytest.mark.parametrize("way", ["auto", "checkpoint file", "run folder"])
def test_an_eval_batch_size_left_unset_is_the_runs_own(micro_data, tmp_path, way):
    run = _started(micro_data, tmp_path)
    training.train(_resumed(way, run, micro_data))
    assert _recorded(run) == CHOSEN


@pytest.mark.parametrize("way", ["auto", "checkpoint file", "run folder"])
def test_an_eval_batch_size_given_changes(micro_data, tmp_path, way):
    run = _started(micro_data, tmp_path)
    training.train(_resumed(way, run, micro_data, eval_batch_size=CHOSEN // 2))
    assert _recorded(run) == CHOSEN // 2
