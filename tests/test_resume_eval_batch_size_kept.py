"""A run given `eval_batch_size` (train --eval-batch-size), resumed with its command line rerun without it
(`resume` 'auto' or its checkpoint file) or with its run folder named, keeps its own eval batch size, as it
keeps `checkpoint_every` and `log_every` (test_resume_run_settings); given, it changes. Before, 'auto' and
a checkpoint file were refused: "cannot resume ... with a different configuration: `eval_batch_size` 4 -> 8",
the preset's default (`batch_size`) taken for the value the user had chosen."""

import json

import pytest
from interrupting import interrupted_after

from minitransfer import config, preflight_memory
from minitransfer import train as training
from minitransfer.memory_limit import Available

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


def _memory_need(micro_data, tmp_path, **given):
    """The memory need (preflight's) of an evaluation batch of a fresh run of ``given`` on ``micro_data``."""
    plan = config.resolve(config.checked(training.TrainConfig(out=str(tmp_path / "sized.h5"), data=micro_data,
                                                              **given)))
    return preflight_memory.memory_needs(plan, plan.preset.build(plan.config.fc8_outputs))[1].bytes


@pytest.mark.parametrize("way", ["auto", "checkpoint file", "run folder"])
def test_the_memory_check_measures_the_runs_own_eval_batch_size(micro_data, tmp_path, monkeypatch, way):
    """The check came before 'auto' and a checkpoint file took the run's own `eval_batch_size`: it measured the
    default's (`batch_size`). A run given a larger one than its training batch, resumed where that no longer
    fits, trained on until its first evaluation; it is refused up front, as the same resume given it is."""
    small = {**FAST, "batch_size": 2}
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, eval_batch_size=8, **small),
                      3)
    run = tmp_path / "net.run"
    fits, too_large = (_memory_need(micro_data, tmp_path, eval_batch_size=size, **small) for size in (2, 8))
    assert fits < too_large  # else the test proves nothing
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available((fits + too_large) // 2, "a test's"))
    # micro's training step at batch 2 needs more than its evaluation batches (the weights, their gradients and
    # momentum, and a checkpoint's file image): only the evaluation's need is checked here
    monkeypatch.setattr(preflight_memory, "training_bytes", lambda *args, **kwargs: 0)
    resumed = {"run folder": lambda **given: training.TrainConfig(resume=str(run), device="cpu", quiet=True, **given),
               "checkpoint file": lambda **given: training.TrainConfig(
                   out=str(run.with_suffix(".h5")), data=micro_data, resume=str(run / "checkpoint.h5"), **small,
                   **given),
               "auto": lambda **given: training.TrainConfig(out=str(run.with_suffix(".h5")), data=micro_data,
                                                            resume="auto", **small, **given)}[way]
    for given in ({"eval_batch_size": 8}, {}):
        with pytest.raises(preflight_memory.OutOfMemory, match="an evaluation batch of .* at `eval_batch_size=8`"):
            training.train(resumed(**given))
    training.train(resumed(eval_batch_size=2))  # a smaller one given fits
    assert _recorded(run) == 2
