"""DecoderPool: results in order, errors raised where they are awaited, and an import with workers
that stops promptly on a signal (to it or to its process group), notices a killed worker, and
leaves no worker behind when it is killed itself."""

import operator
import os
import pathlib
import signal
import subprocess
import sys

import pytest
import waiting

from minitransfer.data import decoder_pool

pytestmark = pytest.mark.skipif(not pathlib.Path("/proc/self/stat").exists(), reason="reads process states from /proc")


def test_results_come_in_order_across_calls_and_a_bugs_error_names_the_item():
    pool = decoder_pool.DecoderPool(operator.neg, workers=2)
    try:
        assert list(pool.map(list(range(1, 301)))) == [-value for value in range(1, 301)]
        assert list(pool.map([7, 11])) == [-7, -11]
        with pytest.raises(decoder_pool.WorkerDied, match="failed on 'x': TypeError: bad operand type for unary -"):
            list(pool.map([1, "x", 3]))
    finally:
        pool.close()
    assert not any(_running(process.pid) for process in pool.processes)


# Decodes like build.load_item, after recording the worker's PID, once the file DECODER_RELEASE
# exists (DECODER_HOLD_SECONDS at most, against a hang), 0.1 s an image: the test knows when the
# workers are busy and which processes they are, and the import cannot end before the test's signal,
# whatever the machine's load.
_SLOW_DECODER = """
import os, pathlib, time
from minitransfer.data import build
decode = build.load_item
def load_item(item, size):
    pathlib.Path(os.environ["DECODER_PIDS"], str(os.getpid())).touch()
    for _ in range(int(os.environ["DECODER_HOLD_SECONDS"]) * 50):
        if os.path.exists(os.environ["DECODER_RELEASE"]):
            break
        time.sleep(0.02)
    time.sleep(0.1)
    return decode(item, size)
"""
_IMPORT = """
import slow_decoder
from minitransfer.data import build
build.load_item = slow_decoder.load_item
from minitransfer.cli import main
main()
"""


@pytest.fixture
def slow_import(tmp_path, image_bytes, write_files):
    """Starts ``prepare folder`` with 2 slow workers in a new process group, with SIGINT ignored as
    a shell script's background job starts (the command must stop on it all the same); returns
    (process, worker PIDs, a function that lets the workers decode on) once both workers are in their first
    decode. The group is killed afterwards, whatever happened."""
    source = write_files(tmp_path / "photos", {f"{name}/{number}.png": image_bytes((number, 40, 90), kind="PNG")
                                               for name in ("cat", "dog") for number in range(40)})
    (tmp_path / "slow_decoder.py").write_text(_SLOW_DECODER)
    pids = tmp_path / "pids"
    pids.mkdir()
    release = tmp_path / "release"
    environment = {**os.environ, "DECODER_PIDS": str(pids), "DECODER_RELEASE": str(release),
                   "DECODER_HOLD_SECONDS": str(waiting.DEADLINE_SECONDS),
                   "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    started = []

    def start():
        process = subprocess.Popen([sys.executable, "-c", _IMPORT, "prepare", "folder", str(source),
                                    str(tmp_path / "out"), "--size", "12", "--shard-size", "10", "--workers", "2"],
                                   env=environment,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        started.append(process)
        waiting.until_while_running(lambda: len(list(pids.iterdir())) == 2, process, "both workers decode")
        return process, [int(path.name) for path in pids.iterdir()], release.touch

    yield start
    for process in started:
        for pid in [process.pid, *_group(process.pid)]:
            _kill(pid)
        process.wait()


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _running(pid):
    """Whether process ``pid`` exists and is not a zombie (an orphan's zombie may wait for a reaper)."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _group(pgid):
    """The live (not zombie) processes of process group ``pgid``."""
    members = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _gone(pids):
    """Whether every process of ``pids`` (a function giving them) is gone (within
    :data:`waiting.DEADLINE_SECONDS`, against a hang)."""
    return waiting.until(lambda: not pids())


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["sigterm", "sigint", "sighup"])
@pytest.mark.parametrize("to_group", [True, False], ids=["group", "main"])
def test_a_stop_signal_ends_an_import_with_workers_promptly_with_exit_75(slow_import, stop, to_group):
    process, workers, release = slow_import()
    if to_group:  # what timeout, kill -- -PGID, Ctrl-C, SLURM and a closed terminal's shell do
        os.killpg(process.pid, stop)
    else:
        process.send_signal(stop)
    release()
    _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert process.returncode == 75, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and stderr.startswith("interrupted: ")
    assert _gone(lambda: _group(process.pid)), f"left running: {_group(process.pid)}"


def test_workers_exit_when_the_import_is_killed(slow_import):
    process, workers, release = slow_import()
    process.kill()
    process.wait()
    release()
    assert _gone(lambda: [pid for pid in workers if _running(pid)])


def test_a_killed_worker_ends_the_import_with_exit_1_instead_of_a_wait(slow_import):
    process, workers, release = slow_import()
    os.kill(workers[0], signal.SIGKILL)
    release()
    _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert process.returncode == 1, stderr
    assert stderr.startswith("error: a decoding process ended unexpectedly (exit code -9;"), stderr
    assert _gone(lambda: _group(process.pid)), f"left running: {_group(process.pid)}"


# A process whose pool of 1 worker did some work, was closed, and exits a second later, with the
# two steps that free a multiprocessing semaphore (unlink it, strike it off the resource tracker)
# two seconds apart, and the end of a queue's feeder thread 0.4 s late, when not in the main
# thread: freed by a feeder thread that ended last, a semaphore was unlinked, the interpreter
# stopped at exit before the tracker was told, and the tracker warned of a "leaked semaphore".
_CLOSED_AND_EXITING = """
import operator, sys, threading, time
import multiprocessing.connection as connection
import multiprocessing.synchronize as synchronize
from minitransfer.data import dataset, decoder_pool, loader, splits

def late(function, seconds, after):
    def slowed(*args):
        if threading.current_thread() is not threading.main_thread() and not after:
            time.sleep(seconds)
        function(*args)
        if threading.current_thread() is not threading.main_thread() and after:
            time.sleep(seconds)
    return slowed

synchronize.sem_unlink = late(synchronize.sem_unlink, 2.0, after=True)
connection.Connection.close = late(connection.Connection.close, 0.2, after=False)  # the feeder closes two
if __name__ == "__main__":
    if sys.argv[1] == "loader":
        data = dataset.open_dataset(sys.argv[2])
        half = splits.make_half(data, "all")
        with loader.BatchLoader(data, "train", half.train_indices, half.train_labels, batch_size=8, crop=12,
                                train=True, seed=7, workers=1) as batches:
            next(iter(batches))
    else:
        pool = decoder_pool.DecoderPool(operator.neg, workers=1)
        assert list(pool.map([1, 2, 3])) == [-1, -2, -3]
        pool.close()
        del pool  # as when the importing function returns
    time.sleep(1.0)
    print("closed")
"""


@pytest.mark.parametrize("pool", ["loader", "decoder pool"])
def test_a_closed_pool_leaves_no_semaphore_to_the_resource_tracker(tiny_synthetic, pool):
    done = subprocess.run([sys.executable, "-c", _CLOSED_AND_EXITING, pool, str(tiny_synthetic)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "closed\n", done.stderr
    assert "leaked" not in done.stderr and "Warning" not in done.stderr, done.stderr
