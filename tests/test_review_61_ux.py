"""Review of session 61's SLURM and data messages: each test fails without the fix it names."""

import json

import pytest

from test_checkpoint import _checkpoint
from test_slurm import real_options

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import report, slurm

STUCK = "(DependencyNeverSatisfied) until you rerun bash"


def _slurm_grid(tmp_path):
    """A SLURM grid of baseA, baseB and A1B (after baseA), none trained; (out, submit.sh)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), out, scripts, real_options())
    return out, scripts / "submit.sh"


def _resumable(folder):
    checkpoints.save(folder / grid.CHECKPOINT_FILE, _checkpoint(seed=3))
    (folder / grid.LOG_FILE).write_text("$ minitransfer train\niteration 3/300 loss 2.3\n")


def _killed(folder):
    (folder / "config.json").write_text(json.dumps({"split": "random", "split_seed": 0, "half": "A"}))
    (folder / grid.LOG_FILE).write_text("$ minitransfer train\niteration 3/300 loss 2.3\n"
                                        "srun: error: node1: task 0: Exited with exit code 137\n")


@pytest.mark.parametrize("stop, state", [
    (_resumable, "resumable at iteration 17"),
    (_killed, "stopped before its first checkpoint"),
], ids=["resumable", "killed"])
def test_a_transfer_of_a_base_stopped_without_error_is_not_said_to_be_stuck(tmp_path, stop, state):
    """A base stopped with no error line may be requeued by SLURM (exit 75 at each time limit, the scripts' way
    to train longer than one; a failed node), its transfers' tasks waiting for it as planned. report said they
    wait at DependencyNeverSatisfied until submit.sh is rerun, as of a failed base, and "was stopped (stopped
    before its first checkpoint)"; it now says what squeue tells apart."""
    out, submit = _slurm_grid(tmp_path)
    folder = out / "random0/baseA.run"
    folder.mkdir(parents=True, exist_ok=True)
    stop(folder)
    with pytest.raises(report.NoRuns) as raised:
        report.measure(out)
    said = str(raised.value)
    assert f"random0/baseA ({state})" in said, said
    assert (f"random0/A1B (not started: waits for its base random0/baseA, {state}; where `squeue --array` no "
            f"longer lists the base's task (not requeued: cancelled, out of time or killed), its SLURM task waits "
            f"{STUCK} {submit})") in said, said
    assert "was stopped (" not in said and "so its SLURM task waits" not in said, said

