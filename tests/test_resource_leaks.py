"""What a notebook's process keeps after its calls: no thread or open descriptor is left behind by a pool of
workers closed with work still queued for them, nor an open descriptor by an import of a zip archive, nor a
process by a grid whose preloaded launchers could not all start."""

import errno
import io
import os
import subprocess
import sys
import threading
import zipfile

import pytest
from PIL import Image

from minitransfer import grid_processes, launcher
from minitransfer.data import dataset, decoder_pool, tiny_imagenet

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc/self/fd")

HELD_SECONDS = 60  # a worker's item marked slow: far longer than the test, which kills the worker first


def _held():
    """The threads and open descriptors of this process."""
    return threading.active_count(), sorted(os.listdir("/proc/self/fd"))


def test_a_pool_closed_with_tasks_beyond_what_a_pipe_holds_leaves_no_thread_or_descriptor():
    """An import stopped early (Ctrl-C in a notebook, a failed shard) closes its DecoderPool with chunks
    queued that its workers never read, more than the 64 KiB a pipe holds (CIFAR's pixels: 64 images of
    3 KiB a chunk): the queue's feeder thread stayed blocked writing them, with the pipe's two
    descriptors, until the process exited (measured: one thread and two descriptors more after each
    interrupted import_cifar100(workers=2)). Here the first chunk is quick and the others hold the
    worker, so that the feeder is blocked on the third as the pool closes."""
    # exec, a builtin a spawned worker unpickles without importing this test module: a fast item is a comment,
    # a slow one sleeps HELD_SECONDS (the worker busy, reading no more of its tasks' pipe)
    pool = decoder_pool.DecoderPool(exec, workers=1)
    first = decoder_pool.DecoderPool(len, workers=1)  # multiprocessing's resource tracker, once per process
    try:
        assert list(first.map([b"x"])) == [1]
    finally:
        first.close()
    before = _held()
    big = 2**20  # a chunk of 3 such items is 3 MiB: far beyond a pipe's 64 KiB
    items = ["#" + "f" * big] * 3 + [f"import time; time.sleep({HELD_SECONDS}) #" + "s" * big] * 9
    try:
        assert next(iter(pool.map(items))) is None
    finally:
        pool.close()
    assert _held() == before


def _jpeg(red):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (red, 9, 9)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _tiny_imagenet_zip(path, leave_out=()):
    """A tiny-imagenet-200.zip of 2 classes, 2 training images each and 2 validation images, without the
    members ``leave_out``."""
    wnids = ("n01440764", "n02084071")
    members = {f"train/{wnid}/images/{wnid}_{number}.JPEG": _jpeg(40 * index + 10 * number)
               for index, wnid in enumerate(wnids) for number in range(2)}
    members.update({"wnids.txt": "\n".join(wnids).encode(), "words.txt": b"n01440764\ttench\nn02084071\tdog\n",
                    "val/val_annotations.txt": b"val_0.JPEG\tn02084071\t0\t0\t9\t9\n"
                                               b"val_1.JPEG\tn01440764\t0\t0\t9\t9\n",
                    "val/images/val_0.JPEG": _jpeg(200), "val/images/val_1.JPEG": _jpeg(210)})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name not in leave_out:
                archive.writestr(f"tiny-imagenet-200/{name}", data)
    return path


def _open_files():
    """The files this process holds open, by path (``PATH (deleted)`` once removed)."""
    opened = []
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            opened.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        except OSError:  # the descriptor listdir itself used, closed since
            continue
    return opened


@pytest.mark.parametrize("workers", [0, 2])
def test_a_zip_imported_is_closed_once_the_import_returns(tmp_path, workers):
    """import_tiny_imagenet of the zip, then the download deleted, as a notebook does: the zip stayed open in
    this process (decode's archives opened once per process, the importer's own left to the garbage
    collector), a descriptor per archive imported and its disk space held until the process exited. The
    items of the zip are described (and with workers=0 decoded) in this process."""
    source = _tiny_imagenet_zip(tmp_path / "tiny-imagenet-200.zip")
    data = tiny_imagenet.import_tiny_imagenet(source, tmp_path / "tiny", size=12, workers=workers)
    assert data.num_images("train") == 4
    source.unlink()
    assert [path for path in _open_files() if path.startswith(str(source))] == []


def test_a_zip_refused_is_closed_while_its_error_is_kept(tmp_path):
    """A zip without wnids.txt is refused (DatasetError) as the importer lists it; a notebook keeps the error's
    traceback (sys.last_traceback), which kept the half-made tree, and with it the zip, open."""
    source = _tiny_imagenet_zip(tmp_path / "tiny-imagenet-200.zip", leave_out=("wnids.txt",))
    with pytest.raises(dataset.DatasetError, match="no wnids.txt in the archive") as refused:
        tiny_imagenet.import_tiny_imagenet(source, tmp_path / "tiny", size=12, workers=0)
    assert refused.tb is not None and [path for path in _open_files() if path.startswith(str(source))] == []


def _running(pid):
    """Whether process ``pid`` runs (a zombie, ended and not yet waited for, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_launchers_started_before_one_that_cannot_start_are_ended(tmp_path, monkeypatch):
    """A grid of two CPU slots whose second launcher cannot start (fork: EAGAIN, the system out of processes):
    its runs start as new processes, and the first launcher, started already, was left to the garbage
    collector, importing on and never waited for. Here it has ended by the time the run has started."""
    started = []

    def second_fails(env):
        if started:
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
        first = real(env)
        started.append(first.process.pid)  # its PID alone: the test keeps no launcher alive
        return first

    real = launcher.Launcher
    monkeypatch.setattr(launcher, "Launcher", second_fails)
    notes = []
    processes = grid_processes.TrainProcesses([sys.executable, "-c", "pass"], (None, None), True, notes.append)
    try:
        run = processes.start(0, None, [], tmp_path / "train.log")
        assert run.wait(timeout=60) == 0 and isinstance(run, subprocess.Popen)
    finally:
        processes.close()
    assert notes == ["note: starting runs as new processes from now on ([Errno 11] Resource temporarily "
                     "unavailable)"]
    assert len(started) == 1 and not _running(started[0])
