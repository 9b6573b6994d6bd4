"""``submit.sh`` (its ``--dry-run`` too) checks the grid's dataset as ``experiment --dry-run`` does before it queues
anything (:mod:`minitransfer.slurm_dataset`): a prepared dataset deleted, moved or damaged since the emission is
refused with experiment's error and exit 65, nothing submitted. Before, the dry run said all was well and the
submission queued every task, each of which then failed on the cluster (exit 65 in its train.log)."""

import shutil

import pytest

import test_slurm
from test_slurm import real_options, submit_grid

from minitransfer import experiment as grid
from minitransfer import slurm
from minitransfer.data import synthetic

fake_slurm = test_slurm.fake_slurm  # the fixture

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
MOVED_WORDS = ("the dataset as prepare wrote it, where the scripts name it; a dataset moved for good: emit the scripts "
               "again with its new place as --data, the grid folder and other options as before, and its runs go on "
               "where they stopped")


def emitted_with_data(tmp_path, train_command=None):
    """The scripts of a small grid on a copy of the built-in dataset (emitted while it is whole); the copy."""
    data = tmp_path / "data"
    shutil.copytree(synthetic.builtin_dataset(), data)
    submit = slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm", real_options(data=str(data)),
                              train_command=train_command)
    return submit, data


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "submission"])
@pytest.mark.parametrize("damage, said", [
    (lambda shard: shard.unlink(), "missing shard: deleted or moved since the dataset was prepared"),
    (lambda shard: shard.write_bytes(b"not an HDF5 file"), ""),
], ids=["deleted", "overwritten"])
def test_submit_refuses_a_dataset_damaged_since_the_emission(tmp_path, fake_slurm, dry_run, damage, said):
    submit, data = emitted_with_data(tmp_path)
    shard = next(data.glob("train-*.h5"))
    damage(shard)
    done = submit_grid(submit, *["--dry-run"] * dry_run)
    assert done.returncode == 65, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: bad data: {shard}"), done.stderr
    assert said in done.stderr
    assert done.stderr.endswith(f"nothing submitted: the tasks' train would stop on this as each starts; fix it ("
                                f"{MOVED_WORDS}), then rerun {submit}\n"), done.stderr
    assert not (fake_slurm / "sbatch").exists() and not (fake_slurm / "sbatch-test-only").exists()
    assert "Traceback" not in done.stderr


def test_submit_of_a_whole_dataset_submits_as_before(tmp_path, fake_slurm):
    submit, _ = emitted_with_data(tmp_path)
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "bases: job JOB1, 2 of 2 runs" in done.stdout and "note: the datasets" not in done.stdout


def test_submit_of_another_train_command_leaves_the_dataset_to_it(tmp_path, fake_slurm):
    """A train command of another program reads the data its own way: not checked (as before)."""
    submit, data = emitted_with_data(tmp_path, train_command=test_slurm.fake_train_command(tmp_path))
    shutil.rmtree(data)
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 0, done.stderr


def test_submit_of_finished_runs_checks_no_dataset(tmp_path, fake_slurm):
    """Nothing left to train: nothing reads the dataset, which may be gone."""
    submit, data = emitted_with_data(tmp_path)
    for run in RUNS:
        test_slurm.finish(tmp_path / "grid", run.name)
    shutil.rmtree(data)
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    assert f"nothing to submit: all {len(RUNS)} runs are finished" in done.stdout


def test_scripts_written_for_a_dataset_this_machine_lacks_leave_it_to_the_tasks(tmp_path, fake_slurm):
    """Emitted (by the library) for a path that was never here, another machine's: not checked, as before."""
    submit = slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm",
                              real_options(data=str(tmp_path / "on the cluster")))
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 0, done.stderr
