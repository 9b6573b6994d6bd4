"""The data loader's worker processes (:class:`.loader.BatchLoader` with ``workers > 0``): they read batches
from the shards into a ring of shared-memory slots, a few ahead; a worker that dies or stalls is said, and a
stop asked for while a batch is awaited ends the wait (:class:`StopRequested`).
"""

import errno
import multiprocessing
import os
import queue
import signal
import time
from multiprocessing import resource_tracker, shared_memory

import numpy as np

from minitransfer import stop_requests, stopping
from minitransfer.disk_space import size_said
from minitransfer.open_files import limit_reached

from . import dataset as ds
from . import image_reader
from .decoder_pool import (WorkerDied, die_with_parent, end_workers, ended_with, next_task,
                           script_rerun_words, start_processes, stop_signals_blocked, worker_failure, worker_queue)
from .schema import DatasetUnreadable

WORKER_POLL_SECONDS = 1.0
STALL_NOTICE_SECONDS = 60  # a batch awaited this long is said on stderr (again after twice as long, ...)


class StopRequested(Exception):
    """A stop was asked for (:attr:`.loader.BatchLoader.stop` not empty) while the loader waited for a batch
    from its workers: the batch is given up, and :attr:`.loader.BatchLoader.cursor` stays before it. An
    evaluation's batches end with it too (:func:`minitransfer.evaluate.until_stopped`)."""


class WorkerPool:
    """Worker processes filling a ring of ``depth`` shared-memory batch slots; batch b uses slot b mod depth. Never
    closed, the pool ends as it is garbage collected or as this process exits (:func:`.decoder_pool.ended_with`)."""

    _end = None  # its end at exit or collection (:func:`.decoder_pool.ended_with`), once its workers have started

    def __init__(self, dataset, subset, workers, depth, batch_size):
        self.depth = depth
        self.slot_shape = (batch_size, *dataset.image_size, 3)
        slot_bytes = int(np.prod(self.slot_shape))
        context = multiprocessing.get_context("spawn")
        self.processes, self.slots, self.tasks, self.results = [], None, None, None
        with stop_signals_blocked():  # Ctrl-C reaches the whole process group: the training process handles it
            # In here too: the first to register with multiprocessing's resource tracker starts it.
            try:
                self.memory = shared_memory.SharedMemory(create=True, size=slot_bytes * depth)
            except OSError as error:
                limit = limit_reached(error)
                if limit is None:
                    raise
                raise WorkerDied(f"could not make the data loader's shared memory ({error}): {limit}") from error
            try:
                _reserve(self.memory, f"{depth} batches of {batch_size} images")
                self.slots = np.ndarray((depth, *self.slot_shape), dtype=np.uint8, buffer=self.memory.buf)
                self.tasks, self.results = worker_queue(context), worker_queue(context)
                processes = [
                    context.Process(target=_worker_main, daemon=True,
                                    args=((str(dataset.path), dataset.meta, dataset.fingerprint, dataset.verified),
                                          subset, self.memory.name, depth, self.slot_shape, self.tasks, self.results,
                                          f"{number} of {workers}"))
                    for number in range(1, workers + 1)
                ]
                start_processes(processes, "data loader process")
                self._end = ended_with(self, _end_workers, processes, (self.tasks, self.results), self.memory)
                self.processes = processes
            except BaseException:  # a worker that could not start: the segment is freed now, not at exit
                self.close()
                raise
        self.submitted = 0
        self.finished = {}
        self.reading = f"{dataset.path} ({subset})"

    def submit(self, batch, image_indices):
        self.tasks.put((batch, batch % self.depth, image_indices))
        self.submitted = batch + 1

    def take(self, batch, count, stop=()):
        """Batch ``batch`` (its first ``count`` images), once a worker has read it; :class:`StopRequested`
        when ``stop`` is not empty meanwhile (checked every :data:`WORKER_POLL_SECONDS`)."""
        waiting, said = time.monotonic(), 0
        self._check_workers()  # each batch: the others may keep up, and the dead one's next batch be far off
        while batch not in self.finished:
            try:
                done, error = self.results.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                if stop:
                    raise StopRequested(stop[0]) from None
                self._check_workers()
                waited = time.monotonic() - waiting
                if waited >= STALL_NOTICE_SECONDS * 2 ** said:  # after 1, 2, 4 ... minutes
                    said += 1
                    stopping.warn(f"warning: the data loader has given no batch for {waited:.0f} s (its "
                                  f"{len(self.processes)} processes, alive, read {self.reading}): a slow or "
                                  f"stalled file system? The run goes on when the batch comes; Ctrl-C stops it "
                                  f"with its iterations saved")
                continue
            self.finished[done] = error
        error = self.finished.pop(batch)
        if error:
            kind, message = error
            raise _RAISED_AS[kind](message)
        return self.slots[batch % self.depth, :count]

    def _check_workers(self):
        """:class:`WorkerDied` naming each worker that has ended, and how."""
        dead = [(number, process) for number, process in enumerate(self.processes, 1) if process.exitcode is not None]
        rerun = script_rerun_words("data loader process", [process.exitcode for _, process in dead])
        if rerun is not None:
            raise WorkerDied(rerun)
        if dead:
            which = "; ".join(f"process {number} of {len(self.processes)}, PID {process.pid}: "
                              f"{_ending(process.exitcode)}" for number, process in dead)
            raise WorkerDied(f"a data loader process died (exit codes {[process.exitcode for _, process in dead]}; "
                             f"{which})")

    def close(self):
        """Kill the workers (nothing of theirs needs finishing; a stalled one would not take a stop)
        and free the shared memory, with the stop signals held back meanwhile: a second stop must
        not leave a worker or the segment behind (:func:`.stop_requests.stops_held`; one that came is raised on
        return)."""
        with stop_requests.stops_held(owed_too=True):
            if self._end is not None:
                self._end.cancel()
            self.slots = None
            _end_workers(self.processes, (self.tasks, self.results), self.memory)
            self.processes = []


