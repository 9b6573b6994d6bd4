"""The number of BLAS threads a CPU run trains on, kept the same across its resumptions.

NumPy's OpenBLAS sums a product's terms in another order on another number of threads: a run stopped at iteration
k with OMP_NUM_THREADS=1 and resumed in a shell without it (two threads on a 2-core machine) ended with other
weights than the run uninterrupted, and than info's "made again by" command makes (result.json records the threads
of the call that finished it). A CPU run logs its threads to metrics.jsonl as it starts (:func:`started_on`);
a resumption goes on on those its iterations so far trained on (:func:`resumed_on`), as it goes on with their seed
and options, and says so. Every resume command printed (info, report, train's stop line)
makes the bits of the run uninterrupted so, pasted into any shell. The count a resumption sets is its run's alone
(:func:`kept`): the process's own is back once it ends.
"""

import contextlib
import os
import threading

from minitransfer import cpus, run_logs

EVENT = "blas-threads"  # metrics.jsonl's record of the threads a CPU run (re)started on


def started_on(start, device, metrics):
    """metrics.jsonl's record of the BLAS threads a run on ``device`` trains on, to log as it (re)starts at iteration
    ``start`` ({"event": "blas-threads", "iteration": 0, "blas": "OpenBLAS Haswell", "threads": 1}): at its start,
    or at a resumption of a run whose ``metrics`` (metrics.jsonl's path) record none (an earlier version's) or other
    kernels (another machine's: it goes on on this one's, :func:`resumed_on`) or another count (one that could not be
    set: another thread's training under way; a later resumption goes on on it); None otherwise (a resumption goes on
    on the threads recorded: its logs stay those of the run uninterrupted), on a GPU, or where NumPy's BLAS is not
    OpenBLAS (its threads cannot be read)."""
    threads = cpus.blas_threads() if device == "cpu" else None
    if threads is None:
        return None
    before = _last_start(metrics, start) if start > 0 else None
    if before is not None and not _other_kernels(before) and before["threads"] == threads:
        return None
    return {"event": EVENT, "iteration": start, "blas": cpus.blas_kernels(), "threads": threads}


def trained_on(metrics, start):
    """The BLAS threads the iterations up to ``start`` of a run trained on, as its ``metrics`` (metrics.jsonl's
    path) last records them (:func:`started_on`); None where it records none (a run of an earlier version, of a
    GPU, of another BLAS) or cannot be read."""
    before = _last_start(metrics, start)
    return before["threads"] if before is not None else None


def _last_start(metrics, start):
    """The last record of :func:`started_on` up to iteration ``start`` in ``metrics`` (metrics.jsonl's path), its
    threads a positive count; None where there is none or the file cannot be read."""
    try:
        records = run_logs.read_metrics(metrics)
    except OSError:
        return None
    starts = [record for record in records if record.get("event") == EVENT and type(record.get("iteration")) is int
              and record["iteration"] <= start and type(record.get("threads")) is int and record["threads"] > 0]
    return starts[-1] if starts else None


def _other_kernels(record):
    """Whether the kernels ``record`` (:func:`_last_start`'s) names are not this process's OpenBLAS's."""
    return isinstance(record.get("blas"), str) and record["blas"] != cpus.blas_kernels()


def resumed_on(metrics, start, device):
    """Where a run resumed at iteration ``start`` on ``device`` "cpu" trained its iterations so far on another number
    of BLAS threads than this process's (its ``metrics``, metrics.jsonl, records them: :func:`trained_on`): those
    threads set (:func:`minitransfer.cpus.set_blas_threads`), and the note that says it; None otherwise (the same
    threads, a GPU's run, none recorded). Where they ran other kernels (another machine's CPU), or the count cannot
    be set, no count gives the bits of the run uninterrupted: it goes on on this process's threads, and the note
    says so; likewise where another training of this process (another thread's: :func:`kept`) is under way, whose
    count, the process's, is not changed under it. Before, a run begun on a 64-core SkylakeX resumed on a 2-core
    laptop ran 64 threads on 2 cores, its note naming the laptop's kernels and promising the bits of the run
    uninterrupted."""
    now = cpus.blas_threads() if device == "cpu" else None
    before = _last_start(metrics, start) if now is not None else None
    if before is None or (before["threads"] == now and not _other_kernels(before)):
        return None
    if _other_kernels(before):
        return (f"note: this run trained its iterations up to {start} on {before['blas']}'s kernels, not this "
                f"machine's ({cpus.blas_kernels()}), which sum a product's terms in another order: it continues on the "
                f"{now} BLAS thread{'s' * (now != 1)} this process was given, and its network is not the bits of the "
                f"run uninterrupted")
    count = before["threads"]
    threads = f"{count} BLAS thread{'s' * (count != 1)}"
    with _TRAININGS_CHANGED:  # the count is the process's: set here, it changed under another thread's training
        others = len(_trainings) > 2
        count_set = not others and cpus.set_blas_threads(count) and cpus.blas_threads() == count
    if others:
        return (f"note: this run trained its iterations up to {start} on {threads}, and another training of this "
                f"process (another thread's) runs on {now}: it continues on {now}, and its network is not the bits of "
                f"the run uninterrupted")
    if not count_set:
        return (f"note: this run trained its iterations up to {start} on {threads}, and OpenBLAS's count cannot be "
                f"set here: it continues on {now}, and its network is not the bits of the run uninterrupted")
    variable = cpus.thread_variable()
    given = f"{variable}={os.environ[variable]}" if variable in os.environ else "its cores"
    return (f"note: this run trained its iterations up to {start} on {threads} ({cpus.blas_kernels()}): it continues "
            f"on {threads}, not the {now} this process was given ({given}), as OpenBLAS sums a product's terms in "
            f"another order on another number of threads: its network is the bits of the run uninterrupted")


@contextlib.contextmanager
def kept(device):
    """This process's BLAS threads as they are (a run on ``device`` "cpu"), set again once the block (a training)
    ends, however it ends: the count a resumption sets (:func:`resumed_on`) is its run's alone. It stayed set: a
    notebook given OMP_NUM_THREADS=2 that resumed a run recorded on 1 thread trained its next fresh run on 1 thread,
    and logged it so. The count is the process's, shared by its threads' trainings: it is set again once the last
    of those under way ends, not as the first does (a training of another thread went on on another count than it
    had started on, and recorded)."""
    if device != "cpu":
        yield
        return
    with _TRAININGS_CHANGED:
        if not _trainings:
            _trainings.append(cpus.blas_threads())  # the process's count, before any training of it set its own
        _trainings.append(None)
    try:
        yield
    finally:
        with _TRAININGS_CHANGED:
            _trainings.pop()
            if len(_trainings) == 1:
                before = _trainings.pop()
                if before is not None and cpus.blas_threads() != before:
                    cpus.set_blas_threads(before)


# [the process's BLAS threads as the first CPU training under way began, then one entry per training under way]:
# kept(), in each thread that trains (resumed_on: more than one under way); its lock held while the list or the count
# changes
_trainings = []
_TRAININGS_CHANGED = threading.Lock()


def _none_in_child():
    """In a forked child: the trainings under way are the parent's threads', none of them there, and the lock, which
    one of those may have held as it forked, a new one."""
    global _TRAININGS_CHANGED
    _trainings.clear()
    _TRAININGS_CHANGED = threading.Lock()


os.register_at_fork(after_in_child=_none_in_child)
