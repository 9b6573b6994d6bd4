"""The number of BLAS threads a CPU run trains on, kept the same across its resumptions.

NumPy's OpenBLAS sums a product's terms in another order on another number of threads: a run stopped at iteration
k with OMP_NUM_THREADS=1 and resumed in a shell without it (two threads on a 2-core machine) ended with other
weights than the run uninterrupted, and than info's "made again by" command makes (result.json records the threads
of the call that finished it). A CPU run logs its threads to metrics.jsonl as it starts (:func:`started_on`);
a resumption goes on on those its iterations so far trained on (:func:`resumed_on`), as it goes on with their seed
and options, and says so. Every resume command printed (info, report, train's stop line)
makes the bits of the run uninterrupted so, pasted into any shell.
"""

import os

from minitransfer import cpus, fileio

EVENT = "blas-threads"  # metrics.jsonl's record of the threads a CPU run (re)started on


def started_on(start, device, metrics):
    """metrics.jsonl's record of the BLAS threads a run on ``device`` trains on, to log as it (re)starts at iteration
    ``start`` ({"event": "blas-threads", "iteration": 0, "blas": "OpenBLAS Haswell", "threads": 1}): at its start,
    or at a resumption of a run whose ``metrics`` (metrics.jsonl's path) record none (an earlier version's); None
    otherwise (a resumption goes on on the threads recorded, :func:`resumed_on`: its logs stay those of the run
    uninterrupted), on a GPU, or where NumPy's BLAS is not OpenBLAS (its threads cannot be read)."""
    threads = cpus.blas_threads() if device == "cpu" else None
    if threads is None or (start > 0 and trained_on(metrics, start) is not None):
        return None
    return {"event": EVENT, "iteration": start, "blas": cpus.blas_kernels(), "threads": threads}


def trained_on(metrics, start):
    """The BLAS threads the iterations up to ``start`` of a run trained on, as its ``metrics`` (metrics.jsonl's
    path) last records them (:func:`started_on`); None where it records none (a run of an earlier version, of a
    GPU, of another BLAS) or cannot be read."""
    try:
        lines = metrics.read_bytes().splitlines()
    except OSError:
        return None
    threads = None
    for line in lines:
        try:
            record = fileio.parse_json(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == EVENT and type(record.get("iteration")) is int \
                and record["iteration"] <= start and type(record.get("threads")) is int and record["threads"] > 0:
            threads = record["threads"]
    return threads


def resumed_on(metrics, start, device):
    """Where a run resumed at iteration ``start`` on ``device`` "cpu" trained its iterations so far on another number
    of BLAS threads than this process's (its ``metrics``, metrics.jsonl, records them: :func:`trained_on`): those
    threads set (:func:`minitransfer.cpus.set_blas_threads`), and the note that says it; None otherwise (the same
    threads, a GPU's run, none recorded)."""
    now = cpus.blas_threads() if device == "cpu" else None
    before = trained_on(metrics, start) if now is not None else None
    if before is None or before == now or not cpus.set_blas_threads(before):
        return None
    threads = f"{before} BLAS thread{'s' * (before != 1)}"
    variable = cpus.thread_variable()
    given = f"{variable}={os.environ[variable]}" if variable in os.environ else "its cores"
    return (f"note: this run trained its iterations up to {start} on {threads} ({cpus.blas_kernels()}): it continues "
            f"on {threads}, not the {now} this process was given ({given}), as OpenBLAS sums a product's terms in "
            f"another order on another number of threads: its network is the bits of the run uninterrupted")
