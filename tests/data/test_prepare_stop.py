"""A stop while ``prepare`` writes a shard: exit 75, the shards finished before it kept, no part of
the shard under way left under its name or as a temporary, and the rerun ends with the files of an
import never stopped."""
import hashlib
import os
import subprocess
import sys

import pytest

from minitransfer.experiment import default_train_command

MINITRANSFER = default_train_command()[:-1]
PREPARE = ["prepare", "synthetic", "--classes", "4", "--train-per-class", "20", "--val-per-class", "4", "--size", "14",
           "--shard-size", "20"]

# `minitransfer ...` whose write of the temporary of shard SHARD (default train-00001.h5) stops halfway with the
# stop signal STOP.
_STOPPED_IN_A_SHARD = """
import os, pathlib, signal, time
write_bytes = pathlib.Path.write_bytes
def stopped_halfway(path, data):
    if path.name.startswith("." + os.environ.get("SHARD", "train-00001.h5") + ".tmp-"):
        with open(path, "wb") as half:
            half.write(bytes(data[: len(data) // 2]))
        os.kill(os.getpid(), getattr(signal, os.environ["STOP"]))
        time.sleep(5)  # ended by the stop's KeyboardInterrupt
    return write_bytes(path, data)
pathlib.Path.write_bytes = stopped_halfway
from minitransfer.cli import main
main(prog_name="minitransfer")
"""


def _files(folder):
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_stop_while_a_shard_is_written_keeps_the_finished_shards_and_the_rerun_completes(tmp_path, stop):
    stopped = subprocess.run([sys.executable, "-c", _STOPPED_IN_A_SHARD, *PREPARE, "out"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, env={**os.environ, "STOP": stop})
    assert stopped.returncode == 75, stopped.stderr
    assert "Traceback" not in stopped.stderr and "interrupted: " in stopped.stderr, stopped.stderr
    # what works for prepare (train's --resume auto did not): the same command again, which keeps the shard written
    assert stopped.stderr.endswith("the shards finished so far are kept: rerun the same command to finish the "
                                   "import\n") and "--resume" not in stopped.stderr, stopped.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["importing.json", "lock", "train-00000.h5"]

    rerun = subprocess.run(MINITRANSFER + [*PREPARE, "out"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    straight = subprocess.run(MINITRANSFER + [*PREPARE, "straight"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
    assert straight.returncode == 0, straight.stderr
    assert _files(tmp_path / "out") == _files(tmp_path / "straight")


def test_a_stop_before_any_shard_was_finished_says_none_was(tmp_path):
    """It said "the shards finished so far are kept" with none finished (OUT held importing.json alone)."""
    stopped = subprocess.run([sys.executable, "-c", _STOPPED_IN_A_SHARD, *PREPARE, "out"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "STOP": "SIGINT", "SHARD": "train-00000.h5"})
    assert stopped.returncode == 75, stopped.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["importing.json", "lock"]
    assert stopped.stderr.endswith("interrupted: stopped by a signal before any shard was finished: rerun the same "
                                   "command to import\n") and "kept" not in stopped.stderr, stopped.stderr
