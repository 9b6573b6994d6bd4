"""The grid's dataset moved after the scripts were emitted, a base half trained on it: submit.sh refuses (exit 65,
nothing submitted) and says the way on, the scripts emitted again with the dataset's new place as --data into the same
grid folder (before, only "fix it (the dataset as prepare wrote it)", which for a dataset moved for good meant moving
it back); emitted so, submit.sh submits the runs left, the half-trained one resumed by its task's train --resume auto.
Time (2 cores): about 3 s."""

import os
import shlex
import shutil
import signal

import pytest

from test_slurm import array_tasks, fake_slurm, real_options, sbatch_calls, submit_grid  # noqa: F401 (fixture)
from test_slurm61_dataset import MOVED_WORDS, RUNS, emitted_with_data

from minitransfer import experiment as grid
from minitransfer import slurm
from minitransfer import train as training


def stopped_checkpoint(data, folder):
    """The checkpoint.h5 of a micro run on ``data`` stopped (as SIGTERM stops it) after its first iteration."""
    def interrupt(done):
        if done == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(data=str(data), out=str(folder / "net.h5"), preset="micro", max_iter=4,
                                            batch_size=4, device="cpu", quiet=True), on_iteration=interrupt)
    return folder / "net.run" / "checkpoint.h5"


def test_a_dataset_moved_after_the_emission_is_said_with_the_way_on_which_works(tmp_path, fake_slurm):
    submit, data = emitted_with_data(tmp_path)
    run_dir = grid.run_dir(tmp_path / "grid", RUNS[0])
    # a checkpoint a half-trained run has (one that cannot be read is not submitted: test_slurm_unresumable)
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(stopped_checkpoint(data, tmp_path / "stopped"), run_dir / "checkpoint.h5")
    moved = tmp_path / "moved data"
    shutil.move(data, moved)
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert f"nothing submitted: the tasks' train would stop on this as each starts; fix it ({MOVED_WORDS})" \
        in done.stderr, done.stderr
    assert not (fake_slurm / "sbatch").exists()

    slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm", real_options(data=str(moved)))  # as said
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(sbatch_calls(fake_slurm)) == 2, done.stdout  # the bases, then the transfers of baseA
    for _, argv in array_tasks((tmp_path / "slurm" / "bases.sh").read_text()).values():
        assert argv[argv.index("--data") + 1] == str(moved) and argv[-2:] == ["--resume", "auto"], shlex.join(argv)
    assert (run_dir / "checkpoint.h5").exists()
