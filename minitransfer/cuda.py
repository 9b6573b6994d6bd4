"""The CUDA backend: finds ``kernels/``, compiles each file once per process and device through
``cupy.RawModule``, and launches its ``extern "C"`` entry points.

Conventions (DESIGN.md §3, §4):

- A kernel file ``kernels/<stem>.cu`` exposes one ``extern "C"`` entry point per kernel and
  dtype, named ``<op>_<direction>[_<variant>]_f32`` / ``_f64``; :func:`entry` builds the name.
  Plain ``extern "C"`` names (rather than CuPy ``name_expressions``) let CuPy's on-disk cache
  serve a second process without recompiling.
- ``#include "x.cuh"`` lines naming a file in ``kernels/`` are inlined before compiling, so the
  cache key (a hash of the source) changes whenever a shared header changes.
- Scalars are passed as ``numpy.int32`` or the array's dtype: CuPy checks nothing.

Nothing here imports CuPy until a kernel is actually asked for.
"""

import contextlib
import functools
import os
import pathlib
import re
import typing

import numpy as np

from minitransfer.errors import MinitransferError

COMPILE_OPTIONS = ("-std=c++17",)
DTYPE_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
MAX_GRID = (2**31 - 1, 65535, 65535)  # blocks along x, y, z that any CUDA device launches

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$', re.MULTILINE)
_modules = {}
# cudaGetDeviceCount's errors that mean this machine has no GPU to give: cudaErrorStubLibrary (the
# driver's stub, no driver), cudaErrorInsufficientDriver (none, or too old), cudaErrorNoDevice
NO_DEVICE_STATUSES = (34, 35, 100)
_device_seen = False  # once CuPy has seen a device in this process, one gone is the run's failure
# Set by a grid in the environment of each run it gives a GPU: no device there is that GPU's fault (exit 1,
# which retires it, grid_retirement), not a machine without GPUs (exit 2: the grid checked it has them). A
# SLURM array task (an emitted grid's) is given its GPU by SLURM: none there is the node's fault, not an option
GRID_DEVICE = "MINITRANSFER_GRID_DEVICE"
GIVEN_A_GPU = (GRID_DEVICE, "SLURM_ARRAY_TASK_ID")


class CudaUnavailable(MinitransferError, RuntimeError):
    """The CUDA backend was asked for but CuPy or a CUDA device is missing."""


class NoGpu(CudaUnavailable):
    """No GPU can be used by this process at all (CuPy missing, no device visible, no driver): an
    option this machine cannot satisfy (exit 2), not a failure of the run (exit 1). A device that
    is there but fails (busy in exclusive mode, lost mid-run) is a plain :class:`CudaUnavailable`:
    a grid counts that against its GPU.

    Its message ends with the way out that needs no GPU, for every command taking --device (train, eval,
    experiment, demo): "the CUDA backend needs CuPy: pip install ..." named neither --device nor its cpu."""

    WAY_OUT = "; or compute on the CPU: --device cpu"

    def __init__(self, message):  # once: an unpickled copy is given its message, the way out included
        super().__init__(message if message.endswith(self.WAY_OUT) else message + self.WAY_OUT)


def is_cuda_array(x):
    """True for a CuPy array; decided from the type alone, without importing CuPy."""
    return type(x).__module__.split(".")[0] == "cupy"


def cupy():
    """The ``cupy`` module, after checking that a CUDA device is usable (one clear error if not)."""
    try:
        import cupy as cp
    except ImportError as error:
        raise NoGpu(
            "the CUDA backend needs CuPy: pip install 'minitransfer[cuda13]' "
            "(or [cuda12] for a CUDA 12 driver)"
        ) from error
    global _device_seen
    try:
        count = cp.cuda.runtime.getDeviceCount()
    except cp.cuda.runtime.CUDARuntimeError as error:
        none_here = _none_here() and getattr(error, "status", None) in NO_DEVICE_STATUSES
        raise (NoGpu if none_here else CudaUnavailable)(
            f"CuPy is installed but no CUDA device is usable: {error}") from error
    if count == 0:
        raise (NoGpu if _none_here() else CudaUnavailable)("CuPy is installed but no CUDA device is visible")
    _device_seen = True
    return cp


