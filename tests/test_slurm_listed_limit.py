"""The scripts' one reader of a time limit as squeue and scontrol list it
(:data:`minitransfer.slurm_time.LISTED_LIMIT_FUNCTION`): each emitted script that reads one defines it once,
parses as bash, and reads a limit as SLURM writes it."""

import datetime
import subprocess

import pytest
from test_slurm import OPTIONS

from minitransfer import experiment as grid
from minitransfer import slurm
from minitransfer.slurm_plan import BASES_FILE, SUBMIT_FILE, TRANSFERS_FILE
from minitransfer.slurm_time import LISTED_LIMIT_FUNCTION


def listed_seconds(limit):
    """The oracle: ``[D-][H:]MM:SS`` as a number of seconds, read by datetime; None for another form."""
    days, _, clock = limit.rpartition("-")
    fields = clock.split(":")
    if not 2 <= len(fields) <= 3 or not all(field.isdigit() for field in fields + [days or "0"]):
        return None
    hours, minutes, seconds = ([0] * (3 - len(fields))) + [int(field) for field in fields]
    return int(datetime.timedelta(days=int(days or 0), hours=hours, minutes=minutes, seconds=seconds).total_seconds())


@pytest.mark.parametrize("limit", ["5:00", "4:59", "0:01", "59:59", "1:00:01", "08:09", "09:08:07", "2-03:04:05",
                                   "10-00:00:00", "UNLIMITED", "NONE", "INFINITE", "", "5", "1-", "1-5", "a:00"])
def test_listed_limit_reads_a_limit_as_squeue_lists_it(limit):
    shown = subprocess.run(["bash", "-c", "\n".join([*LISTED_LIMIT_FUNCTION, 'if listed_limit "$1"; then',
                                                     '  echo "$listed_seconds $listed_minutes"', "fi"]), "-", limit],
                           capture_output=True, text=True, check=True)
    expected = listed_seconds(limit)
    assert shown.stdout.split() == ([] if expected is None else [str(expected), str(-(-expected // 60))])


def test_each_script_defines_it_once_and_parses_as_bash(tmp_path):
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS, partition="short")
    for name in (SUBMIT_FILE, BASES_FILE, TRANSFERS_FILE):
        script = (tmp_path / "slurm" / name).read_text()
        assert script.count("=~ ^(([0-9]+)-)?") == 1, name  # the pattern written once, in listed_limit
        assert script.count("listed_limit() {") == 1, name
        check = subprocess.run(["bash", "-n", str(tmp_path / "slurm" / name)], capture_output=True, text=True)
        assert check.returncode == 0, (name, check.stderr)
