"""The processes that decode an import's images: results in order, and no process outlives the import.

``multiprocessing.Pool`` is not used: a SIGTERM to the process group (what ``timeout``, ``kill --
-PGID`` and SLURM send) killed its workers, the pool started new ones, the tasks of the dead were
lost and its close/join waited for them forever; a worker killed while waiting for a task keeps
the task queue's lock, for which its ``terminate()`` waits forever too. Here instead:

- workers start with the stop signals blocked (SIGINT, SIGTERM and SIGHUP, which a closed terminal's
  shell sends the whole job; a signal mask survives exec; multiprocessing's resource tracker
  starts the same way): a stop signal, to the group or not, is for the importing process to
  handle, and it kills its workers (SIGKILL: nothing of theirs needs finishing);
- a worker that dies anyway (the out-of-memory killer) is noticed within
  :data:`WORKER_POLL_SECONDS` (:class:`WorkerDied`), not waited for;
- a worker whose importing process is gone (killed with SIGKILL) is killed with it, even in the
  middle of a task (:func:`die_with_parent`; elsewhere than on Linux it exits within
  :data:`WORKER_POLL_SECONDS` once the task is done);
- a worker stuck in the kernel (a read from a hung file server), which SIGKILL ends only once the
  read returns, is let go after :data:`KILLED_EXIT_SECONDS`, with a warning: :func:`kill_processes`;
- a pool never closed (a caller that forgot ``close()``, a stop that came just before it) has its
  workers killed all the same when it is garbage collected or this process exits: :func:`ended_with`.
"""

import contextlib
import ctypes
import multiprocessing
import multiprocessing.process
import multiprocessing.util
import os
import pickle
import queue
import signal
import sys
import threading
import time
import traceback
from multiprocessing import resource_tracker

from minitransfer import stop_requests, stopping
from minitransfer.errors import MinitransferError
from minitransfer.open_files import limit_reached
from minitransfer.stopping import STOP_SIGNALS

WORKER_POLL_SECONDS = 0.5
PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent ends
KILLED_EXIT_SECONDS = 5  # a killed process ends at once, unless stuck in the kernel (a read from a hung file server)
CHUNKS_AHEAD = 2  # per worker: submitted beyond the one awaited, so no worker waits for the next
# The most worker processes an import or a data loader starts (--workers, TrainConfig.workers). A
# fixed number, not one relative to this machine's cores: a configuration checked on one machine
# (a grid's, a SLURM job's) may run on another, and the help states one bound. Decoding and batch
# reading gain nothing beyond a few processes per core, and each costs about 50 MiB: 256 is ample
# for the largest nodes and keeps a mistyped count from forking a machine to death.
MAX_WORKERS = 256
# The exit code of a worker process that found itself running a script's top-level train() or import again
# (:func:`refuse_in_script_rerun`); Python's own exits are 0, 1, 2 and 120.
SCRIPT_RERUN_EXIT = 3
# The exit priority of a pool's finalizer (:func:`ended_with`): 0 or more runs it at this process's exit before
# multiprocessing's exit handler sends its daemon children SIGTERM, which a worker blocks, and joins them, without
# a timeout; above the queues' own (10: the one that closes a queue, 0: the one that unlinks its semaphores).
END_AT_EXIT_PRIORITY = 100
FEEDER_END_SECONDS = 1.0  # a closed queue's feeder thread, its pipe's readers gone, ends at its next write
# Closed queues whose feeder thread had not ended yet: kept until it has (see close_queue).
_CLOSING_QUEUES = []


class WorkerDied(MinitransferError, RuntimeError):
    """A decoding process ended while the import (or a data loader) still needed it, could not
    start, or failed on an item in a way no error of the package's says (a bug): exit code 1."""