def _none_here():
    """Whether a GPU missing now means this machine has none to give: no device was seen in this process,
    and neither a grid nor SLURM gave it one (:data:`GIVEN_A_GPU`)."""
    return not _device_seen and not any(name in os.environ for name in GIVEN_A_GPU)


def cuda_available():
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        cupy()
    except CudaUnavailable:
        return False
    return True


def kernels_dir():
    """The folder holding the ``.cu`` files: inside the installed package, else the checkout's."""
    here = pathlib.Path(__file__).resolve().parent
    for candidate in (here / "kernels", here.parent / "kernels"):
        if (candidate / "common.cuh").is_file():
            return candidate
    raise FileNotFoundError(f"no kernels/ folder with common.cuh next to {here}")


def kernel_source(stem):
    """The text of ``kernels/<stem>.cu`` with its local includes inlined (each header once)."""
    folder = kernels_dir()
    path = folder / f"{stem}.cu"
    if not path.is_file():
        raise FileNotFoundError(f"no kernel file {path}")
    seen = set()

    def inline(match):
        name = match.group(1)
        header = folder / name
        if not header.is_file():
            return match.group(0)
        if name in seen:
            return ""
        seen.add(name)
        return _INCLUDE.sub(inline, header.read_text())

    return _INCLUDE.sub(inline, path.read_text())


def entry(name, dtype):
    """The entry-point name of kernel ``name`` for ``dtype``: ``relu_forward`` → ``relu_forward_f32``."""
    dtype = np.dtype(dtype)
    if dtype not in DTYPE_SUFFIX:
        raise ValueError(f"{name}: no kernel for dtype {dtype}; float32 and float64 are supported")
    return f"{name}_{DTYPE_SUFFIX[dtype]}"


def module(stem):
    """The compiled ``cupy.RawModule`` of ``kernels/<stem>.cu`` for the current device."""
    cp = cupy()
    key = (stem, cp.cuda.Device().id)
    if key not in _modules:
        _modules[key] = cp.RawModule(code=kernel_source(stem), options=COMPILE_OPTIONS)
    return _modules[key]


def function(stem, name):
    """The kernel function ``name`` (a full entry-point name) of ``kernels/<stem>.cu``."""
    return module(stem).get_function(name)


def launch(stem, name, grid, block, args, shared_mem=0):
    """Launch entry point ``name`` of ``kernels/<stem>.cu``; grid and block are int or tuples.

    Every launch is told to the recorders of :func:`recording_launches` first (they count the
    launches of a training step), then made by :func:`launch_on_device`.
    """
    grid = grid if isinstance(grid, tuple) else (int(grid),)
    block = block if isinstance(block, tuple) else (int(block),)
    for recorder in _recorders:
        recorder.append(Launch(stem, name, grid, block))
    launch_on_device(stem, name, grid, block, args, shared_mem)


def launch_on_device(stem, name, grid, block, args, shared_mem=0):
    """The device call of :func:`launch`, on the current CuPy stream (a test emulator stands in here)."""
    function(stem, name)(grid, block, args, shared_mem=shared_mem)


class Launch(typing.NamedTuple):
    """One kernel launch: its file, entry point and geometry."""

    stem: str
    name: str
    grid: tuple
    block: tuple


_recorders = []


@contextlib.contextmanager
def recording_launches():
    """Record every :func:`launch` made inside the block: ``with recording_launches() as launches:``
    gives a list of :class:`Launch` (recorders nest)."""
    launches = []
    _recorders.append(launches)
    try:
        yield launches
    finally:
        _recorders.remove(launches)


def persistent_empty(shape, dtype):
    """A CuPy array taken straight from CuPy's memory pool, past any allocator a training step's
    workspace installed (``cupy.cuda.using_allocator``): it outlives the step. Unverified on a GPU."""
    cp = cupy()
    shape = tuple(int(n) for n in (shape if isinstance(shape, tuple) else (shape,)))
    nbytes = max(1, int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize)
    return cp.ndarray(shape, dtype, memptr=cp.get_default_memory_pool().malloc(nbytes))


_counters = {}


