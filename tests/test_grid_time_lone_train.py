"""A lone `train` of one of a grid's runs (a researcher training it by hand) ends with that run: the time the grid
says its runs left take counts it as no slot of its own, and says no other process shares them. Before, every run
another process trained counted as a slot taking a share of the runs waiting: "about 2 minutes, another process
sharing them" where the grid's one slot needed 3 min 20 s. Another grid or a SLURM task holds the folder's working
lock (OUT/.experiment-working.lock), which a lone `train` never takes: only then do its runs share."""

import contextlib
import subprocess
import sys

from test_experiment import fake_train  # noqa: F401 (a fixture)
from test_grid_counts_elsewhere import grid_with_a_base_held

from minitransfer import grid_folder
from minitransfer.grid_folder import GridLock

HOLD = ("import fcntl, os, sys; descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666); "
        "fcntl.flock(descriptor, fcntl.LOCK_SH); print('held', flush=True); sys.stdin.read()")


@contextlib.contextmanager
def another_grid_at_work(out):
    """A second process holding the working lock of the grid folder ``out`` shared, as another grid or a SLURM
    task does while it works there, until the block ends."""
    out.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(out / GridLock.WORKING)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "held\n"
        yield
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def _run_left_after(lines, name):
    [done] = [line for line in lines if line.startswith(f"done {name}")]
    return done.split("; ")[1:]


def test_a_run_a_lone_train_holds_takes_no_share_of_the_runs_waiting(tmp_path, fake_train):  # noqa: F811
    """baseB trained by hand as the grid's baseA ends: A1B, left here, takes the whole time of a run."""
    _, lines = grid_with_a_base_held(tmp_path / "grid", fake_train, "random0/baseB", "random0/baseA")
    counts = _run_left_after(lines, "random0/baseA")
    assert counts[0].startswith("1 run left, about ") and "sharing" not in counts[0], lines
    assert counts[1:] == ["1 more trained by another process"], lines


def test_with_another_grid_at_work_the_run_it_holds_shares_them(tmp_path, fake_train):  # noqa: F811
    with another_grid_at_work(tmp_path / "grid"):
        _, lines = grid_with_a_base_held(tmp_path / "grid", fake_train, "random0/baseB", "random0/baseA")
    counts = _run_left_after(lines, "random0/baseA")
    assert counts[0].startswith("1 run left, about ") and counts[0].endswith(", another process sharing them"), lines


def test_a_grid_at_work_sees_another_process_holding_its_working_lock_not_its_own(tmp_path):
    out = tmp_path / "grid"
    out.mkdir()
    with GridLock(out, {}) as lock:
        lock.planned()
        assert not grid_folder.others_at_work_besides(out)  # its own lock alone
        with another_grid_at_work(out):
            assert grid_folder.others_at_work_besides(out)
        assert not grid_folder.others_at_work_besides(out)
