"""The data loader's worker processes failing (and prepare's, which start alike): one that cannot start,
one killed mid-run, one that a kill does not end, shared memory that does not fit in /dev/shm."""

import errno
import multiprocessing.process
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import waiting
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, decoder_pool, loader, splits

SHM = pathlib.Path("/dev/shm")
needs_shm = pytest.mark.skipif(not SHM.is_dir(), reason="lists POSIX shared memory in /dev/shm")


@pytest.fixture
def data(tiny_synthetic):
    return dataset.open_dataset(tiny_synthetic)


def _train_loader(data, **options):
    half = splits.make_half(data, "all")
    return loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, seed=7,
                              **options)


def _start_failing_at(monkeypatch, failing):
    """Process.start raising EAGAIN at its ``failing``-th call, as fork does when the system is out of
    processes. Returns what it saw: the processes it started, and at the failure the loader's
    shared-memory segment (a worker's 3rd argument) and the names in /dev/shm."""
    start, seen = multiprocessing.process.BaseProcess.start, {"started": []}

    def start_or_fail(process):
        if len(seen["started"]) + 1 == failing:
            seen["memory"], seen["listed"] = process._args[2], {path.name for path in SHM.iterdir()}
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        start(process)
        seen["started"].append(process)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start_or_fail)
    return seen


@needs_shm
def test_a_worker_that_cannot_start_stops_those_started_and_frees_the_shared_memory_at_once(data, monkeypatch):
    """Out of processes at the 2nd of 3 workers: the 1st was left running and the segment in
    /dev/shm until the training process exited, and the error was a bare OSError."""
    seen = _start_failing_at(monkeypatch, 2)
    with _train_loader(data, workers=3) as batches:
        with pytest.raises(decoder_pool.WorkerDied, match=re.escape(
                "could not start data loader process 2 of 3 ([Errno 11] Resource temporarily unavailable): the "
                "system is out of processes or memory; use fewer `workers`")):
            next(batches)
        assert seen["memory"] in seen["listed"]  # the listing sees the segment while it exists
        assert seen["memory"] not in {path.name for path in SHM.iterdir()}
        assert [process.exitcode for process in seen["started"]] == [-9]


@needs_shm
def test_train_says_which_loader_worker_could_not_start_and_exits_1(micro_data, tmp_path, monkeypatch):
    seen = _start_failing_at(monkeypatch, 2)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--batch-size",
                                       "8", "--max-iter", "2", "--quiet", "--device", "cpu", "--workers", "2"])
    assert result.exit_code == 1, result.output
    assert result.output == ("error: could not start data loader process 2 of 2 ([Errno 11] Resource temporarily "
                             "unavailable): the system is out of processes or memory; use fewer --workers\n")
    assert seen["memory"] in seen["listed"] and seen["memory"] not in {path.name for path in SHM.iterdir()}
    assert [process.exitcode for process in seen["started"]] == [-9]


def test_an_import_worker_that_cannot_start_stops_those_started_and_says_so(monkeypatch):
    """The same for prepare's decoding processes (DecoderPool, which shares the start): the error
    was a bare OSError (exit 74, as for a file that cannot be written)."""
    seen = _start_failing_at(monkeypatch, 2)
    pool = decoder_pool.DecoderPool(abs, workers=3)
    try:
        with pytest.raises(decoder_pool.WorkerDied, match=re.escape(
                "could not start decoding process 2 of 3 ([Errno 11] Resource temporarily unavailable)")):
            list(pool.map([-1, -2]))
        assert [process.exitcode for process in seen["started"]] == [-9]
    finally:
        pool.close()


def test_a_worker_killed_while_the_others_keep_up_is_reported_at_the_next_batch(data):
    """It was noticed only once no batch came for a second: while the other worker kept up (and the
    dead one had no batch in hand), the run went on with fewer workers, or failed much later."""
    with _train_loader(data, workers=2) as batches:
        next(batches)
        time.sleep(2)  # the batches submitted so far are read
        killed = batches._pool.processes[0]
        killed.kill()
        killed.join()
        with pytest.raises(decoder_pool.WorkerDied, match=re.escape(
                f"a data loader process died (exit codes [-9]; process 1 of 2, PID {killed.pid}: killed by SIGKILL, "
                f"as the out-of-memory killer does)")):
            next(batches)


@needs_shm
def test_shared_memory_that_does_not_fit_in_dev_shm_is_refused_at_the_start_and_freed(data, monkeypatch):
    reserved = []

    def full(descriptor, offset, length):
        reserved.append(os.path.basename(os.readlink(f"/proc/self/fd/{descriptor}")))
        assert reserved[-1] in {path.name for path in SHM.iterdir()}  # the listing sees it while it exists
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    with _train_loader(data, workers=2) as batches:
        with pytest.raises(MemoryError, match=r"^the data loader's shared memory for 4 batches of 10 images \(0\.0 "
                                              r"MiB\) does not fit in /dev/shm \([0-9,.]+ MiB free of [0-9,.]+ MiB\): "
                                              r"use fewer `workers` \(each prefetches 2 batches\), a smaller "
                                              r"`batch_size`, or a larger /dev/shm \(docker run --shm-size\)$"):
            next(batches)
    assert len(reserved) == 1 and reserved[0] not in {path.name for path in SHM.iterdir()}


