"""submit.sh and a finished run whose result.json and checkpoint are both gone, its network there at its last
iteration in its run folder: lost as a local grid counts it (grid_status.missing_result, RESULT_LOST), as the
emission says it ("note: not submitted: ... keep ..."), so submit.sh leaves it out, says to keep its network, submits
the transfers that copy it (no dependency: its network is there) and ends with exit 65, as for a damaged result.json
(test_slurm_damaged_result). Before, bash could not read the weights' iteration: submit.sh refused with exit 2, "restore
its run folder ...; or delete baseA.h5, and the files of random0/A1B" (or "weights without a checkpoint"), advice
losing a finished network. No SLURM needed: stand-ins for SLURM's commands; the scripts emitted for minitransfer's own
train, never run."""

import shutil

import pytest
from test_slurm import OPTIONS, fake_slurm, finish, sbatch_calls, submit_grid, submitted_runs  # noqa: F401 (a fixture)
from test_slurm_unresumable import OURS, emitted

from minitransfer import experiment as grid
from minitransfer import grid_status, slurm
from minitransfer import train as training
from minitransfer.data import synthetic
from minitransfer.rundir import train_again


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """The weights file and run folder of a micro run trained to its end (max_iter 4), as train leaves them."""
    folder = tmp_path_factory.mktemp("finished")
    training.train(training.TrainConfig(data=str(synthetic.builtin_dataset()), out=str(folder / "net.h5"),
                                        preset="micro", max_iter=4, batch_size=4, device="cpu", quiet=True))
    return folder / "net.h5", folder / "net.run"


def result_and_checkpoint_gone(out, name, finished_run):
    """Run ``name`` of grid ``out`` finished, then its result.json and checkpoint.h5 deleted."""
    weights, run_folder = finished_run
    shutil.copytree(run_folder, out / f"{name}.run", dirs_exist_ok=True)  # the emission wrote its treatment.json
    shutil.copy(weights, out / f"{name}.h5")
    (out / f"{name}.run" / "result.json").unlink()
    (out / f"{name}.run" / grid.CHECKPOINT_FILE).unlink()


def said_lost(out, name):
    weights = out / f"{name}.h5"
    return [f"not submitted: 1 run ({grid_status.RESULT_MISSING}), whose network is there, but whose result.json is "
            "gone and whose checkpoint is gone, so nothing writes it again and report leaves the run out:",
            f"  run {name}: keep {weights}: `minitransfer eval {weights}` scores it again",
            f"as the last resort, {train_again()}, which replaces that network"]


def test_a_base_whose_result_and_checkpoint_are_gone_is_lost_not_its_copies_refused(tmp_path, fake_slurm,
                                                                                    finished_run):
    runs, out, scripts = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), tmp_path / "grid", \
        tmp_path / "slurm"  # as emitted() plans them, emitted after the runs' files are so
    result_and_checkpoint_gone(out, "random0/baseA", finished_run)
    for name in ("random0/baseB", "random0/A1B"):
        finish(out, name)
    assert grid_status.run_status(out, runs[0]).kind == grid_status.RESULT_LOST  # the oracle: as a local grid counts it
    said = []  # the emission says it not submitted, as a local grid does
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=OURS, progress=said.append)
    assert f"note: not submitted: {grid_status.result_lost(out, runs[0])}" in said, said
    for dry_run in (True, False):
        done = submit_grid(submit, *["--dry-run"] * dry_run)
        assert done.returncode == (0 if dry_run else 65), done.stdout + done.stderr
        assert done.stderr.splitlines() == said_lost(out, "random0/baseA"), done.stderr
        assert "nothing else to submit: the other 2 runs are finished" in done.stdout, done.stdout
    assert sbatch_calls(fake_slurm) == []
    assert (out / "random0/baseA.h5").read_bytes() == finished_run[0].read_bytes()


def test_the_transfers_of_such_a_base_are_submitted_without_waiting_for_it(tmp_path, fake_slurm, finished_run):
    runs, out, scripts, submit = emitted(tmp_path)
    result_and_checkpoint_gone(out, "random0/baseA", finished_run)
    finish(out, "random0/baseB")
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert done.stderr.splitlines() == said_lost(out, "random0/baseA"), done.stderr
    assert submitted_runs(fake_slurm, scripts) == [["random0/A1B"]]
    assert not any(word.startswith("--dependency") for call in sbatch_calls(fake_slurm) for word in call)


def test_one_gone_beside_one_unreadable_is_said_each_as_it_is(tmp_path, fake_slurm, finished_run):
    runs, out, scripts, submit = emitted(tmp_path)
    result_and_checkpoint_gone(out, "random0/baseA", finished_run)
    result_and_checkpoint_gone(out, "random0/baseB", finished_run)
    (out / "random0/baseB.run/result.json").write_text("")  # emptied (a full disk)
    assert [grid_status.run_status(out, run) for run in runs[:2]] == [grid_status.RESULT_MISSING,
                                                                      grid_status.RESULT_LOST]
    done = submit_grid(submit, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"not submitted: 2 runs ({grid_status.RESULT_LOST}; {grid_status.RESULT_MISSING}), "
                               "whose network is there, but whose result.json cannot be read (empty, cut short or "
                               "edited) or is gone, and whose checkpoint is gone"), lines
    assert lines[1].startswith("  run random0/baseA (result.json gone): keep "), lines
    assert lines[2].startswith("  run random0/baseB: keep "), lines
