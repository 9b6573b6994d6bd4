"""A grid refused because another experiment works on its folder with other options names that process, as a grid
waiting for another to plan there names its planner (:func:`minitransfer.grid_check.workers_named`): "wait for it
(PID 1234) to end"; before, "another minitransfer experiment works on OUT now, with other options ..." named
nobody. The process at work is a real one (a subprocess holding the folder's working lock as a grid at work
does); this process, which shares that lock where a grid of its own works there, is never named."""

import subprocess
import sys

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file

AT_WORK = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False)
REFUSED = grid.plan_grid(random_seeds=(5,), layers=(1,), fine_tuned=False)

_AT_WORK = """
import sys
from minitransfer import experiment as grid, grid_check, grid_plan_file
out, data = sys.argv[1], sys.argv[2]
options = {"data": data, "preset": "micro", "max_iter": 600, "seed": 0, "device": "cpu"}
with grid_check.GridLock(out, options, log=lambda line: None) as lock:
    grid_plan_file.write_plan(out, grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False), options, ["train"])
    lock.planned()
    print("working", flush=True)
    sys.stdin.read()  # at work until the test closes its standard input
"""


def _options(data, **changed):
    return {"data": data, "preset": "micro", "max_iter": 600, "seed": 0, "device": "cpu", **changed}


def _refusal(out, data):
    with pytest.raises(grid_check.GridMismatch) as refused:
        grid_check.check_at_work(REFUSED, out, _options(data, max_iter=300))
    return str(refused.value)


def test_the_grid_at_work_is_named_by_its_pid(micro_data, tmp_path):
    out = tmp_path / "grid"
    worker = subprocess.Popen([sys.executable, "-c", _AT_WORK, str(out), micro_data], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline() == "working\n"  # the barrier: its plan written, its working lock held
        said = _refusal(out, micro_data)
    finally:
        worker.stdin.close()
        worker.wait(timeout=60)
    # the oracle: the PID of the process this test started, as `ps` shows it
    assert said.startswith(f"another minitransfer experiment works on {out} now, ") and \
        said.endswith(f"; wait for it (PID {worker.pid}) to end, or choose another output folder for this grid"), said


def test_this_process_sharing_the_working_lock_is_not_named(micro_data, tmp_path):
    out = tmp_path / "grid"
    with grid_check.GridLock(out, _options(micro_data), log=lambda line: None) as lock:  # a grid of this process
        grid_plan_file.write_plan(out, AT_WORK, _options(micro_data), ["train"])
        lock.planned()
        said = _refusal(out, micro_data)
    assert said.endswith("; wait for it to end, or choose another output folder for this grid"), said
