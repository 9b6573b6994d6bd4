"""A pool of worker processes never closed (a library caller that forgot ``close()``, a stop that came in the
caller's ``finally`` just before it) does not hang its process's exit, nor leave a process behind once it is
garbage collected. The workers block SIGTERM, which is what multiprocessing's exit handler sends its daemon
children before it waits for them, without a timeout: the exit hung until the process was killed."""

import gc
import json
import multiprocessing
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import waiting
from data.test_loader import _running, _start_time, survivor_words
from minitransfer.data import dataset, decoder_pool, loader_workers

pytestmark = pytest.mark.skipif(not pathlib.Path("/proc/self/status").exists(), reason="reads process states /proc")

# A program whose pool maps a little and is never closed; it prints its workers' PIDs (and the loader's shared
# memory segment), then ends as argv[1] says: "exit" (returns), "stop" (a SIGTERM, answered as a command answers
# it, KeyboardInterrupt, lands in its finally, before close()), "queued" (tasks left queued beyond what a pipe
# holds, its one worker busy: the queue's feeder thread blocked writing them, which an exit also waited for).
_NEVER_CLOSED = """
import os, signal, sys
import numpy as np
from minitransfer import stopping
from minitransfer.data import dataset, decoder_pool, loader_workers
if __name__ == "__main__":
    how, kind = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, stopping.interrupt)
    if kind == "loader":
        pool = loader_workers.WorkerPool(dataset.open_dataset(sys.argv[3]), "train", 2, 2, 4)
        pool.submit(0, np.arange(4))
        assert pool.take(0, 4).shape == (4, 14, 14, 3)
        said = [pool.memory.name]
    elif how == "queued":  # exec: a fast item is a comment, a slow one holds the worker far longer than the test
        pool = decoder_pool.DecoderPool(exec, workers=1)
        items = ["#" + "f" * 2**20] * 3 + ["import time; time.sleep(600) #" + "s" * 2**20] * 9
        assert next(iter(pool.map(items))) is None
        said = []
    else:
        pool = decoder_pool.DecoderPool(abs, workers=2)
        assert list(pool.map([-1, 2, -3])) == [1, 2, 3]
        said = []
    print(*said, *(process.pid for process in pool.processes), flush=True)
    if how == "stop":
        try:
            pass  # the caller's work, done
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # the stop, KeyboardInterrupt here, just before close()
            pool.close()
"""

# How each program ends: its exit status
_ENDED = {"exit": 0, "queued": 0, "stop": -2}  # KeyboardInterrupt uncaught: Python ends by SIGINT


def _run(tmp_path, how, kind, *args):
    """Run :data:`_NEVER_CLOSED` to its end; what it printed. Its exit must come at once: a hang is killed."""
    script = tmp_path / "caller.py"
    script.write_text(_NEVER_CLOSED)
    caller = subprocess.Popen([sys.executable, str(script), how, kind, *map(str, args)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        said, errors = caller.communicate(timeout=waiting.DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        caller.kill()
        said, errors = caller.communicate()
        pytest.fail(f"the exit of a process whose {kind} pool was never closed hung ({how}): {said} {errors}")
    assert caller.returncode == _ENDED[how], errors
    # nor told of a leak: a semaphore or a segment that multiprocessing's resource tracker had to free
    assert "leaked" not in errors and "Exception ignored" not in errors, errors
    return said.split()


@pytest.mark.parametrize("how", ["exit", "stop", "queued"])
def test_the_exit_of_a_process_whose_decoder_pool_was_never_closed_kills_its_workers(tmp_path, how):
    workers = [int(pid) for pid in _run(tmp_path, how, "decoder")]
    assert workers and not [survivor_words(pid) for pid in workers if _running(pid)]


@pytest.mark.parametrize("how", ["exit", "stop"])
def test_the_exit_of_a_process_whose_data_loader_was_never_closed_kills_its_workers_and_frees_memory(
        tmp_path, micro_data, how):
    segment, *workers = _run(tmp_path, how, "loader", micro_data)
    assert workers and not [survivor_words(pid) for pid in map(int, workers) if _running(pid)]
    assert not (pathlib.Path("/dev/shm") / segment).exists()


def test_a_decoder_pool_garbage_collected_unclosed_leaves_no_process():
    pool = decoder_pool.DecoderPool(abs, workers=2)
    assert list(pool.map([-1, 2, -3])) == [1, 2, 3]
    workers = [(process.pid, _start_time(process.pid)) for process in pool.processes]
    del pool
    gc.collect()
    assert workers and not [survivor_words(pid) for pid, started in workers if _running(pid, started)]
    assert not [pid for pid, started in workers if _start_time(pid) == started]  # not a zombie either: reaped


def test_a_data_loader_garbage_collected_unclosed_leaves_no_process_or_memory(micro_data):
    pool = loader_workers.WorkerPool(dataset.open_dataset(micro_data), "train", 2, 2, 4)
    pool.submit(0, np.arange(4))
    assert pool.take(0, 4).shape == (4, 14, 14, 3)
    workers, segment = [(process.pid, _start_time(process.pid)) for process in pool.processes], pool.memory.name
    del pool
    gc.collect()
    assert workers and not [pid for pid, started in workers if _start_time(pid) == started]
    assert not (pathlib.Path("/dev/shm") / segment).exists()
    assert segment not in pathlib.Path("/proc/self/maps").read_text()  # unmapped too: no batch of it is kept


def test_a_queue_closed_in_its_own_feeder_thread_does_not_wait_for_itself():
    """The collector may end a pool (and close its queues) in any thread, one of its queues' feeder threads too,
    as that thread pickles what is put: a thread cannot wait for itself to end (RuntimeError)."""
    channel, done = decoder_pool.worker_queue(multiprocessing.get_context("spawn")), []

    class ClosingAsPickled:
        def __reduce__(self):
            try:
                decoder_pool.close_queue(channel)
                done.append("closed")
            except Exception as error:
                done.append(error)
            return int, (0,)

    channel.put(ClosingAsPickled())
    assert waiting.until(lambda: done)
    assert done == ["closed"]
    assert waiting.until(lambda: not channel._thread.is_alive())  # then ends: its write fails, the reader closed


# A program that keeps a batch of its data loader's workers past the pool's close and reads it: the images the
# batch holds (each image's sum) and as read without workers (the oracle), a line each.
_KEPT_BATCH = """
import sys
import numpy as np
from minitransfer.data import dataset, image_reader, loader_workers
if __name__ == "__main__":
    data = dataset.open_dataset(sys.argv[1])
    pool = loader_workers.WorkerPool(data, "train", 1, 2, 4)
    pool.submit(0, np.arange(4))
    batch = pool.take(0, 4)
    pool.close()
    kept = batch.astype(np.int64).sum(axis=(1, 2, 3))
    read = image_reader.ImageReader(data, "train").read(np.arange(4)).astype(np.int64).sum(axis=(1, 2, 3))
    print(kept.tolist())
    print(read.tolist())
"""


def test_a_batch_kept_past_the_data_loaders_close_is_still_read(tmp_path, micro_data):
    """Its slot's memory stays mapped while the batch is referenced: before, reading it crashed (SIGSEGV)."""
    script = tmp_path / "kept.py"
    script.write_text(_KEPT_BATCH)
    ran = subprocess.run([sys.executable, str(script), micro_data], capture_output=True, text=True,
                         timeout=waiting.DEADLINE_SECONDS)
    assert ran.returncode == 0, ran.stderr
    kept, read = map(json.loads, ran.stdout.splitlines())
    assert kept == read and len(read) == 4 and min(read) > 0
