"""A stand-in for CuPy, for the CPU emulation of the CUDA backend (``cuda_emulator.py``): arrays are
NumPy memory that the emulated kernels read and write, and the few APIs minitransfer's CUDA paths call
(allocation and allocators, streams, events, graph capture, copies).

Every allocation has poisoned bytes on each side, which the emulator checks after each launch, so a
write before or after an array fails the launch. Arrays from ``cupy.empty`` are poisoned too (all bits
set: NaN) so unwritten outputs show.

Memory is never given back (no emulated kernel can read freed bytes), but a captured graph holds
only the addresses of its arguments, as a real one does: replaying it after the last array over an
argument's allocation was dropped fails, naming the kernel.

``fake_cupy(emulator)`` builds the module object on a :class:`cuda_emulator.Emulator`, which holds the
allocations and the streams and runs what a graph replays.
"""

import contextlib
import ctypes
import errno
import mmap
import threading
import types

import numpy as np

GUARD = 256  # poisoned bytes on each side of an emulated array
POISON = 0xFF


class FakeArray(np.ndarray):
    """A CuPy array stand-in: NumPy memory that the emulated kernels read and write. ``allocation``
    is the :class:`MemoryPointer` it lies in, which it keeps alive (a view: its source's), or None."""

    def __array_finalize__(self, source):
        allocation = getattr(source, "allocation", None)
        self.allocation = allocation if allocation is not None and np.may_share_memory(self, source) else None

    @property
    def data(self):
        return MemoryPointer(None, self.ctypes.data, 0)

    def get(self):
        return np.array(self)

    def set(self, host):
        self[...] = np.asarray(host).reshape(self.shape)


FakeArray.__module__ = "cupy"  # cuda.is_cuda_array decides from the type's module


class MemoryPointer:
    """CuPy's MemoryPointer: ``ptr`` and ``size``; here with the NumPy bytes behind it."""

    def __init__(self, buffer, ptr, size):
        self.buffer, self.ptr, self.size = buffer, ptr, size

    def memset_async(self, value, size, stream=None):
        ctypes.memset(self.ptr, value, size)


class Allocations:
    """Every guarded buffer handed out, so that a launch can check nobody wrote past one. Bodies are
    poisoned unless ``poison`` is False: then untouched memory stays virtual (large nets fit) and
    transparent huge pages are off for the buffer (:func:`no_huge_pages`), so a kernel's scattered
    touches of a vast array cost 4 KiB each, not 2 MiB, whatever the host's THP setting."""

    def __init__(self, poison=True):
        self.poison = poison
        self.live = []

    def allocate(self, nbytes):
        backing = np.empty(nbytes + 2 * GUARD, dtype=np.uint8)
        if not self.poison:
            no_huge_pages(backing)  # before any touch: a page faulted in huge stays huge
        backing[:GUARD] = POISON
        backing[-GUARD:] = POISON
        if self.poison:
            backing[GUARD:-GUARD] = POISON
        self.live.append(backing)
        return MemoryPointer(backing, backing.ctypes.data + GUARD, nbytes)

    def check_guards(self, where):
        for backing in self.live:
            if not ((backing[:GUARD] == POISON).all() and (backing[-GUARD:] == POISON).all()):
                raise AssertionError(f"{where} wrote outside an array")


_MADV_NOHUGEPAGE = getattr(mmap, "MADV_NOHUGEPAGE", None)  # Linux only
_madvise = ctypes.CDLL(None, use_errno=True).madvise if _MADV_NOHUGEPAGE is not None else None
if _madvise is not None:
    _madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)


