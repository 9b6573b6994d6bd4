"""Worker processes (a data loader's, an import's decoders) never outlive a training process killed with
SIGKILL, not even one that started only after it was killed."""

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


def _orphaned_worker(tmp_path, script, *args):
    """Run ``script`` (a training process that starts a worker) with ``args``, and kill it; the PID of the
    worker it printed and that process's start time."""
    path = tmp_path / "trainer.py"
    path.write_text(script)
    trainer = subprocess.Popen([sys.executable, str(path), *map(str, args)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(trainer.stdout.readline())
        return worker, _start_time(worker)
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