def zeroed_counters(count):
    """At least ``count`` zeroed int32 counters for the kernels that finish their own reductions
    (``last_to_arrive`` in kernels/common.cuh; each leaves its counters zeroed): one array per
    device and stream, kept for the process, since launches on one stream never overlap."""
    cp = cupy()
    key = (cp.cuda.Device().id, cp.cuda.get_current_stream().ptr)
    counters = _counters.get(key)
    if counters is None or counters.size < count:
        counters = persistent_empty((max(int(count), 1024),), np.int32)
        counters.data.memset_async(0, counters.nbytes)
        _counters[key] = counters
    return counters


class StepScalars:
    """A training step's iteration (uint32, at byte 0) and learning rate (float64, at byte 8) in
    device memory, where the fused kernels read them: a CUDA graph replays the same arguments every
    iteration. :meth:`write` enqueues one asynchronous copy from page-locked memory on the current
    stream, only when a value changed (a ring of ``SLOTS`` host slots: no wait unless the GPU is
    that many writes behind). Unverified on a GPU.
    """

    SLOTS = 64

    def __init__(self):
        cp = cupy()
        self.device = persistent_empty((16,), np.uint8)
        self.iteration = self.device[0:4].view(np.uint32)  # the dropout counter of the fused kernels
        self.lr = self.device[8:16].view(np.float64)
        self._pinned = cp.cuda.alloc_pinned_memory(16 * self.SLOTS)
        self._host = np.frombuffer(self._pinned, dtype=np.uint8, count=16 * self.SLOTS).reshape(self.SLOTS, 16)
        self._events = [None] * self.SLOTS
        self._slot = 0
        self.values = None  # (iteration, lr) as last written
        self.capturing = False  # set while a graph is captured: a write then would be captured with it

    def write(self, iteration=None, lr=None):
        """Set the iteration and/or the learning rate (the other keeps its last written value)."""
        old_iteration, old_lr = self.values or (0, 0.0)
        values = (old_iteration if iteration is None else int(iteration) & 0xFFFFFFFF,
                  old_lr if lr is None else float(lr))
        if values == self.values:
            return
        if self.capturing:
            raise RuntimeError(f"step scalars changed from {self.values} to {values} during a graph capture")
        cp = cupy()
        slot, self._slot = self._slot, (self._slot + 1) % self.SLOTS
        if self._events[slot] is not None:
            self._events[slot].synchronize()
        row = self._host[slot]
        row[0:4].view(np.uint32)[0], row[8:16].view(np.float64)[0] = values
        stream = cp.cuda.get_current_stream()
        cp.cuda.runtime.memcpyAsync(self.device.data.ptr, row.ctypes.data, 16, cp.cuda.runtime.memcpyHostToDevice,
                                    stream.ptr)
        self._events[slot] = stream.record()
        self.values = values


def ceil_div(a, b):
    """``⌈a / b⌉`` for integers, b > 0: ``ceil_div(7, 2) == 4``, ``ceil_div(0, 8) == 0``."""
    return -(-int(a) // int(b))


def blocks(n, threads):
    """Blocks of ``threads`` needed to cover ``n`` items (at least one)."""
    return max(1, ceil_div(n, threads))


def check_grid(op, grid, what):
    """Refuse, with a ValueError naming ``op`` and ``what`` (its shapes), a launch grid beyond
    :data:`MAX_GRID`, which the device would refuse with an opaque "invalid configuration argument"."""
    if any(size > limit for size, limit in zip(grid, MAX_GRID)):
        raise ValueError(f"{op}: {what} needs a launch grid of {tuple(int(v) for v in grid)} blocks, beyond the "
                         f"CUDA limits {MAX_GRID} (x, y, z): use smaller shapes")
    return grid


def sm_count():
    """Streaming multiprocessors of the current CUDA device (asked once per device)."""
    return _properties(cupy().cuda.Device().id)[0]


def compute_capability():
    """``(major, minor)`` compute capability of the current CUDA device: ``(9, 0)`` on an H100."""
    return _properties(cupy().cuda.Device().id)[1]


@functools.lru_cache(maxsize=None)
def _properties(device):
    properties = cupy().cuda.runtime.getDeviceProperties(device)
    return int(properties["multiProcessorCount"]), (int(properties["major"]), int(properties["minor"]))
