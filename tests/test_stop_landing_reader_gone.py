"""A stop that lands as a command ends because the reader of its output went away (`| head`: exit code 141),
made to land there by a probe (the process sends itself SIGTERM as run() drops its stdout): the branch ignores
stops as the command's other endings do (tests/test_stop_landings.py), so it still ends with 141, no traceback.
Before, the stop's KeyboardInterrupt ended it "Aborted!", exit code 1, read by a grid or SLURM as a failure."""

import os
import signal
import subprocess
import sys

import waiting

PROBE = """
import os, signal
from minitransfer import __main__ as entry, stopping

dropped = stopping.drop_stream


def stopped_as_it_drops(stream):  # the broken-pipe ending of run(), the signal sent just before it drops stdout
    os.kill(os.getpid(), signal.SIGTERM)
    return dropped(stream)


stopping.drop_stream = stopped_as_it_drops
entry.command()
"""


def test_a_stop_landing_as_the_reader_of_its_output_is_gone_leaves_141(micro_data, tmp_path):
    (tmp_path / "reader_gone_landing.py").write_text(PROBE)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader gone before the command writes its first line, as `| true` does
    try:
        done = subprocess.run([sys.executable, "-m", "reader_gone_landing", "splits", micro_data, "random"],
                              cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=waiting.DEADLINE_SECONDS)
    finally:
        os.close(write_end)
    assert done.returncode == 128 + signal.SIGPIPE, done.stderr
    assert "Traceback" not in done.stderr and "Aborted!" not in done.stderr, done.stderr
