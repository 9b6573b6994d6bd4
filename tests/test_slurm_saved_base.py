"""submit.sh and a base whose weights file was deleted but whose run folder's checkpoint.h5 holds the network its
transfers copied (and its momentum, which the weights file leaves out): submitted, its train --resume writing the
weights back byte for byte, its finished transfers
left alone, as a local grid resumes it (grid_check.check_finished); refused where the checkpoint is another
network. Real networks (4 iterations each), stand-ins for SLURM's commands."""

import os
import shutil
import subprocess

import pytest
from test_grid_check_base_checkpoint import _network
from test_slurm import array_tasks, fake_slurm, sbatch_calls, submit_grid  # noqa: F401

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import fileio, grid_check, scheduler, slurm

RUNS = {"layers": (1,), "fine_tuned": False, "selffer": False}


@pytest.fixture(scope="module")
def trained_grid(tmp_path_factory, micro_data):
    """random0/baseA, baseB, A1B and B1B trained for real in a folder: (that folder, the options)."""
    out = tmp_path_factory.mktemp("grid") / "grid"
    options = {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu"}
    done = scheduler.run_grid(grid.plan_grid(**RUNS), out, options, log=lambda line: None, poll_seconds=0.01)
    assert done.exit_code == 0
    return out, options


@pytest.mark.parametrize("checkpoint", ["copied", "another"])
def test_submit_resumes_a_base_whose_checkpoint_is_the_network_its_transfers_copied(trained_grid, tmp_path,
                                                                                    fake_slurm, checkpoint):
    """baseA.h5 deleted, its checkpoint.h5 the network A1B copied: before, submit.sh refused ("gone: restore
    it"); it submits baseA alone (A1B finished). Its checkpoint baseB's: refused as before."""
    source, options = trained_grid
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    runs = grid.plan_grid(**RUNS)
    weights, saved = out / "random0" / "baseA.h5", out / "random0" / "baseA.run" / grid.CHECKPOINT_FILE
    copied = checkpoints.read_meta(out / "random0" / "A1B.h5")["parent_sha256"]
    assert fileio.sha256_file(weights) == copied  # the oracle: the network A1B copied, which its checkpoint holds
    (layers, mean, momentum), held = _network(saved), _network(weights)
    assert held == (layers, mean, False) and momentum  # the momentum the checkpoint's alone
    weights.unlink()
    if checkpoint == "another":
        shutil.copyfile(out / "random0" / "baseB.run" / grid.CHECKPOINT_FILE, saved)
        assert _network(saved)[0] != layers
    submit = slurm.emit_slurm(runs, out, tmp_path / "slurm", options)
    done = submit_grid(submit)
    if checkpoint == "another":
        with pytest.raises(grid_check.GridMismatch, match="is gone: the grid would train random0/baseA again"):
            grid_check.check_finished(runs, out, options)
        assert done.returncode == 2, done.stdout + done.stderr
        assert (f"  run random0/baseA: its weights file {weights}, which random0/A1B copied, is gone: restore it"
                in done.stderr), done.stderr
        assert sbatch_calls(fake_slurm) == []
        return
    grid_check.check_finished(runs, out, options)  # the local grid resumes it too
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bases: job 1001, 1 of 2 runs (array task 0)" in done.stdout, done.stdout
    assert sbatch_calls(fake_slurm) == [["--parsable", "--array=0", slurm.BASES_FILE]]
    assert not weights.exists()
    # its task's train (--resume auto) writes the weights back, byte for byte
    task = array_tasks((tmp_path / "slurm" / slurm.BASES_FILE).read_text())[0]
    assert task[0] == "random0/baseA"
    trained = subprocess.run(task[1], capture_output=True, text=True)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert fileio.sha256_file(weights) == copied


@pytest.mark.parametrize("base", ["since 0.11", "before 0.11"])
def test_submit_judges_a_saved_base_by_python_alone_reading_no_file_in_bash(trained_grid, tmp_path, fake_slurm,
                                                                           base):
    """baseA.h5 deleted, its checkpoint the network A1B copied: a base since version 0.11 (its weights file leaves
    the momentum out, another sha256 than its checkpoint's), or one before it (its weights file was its
    checkpoint's copy: the file A1B copied is the checkpoint, byte for byte). Both submitted, judged by Python (by
    the network, by the sha256). Before, bash ran sha256sum on the checkpoint and grepped each run's file for it
    first, which finds only a base before 0.11, reading every file (CaffeNet's: hundreds of MB) for nothing."""
    source, options = trained_grid
    out = tmp_path / "grid"
    shutil.copytree(source, out)
    weights, saved = out / "random0" / "baseA.h5", out / "random0" / "baseA.run" / grid.CHECKPOINT_FILE
    if base == "before 0.11":
        shutil.copyfile(weights, saved)
    weights.unlink()
    stand_ins = tmp_path / "counted"
    stand_ins.mkdir()
    (stand_ins / "sha256sum").write_text(f'#!/usr/bin/env bash\necho "$@" >> {tmp_path / "sha256sum.log"}\n'
                                         f'exec {shutil.which("sha256sum")} "$@"\n')
    (stand_ins / "sha256sum").chmod(0o755)
    submit = slurm.emit_slurm(grid.plan_grid(**RUNS), out, tmp_path / "slurm", options)
    done = submit_grid(submit, PATH=f"{stand_ins}:{os.environ['PATH']}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm) == [["--parsable", "--array=0", slurm.BASES_FILE]]
    assert not (tmp_path / "sha256sum.log").exists()
