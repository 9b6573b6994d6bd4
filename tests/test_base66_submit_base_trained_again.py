"""submit.sh and a base trained again from an earlier checkpoint (`train --resume COPY.h5`: train removes its
result.json and weights file until it ends, run_files) after runs copied it: it said to restore the weights file
train removed for good, or to delete the runs that copied it (what they trained lost), where a local grid says it
is being trained again (or was stopped so) and to finish it (grid_check._base_gone). Now submit.sh says so too, in
the same words (missing_bases.trained_again). Real networks, stand-ins for SLURM's commands. Found by base66."""

import os

import pytest
from test_concur65_grid_base_resumed import _resume_killed, trained_grid_and_copy
from test_slurm import fake_slurm, sbatch_calls, submit_grid  # noqa: F401

from minitransfer import experiment as grid
from minitransfer import grid_check, run_lock, slurm


@pytest.fixture(scope="module")
def retrained(tmp_path_factory, micro_data):
    """A finished grid of layer 1 (its A1B copied baseA), its scripts emitted, then baseA trained again from its
    checkpoint at iteration 2 and killed at once (its weights file and result.json removed by then): (the grid's
    folder, its runs, its options, its submit.sh)."""
    out, runs, options, copy, config = trained_grid_and_copy(tmp_path_factory.mktemp("retrained"), micro_data)
    submit = slurm.emit_slurm(runs, out, out.parent / "slurm", options)
    _resume_killed(out, micro_data, copy, config)
    return out, runs, options, submit


@pytest.mark.parametrize("state", ["stopped", "training"])
def test_submit_says_a_base_is_trained_again_and_how_to_finish_it(retrained, fake_slurm, state):
    """baseA trained again, stopped; ``training``: its lock held meanwhile, as by the process training it. Before,
    submit.sh said "is gone: restore it; or delete random0/A1B too"."""
    out, runs, options, submit = retrained
    folder, weights = out / "random0" / "baseA.run", out / "random0" / "baseA.h5"
    assert not (folder / "result.json").exists() and (folder / grid.CHECKPOINT_FILE).is_file()
    if state == "training":
        with run_lock.RunLock(folder):  # bash's flock sees it held, as another process's
            done = submit_grid(submit, "--dry-run")
        what = (f"random0/baseA is being trained again by PID {os.getpid()}, its weights file removed until that "
                f"training ends: let it end")
    else:
        done = submit_grid(submit, "--dry-run")
        what = (f"random0/baseA was stopped while being trained again, its weights file removed until that training "
                f"ends: resume it to its end (minitransfer train --resume {folder})")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == ("nothing submitted: 1 base is being trained again from an earlier checkpoint, or stopped "
                           "while trained so, after runs copied it (a local grid refuses this too):\n"
                           f"  run random0/baseA: its weights file {weights}, which random0/A1B copied, is gone: "
                           f"{what}\nthen rerun {submit}\n"), done.stderr
    assert "restore" not in done.stderr and "delete" not in done.stderr
    assert sbatch_calls(fake_slurm) == []
    if state == "stopped":  # the local grid says it in the same words
        with pytest.raises(grid_check.GridMismatch) as refused:
            grid_check.check_finished(runs, out, options)
        assert f"is gone: {what}, then run the grid again" in str(refused.value), str(refused.value)