def refuse_in_script_rerun(call):
    """In a process that multiprocessing is starting (spawn, forkserver) and that runs the main script
    again, as it does to find what the script defines (``__mp_main__``): a script calling ``call``
    ("train()", "import_folder()") at its top level, not under ``if __name__ == '__main__':``, called
    it again here. Exits at once with :data:`SCRIPT_RERUN_EXIT`, before the call lists or writes
    anything or refuses the run folder or dataset its parent holds (``RunBusy``), which the parent
    then says plainly (:func:`script_rerun_words`). Called first by :func:`minitransfer.train.train`,
    by each public importer (also :func:`.synthetic.build_synthetic`, which starts none: the worker
    running the script again may be a data loader's) and by :func:`.build.build_dataset`."""
    # No public API tells this: parent_process() is None until the script has run; _inheriting is
    # what multiprocessing itself tests to refuse a process started meanwhile ("... before the
    # current process has finished its bootstrapping phase"), under spawn and forkserver alike.
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        sys.stderr.write(f"minitransfer: {call} called again in a worker process starting, as it ran the main "
                         f"script again: {SCRIPT_RERUN_ADVICE}\n")
        sys.exit(SCRIPT_RERUN_EXIT)


SCRIPT_RERUN_ADVICE = "put the call under `if __name__ == '__main__':`, or use `workers=0`"


def script_rerun_words(what, exit_codes):
    """Why processes (``what``: "data loader process") that ended with ``exit_codes`` did, when one
    of them found itself running the script's top-level call again (:func:`refuse_in_script_rerun`),
    else None."""
    if SCRIPT_RERUN_EXIT not in exit_codes:
        return None
    script = getattr(sys.modules["__main__"], "__file__", None) or "the main script"
    return (f"the {what}es could not start: multiprocessing starts each by running {script} again (the "
            f"\"spawn\" start), and its top-level call (a training, an import) ran again there; "
            f"{SCRIPT_RERUN_ADVICE}")