def _can_mount_a_private_dev_shm():
    try:
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "-o",
                               "size=64k", "tmpfs", "/dev/shm"], capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not SHM.is_dir() or not _can_mount_a_private_dev_shm(),
                    reason="mounts a small /dev/shm in a mount namespace of its own (unshare, as root)")
def test_train_on_a_dev_shm_too_small_for_the_loader_says_so_not_that_the_data_is_bad(synthetic_8, tmp_path):
    """A container's /dev/shm (here 64 KiB; Docker's default is 64 MiB) smaller than the loader's
    slots: a worker's read into a slot failed with EFAULT, reported as an unreadable shard (exit 65)."""
    train = (f"mount -t tmpfs -o size=64k tmpfs /dev/shm && exec {sys.executable} -m minitransfer train --data "
             f"{synthetic_8} -o net.h5 --batch-size 64 --max-iter 2 --workers 2 --device cpu --quiet")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", train], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert re.fullmatch(r"error: out of memory \(a smaller --batch-size needs less\): the data loader's shared memory "
                        r"for 4 batches of 64 images \(0\.9 MiB\) does not fit in /dev/shm \(0\.1 MiB free of 0\.1 "
                        r"MiB\): use fewer --workers \(each prefetches 2 batches\), a smaller --batch-size, or a "
                        r"larger /dev/shm \(docker run --shm-size\)\n", result.stderr), result.stderr


def test_a_worker_that_a_kill_does_not_end_is_let_go_with_a_warning_not_waited_for(data, monkeypatch, capsys):
    """A read from a hung NFS server holds a worker in the kernel, where SIGKILL waits for the read
    to return: closing the loader (a stopped run, its checkpoint written) waited for it forever,
    with the stop signals blocked, and Python's exit would have too. Here a kill that does nothing
    stands for it."""
    monkeypatch.setattr(decoder_pool, "KILLED_EXIT_SECONDS", 0.5)
    batches = _train_loader(data, workers=2)
    next(batches)
    stuck = batches._pool.processes[1]
    kill = multiprocessing.process.BaseProcess.kill
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "kill",
                        lambda process: None if process is stuck else kill(process))
    ended = threading.Timer(20, os.kill, (stuck.pid, signal.SIGKILL))  # not to hang if it is waited for
    ended.start()
    try:
        started = time.monotonic()
        batches.close()
        took = time.monotonic() - started
        assert stuck.is_alive() and stuck not in multiprocessing.active_children()
    finally:
        ended.cancel()
        kill(stuck)
        stuck.join()
    assert took < 5, took
    assert capsys.readouterr().err == (f"warning: data loader process PID {stuck.pid} did not end when killed "
                                       f"(stuck in the kernel: a hung file system?); it ends once its read returns, "
                                       f"and this process does not wait for it\n")


# A training process whose loader worker is busy (here: stopped, as in a read that waits), and an
# import whose decoding process is busy (a decode of 600 s, which says "busy" as it starts); each
# prints its worker's PID.
_BUSY_WORKER = {
    "loader": """
import sys, time
from minitransfer.data import dataset, loader, splits
data = dataset.open_dataset(sys.argv[1])
half = splits.make_half(data, "all")
batches = loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 10, 12, train=True, workers=1)
next(batches)
print(batches._pool.processes[0].pid, flush=True)
time.sleep(600)
""",
    "import": """
from minitransfer.data import decoder_pool
pool = decoder_pool.DecoderPool(exec, workers=1)
pool._start()
print(pool.processes[0].pid, flush=True)
list(pool.map(["import time; print('busy', flush=True); time.sleep(600)"]))
"""}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel kills the orphan: Linux's prctl")
@pytest.mark.parametrize("kind", ["loader", "import"])
def test_a_worker_busy_when_its_process_is_killed_dies_with_it(tiny_synthetic, kind):
    """The out-of-memory killer takes the training (or import) process: a worker in the middle of a
    task noticed only after it, which a decode that never ends or a stalled read never is."""
    parent = subprocess.Popen([sys.executable, "-c", _BUSY_WORKER[kind], str(tiny_synthetic)], stdout=subprocess.PIPE,
                              text=True)
    worker = None
    try:
        worker = int(parent.stdout.readline())
        if kind == "loader":
            os.kill(worker, signal.SIGSTOP)
        else:
            assert parent.stdout.readline() == "busy\n"
        parent.kill()
        parent.wait()
        assert waiting.until(lambda: not _running(worker))
    finally:
        parent.kill()
        parent.wait()
        if worker is not None and _running(worker):
            os.kill(worker, signal.SIGKILL)


def _running(pid):
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return "\nState:\tZ" not in pathlib.Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
