"""The GPUs a local grid retires, broken: which of its GPUs take runs (:class:`GpuRetirement`), and
what becomes of the runs that fail on them (:class:`GridRetirement`: counted as failed, held while
their GPU may be at fault, or put back in the queue once for the GPUs left).
:class:`minitransfer.grid_runner.GridRunner` applies what it says: it counts, holds or puts back every
run before it logs a line, so a log that raises loses none of them.
"""

import signal
import typing

from minitransfer.grid_gpus import gpu_name
from minitransfer.grid_outcome import EXIT_FAILED, diverged

RETIRE_AFTER = 2  # runs failed one after the other on a GPU, none finished on it since, that retire it
# How a broken GPU ends a run: train's error (a CUDA error, the device unavailable or out of memory:
# exit 1), or a crash in the driver; not a run's own fault (bad data 65, I/O 74, refused 2, diverged)
GPU_FAULT_CODES = (EXIT_FAILED, *(-signum for signum in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL,
                                               signal.SIGFPE)))
# What a grid whose every GPU is retired says, as it most likely is
EVERY_GPU_RETIRED = ("every GPU is retired: runs failed on each of them one after the other; when runs fail on every "
                     "GPU the fault is more likely the runs' own (see their logs) than every GPU's; the runs left are "
                     "not run")


class GpuRetirement:
    """Which GPUs of a grid's ``slots`` still take runs. A GPU on which :data:`RETIRE_AFTER` runs
    fail one after the other (:meth:`failed`; none finished on it since) is retired: its slots take
    no more runs, and the runs it failed are freed to train once more on the other GPUs (a run that
    fails there too failed for its own reasons). Its last GPU retired, the grid has nowhere left to
    train. A GPU is returned to service (:meth:`reinstate`) where a run it failed fails on another GPU
    too: exit 1 is any uncaught error (a batch too large for any GPU's memory), and such runs fail
    wherever they go. A grid on the CPU, or on one GPU, compares no GPUs and retires none: its
    failures are the runs' own."""

    def __init__(self, slots):
        gpus = list(dict.fromkeys(slot for slot in slots if slot is not None))
        # GPU -> what failed on it since it last finished a run
        self.held = {gpu: [] for gpu in gpus} if len(gpus) > 1 else {}
        self.retired = []

    def may_be_at_fault(self, device, code, own_fault):
        """Whether a run's failure on ``device`` (its exit ``code``) may be that GPU's. ``own_fault``: a
        function telling whether the failure was the run's own (its folder deleted, its training
        diverged, which its GPU computed faithfully), asked last: only of a failure on a GPU, with a
        code a broken GPU ends a run with (it reads the run's metrics.jsonl)."""
        return device in self.held and code in GPU_FAULT_CODES and not own_fault()

    def takes_runs(self, device):
        return device not in self.retired

    def reinstate(self, device):
        """Return the retired ``device`` to service (a run it failed failed on another GPU too); False
        where it is not retired."""
        if device not in self.retired:
            return False
        self.retired.remove(device)
        return True

    def all_retired(self):
        return bool(self.held) and len(self.retired) == len(self.held)

    def failed(self, device, failed):
        """``failed`` (a run and how it failed) failed on ``device`` (where :meth:`may_be_at_fault`),
        the run's first failure. Returns what the GPU's retirement frees: the failures held since its
        last finished run, this one the last, where this one retires it (or it already was); else
        [] (this one held: :meth:`finished` or :meth:`release` gives it back)."""
        self.held[device].append(failed)
        if device not in self.retired and len(self.held[device]) < RETIRE_AFTER:
            return []
        if device not in self.retired:
            self.retired.append(device)
        return self.release(device)

    def finished(self, device):
        """A run finished on ``device``: the failures held on it were the runs' own; returns them."""
        return self.release(device) if device in self.held else []

    def release(self, device=None):
        """The failures held on ``device`` (default: on every GPU), no longer held."""
        released = []
        for gpu in [device] if device is not None else list(self.held):
            released += self.held[gpu]
            self.held[gpu] = []
        return released


class Verdict(typing.NamedTuple):
    """What the grid does after a run failed, in this order: count ``failed`` (each a run and how it
    failed, :class:`minitransfer.grid_outcome.Failure`) as failed, put ``put_back`` (runs, the first
    first) back at the head of its queue, then log ``lines``."""
    failed: tuple = ()
    put_back: tuple = ()
    lines: tuple = ()


