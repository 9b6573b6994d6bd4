"""Ctrl-C while a dataset's files are hashed (the check before a run's first batch, ``prepare verify``): the hashing
threads' pool must be shut down on the way out, its pending files cancelled, not hashed to the end (ImageNet's 1,332
shards: minutes) by threads left behind, and the command must exit 75 at once, having hashed at most the files being
hashed when the stop came."""

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from minitransfer import fileio
from minitransfer.data import dataset, integrity, synthetic

HASH_S = 0.3  # each file's hash made this slow: a large shard on a slow disk


@pytest.fixture(scope="module")
def many_shards(tmp_path_factory):
    out = tmp_path_factory.mktemp("many") / "synthetic-4"
    synthetic.build_synthetic(out, classes=4, train_per_class=8, val_per_class=2, size=8, seed=3, shard_length=2)
    return out


@pytest.mark.parametrize("when", ["as-a-thread-starts", "while-hashing"])
def test_a_stop_while_a_dataset_is_checked_cancels_its_pending_files(many_shards, monkeypatch, when):
    """A stop as the pool started a thread (Thread.start waits for it to run, the first file queued already, which it
    took) left that thread untracked by the pool, which did not wait for it: it hashed on after the stop."""
    data = dataset.open_dataset(many_shards)
    files = len(data.checked_files())
    assert files > 4 * integrity.HASH_THREADS
    main, hashed, real, calls = threading.main_thread().ident, [], fileio.sha256_file, itertools.count()

    def stop():
        signal.pthread_kill(main, signal.SIGINT)

    def slow(path):
        if next(calls) == 0:  # one stop (a second interrupted the wait for the threads): at once (the main thread
            stop() if when == "as-a-thread-starts" else threading.Timer(HASH_S / 3, stop).start()  # starting this one)
        hashed.append(path)
        time.sleep(HASH_S)
        return real(path)

    monkeypatch.setattr(fileio, "sha256_file", slow)
    monkeypatch.setattr(integrity, "_intact_files", set())
    signal.signal(signal.SIGINT, signal.default_int_handler)  # restored by conftest's stop_signal_dispositions
    before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):
        data.check_checksums()
    assert not [thread.name for thread in set(threading.enumerate()) - before if thread.is_alive()]
    count = len(hashed)
    time.sleep(2 * HASH_S)
    # Oracle: the stop came as the first file was hashed, with HASH_THREADS at work at most: those and no more
    assert len(hashed) == count <= integrity.HASH_THREADS < files, hashed


def test_prepare_verify_stopped_exits_75_at_once_without_hashing_the_rest(many_shards, tmp_path):
    files = len(dataset.open_dataset(many_shards).checked_files())
    hashed = tmp_path / "hashed"
    script = textwrap.dedent(f"""
        import pathlib, sys, time
        from minitransfer import fileio
        from minitransfer.__main__ import command
        real, hashed = fileio.sha256_file, pathlib.Path({str(hashed)!r})

        def slow(path):
            with open(hashed, "a") as said:
                said.write(str(path) + "\\n")
            time.sleep({HASH_S})
            return real(path)

        fileio.sha256_file = slow
        sys.argv = ["minitransfer", "prepare", "verify", {str(many_shards)!r}]
        command()
    """)
    verify = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        deadline = time.monotonic() + 60
        while not (hashed.exists() and len(hashed.read_text().splitlines()) >= 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        verify.send_signal(signal.SIGINT)
        out, err = verify.communicate(timeout=30)
    finally:
        verify.kill()
    assert verify.returncode == 75, err
    assert len(err.strip().splitlines()) >= 1 and "Traceback" not in err, err
    # it said "... with every file written so far intact; rerun the same command to continue": verify writes none
    assert err.strip().splitlines()[-1] == ("interrupted: stopped by a signal before every file was checked; rerun "
                                            "the same command to check them"), err
    assert len(hashed.read_text().splitlines()) <= 2 * integrity.HASH_THREADS < files  # those under way alone


def test_prepare_verify_hashes_its_files_in_parallel_and_says_each_in_order(many_shards, monkeypatch):
    """verify hashed one file at a time (each its own check_files): ImageNet's 250 GB at one core's sha256."""
    data = dataset.open_dataset(many_shards)
    active, most, real, lock = [0], [0], fileio.sha256_file, threading.Lock()

    def slow(path):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return real(path)

    monkeypatch.setattr(fileio, "sha256_file", slow)
    said = []
    data.verify(progress=lambda done, total: said.append((done, total)))
    files = len(data.checked_files())
    assert said == [(done, files) for done in range(1, files + 1)]
    assert most[0] == integrity.HASH_THREADS  # Oracle: 4 threads, 25 files of 0.05 s each