class DecoderPool:
    """``map(items)`` yields ``function(item)`` for each item, in order, computed by ``workers``
    processes of the "spawn" context (nothing HDF5- or zip-related crosses a fork) started on first
    use; ``workers`` 0 computes in this process. ``close()`` kills the workers.

        pool = DecoderPool(functools.partial(load_item, size=64), workers=4)
        try:
            decoded = list(pool.map(items))
        finally:
            pool.close()
    """

    def __init__(self, function, workers):
        self.function, self.workers = function, workers
        self.processes, self.tasks, self.results, self._end = [], None, None, None
        self.submitted, self.finished = 0, {}

    def map(self, items):
        if self.workers == 0:
            yield from map(self.function, items)
            return
        if not self.processes:
            self._start()
        length = max(1, min(64, len(items) // (4 * self.workers)))
        chunks = [items[start:start + length] for start in range(0, len(items), length)]
        first = self.submitted  # chunk numbers run on across calls: a result left by an abandoned call is never taken
        for position in range(len(chunks)):
            while self.submitted < first + min(len(chunks), position + 1 + CHUNKS_AHEAD * self.workers):
                self.tasks.put((self.submitted, chunks[self.submitted - first]))
                self.submitted += 1
            yield from self._result(first + position)

    def _start(self):
        context = multiprocessing.get_context("spawn")
        with stop_signals_blocked():
            self.tasks, self.results = worker_queue(context), worker_queue(context)
            processes = [context.Process(target=_work, args=(self.function, self.tasks, self.results,
                                                             f"{number} of {self.workers}"),
                                         name="minitransfer-decoder", daemon=True)
                         for number in range(1, self.workers + 1)]
            start_processes(processes, "decoding process")
            self._end = ended_with(self, end_workers, processes, "decoding process", (self.tasks, self.results))
            self.processes = processes

    def _result(self, number):
        while number not in self.finished:
            try:
                done, values, error = self.results.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                self._check_workers()
                continue
            self.finished[done] = (values, error)
        values, error = self.finished.pop(number)
        if error is not None:
            raise error
        return values

    def _check_workers(self):
        ended = [process.exitcode for process in self.processes if process.exitcode is not None]
        rerun = script_rerun_words("decoding process", ended)
        if rerun is not None:
            raise WorkerDied(rerun)
        if ended:
            raise WorkerDied(f"a decoding process ended unexpectedly (exit code {ended[0]}; -9 is SIGKILL, often "
                             f"the out-of-memory killer); finished shards are kept: rerun the same command, with "
                             f"fewer --workers if memory ran out")

    def close(self):
        """Kill the workers and wait for them, with the stop signals held meanwhile (a second
        signal must not leave a worker behind: :func:`.stop_requests.stops_held`); one that came is raised
        on return."""
        if not self.processes:
            return
        with stop_requests.stops_held(owed_too=True):
            if self._end is not None:
                self._end.cancel()
            end_workers(self.processes, "decoding process", (self.tasks, self.results))
            self.processes = []


@contextlib.contextmanager
def stop_signals_blocked():
    """SIGINT, SIGTERM and SIGHUP blocked in this thread in the block: worker processes started in it
    inherit the mask (a stop is for the process that started them to handle). A stop meanwhile must
    not leave a queue's semaphores half registered: it is held (:func:`.stop_requests.stops_held`;
    the mask alone held nothing once NumPy had started OpenBLAS's threads) and raised on leaving."""
    with stop_requests.stops_held():
        unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            # Started here if not yet running, the resource tracker inherits SIGHUP blocked (it ignores
            # the other two itself; killed by a hangup, it would be started again at exit, with a
            # warning); starting it unblocks SIGINT and SIGTERM, blocked again next.
            try:
                resource_tracker.ensure_running()
            except OSError as error:  # its pipe: "[Errno 24] Too many open files" alone, naming nothing
                raise WorkerDied(f"could not start multiprocessing's resource tracker, which worker processes need "
                                 f"({error}): {_short_of(error)}") from error
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)


def start_processes(processes, what):
    """Start ``processes``; when one cannot (the system out of processes or memory: fork fails with
    EAGAIN or ENOMEM), kill those started and raise :class:`WorkerDied` naming it as ``what``. This
    process's default start method is left unset where it was: Python's spawn fixes it as it starts a
    process (the preparation data names it), and a program's own ``multiprocessing.set_start_method``
    after a training with ``workers`` raised "context has already been set"."""
    unset = multiprocessing.get_start_method(allow_none=True) is None
    try:
        for number, process in enumerate(processes):
            try:
                process.start()
            except OSError as error:
                kill_processes(processes[:number], what)
                raise WorkerDied(f"could not start {what} {number + 1} of {len(processes)} ({error}): "
                                 f"{_short_of(error)}; use fewer `workers`") from error
    finally:
        if unset:
            multiprocessing.set_start_method(None, force=True)  # unset again (force: the only way to)


def _short_of(error):
    """What the system lacked where ``error`` kept a process or a queue from being made: open files (each process
    started and each queue hold a few: :func:`.open_files.limit_reached`, said as processes or memory before), else
    processes or memory (fork failing with EAGAIN or ENOMEM)."""
    return limit_reached(error) or "the system is out of processes or memory"


def kill_processes(processes, what):
    """SIGKILL ``processes`` (``what`` they are) and wait for them, at most :data:`KILLED_EXIT_SECONDS`
    together: one stuck in the kernel (a read from a hung file server) ends only once its read
    returns, and neither this call nor this process's exit waits for it; a warning names it."""
    for process in processes:
        process.kill()
    deadline = time.monotonic() + KILLED_EXIT_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    stuck = [process for process in processes if process.exitcode is None]
    for process in stuck:
        multiprocessing.process._children.discard(process)  # else multiprocessing's exit handler joins it, forever
    if stuck:
        stopping.warn(f"warning: {what} PID {', '.join(str(process.pid) for process in stuck)} did not end when "
                      f"killed (stuck in the kernel: a hung file system?); it ends once its read returns, and this "
                      f"process does not wait for it")


def ended_with(pool, end, *args):
    """Have ``end(*args)`` (what kills ``pool``'s workers and closes its queues) called when ``pool`` is garbage
    collected or this process exits, whichever comes first; the pool's ``close()`` cancels it (``.cancel()`` on
    what this returns) and ends them itself. A pool left unclosed (a caller that forgot to, a stop between its
    ``finally`` and ``close()``) hung the process's exit: multiprocessing's exit handler sends its daemon children
    SIGTERM, which the workers block, and waits for them without a timeout; one garbage collected left its workers
    waiting for tasks as long as this process lived. No argument may refer to ``pool``: it would never be
    collected."""
    return multiprocessing.util.Finalize(pool, end, args=args, exitpriority=END_AT_EXIT_PRIORITY)


def end_workers(processes, what, channels):
    """Kill ``processes`` (``what`` they are: :func:`kill_processes`) and close the queues ``channels`` to them
    (:func:`close_queue`; None: not made): a pool's end (:class:`DecoderPool`,
    :class:`.loader_workers.WorkerPool`), by its ``close()`` or :func:`ended_with`."""
    kill_processes(processes, what)
    for channel in channels:
        if channel is not None:
            close_queue(channel)


def worker_queue(context):
    """A queue of the multiprocessing ``context`` between this process and its workers, closed by
    :func:`close_queue`: its feeder thread (CPython's, writing what ``put`` buffered) ends quietly
    where the pipe's readers are gone (EPIPE), not with a traceback for each message left."""
    try:
        channel = context.Queue()
    except OSError as error:  # its pipe: "[Errno 24] Too many open files" alone, naming nothing
        raise WorkerDied(f"could not make the queue of its worker processes ({error}): {_short_of(error)}; use "
                         f"fewer `workers`") from error
    channel._ignore_epipe = True  # no public way to say so; pickled with the queue, the workers' too
    return channel


def close_queue(channel):
    """Close the multiprocessing queue ``channel`` (a :func:`worker_queue`) once its readers are gone
    (the workers killed). Its feeder thread may be blocked writing to the full pipe (tasks beyond the
    64 KiB a pipe holds: an import's chunks of CIFAR pixels, an interrupted import's): Python closes
    this process's own read end only once the feeder has written everything, so that feeder, and the
    pipe's two descriptors, stayed until the process exited (measured: one thread and two descriptors
    more after each interrupted ``import_cifar100(workers=2)`` in a notebook). The read end is
    closed here: the feeder's write fails (EPIPE) and it ends, waited for at most
    :data:`FEEDER_END_SECONDS`; then the write end is closed too. Its semaphores are freed
    (unlinked, then struck off multiprocessing's resource tracker) by the thread that drops their
    last reference, and the feeder holds two until it ends: had it ended last, at a process's exit,
    between the two steps, the interpreter stopped it there and the tracker warned of a "leaked
    semaphore" (seen after a stopped training). So a queue whose feeder is still running (a worker
    stuck in the kernel still holds the read end) is kept here until it has ended, or until this
    process's exit, whose cleanup then frees its semaphores in the main thread; the exit does not
    wait for it."""
    channel.cancel_join_thread()  # tasks no worker took: exit without writing them
    # Queue._reader: this process's read end. Closed before close() gives the feeder its sentinel, on which
    # it closes both ends itself: two threads closing one descriptor could close another file opened meanwhile.
    channel._reader.close()
    channel.close()
    feeder = channel._thread  # Queue._thread: the feeder, None until the first put
    # Not where the feeder closes it: the garbage collector may end a pool (ended_with) in any thread, its feeder's too
    if feeder is not None and feeder is not threading.current_thread():
        feeder.join(FEEDER_END_SECONDS)
    if feeder is None or not feeder.is_alive():
        channel._writer.close()  # where the feeder ended on EPIPE it left it open (to the garbage collector)
    _CLOSING_QUEUES[:] = [queue for queue in (*_CLOSING_QUEUES, channel)
                          if queue._thread is not None and queue._thread.is_alive()]


def die_with_parent(signum=signal.SIGKILL, parent=None):
    """In a worker process: have the kernel kill it (SIGKILL; or send it ``signum``) when the process
    that started it ends, also in the middle of a task (a decode that never ends, a read that waits),
    which :func:`next_task`, checking between tasks, would not see. Linux only; the parent is, to the
    kernel, the thread that started the worker: a pool must not outlive that thread (none here does).
    ``parent``: the PID of the process that started this one (a worker's
    ``multiprocessing.parent_process().pid``). Had it ended before this call (a worker slow to start
    on a loaded machine, its training process killed meanwhile), the kernel never sends the signal,
    this process being another's child by then: it is sent now, also where there is no prctl."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signum)
    if parent is not None and os.getppid() != parent:  # checked after the prctl: no moment left unwatched
        os.kill(os.getpid(), signum)


# Looked up once, here. :func:`die_with_parent` runs in a process after its exec, never as a ``preexec_fn``: one makes
# Popen fork() in place of vfork, and such a fork hung in OpenBLAS's atfork handler while another thread multiplied
# matrices (:func:`minitransfer.launcher.ends_with`; tests/test_grid_beside_a_training_thread.py)
_PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None


def next_task(tasks, poll_seconds=WORKER_POLL_SECONDS):
    """In a worker process: the next task of the queue ``tasks``, or None once the process that
    started this one is gone (killed with SIGKILL, it sends no stop, and a worker waiting forever
    would keep its memory and its files open), checked every ``poll_seconds``."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            return tasks.get(timeout=poll_seconds)
        except queue.Empty:
            if not parent.is_alive():
                return None


def _work(function, tasks, results, which):
    """Worker process ``which`` ("2 of 4"): ``function`` over each chunk received, until killed or orphaned."""
    die_with_parent(parent=multiprocessing.parent_process().pid)
    while (task := next_task(tasks)) is not None:
        number, chunk = task
        results.put((number, *_chunk_results(function, chunk, which)))
    results.cancel_join_thread()  # orphaned: nobody reads them any more, exit without writing them


def _chunk_results(function, chunk, which):
    """``([function(item) for item in chunk], None)`` in worker ``which``, or ``(None, error)`` for the first item
    that raises, ``error`` raised again in the importing process: one the command line says in words (the
    package's own, a read the system refused, memory out) as it is, the same as without workers; any other (a
    bug: a ValueError was told as a usage error, a TypeError a traceback naming no file) as this worker's
    :class:`WorkerDied`, naming the item, the exception and the line that raised it."""
    values = []
    for item in chunk:
        try:
            values.append(function(item))
        except (MinitransferError, OSError, MemoryError) as error:
            return None, error if _picklable(error) else WorkerDied(_failure(which, item, error))
        except Exception as error:
            return None, WorkerDied(_failure(which, item, error))
    return values, None


def _failure(which, item, error):
    """The words of worker ``which``'s ``error`` on ``item`` (an :class:`.decode.ImportItem`, named by its file)."""
    named = item.text() if hasattr(item, "text") else repr(item)
    return worker_failure(f"decoding process {which}", f"on {named}", error)


def worker_failure(process, doing, error):
    """The words of an unexpected ``error`` raised in this worker process, ``process`` ("decoding process 2 of 4"),
    ``doing`` what (``on`` an item, ``reading`` a batch): the process and its PID, the exception, and the line
    that raised it (where a bug report needs to look). Said alike by an import's workers and a data loader's."""
    where = traceback.extract_tb(error.__traceback__)[-1]
    return (f"{process} (PID {os.getpid()}) failed {doing}: {type(error).__name__}: {error} (in {where.name}, "
            f"{os.path.basename(where.filename)}:{where.lineno})")


def _picklable(error):
    """Whether ``error`` can be pickled (else the queue's writer thread would drop it, and the importing process
    wait for the result forever)."""
    try:
        pickle.dumps(error)
    except Exception:
        return False
    return True
