"""What a notebook's process keeps after calls that stop early: no thread, open descriptor or child process
is left behind by a pool of workers closed with work still queued for them."""

import os
import threading
import time

import pytest

from minitransfer.data import decoder_pool

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc/self/fd")

HELD_SECONDS = 60  # a worker's item marked slow: far longer than the test, which kills the worker first


def _size_after(item):
    """A worker's function: the item's size, at once for an item marked fast, else after :data:`HELD_SECONDS`
    (the worker busy, reading no more of its tasks' pipe)."""
    if item[:1] != b"f":
        time.sleep(HELD_SECONDS)
    return len(item)


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
    pool = decoder_pool.DecoderPool(_size_after, workers=1)
    first = decoder_pool.DecoderPool(len, workers=1)  # multiprocessing's resource tracker, once per process
    try:
        assert list(first.map([b"x"])) == [1]
    finally:
        first.close()
    before = _held()
    big = 2**20  # a chunk of 3 such items is 3 MiB: far beyond a pipe's 64 KiB
    items = [b"f" * big] * 3 + [b"s" * big] * 9
    try:
        assert next(iter(pool.map(items))) == big
    finally:
        pool.close()
    assert _held() == before