def _end_workers(processes, channels, memory):
    """Kill a :class:`WorkerPool`'s worker ``processes``, close its queues ``channels`` (None: not made) and free
    its shared ``memory``: its end, by its ``close()`` or as it is collected or this process exits."""
    end_workers(processes, "data loader process", channels)
    memory.unlink()
    # A batch a caller kept (images read once the pool was closed crashed the process, SIGSEGV: the mapping was
    # gone) holds the slots' view, and it the mapping, freed as the last such batch goes; close lets go of the
    # descriptor only. SharedMemory's own close unmapped it, whatever viewed it (NumPy holds no buffer export).
    memory._buf = memory._mmap = None
    memory.close()


# What a worker's error reading a batch is raised as in the training process: a shard the system refused to read,
# a damaged one, or anything else (a bug, memory out), said as the worker's failure rather than its traceback
_RAISED_AS = {"unreadable": DatasetUnreadable, "damaged": ds.DatasetError, "failed": WorkerDied}


def _ending(exitcode):
    """How a process with ``exitcode`` ended, in words: "exit code 1", "killed by SIGBUS"."""
    if exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        return f"killed by signal {-exitcode}"
    return f"killed by {name}" + (", as the out-of-memory killer does" if -exitcode == signal.SIGKILL else "")


def _reserve(memory, holding):
    """Allocate the pages of the shared ``memory`` (``holding``: what it is for) now. A /dev/shm
    too small for them (a container's default is 64 MiB) made a worker's read into a slot fail
    with EFAULT, said as a damaged shard (exit 65), or its write die of SIGBUS; here it is a
    MemoryError saying what to change."""
    try:
        os.posix_fallocate(memory._fd, 0, memory.size)  # SharedMemory keeps the descriptor it mapped
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.ENOMEM):
            return  # shared memory that cannot be allocated ahead (not tmpfs): used as it comes
        shm = os.statvfs("/dev/shm")
        free, total = (size_said(shm.f_bavail * shm.f_frsize, unit="MiB"),
                       size_said(shm.f_blocks * shm.f_frsize, unit="MiB"))
        needed = size_said(memory.size, unit="MiB")  # binary, as df -h and docker's --shm-size count
        raise MemoryError(f"the data loader's shared memory for {holding} ({needed}) does not fit in "
                          f"/dev/shm ({free} free of {total}): "
                          f"use fewer `workers` (each prefetches 2 batches), a smaller `batch_size`, or a larger "
                          f"/dev/shm (docker run --shm-size)") from None


def _worker_main(dataset_fields, subset, memory_name, depth, slot_shape, tasks, results, which):
    """Worker process ``which`` ("2 of 4"): read the shards (opened after start: HDF5 must not cross a fork)
    of the dataset ``dataset_fields`` (path, meta, fingerprint, verified: as the training process opened
    and checked it, not meta.json as it may read now) into the slots. A batch it fails to read is that
    batch's error in the training process, said there: a damaged or unreadable shard, or any other
    exception as this worker's failure, naming it, the batch and the exception (before: its traceback
    printed here and a bare "exit code 1" there, saying neither which batch nor why)."""
    die_with_parent(parent=multiprocessing.parent_process().pid)
    dataset = ds.Dataset(*dataset_fields)
    # Attaching registers the segment with the resource tracker the spawn children share with the
    # parent (Python < 3.13 has no track=False): a worker's registration arriving after the parent
    # unlinked it made the tracker warn at exit of a "leaked" segment it could not remove. The
    # parent, which created it, alone registers and unregisters it.
    resource_tracker.register = lambda name, rtype: None  # this worker process only
    memory = shared_memory.SharedMemory(name=memory_name)
    slots = np.ndarray((depth, *slot_shape), dtype=np.uint8, buffer=memory.buf)
    reader = None  # opened with the first task, so that a dataset damaged by then is that batch's error
    try:
        # None: orphaned (close kills the workers, sending no stop)
        while (task := next_task(tasks, WORKER_POLL_SECONDS)) is not None:
            batch, slot, image_indices = task
            try:
                reader = reader or image_reader.ImageReader(dataset, subset)
                reader.read(image_indices, out=slots[slot, : len(image_indices)])
                results.put((batch, None))
            except (ds.DatasetError, OSError, IndexError) as error:
                kind = "unreadable" if isinstance(error, DatasetUnreadable) else "damaged"
                # a DatasetError names its shard, as it does without workers; the others, what was read
                said = str(error) if isinstance(error, ds.DatasetError) else f"{dataset.path} ({subset}): {error}"
                results.put((batch, (kind, said)))
            except Exception as error:  # a bug, memory out: said by the training process, which stops the workers
                reading = f"reading batch {batch} of {dataset.path} ({subset})"
                results.put((batch, ("failed", worker_failure(f"data loader process {which}", reading, error))))
        # Orphaned: nobody reads the results any more. Exit without writing them: the queue's writer thread,
        # which an exit waits for, may wait forever for the queue's lock, had a worker killed held it.
        results.cancel_join_thread()
    finally:
        if reader is not None:
            reader.close()
        del slots
        memory.close()