class GridRetirement:
    """The GPUs of a grid's ``slots`` that take runs (``gpus``, a :class:`GpuRetirement`, which the grid
    asks itself which GPUs take runs, whether all are retired, what a run finished on one frees), and the
    runs a retired GPU failed, put back once each (:attr:`retried`: a run's name -> that GPU and how the run failed
    there). Each GPU it retires is recorded in ``retired`` (the grid's
    :attr:`minitransfer.grid_outcome.GridOutcome.retired`) with the logs of the runs that retired it;
    one returned to service is taken out again. It counts nothing and logs nothing: it says what to."""

    def __init__(self, slots, retired):
        self.slots, self.retired = slots, retired
        self.gpus = GpuRetirement(slots)
        self.retried = {}

    def slots_taking_runs(self):
        """How many slots share the runs left (one at least): those of the GPUs not retired."""
        return max(1, sum(self.gpus.takes_runs(each) for each in self.slots))

    def failed(self, device, run, failure, stopping):
        """``run`` failed on ``device`` (a GPU, or None: the CPU) as ``failure`` says: a :class:`Verdict`.
        It is failed, or held while its GPU may be at fault (nothing to do yet); a GPU it retires has the
        runs it failed put back in the queue, once each, for the GPUs left (none left: failed). A stop's
        failures (``stopping``) are the runs' own, as are those of a run failing a second time; where such
        a run fails on another GPU as on the one that retired it, that GPU is returned to service."""
        def own_fault():  # its folder deleted, or its training diverged (its metrics.jsonl read last, if at all)
            return failure.deleted or diverged(failure)

        if stopping or not self.gpus.may_be_at_fault(device, failure.code, own_fault):
            return Verdict(failed=((run, failure),))
        if run.name in self.retried:
            return Verdict(failed=((run, failure),), lines=self._reinstated(self.retried[run.name][0], run, device))
        retired = not self.gpus.takes_runs(device)
        freed = self.gpus.failed(device, (run, failure))
        if not freed:
            return Verdict()
        if not retired:
            self.retired[gpu_name(device)] = [each.log for _, each in freed]
        if self.gpus.all_retired():
            verdict = Verdict(failed=tuple(freed))
        else:
            self.retried.update((each.name, (device, how)) for each, how in freed)
            verdict = Verdict(put_back=tuple(each for each, _ in freed))
        names = ", ".join(each.name for each, _ in freed)
        left = [gpu_name(gpu) for gpu in dict.fromkeys(self.slots) if self.gpus.takes_runs(gpu)]
        then = f"{names} go{'es' if len(freed) == 1 else ''} back in the queue for {', '.join(left)}" if left \
            else EVERY_GPU_RETIRED
        if retired:  # a run that was still training on it as it was retired (--gpus 0,1,1)
            return verdict._replace(lines=(f"{then} ({gpu_name(device)} is retired)",))
        logs = ", ".join(map(str, self.retired[gpu_name(device)]))
        return verdict._replace(
            lines=(f"{gpu_name(device)} retired: {names} failed on it one after the other (see {logs}); {then}",))

    def _reinstated(self, gpu, run, device):
        """Return ``gpu`` to service where ``run``, one of the runs that retired it, has failed on
        ``device``, another GPU, as it had failed there: the runs' own fault more likely than ``gpu``'s.
        The line that says so (once: a GPU in service is not returned again), else none."""
        if gpu == device or not self.gpus.reinstate(gpu):
            return ()
        self.retired.pop(gpu_name(gpu), None)
        return (f"{gpu_name(gpu)} back in service: {run.name}, which failed on it, failed on {gpu_name(device)} too: "
                f"the failures that retired {gpu_name(gpu)} were more likely the runs' own than its",)

    def fail_held(self, pending, stopping):
        """The runs held for a GPU's sake, and those put back that will not start again (the grid is
        ``stopping``, or no GPU is left), each a run and how it failed, to count as failed; and
        ``pending``, the runs not started, without the latter."""
        ending = stopping or self.gpus.all_retired()
        put_back = [run for run in pending if run.name in self.retried and ending]
        return ([run for run in pending if run not in put_back],
                [*[(run, self.retried[run.name][1]) for run in put_back], *self.gpus.release()])
