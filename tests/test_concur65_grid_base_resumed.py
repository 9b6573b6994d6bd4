"""A finished grid's base trained again from an earlier checkpoint (`train --resume COPY.h5`) removes its weights
file until it ends (run_files, resume65). A grid rerun meanwhile, or after that training was killed, refused the
folder saying to restore the weights file (which train removed for good) or to delete the transfers that copied it
(what they trained lost); finishing the base's training is what lets the grid go on. Found by concur65's sweep."""

import shutil

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_check, run_lock, scheduler
from minitransfer import train as training

RUNS = {"layers": (1,), "fine_tuned": False, "selffer": False}


class Killed(BaseException):
    """What a kill -9 leaves, in this process: nothing of the run's handlers runs."""


@pytest.fixture
def grid_and_copy(tmp_path, micro_data):
    """A finished grid of layer 1 whose baseA was trained first, with checkpoints at 2 and 4; ck2.h5 beside it, a
    copy of baseA's checkpoint at iteration 2. (the grid's folder, its runs, its options, ck2.h5)."""
    return trained_grid_and_copy(tmp_path, micro_data)


def trained_grid_and_copy(tmp_path, micro_data):
    """:func:`grid_and_copy`'s grid, trained in ``tmp_path``."""
    out, runs = tmp_path / "grid", grid.plan_grid(**RUNS)
    options = {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu"}
    base = next(run for run in runs if run.name == "random0/baseA")
    config = grid_check.planned_config(base, out, options)
    copy, folder = tmp_path / "ck2.h5", out / "random0" / "baseA.run"

    def keep(done):
        if done == 3:
            shutil.copy(folder / grid.CHECKPOINT_FILE, copy)

    training.train(training.TrainConfig(out=str(out / "random0" / "baseA.h5"), data=str(micro_data), split="random",
                                        split_seed=0, half="A", seed=config["seed"], max_iter=4, checkpoint_every=2,
                                        device="cpu", quiet=True), on_iteration=keep)
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    grid_check.check_finished(runs, out, options)  # baseA trained first is the grid's own
    return out, runs, options, copy, config


def _resume_killed(out, micro_data, copy, config):
    """baseA trained again from ``copy``, killed at its first iteration (its weights file removed by then)."""
    def kill(done):
        raise Killed

    with pytest.raises(Killed):
        training.train(training.TrainConfig(out=str(out / "random0" / "baseA.h5"), data=str(micro_data),
                                            split="random", split_seed=0, half="A", seed=config["seed"], max_iter=4,
                                            checkpoint_every=2, device="cpu", quiet=True, resume=str(copy)),
                       on_iteration=kill)
    assert not (out / "random0" / "baseA.h5").exists()


def test_a_base_being_trained_again_or_stopped_so_is_named_with_how_to_finish_it(grid_and_copy, micro_data,
                                                                                monkeypatch):
    out, runs, options, copy, config = grid_and_copy
    _resume_killed(out, micro_data, copy, config)
    folder = out / "random0" / "baseA.run"
    real_holder = grid_check.holder
    with monkeypatch.context() as patched:  # while it trains: its lock held, as by its process
        patched.setattr(grid_check, "holder", lambda path, *a: run_lock.Holder(4242) if path == folder
                        else real_holder(path, *a))
        with pytest.raises(grid_check.GridMismatch) as refused:
            grid_check.check_finished(runs, out, options)
    said = str(refused.value)
    assert "random0/baseA is being trained again by " in said and "4242" in said, said
    assert "let it end, then run the grid again" in said and "restore" not in said, said
    with pytest.raises(grid_check.GridMismatch) as refused:  # killed (-9) meanwhile
        grid_check.check_finished(runs, out, options)
    said = str(refused.value)
    assert "random0/baseA was stopped while being trained again, its weights file removed until that training " \
           f"ends: resume it to its end (minitransfer train --resume {folder})" in said, said
    assert "restore" not in said and "delete" not in said, said
    # as it says: the base finished, the grid goes on (its network the one A1B copied, trained on the CPU)
    training.train(training.TrainConfig(out=str(out / "random0" / "baseA.h5"), resume=str(folder), quiet=True))
    grid_check.check_finished(runs, out, options)
