"""submit.sh and a run whose train refuses its checkpoint (a damaged one: grid_status.BAD_CHECKPOINT, exit 65),
which a rerun can only fail again the same way: not submitted, nor the transfers of such a base, said in one line
naming the checkpoint and what to do as the grid's dry run says it; the rest submitted, exit 65 (a dry run says it,
exit 0), as of a lost result.json (test_slurm_damaged_result). Before, submit.sh queued it again without a word, and
its task failed again (seen on the test cluster: its job WEXITSTATUS 65). No SLURM needed: stand-ins for SLURM's
commands, the scripts emitted for minitransfer's own train (whose checkpoints submit.sh judges), never run."""

import shutil
import sys

from test_slurm import (OPTIONS, fake_slurm, finish, interrupt, submit_grid,  # noqa: F401 (a fixture)
                        submitted_runs)
from test_slurm_dataset_moved_advice import stopped_checkpoint

from minitransfer import grid_status, slurm, slurm_unresumable
from minitransfer import experiment as grid
from minitransfer.data import synthetic

OURS = [sys.executable, "-m", "minitransfer"]  # minitransfer's train: submit.sh judges its checkpoints


def emitted(tmp_path, train_command=OURS):
    """baseA, baseB and A1B (after baseA) emitted; runs, OUT, scripts, submit.sh."""
    runs, out, scripts = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), tmp_path / "grid", \
        tmp_path / "slurm"
    return runs, out, scripts, slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=train_command)


def refused_line(out, name):
    """The line submit.sh says of run ``name`` with a damaged checkpoint: the dry run's words (grid_plan_text)."""
    checkpoint = out / f"{name}.run" / grid.CHECKPOINT_FILE
    return (f"  run {name}: {checkpoint} cannot be read as a checkpoint (bad checkpoint): its train refuses to resume "
            f"it, exit 65: delete {checkpoint} to train it from the start\n")


def test_a_base_with_a_damaged_checkpoint_is_not_submitted_nor_its_transfers(tmp_path, fake_slurm):
    runs, out, scripts, submit = emitted(tmp_path)
    interrupt(out, "random0/baseA")  # a checkpoint.h5 that is no HDF5 file
    assert grid_status.run_status(out, runs[0]).kind == grid_status.BAD_CHECKPOINT  # as the grid's dry run says
    transfer = "  nor its transfer random0/A1B, which copies random0/baseA: it would wait for it for good\n"
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert refused_line(out, "random0/baseA") in done.stderr and transfer in done.stderr
    assert "--array=1 bases.sh" in done.stdout and "transfers.sh" not in done.stdout, done.stdout
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert refused_line(out, "random0/baseA") in done.stderr and transfer in done.stderr
    assert submitted_runs(fake_slurm, scripts) == [["random0/baseB"]], done.stdout

    shutil.rmtree(out / "random0/baseA.run")  # as said: trained from the start, its transfer after it
    (fake_slurm / "sbatch").unlink()
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not submitted" not in done.stderr
    # baseB again too: the stand-in squeue lists no task of it (one that ended unfinished)
    assert submitted_runs(fake_slurm, scripts) == [["random0/baseA", "random0/baseB"], ["random0/A1B"]], done.stdout


def test_a_transfer_with_a_damaged_checkpoint_is_not_submitted(tmp_path, fake_slurm):
    runs, out, scripts, submit = emitted(tmp_path)
    finish(out, "random0/baseA")  # the network A1B copied
    interrupt(out, "random0/A1B")
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert refused_line(out, "random0/A1B") in done.stderr and " nor " not in done.stderr
    assert submitted_runs(fake_slurm, scripts) == [["random0/baseB"]]


def test_the_checkpoints_of_another_programs_train_are_not_judged(tmp_path, fake_slurm):
    """Another program's train (its checkpoints its own): submit.sh does not judge them, as before."""
    runs, out, scripts, submit = emitted(tmp_path, ["other-train"])
    interrupt(out, "random0/baseA")
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert submitted_runs(fake_slurm, scripts)[0] == ["random0/baseA", "random0/baseB"]
    # nor are lines written to judge them: they were, dead (a loop over the runs, then the check behind a `false`,
    # run by a Python on a PYTHONPATH of "None")
    text = submit.read_text()
    assert slurm_unresumable.UNRESUMABLE_MODULE not in text and "resumed+=" not in text
    assert "PYTHONPATH=None" not in text


def test_a_checkpoint_whose_resume_its_run_folder_refuses_is_not_submitted_a_readable_one_is(tmp_path, fake_slurm):
    """baseB's eval.csv damaged beside its checkpoint: its train refuses the resume (grid_status.NOT_RESUMABLE), said
    with the reason the dry run gives; baseA's checkpoint, whole, is resumed by its task as before."""
    runs, out, scripts, submit = emitted(tmp_path)
    saved = stopped_checkpoint(synthetic.builtin_dataset(), tmp_path / "stopped")
    for name in ("random0/baseA", "random0/baseB"):
        (out / f"{name}.run").mkdir(parents=True, exist_ok=True)
        shutil.copy(saved, out / f"{name}.run" / grid.CHECKPOINT_FILE)
    eval_csv = out / "random0/baseB.run/eval.csv"
    eval_csv.write_text("garbage\n")
    assert [grid_status.run_status(out, run).kind for run in runs[:2]] == [grid_status.RESUME,
                                                                          grid_status.NOT_RESUMABLE]
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert (f"  run random0/baseB: {out / 'random0/baseB.run' / grid.CHECKPOINT_FILE}: its train refuses to resume "
            f"it ({eval_csv}: the header is 'garbage', not ") in done.stderr, done.stderr
    assert "random0/baseA" not in done.stderr
    assert submitted_runs(fake_slurm, scripts) == [["random0/baseA"], ["random0/A1B"]], done.stdout
