"""A file system without locks (NFS without its lock daemon, Lustre without -o flock), as HDF5 itself
meets it: every flock of the process fails with ENOLCK, HDF5's too (a shim preloaded into the
command, which no monkeypatch of Python's fcntl reaches). minitransfer's own lock files warn and go
on; HDF5 2.0 refused every shard ("unable to lock file, errno = 37"), so a prepare wrote the whole
dataset and then exited 74, and every train and eval after it, until HDF5_USE_FILE_LOCKING=FALSE
was set by hand; a resume took the run's weights for some other file ("exists and is not a
minitransfer weights file"), and a rerun of an unfinished import built again every shard it had."""

import os
import subprocess
import sys

import pytest

import c_shims
import hangup

SHIM = r"""
#include <errno.h>
int flock(int descriptor, int operation) { errno = ENOLCK; return -1; }
"""
FAST = ["--preset", "micro", "--batch-size", "8", "--max-iter", "2", "--eval-every", "2", "--quiet", "--device", "cpu"]


@pytest.fixture(scope="module")
def without_locks(tmp_path_factory):
    """``run(*args)``: ``minitransfer ARGS`` on a file system without locks; (exit code, output)."""
    shim = c_shims.built(tmp_path_factory, "nolock", SHIM)

    def run(*args):
        # the environment of the test calling, not the module's first (before its $MINITRANSFER_CACHE was set)
        environment = {**hangup.buffered_environment(), "LD_PRELOAD": str(shim),
                       "PYTHONPATH": os.pathsep.join(sys.path)}
        environment.pop("HDF5_USE_FILE_LOCKING", None)
        done = subprocess.run([sys.executable, "-m", "minitransfer", *map(str, args)], capture_output=True,
                              text=True, timeout=300, env=environment)
        return done.returncode, done.stdout + done.stderr

    return run


def test_prepare_train_and_eval_go_on_without_locks_after_one_warning(without_locks, tmp_path):
    data, net = tmp_path / "data", tmp_path / "net.h5"
    prepare = ("prepare", "synthetic", data, "--classes", "4", "--train-per-class", "8", "--val-per-class", "2",
               "--size", "14", "--shard-size", "8")
    code, output = without_locks(*prepare)
    assert code == 0, output
    assert output.count("does not support file locks (flock: No locks available)") == 1, output
    assert "error" not in output and (data / "meta.json").is_file()
    shards = {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in data.glob("*-*.h5")}
    (data / "meta.json").unlink()  # an import cut short after its last shard
    code, output = without_locks(*prepare)
    assert code == 0, output
    assert {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in data.glob("*-*.h5")} == shards
    code, output = without_locks("train", "--data", data, "-o", net, "--split", "all", *FAST)
    assert code == 0, output
    assert "error" not in output and net.is_file()
    code, output = without_locks("train", "--data", data, "-o", net, "--split", "all", *FAST, "--max-iter", "4",
                                 "--resume", "auto")
    assert code == 2, output
    assert f"cannot resume {tmp_path / 'net.run' / 'checkpoint.h5'} with a different configuration: --max-iter 2 -> 4" \
        in output
    code, output = without_locks("eval", net, "--data", data, "--device", "cpu")
    assert code == 0, output
    assert f"{net} on val of {data} (8 images): top-1 " in output
