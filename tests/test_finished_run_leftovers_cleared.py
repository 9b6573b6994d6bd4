"""A finished run whose folder holds a dead process's temporary (``.checkpoint.h5.tmp-HOST-PID``: a train killed as
it wrote its checkpoint, the run finished by another): `train --resume auto` said "already finished" and left it
there, where a run that trains removes such leftovers as it starts. It removes them now, and never a live
process's."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from minitransfer import fileio
from minitransfer.cli import main
from test_io_mutants import _dead_pid

FAST = ["--preset", "micro", "--batch-size", "8", "--max-iter", "2", "--eval-every", "2", "--checkpoint-every", "2",
        "--device", "cpu", "--split", "all"]


@pytest.fixture
def live_process():
    """The PID of a process of this machine that runs until the test ends."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_finished_run_resumed_removes_a_dead_processes_temporaries_and_keeps_a_live_ones(micro_data, tmp_path,
                                                                                         monkeypatch, live_process):
    monkeypatch.chdir(tmp_path)
    command = ["train", "--data", micro_data, "-o", "net.h5", *FAST]
    trained = CliRunner().invoke(main, command)
    assert trained.exit_code == 0, trained.output
    host, dead = fileio.host_tag(), _dead_pid()
    left = [tmp_path / "net.run" / f".checkpoint.h5.tmp-{host}-{dead}", tmp_path / f".net.h5.tmp-{host}-{dead}"]
    live = [tmp_path / "net.run" / f".checkpoint.h5.tmp-{host}-{live_process}",
            tmp_path / f".net.h5.tmp-{host}-{live_process}", tmp_path / f".other.h5.tmp-{host}-{dead}"]
    for path in left + live:
        path.write_bytes(b"part of a checkpoint")
    again = CliRunner().invoke(main, [*command, "--resume", "auto"])
    assert again.exit_code == 0 and "already finished" in again.output, again.output
    assert [path for path in left if path.exists()] == []
    assert all(path.exists() for path in live)  # a live process's, and another file's
