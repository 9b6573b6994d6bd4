"""The CUDA backend on the CPU, for tests: the real kernels of ``kernels/`` compiled by g++ against a
host twin of CUDA (``tests/ops/emulation/``: each CUDA thread a fiber, warps and barriers emulated,
the tensor-core PTX emulated as the ISA defines it) and a stand-in for CuPy whose arrays are NumPy
memory the kernels read and write.

``install(monkeypatch)`` makes ``minitransfer.cuda`` use them, so the CUDA paths of the ops, the
layers, the optimizer and the training step run unchanged on the CPU: launchers, plans, argument
lists, fused kernels, workspaces, graph capture. Every launch is checked against the kernel's
``extern "C"`` signature (count, scalar types, pointer element types) and every output array is
guarded: a write before or after it fails the launch. Arrays from ``cupy.empty`` are poisoned
(all bits set: NaN) so unwritten outputs show.

What it proves: the index arithmetic and the data flow of the CUDA code, bit for bit against the
unfused kernels (host arithmetic on both sides: no fused multiply-add), and against the NumPy
references within rounding. What it cannot prove: the GPU's own semantics (memory ordering across
concurrent blocks, FMA contraction, speed); blocks run one after another, in launch order.

Memory is never given back (no emulated kernel can read freed bytes), but a captured graph holds
only the addresses of its arguments, as a real one does: replaying it after the last array over an
argument's allocation was dropped fails, naming the kernel.
"""

import contextlib
import ctypes
import hashlib
import pathlib
import platform
import re
import shutil
import subprocess
import threading
import types
import weakref

import numpy as np
import pytest

from minitransfer import cuda
from minitransfer.ops import sgd

HOST_DIR = pathlib.Path(__file__).resolve().parent / "ops" / "emulation"
HOST_FILES = ("cuda_host.h", "mma_ptx.cuh")
GUARD = 256  # poisoned bytes on each side of an emulated array
POISON = 0xFF
AVAILABLE = shutil.which("g++") is not None and platform.machine() == "x86_64"
REASON = "the CUDA emulation needs g++ (C++20) on x86-64"

_ENTRY = re.compile(r'extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(([^)]*)\)')
_SCALARS = {"int": np.int32, "mt_int64": np.int64, "long long": np.int64, "mt_uint32": np.uint32,
            "unsigned": np.uint32, "unsigned int": np.uint32, "float": np.float32, "double": np.float64}
_POINTEES = {"float": np.float32, "double": np.float64, "int": np.int32, "unsigned char": np.uint8,
             "mt_uint32": np.uint32, "unsigned": np.uint32, "mt_int64": np.int64}


def entry_points(stem):
    """{entry point: [parameter type]} of ``kernels/<stem>.cu``, from its ``extern "C"`` definitions."""
    source = re.sub(r"//[^\n]*", "", cuda.kernel_source(stem))
    entries = {}
    for name, params in _ENTRY.findall(source):
        types_ = []
        for param in params.split(","):
            words = param.replace("*", " * ").replace("__restrict__", "").split()
            types_.append(" ".join(words[:-1]).replace(" *", "*"))
        entries[name] = types_
    return entries


def _param_base(type_):
    return type_.replace("const ", "").replace("*", "").strip()


# ---------------------------------------------------------------------------------------------
# The compiled kernels


def _dispatch_source(stem, entries):
    lines = ['#include "cuda_host.h"', f'#include "{stem}.cu"', "", 'extern "C" int emu_launch(const char* name, '
             "unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void** args) {"]
    for name, params in entries.items():
        values = [f"*static_cast<{t}*>(args[{i}])" for i, t in enumerate(params)]
        lines.append(f'    if (!std::strcmp(name, "{name}")) {{')
        for i, value in enumerate(values):
            lines.append(f"        auto a{i} = {value};")
        call = ", ".join(f"a{i}" for i in range(len(params)))
        lines.append(f"        launch(Dim3{{gx, gy, gz}}, Dim3{{bx, by, bz}}, [&] {{ {name}({call}); }});")
        lines.append("        return 0;")
        lines.append("    }")
    lines += ["    return -1;", "}", "",
              'extern "C" void emu_readable(int count, const char** begins, const long long* sizes) {',
              "    readable.clear();",
              "    for (int i = 0; i < count; ++i) readable.emplace_back(begins[i], begins[i] + sizes[i]);", "}"]
    return "\n".join(lines) + "\n"


