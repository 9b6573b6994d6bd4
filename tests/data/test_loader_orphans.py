"""Worker processes (a data loader's, an import's decoders) never outlive a training process killed with
SIGKILL: not one that started only after it was killed, nor one whose result could not be written."""

import os
import pathlib
import signal
import subprocess
import sys

import pytest
import waiting

from data.test_loader import _running, _start_time, survivor_words

# A training process (argv: "loader" or "decoder", a dataset, a file) starting one worker, killed at once. The
# worker runs this script again as it starts (spawn: as __mp_main__), before the worker's own code: it goes on
# only once the training process is gone, as a worker slow to start on a loaded machine does, and notes in the
# file whether its own code reached its first task.
_LATE_WORKER = """
import os, pathlib, signal, sys, time
if __name__ == "__mp_main__":
    print(os.getpid(), flush=True)
    while os.getppid() == int(os.environ["TRAINER_PID"]):
        time.sleep(0.01)
    from minitransfer.data import decoder_pool, loader_workers
    def reached(*args):
        pathlib.Path(sys.argv[3]).write_text("the worker went on to its tasks, its parent gone")
    decoder_pool.next_task = loader_workers.next_task = reached
elif __name__ == "__main__":
    from minitransfer.data import dataset, decoder_pool, loader_workers
    os.environ["TRAINER_PID"] = str(os.getpid())
    if sys.argv[1] == "decoder":
        pool = decoder_pool.DecoderPool(abs, 1)
        pool._start()
    else:
        pool = loader_workers.WorkerPool(dataset.open_dataset(sys.argv[2]), "train", 1, 2, 10)
    os.kill(os.getpid(), signal.SIGKILL)
"""

# A training process (argv: a dataset) that holds the lock of its workers' result queue, as a worker killed
# while writing its result does, until it is killed. Its worker, without PR_SET_PDEATHSIG (as elsewhere
# than on Linux), says when it has taken a batch to read, whose result it can never write.
_RESULT_UNWRITTEN = """
import sys, time
if __name__ == "__mp_main__":
    from minitransfer.data import decoder_pool, loader_workers
    decoder_pool._PRCTL = None
    def next_task(tasks, poll_seconds):
        task = decoder_pool.next_task(tasks, poll_seconds)
        if task is not None:
            print("took a batch", flush=True)
        return task
    loader_workers.next_task = next_task
elif __name__ == "__main__":
    import numpy as np
    from minitransfer.data import dataset, loader_workers
    pool = loader_workers.WorkerPool(dataset.open_dataset(sys.argv[1]), "train", 1, 2, 10)
    pool.results._wlock.acquire()
    print(pool.processes[0].pid, flush=True)
    pool.submit(0, np.arange(10))
    time.sleep(600)
"""


def _orphaned_worker(tmp_path, script, *args, killed_after=None):
    """Run ``script`` (a training process that starts a worker) with ``args``, and kill it (once it has
    said ``killed_after``, where given); the PID of the worker it printed and that process's start time."""
    path = tmp_path / "trainer.py"
    path.write_text(script)
    trainer = subprocess.Popen([sys.executable, str(path), *map(str, args)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(trainer.stdout.readline())
        started = _start_time(worker)
        assert killed_after is None or trainer.stdout.readline() == killed_after
        return worker, started
    finally:
        trainer.kill()
        trainer.wait()


def _survivor(worker, started):
    """None where process ``worker`` (started at ``started``) has ended; else what is known of it, and it is killed."""
    if not _running(worker, started):
        return None
    words = survivor_words(worker)
    os.kill(worker, signal.SIGKILL)
    return words


@pytest.mark.skipif(not pathlib.Path("/proc/self/status").exists(), reason="reads process states from /proc")
@pytest.mark.parametrize("pool", ["loader", "decoder"])
def test_a_worker_started_after_its_training_process_was_killed_ends_at_once(tiny_synthetic, tmp_path, pool):
    """PR_SET_PDEATHSIG set after the parent had ended (a worker still starting as the training process was
    killed) is never sent: the worker went on reading, watched only between its tasks."""
    marker = tmp_path / "reached"
    worker, started = _orphaned_worker(tmp_path, _LATE_WORKER, pool, tiny_synthetic, marker)
    waiting.until(lambda: marker.exists() or not _running(worker, started))
    survivor = _survivor(worker, started)
    assert not marker.exists() and survivor is None, (marker.exists() and marker.read_text(), survivor)


@pytest.mark.skipif(not pathlib.Path("/proc/self/status").exists(), reason="reads process states from /proc")
def test_an_orphaned_worker_exits_with_its_result_unwritten(tiny_synthetic, tmp_path):
    """An orphaned worker exited as a program does, waiting for its queue's writer thread to write what was put,
    which was waiting for a lock that its killed holder never gives back: it lived on, forever."""
    worker, started = _orphaned_worker(tmp_path, _RESULT_UNWRITTEN, tiny_synthetic, killed_after="took a batch\n")
    waiting.until(lambda: not _running(worker, started))
    survivor = _survivor(worker, started)
    assert survivor is None, f"worker {worker} outlived its killed training process: {survivor}"
