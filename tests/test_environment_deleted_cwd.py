"""A command started in a folder deleted under the shell (``cd runs; rm -rf ../runs`` in another terminal, a
scratch folder cleaned): every relative path it makes absolute fails, and it said "error: I/O: [Errno 2] No
such file or directory" alone, naming nothing; it says that the current folder is gone and what to do."""

import os
import subprocess
import sys

import pytest

PREPARE = ["prepare", "synthetic", "data", "--classes", "2", "--size", "14", "--train-per-class", "2",
           "--val-per-class", "1"]


@pytest.mark.parametrize("arguments", [PREPARE, ["report", "{runs}", "-o", "report"]], ids=["prepare", "report"])
def test_a_command_in_a_deleted_folder_says_the_folder_is_gone(tmp_path, arguments):
    gone = tmp_path / "gone"
    gone.mkdir()
    arguments = [argument.format(runs=tmp_path) for argument in arguments]
    command = ("import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); from minitransfer.cli import main; "
               "main(sys.argv[2:], prog_name='minitransfer')")
    result = subprocess.run([sys.executable, "-c", command, str(gone), *arguments], capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 74, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "the current folder no longer exists" in result.stderr and "cd into a folder that exists" in result.stderr, \
        result.stderr