def build(stem, cache_dir):
    """The shared library of ``kernels/<stem>.cu`` compiled for the host (cached by source hash)."""
    kernels = cuda.kernels_dir()
    digest = hashlib.sha256(cuda.kernel_source(stem).encode())
    for name in HOST_FILES:
        digest.update((HOST_DIR / name).read_bytes())
    folder = pathlib.Path(cache_dir) / f"{stem}-{digest.hexdigest()[:16]}"
    library = folder / f"lib{stem}.so"
    if not library.exists():
        staging = folder.with_suffix(".staging")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for path in kernels.glob("*.cu*"):
            shutil.copy(path, staging)
        for name in HOST_FILES:  # the twin mma_ptx.cuh sits where the kernels' own is
            shutil.copy(HOST_DIR / name, staging)
        (staging / "dispatch.cpp").write_text(_dispatch_source(stem, entry_points(stem)))
        subprocess.run(["g++", "-std=c++20", "-O1", "-fPIC", "-shared", "-ffp-contract=off", "-w",
                        "-D__CUDA_ARCH__=800", "-o", str(staging / library.name), str(staging / "dispatch.cpp")],
                       check=True, capture_output=True, text=True)
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    return library


# ---------------------------------------------------------------------------------------------
# A stand-in for CuPy: NumPy memory with guards, the few APIs minitransfer's CUDA paths use


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


class _Allocations:
    """Every guarded buffer handed out, so that a launch can check nobody wrote past one. Bodies are
    poisoned unless ``poison`` is False (then untouched memory stays virtual: large nets fit)."""

    def __init__(self, poison=True):
        self.poison = poison
        self.live = []

    def allocate(self, nbytes):
        backing = np.empty(nbytes + 2 * GUARD, dtype=np.uint8)
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


# ---------------------------------------------------------------------------------------------
# The launcher


def _argument(stem, name, index, type_, value):
    where = f"{name} argument {index} ({type_})"
    if type_.endswith("*"):
        if not isinstance(value, FakeArray):
            raise TypeError(f"{where}: expected a CuPy array, got {type(value).__name__}")
        pointee = _POINTEES.get(_param_base(type_))
        if pointee is not None and value.dtype != pointee:
            raise TypeError(f"{where}: expected a {np.dtype(pointee)} array, got {value.dtype}")
        return ctypes.c_void_p(value.ctypes.data)
    expected = _SCALARS.get(type_.replace("const ", ""))
    if expected is None or type(value) is not expected:
        raise TypeError(f"{where}: expected numpy.{np.dtype(expected).name if expected else '?'}, "
                        f"got {type(value).__name__} {value!r}")
    return np.ctypeslib.as_ctypes(np.array([value], dtype=expected))


