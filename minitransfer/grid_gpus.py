"""The GPUs a local grid hands out to its slots, one ``train`` process each (its
``CUDA_VISIBLE_DEVICES``): which are visible (:func:`visible_gpus`), what names one
(:func:`is_gpu_id`), how the grid calls it (:func:`gpu_name`), and which it stops handing runs to,
broken (:class:`GpuRetirement`). :mod:`minitransfer.scheduler` runs the grid.
"""

import os
import signal

from minitransfer.grid_outcome import EXIT_FAILED


def visible_gpus():
    """The GPU ids a scheduler may hand out, one process each: the entries of the parent's
    ``CUDA_VISIBLE_DEVICES`` when set, else 0..count−1 as CuPy counts them; () without a GPU.
    CUDA reads that list up to its first entry that is neither an index nor a GPU-/MIG- UUID
    (``0,-1,1`` shows GPU 0 alone), and so does this."""
    from minitransfer import cuda

    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        entries = []
        for entry in (part.strip() for part in listed.split(",")):
            if not is_gpu_id(entry):
                break
            entries.append(entry)
        return tuple(entries)
    try:
        return tuple(str(index) for index in range(cuda.cupy().cuda.runtime.getDeviceCount()))
    except cuda.CudaUnavailable:
        return ()


def is_gpu_index(text):
    """Whether ``text`` is a GPU index as CUDA reads one ("²" is a digit to str.isdigit, not to int())."""
    return text.isascii() and text.isdigit()


def is_gpu_id(text):
    """Whether ``text`` names a GPU as CUDA_VISIBLE_DEVICES does: an index, or a GPU-/MIG- UUID as
    ``nvidia-smi -L`` lists them, or the start of one; a prefix with nothing after it (``GPU-``,
    ``MIG-GPU-``) is none: it names no GPU in particular."""
    return is_gpu_index(text) or (text.startswith(("GPU-", "MIG-")) and
                                  bool(text.removeprefix("MIG-").removeprefix("GPU-")))


def gpu_name(entry):
    """GPU ``entry`` (what a run's CUDA_VISIBLE_DEVICES is set to, :func:`visible_gpus`) as the user
    numbers it (--gpus, CUDA's numbering in this process), and the entry too where they differ:
    "GPU 1 (CUDA_VISIBLE_DEVICES entry 7)" under CUDA_VISIBLE_DEVICES=6,7, else "GPU 7"."""
    visible = visible_gpus() if os.environ.get("CUDA_VISIBLE_DEVICES") is not None else ()
    if entry in visible and str(visible.index(entry)) != entry:
        return f"GPU {visible.index(entry)} (CUDA_VISIBLE_DEVICES entry {entry})"
    return f"GPU {entry}"


RETIRE_AFTER = 2  # runs failed one after the other on a GPU, none finished on it since, that retire it
# How a broken GPU ends a run: train's error (a CUDA error, the device unavailable or out of memory:
# exit 1), or a crash in the driver; not a run's own fault (bad data 65, I/O 74, refused 2, diverged)
GPU_FAULT_CODES = (EXIT_FAILED, *(-signum for signum in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL,
                                               signal.SIGFPE)))


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
