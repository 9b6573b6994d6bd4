"""A grid waiting for another to plan in its folder names the planner (concur69): the planning lock's holder, by
the record it writes there ("PID HOST"), or by the kernel's list of locks. Before, "waiting for another minitransfer
experiment to finish planning its runs in OUT" named nobody, so a planner stopped with Ctrl-Z, hung on a file
system, or on another node of a shared file system kept the others waiting without a word of which it was."""

import os
import socket
import subprocess
import sys
import threading

import pytest

from minitransfer import grid_folder
from test_slurm import OPTIONS
import waiting

# another process holds the planning lock (flock, exclusive), as a grid planning there would; with RECORD given it
# writes that in the file as its record (else leaves the file as it is), says "held" on stdout, then holds the lock
# until its standard input closes
HOLDER = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(descriptor, fcntl.LOCK_EX)
if len(sys.argv) > 2:
    os.ftruncate(descriptor, 0)
    os.write(descriptor, sys.argv[2].encode())
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def holding(tmp_path):
    """Start a process holding the planning lock of ``tmp_path / "grid"`` (its record, if given); each ended
    as the test ends."""
    started = []

    def start(*record):
        out = tmp_path / "grid"
        process = subprocess.Popen([sys.executable, "-c", HOLDER, str(out / grid_folder.GridLock.PLANNING), *record],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline() == "held\n"
        return out, process

    (tmp_path / "grid").mkdir()
    yield start
    for process in started:
        process.stdin.close()
        process.wait(timeout=30)


def _released(planner, lock, thread):
    """End ``planner``'s hold, then the waiting grid's (``lock``, entered in ``thread``) once it has taken it."""
    planner.stdin.close()
    thread.join(timeout=30)
    lock.__exit__(None, None, None)


def _waits(out):
    """A GridLock of ``out`` entered in a thread: (its lock, the lines it said, the thread), once it said one."""
    said = []
    lock = grid_folder.GridLock(out, OPTIONS, log=said.append)
    thread = threading.Thread(target=lock.__enter__)
    thread.start()
    assert waiting.until(lambda: said or not thread.is_alive())
    return lock, said, thread


def test_a_grid_waiting_for_another_process_to_plan_names_it(holding):
    out, planner = holding()  # a planner that writes no record: named by the kernel's list of locks
    lock, said, thread = _waits(out)
    assert said == [f"waiting for another minitransfer experiment (PID {planner.pid}) to finish planning its runs "
                    f"in {out}"]
    planner.stdin.close()
    thread.join(timeout=30)
    try:
        # its own record there while it plans, for whoever waits for it; none left once it has planned
        assert (out / grid_folder.GridLock.PLANNING).read_text() == f"{os.getpid()} {socket.gethostname()}\n"
        lock.planned()
        assert (out / grid_folder.GridLock.PLANNING).read_bytes() == b""
    finally:
        lock.__exit__(None, None, None)


def test_a_planner_on_another_host_is_named_by_its_record(holding):
    out, planner = holding("4242 node-other\n")
    lock, said, thread = _waits(out)
    _released(planner, lock, thread)
    assert said == [f"waiting for another minitransfer experiment (PID 4242 on host node-other) to finish planning "
                    f"its runs in {out}"]


def test_a_record_of_this_machine_left_by_a_planner_gone_gives_way_to_the_holder_listed(tmp_path, holding):
    """A planner killed with SIGKILL leaves its record; a process holding the lock since without writing one (a
    SLURM task's shared hold, an older minitransfer) is named, not the PID of the record."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "grid" / grid_folder.GridLock.PLANNING).write_text(f"{int(gone.stdout)} {socket.gethostname()}\n")
    out, planner = holding()
    lock, said, thread = _waits(out)
    _released(planner, lock, thread)
    assert said == [f"waiting for another minitransfer experiment (PID {planner.pid}) to finish planning its runs "
                    f"in {out}"]
