"""The command line's shared behaviour (``minitransfer/cli/_common.py``) seen from outside, in a
subprocess: what a shell pipeline sees."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["--help"], ["info", "--help"], ["splits", "DATA", "random"]],
                         ids=["group-help", "info-help", "splits"])
def test_output_to_a_closed_pipe_ends_quietly_with_141(synthetic_8, args):
    """``minitransfer splits DATA random | head -1``: the reader leaves early; the command stops
    silently with 128 + SIGPIPE, as a Unix tool killed by SIGPIPE, not with an I/O error (74)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-c", "from minitransfer.cli import main; main()",
                               *(str(synthetic_8) if arg == "DATA" else arg for arg in args)],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_that_is_not_the_output_is_still_an_io_error(tmp_path):
    """Only a closed standard output is quiet: a broken pipe elsewhere is reported (exit 74)."""
    script = ("import errno, sys\n"
              "from minitransfer.cli import _common\n"
              "def work():\n"
              "    raise BrokenPipeError(errno.EPIPE, 'Broken pipe')\n"
              "_common.run(work)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 74 and "Broken pipe" in done.stderr


def test_running_out_of_memory_is_one_line_not_a_traceback():
    """A batch too large for this machine (NumPy's MemoryError names the array it could not allocate)."""
    script = ("from minitransfer.cli import _common\n"
              "def work():\n"
              "    raise MemoryError('Unable to allocate 71.5 GiB for an array with shape (3, 5, 5, 16, 16, 1000000)')\n"
              "_common.run(work)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == ("error: out of memory (a smaller --batch-size needs less): Unable to "
                                                    "allocate 71.5 GiB for an array with shape (3, 5, 5, 16, 16, 1000000)\n")
