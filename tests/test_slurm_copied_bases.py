"""submit.sh and a base the runs after it copied: trained again from the start, it is another network
than the one they copied, which submit.sh refuses as a local grid does (grid_check.check_finished).
No SLURM needed: submit.sh runs with stand-ins for SLURM's commands."""

import shutil

import pytest
from test_slurm import OPTIONS, fake_slurm, finish, interrupt, submit_grid  # noqa: F401

from minitransfer import grid_check, grid_status, slurm
from minitransfer import experiment as grid


def grid_with_base_b_copied(tmp_path, transfers):
    """The plan of layer 1 emitted, baseB finished and its transfers B1B, B1B+ ``"finished"`` or
    ``"interrupted"`` (a checkpoint); the runs, OUT and submit.sh."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,))
    submit = slurm.emit_slurm(runs, out, tmp_path / "slurm", OPTIONS)
    finish(out, "random0/baseB")
    for name in ("random0/B1B", "random0/B1B+"):
        if transfers == "finished":
            finish(out, name)
        else:
            interrupt(out, name)
    return runs, out, submit


@pytest.mark.parametrize("gone", ["weights", "weights-and-run-folder", "run-folder"])
@pytest.mark.parametrize("transfers", ["finished", "interrupted"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_refuses_to_train_again_a_base_whose_transfers_are_trained(tmp_path, fake_slurm, gone, transfers,
                                                                          dry_run):
    """baseB's weights file gone: before, submit.sh submitted baseB, trained again into another network
    than the one B1B and B1B+ copied, which were kept as if from it (a local grid refuses it:
    check_finished). Its run folder gone: before, submit.sh said to delete baseB.h5, which led there."""
    runs, out, submit = grid_with_base_b_copied(tmp_path, transfers)
    weights, folder = out / "random0" / "baseB.h5", out / "random0" / "baseB.run"
    if gone != "run-folder":
        weights.unlink()
    if gone != "weights":
        shutil.rmtree(folder)
    base_b = next(run for run in runs if run.name == "random0/baseB")
    if gone == "run-folder":  # the local grid's dry run: its train refuses it
        assert grid_status.run_status(out, base_b) == "weights without a checkpoint"
    else:
        with pytest.raises(grid_check.GridMismatch, match="is gone: the grid would train random0/baseB again"):
            grid_check.check_finished(runs, out, OPTIONS)
    done = submit_grid(submit, *["--dry-run"] * dry_run)
    assert done.returncode == 2, done.stdout + done.stderr
    copied = "random0/B1B, random0/B1B+"
    # the paths to delete, each transfer's run folder and weights file where there (an interrupted one has none)
    files = [out / "random0" / f"{name}{end}" for name in ("B1B", "B1B+") for end in (".run", ".h5")]
    files = [path for path in files if path.exists()]
    assert out / "random0" / "B1B.run" in files and out / "random0" / "B1B+.run" in files
    deleted = f"the files of {copied} ({', '.join(map(str, files))})"
    if gone == "run-folder":
        line = (f"its weights file {weights}, which {copied} copied, is without {folder / grid.CHECKPOINT_FILE} (its "
                f"run folder deleted?), which train refuses to replace: restore its run folder if moved or kept; or "
                f"delete {weights}, and {deleted}, to train them again from the new random0/baseB (what they "
                f"trained is lost)")
    else:
        line = (f"its weights file {weights}, which {copied} copied, is gone: restore it; or delete {deleted} to "
                f"train them again from the new random0/baseB (what they trained is lost)")
    assert done.stderr == ("nothing submitted: 1 base would be trained again, another network than the one the runs "
                           "after it copied, which would be kept as if from it (a local grid refuses this too):\n"
                           f"  run random0/baseB: {line}\nthen rerun {submit}\n")
    assert not (fake_slurm / "sbatch").exists() and not (fake_slurm / "sbatch-test-only").exists()
    assert not (tmp_path / "slurm" / slurm.SUBMITTED_FILE).exists()


def test_submit_trains_again_a_base_whose_transfers_have_not_started(tmp_path, fake_slurm):
    """Nothing copied it yet: the base and its transfers are submitted, as before."""
    runs, out, submit = grid_with_base_b_copied(tmp_path, "finished")
    for name in ("random0/baseB", "random0/B1B", "random0/B1B+"):
        (out / f"{name}.h5").unlink()
        shutil.rmtree(out / f"{name}.run")
    grid_check.check_finished(runs, out, OPTIONS)
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    assert "bases: job 1001, 2 of 2 runs" in done.stdout
