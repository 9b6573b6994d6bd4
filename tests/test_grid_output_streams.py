"""Where a grid run by the command line tells what: its course and results on stdout, its notes
and warnings, and its runs' relayed warnings, on stderr, as the command's own notes (``experiment``
said its --per-class notes on stderr, the scheduler's notes on stdout)."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.cli._grid_end import grid_log

COURSE = ["[1/3] start random0/baseA on CPU", "done random0/baseA (3 s): mean of 10 best 0.5500; 2 runs left",
          "FAILED random0/A1B (exit 1); its output is in grid/random0/A1B.run/train.log",
          "interrupted: rerun the same command to finish the grid"]
NOTES = ["note: grid holds 1 run of an earlier plan that this grid does not plan",
         "note: starting runs as new processes from now on (no launcher here)",
         "warning: a grid's own warning", "random0/baseA: warning: a run's warning, relayed"]


def test_the_grids_notes_and_warnings_go_to_stderr_its_course_to_stdout(capsys):
    for line in [each for pair in zip(COURSE, NOTES) for each in pair]:
        grid_log(line)
    said = capsys.readouterr()
    assert (said.out.splitlines(), said.err.splitlines()) == (COURSE, NOTES)


def test_the_help_says_how_to_keep_the_warnings_in_a_log():
    """`experiment ... | tee grid.log` keeps stdout only: the runs' warnings, on stderr, were missing."""
    result = CliRunner().invoke(main, ["experiment", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    help_text = " ".join(result.output.split())
    assert "`minitransfer experiment ... 2>&1 | tee grid.log` keeps both in grid.log" in help_text
    assert "(a run's own warnings stay in its train.log)" in help_text


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, where every write is ENOSPC")
def test_a_warning_stderr_cannot_take_is_dropped_not_the_command(micro_data, tmp_path):
    """`experiment ... 2> log` on a full disk: its warning before the grid (4 iterations: one evaluation
    a run) ended it with exit 74 before it had planned anything, where the grid's own lines on stderr
    are dropped (a closed or full stderr drops the messages, never the work or the exit code)."""
    command = [sys.executable, "-m", "minitransfer", "experiment", "--data", micro_data, "-o", str(tmp_path / "grid"),
               "--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"]
    writable = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert any(line.startswith("warning: ") for line in writable.stderr.splitlines()), writable.stderr  # one to drop
    with open("/dev/full", "w") as full:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=full, text=True, timeout=120)
    assert (result.returncode, result.stdout.splitlines()[-1]) == (0, "would run on the CPU, one at a time"), \
        result.stdout
    assert result.stdout == writable.stdout  # the same plan told: only the warning dropped