def no_huge_pages(buffer):
    """madvise(MADV_NOHUGEPAGE) over the whole pages of ``buffer`` (a NumPy array). NumPy's own
    switch (``_set_madvise_hugepage``) only stops NumPy asking for huge pages: a host whose
    transparent_hugepage is ``always`` gives them anyway. Not on Linux, or on a kernel without huge
    pages (EINVAL): nothing to turn off."""
    start = -(-buffer.ctypes.data // mmap.PAGESIZE) * mmap.PAGESIZE
    end = (buffer.ctypes.data + buffer.nbytes) // mmap.PAGESIZE * mmap.PAGESIZE
    if _madvise is None or end <= start or _madvise(start, end - start, _MADV_NOHUGEPAGE) == 0:
        return
    if ctypes.get_errno() != errno.EINVAL:
        raise OSError(ctypes.get_errno(), "madvise(MADV_NOHUGEPAGE) failed on an emulated array")


def _as_array(memory, shape, dtype):
    """A FakeArray of ``shape`` over the bytes at ``memory.ptr`` (kept alive by the allocations)."""
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if nbytes > memory.size:
        raise MemoryError(f"an array of {nbytes} bytes on an allocation of {memory.size}")
    raw = (ctypes.c_uint8 * nbytes).from_address(memory.ptr)
    array = np.frombuffer(raw, dtype=np.uint8, count=nbytes).view(dtype).reshape(shape).view(FakeArray)
    array.allocation = memory
    return array


class FakeStream:
    def __init__(self, emulator):
        self.emulator, self.ptr, self.capture = emulator, id(self), None

    def __enter__(self):
        self.emulator.streams.append(self)
        return self

    def __exit__(self, *exc):
        self.emulator.streams.pop()

    def begin_capture(self, mode=None):
        self.capture = []

    def end_capture(self):
        work, self.capture = self.capture, None
        return FakeGraph(self.emulator, work)

    def synchronize(self):
        pass

    def record(self, event=None):
        return event or FakeEvent()

    def wait_event(self, event):
        pass  # launches run when they are made: every stream is in order with every other


class FakeGraph:
    """A captured graph: its kernels (arguments as captured, by value) run again at each launch.
    Like a real graph it keeps no argument alive: it watches each kernel's allocations weakly."""

    def __init__(self, emulator, work):
        self.emulator, self.work = emulator, work

    def launch(self, stream=None):
        for item, allocations in self.work:
            if any(allocation() is None for allocation in allocations):
                raise AssertionError(f"a CUDA graph replays {item[2]} on memory freed since it was captured")
            self.emulator.run(*item)


class CUDARuntimeError(RuntimeError):
    """CuPy's error of a failed CUDA runtime call, with its ``status``."""

    def __init__(self, status):
        super().__init__(f"CUDA runtime error {status}")
        self.status = status


class FakeEvent:
    done = True

    def record(self, stream=None):
        return self

    def synchronize(self):
        pass


def fake_cupy(emulator):
    """A module object with the CuPy API minitransfer's CUDA code calls, on emulator memory."""
    cp = types.SimpleNamespace()
    local = threading.local()
    allocations = emulator.allocations

    def malloc(nbytes):
        allocator = getattr(local, "allocator", None)
        return allocator(nbytes) if allocator is not None else allocations.allocate(nbytes)

    def empty(shape, dtype=np.float32, order="C"):
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        return _as_array(malloc(nbytes), shape, dtype)

    def full(shape, value, dtype=np.float32):
        a = empty(shape, dtype)
        a[...] = value
        return a

    def asarray(a, dtype=None):
        if isinstance(a, FakeArray) and (dtype is None or np.dtype(dtype) == a.dtype):
            return a
        host = np.asarray(a, dtype=dtype)
        out = empty(host.shape, host.dtype)
        out[...] = host
        return out

    def ndarray(shape, dtype=np.float32, memptr=None):
        return _as_array(memptr, tuple(shape), dtype) if memptr is not None else empty(shape, dtype)

    @contextlib.contextmanager
    def using_allocator(allocator=None):
        previous, local.allocator = getattr(local, "allocator", None), allocator
        try:
            yield
        finally:
            local.allocator = previous

    def memcpy_async(dst, src, size, kind, stream):
        current = emulator.current_stream()
        if current.capture is not None:
            current.capture.append((("memcpy", dst, src, size), []))
        else:
            ctypes.memmove(dst, src, size)

    def pinned(nbytes):  # page-locked host memory: anything with the buffer protocol
        return np.zeros(nbytes, dtype=np.uint8)

    pool = types.SimpleNamespace(malloc=allocations.allocate, used_bytes=lambda: 0, total_bytes=lambda: 0)
    cp.empty, cp.asarray, cp.ndarray = empty, asarray, ndarray
    cp.zeros = lambda shape, dtype=np.float32: full(shape, 0, dtype)
    cp.ones = lambda shape, dtype=np.float32: full(shape, 1, dtype)
    cp.empty_like = lambda a, dtype=None: empty(a.shape, dtype or a.dtype)
    cp.zeros_like = lambda a, dtype=None: full(a.shape, 0, dtype or a.dtype)
    cp.ones_like = lambda a, dtype=None: full(a.shape, 1, dtype or a.dtype)
    cp.float32, cp.float64, cp.int32, cp.uint8 = np.float32, np.float64, np.int32, np.uint8
    cp.array_equal = np.array_equal
    cp.ascontiguousarray = lambda a: asarray(np.ascontiguousarray(a))
    cp.get_default_memory_pool = lambda: pool
    cp.abs, cp.asnumpy = np.abs, np.asarray
    cp.cuda = types.SimpleNamespace(
        Device=lambda *args: types.SimpleNamespace(id=0, mem_info=(1 << 34, 1 << 35)),
        using_allocator=using_allocator, Stream=lambda **kwargs: FakeStream(emulator),
        get_current_stream=emulator.current_stream, Event=FakeEvent, alloc_pinned_memory=pinned,
        get_elapsed_time=lambda start, end: 0.0,
        memory=types.SimpleNamespace(OutOfMemoryError=MemoryError),
        runtime=types.SimpleNamespace(memcpyAsync=memcpy_async, memcpyHostToDevice=1, memcpyDeviceToDevice=3,
                                      memcpyDefault=4, getDeviceCount=lambda: 1, deviceSynchronize=lambda: None,
                                      CUDARuntimeError=CUDARuntimeError))
    return cp
