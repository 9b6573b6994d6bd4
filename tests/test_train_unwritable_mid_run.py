"""A run whose folder cannot be written any more while it trains (the file system remounted read-only
after a disk error, the folder's permissions changed, a failing disk): exit 74 naming the file, as
before, and now what to do. It said only "error: cannot write .../metrics.jsonl: Read-only file
system": nothing of the checkpoint kept, nor that a plain rerun is refused and --resume auto continues
(a full disk's message said "free some space and rerun with --resume auto")."""

import errno
import os
import pathlib
import subprocess

import pytest
from click.testing import CliRunner
from test_faults import same_weights, weights

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio
from minitransfer import train as training
from minitransfer.cli import main

OPTIONS = ["--batch-size", "8", "--max-iter", "6", "--eval-every", "2", "--checkpoint-every", "2", "--seed", "4",
           "--quiet", "--device", "cpu"]


def _train_calling(monkeypatch, on_iteration):
    """``training.train``, as the command line calls it, with ``on_iteration`` as its hook."""
    monkeypatch.setattr(training, "train", lambda config, train=training.train, **options: train(config, on_iteration,
                                                                                                **options))


def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def test_a_folder_made_read_only_mid_run_says_to_make_it_writable_and_resume(micro_data, tmp_path, monkeypatch):
    """The folder made read-only at iteration 3 (a read-only bind mount over it: files opened before
    stay writable, as on a file system remounted read-only), the checkpoint at 2 is kept; once it is
    writable again, the rerun the message names ends with the uninterrupted run's weights."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    whole = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "whole.h5"), *OPTIONS])
    assert whole.exit_code == 0, whole.output
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = []

    def read_only_after_3(done):
        if done == 3:
            if not _mount("--bind", str(disk), str(disk)):
                pytest.skip("a read-only bind mount needs mount rights")
            mounted.append(disk)
            assert _mount("-o", "remount,ro,bind", str(disk))

    train = ["train", "--data", micro_data, "-o", str(disk / "net.h5"), *OPTIONS]
    try:
        with monkeypatch.context() as patch:
            _train_calling(patch, read_only_after_3)
            result = CliRunner().invoke(main, train)
    finally:
        for folder in mounted:
            subprocess.run(["umount", str(folder)], check=True)
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: cannot write {disk / 'net.run' / 'eval.csv'}: Read-only file system; "
                             f"make it writable and rerun with --resume auto\n")
    assert checkpoints.load(disk / "net.run" / "checkpoint.h5").solver.iteration == 2
    resumed = CliRunner().invoke(main, [*train, "--resume", "auto"])
    assert resumed.exit_code == 0, resumed.output
    assert same_weights(weights(disk / "net.h5"), weights(tmp_path / "whole.h5"))


@pytest.mark.parametrize("code, advice", [
    (errno.EIO, "Input/output error; once the disk or file system is repaired, rerun with `resume='auto'`"),
    (errno.EACCES, "Permission denied; make it writable and rerun with `resume='auto'`"),
], ids=["EIO", "EACCES"])
def test_a_checkpoint_the_disk_refuses_mid_run_says_how_to_continue(micro_data, tmp_path, monkeypatch, code,
                                                                     advice):
    """The checkpoint at iteration 4 refused (simulated: the tests may run as root): the one at 2 is
    kept, the message says how to go on, and doing so ends with the uninterrupted run's weights."""
    out, checkpoint = tmp_path / "net.h5", tmp_path / "net.run" / "checkpoint.h5"
    real_write_bytes = fileio.write_bytes

    def refusing_the_second_checkpoint(path, data, named=None):
        if pathlib.Path(path) == checkpoint and checkpoint.exists():
            raise fileio.storage_error(path, OSError(code, os.strerror(code)), named=named)
        real_write_bytes(path, data, named)

    fields = {"data": micro_data, "batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 2, "seed": 4,
              "quiet": True, "device": "cpu"}
    with monkeypatch.context() as patch:
        patch.setattr(fileio, "write_bytes", refusing_the_second_checkpoint)
        with pytest.raises(fileio.StorageError) as refused:
            training.train(training.TrainConfig(out=str(out), **fields))
    assert str(refused.value) == f"cannot write {checkpoint}: {advice}"
    assert refused.value.errno == code
    assert checkpoints.load(checkpoint).solver.iteration == 2
    training.train(training.TrainConfig(out=str(out), resume="auto", **fields))
    training.train(training.TrainConfig(out=str(tmp_path / "whole.h5"), **fields))
    assert same_weights(weights(out), weights(tmp_path / "whole.h5"))
