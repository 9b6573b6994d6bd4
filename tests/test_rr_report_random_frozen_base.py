"""Random frozen layers whose base (all/base) is being trained: a grid trains that base beside them, as nothing
copies it, so a report read while it trains found the control finished and the base training for the first time.
report said the base "is being trained again ..., its weights file removed until that training ends", the words of
a transfer's base trained again after runs copied it (report66), of a base never trained before. Now: being
trained, let it end; a transfer's base trained again is still said so (test_report66_base_not_finished)."""

import os

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import report, run_lock

from test_checkpoint import _checkpoint
from test_report import write_run
from test_report_plan import _stop


def test_the_base_of_random_frozen_layers_training_now_is_not_said_trained_again(tmp_path):
    out = tmp_path / "grid"
    runs = [run for run in grid.plan_grid(layers=(1,), random_frozen=(1,)) if run.name.startswith("all/")]
    assert sorted(run.kind for run in runs) == ["base", "random-frozen"], runs
    for run in runs:
        write_run(out, run, 0.5)
    folder = _stop(out, "all/base")
    checkpoints.save(folder / "checkpoint.h5", _checkpoint(seed=3))
    with run_lock.RunLock(folder):  # the grid trains it now, its control finished first
        written = report.write_report(out, tmp_path / "report", figures=False)
    control = next(run.name for run in runs if run.kind == "random-frozen")
    assert written.without_base == [f"{control}: its base all/base (all classes) is not finished: all/base is being "
                                    f"trained by PID {os.getpid()}: let it end"], written.without_base