class Emulator:
    """Runs launches of minitransfer.cuda on the host-compiled kernels; records what ran."""

    def __init__(self, cache_dir, execute=True):
        self.cache_dir, self.execute = cache_dir, execute
        self.libraries, self.signatures = {}, {}
        self.allocations = _Allocations(poison=execute)
        self.default_stream = FakeStream(self)
        self.streams = []
        self.launches = []  # (stem, name, grid, block) of every kernel run

    def current_stream(self):
        return self.streams[-1] if self.streams else self.default_stream

    def library(self, stem):
        if stem not in self.libraries:
            library = ctypes.CDLL(str(build(stem, self.cache_dir)))
            library.emu_launch.restype = ctypes.c_int
            self.libraries[stem] = library
        return self.libraries[stem]

    def launch(self, stem, name, grid, block, args, shared_mem=0):
        """cuda.launch's device call: checked, then run now (or captured into the stream's graph)."""
        if stem not in self.signatures:
            self.signatures[stem] = entry_points(stem)
        params = self.signatures[stem].get(name)
        if params is None:
            raise KeyError(f"kernels/{stem}.cu has no entry point {name}")
        if len(args) != len(params):
            raise TypeError(f"{name}: {len(params)} parameters, launched with {len(args)} arguments")
        converted = [_argument(stem, name, i, t, v) for i, (t, v) in enumerate(zip(params, args))]
        grid = tuple(grid) + (1,) * (3 - len(grid))
        block = tuple(block) + (1,) * (3 - len(block))
        arrays = [v for v in args if isinstance(v, FakeArray)]
        item = ("kernel", stem, name, grid, block, converted, [(a.ctypes.data, a.nbytes) for a in arrays])
        capture = self.current_stream().capture
        if capture is not None:
            capture.append((item, [weakref.ref(a.allocation) for a in arrays if a.allocation is not None]))
        else:
            self.run(*item)

    def run(self, kind, *item):
        if not self.execute:
            if kind == "kernel":
                self.launches.append(item[:4])
            return
        if kind == "memcpy":
            dst, src, size = item
            ctypes.memmove(dst, src, size)
            return
        stem, name, grid, block, converted, spans = item  # spans: (address, bytes) of each array argument
        library = self.library(stem)
        begins = (ctypes.c_char_p * len(spans))(*[ctypes.c_char_p(address) for address, _ in spans])
        sizes = (ctypes.c_longlong * len(spans))(*[nbytes for _, nbytes in spans])
        library.emu_readable(len(spans), ctypes.cast(begins, ctypes.POINTER(ctypes.c_char_p)), sizes)
        argv = (ctypes.c_void_p * max(1, len(converted)))(*[ctypes.addressof(c) for c in converted])
        status = library.emu_launch(name.encode(), *map(ctypes.c_uint, grid + block), argv)
        if status != 0:
            raise KeyError(f"{name}: not dispatched by the emulation library of {stem}")
        self.launches.append((stem, name, grid, block))
        self.allocations.check_guards(name)


def install(monkeypatch, cache_dir, sm_count=132, capability=(9, 0), execute=True):
    """Route minitransfer.cuda to the emulator: its CuPy stand-in, its launcher, a device with
    ``sm_count`` SMs of compute capability ``capability``. With ``execute=False`` launches are
    checked and recorded but nothing runs (counting launches of large nets). Returns the
    :class:`Emulator`."""
    emulator = Emulator(cache_dir, execute)
    fake = fake_cupy(emulator)
    monkeypatch.setattr(cuda, "cupy", lambda: fake)
    monkeypatch.setattr(cuda, "_counters", {})  # device memory of an earlier emulator may be gone
    monkeypatch.setattr(sgd, "_tables", {})
    monkeypatch.setattr(cuda, "launch_on_device", emulator.launch)
    monkeypatch.setattr(cuda, "_properties", lambda device: (sm_count, tuple(capability)))
    return emulator


_LIBRARY_CACHE = []


def cache_dir(tmp_path_factory):
    """One folder per test session for the compiled kernel libraries."""
    if not _LIBRARY_CACHE:
        _LIBRARY_CACHE.append(tmp_path_factory.mktemp("cuda-emulator"))
    return _LIBRARY_CACHE[0]


@pytest.fixture
def emulated(monkeypatch, tmp_path_factory):
    """minitransfer.cuda on the CPU emulation (skipped without g++ on x86-64); the fake CuPy module.

    Import it into a test module (``from cuda_emulator import emulated``) to use it there."""
    if not AVAILABLE:
        pytest.skip(REASON)
    install(monkeypatch, cache_dir(tmp_path_factory))
    return cuda.cupy()
