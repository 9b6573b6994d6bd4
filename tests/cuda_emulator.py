"""The CUDA backend on the CPU, for tests: the real kernels of ``kernels/`` compiled by g++ against a
host twin of CUDA (``tests/ops/emulation/``: each CUDA thread a fiber, warps and barriers emulated,
the tensor-core PTX emulated as the ISA defines it), launched on the arrays of a stand-in for CuPy
(``fake_cupy.py``: NumPy memory the kernels read and write).

``install(monkeypatch)`` makes ``minitransfer.cuda`` use them, so the CUDA paths of the ops, the
layers, the optimizer and the training step run unchanged on the CPU: launchers, plans, argument
lists, fused kernels, workspaces, graph capture. Every launch is checked against the kernel's
``extern "C"`` signature (count, scalar types, pointer element types) and every output array is
guarded: a write before or after it fails the launch.

What it proves: the index arithmetic and the data flow of the CUDA code, bit for bit against the
unfused kernels (host arithmetic on both sides: no fused multiply-add), and against the NumPy
references within rounding. What it cannot prove: the GPU's own semantics (memory ordering across
concurrent blocks, FMA contraction, speed); blocks run one after another, in launch order.
"""

import contextlib
import ctypes
import hashlib
import os
import pathlib
import platform
import re
import shutil
import subprocess
import weakref

import numpy as np
import pytest

from fake_cupy import Allocations, FakeArray, FakeStream, fake_cupy
from minitransfer import cuda
from minitransfer.ops import sgd

HOST_DIR = pathlib.Path(__file__).resolve().parent / "ops" / "emulation"
HOST_FILES = ("cuda_host.h", "mma_ptx.cuh")
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
    lines = ['#include "cuda_host.h"', f'#include "{stem}.cu"', "", "// the blocks run, or -1: no such kernel",
             'extern "C" long long emu_launch(const char* name, '
             "unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void** args) {"]
    for name, params in entries.items():
        values = [f"*static_cast<{t}*>(args[{i}])" for i, t in enumerate(params)]
        lines.append(f'    if (!std::strcmp(name, "{name}")) {{')
        for i, value in enumerate(values):
            lines.append(f"        auto a{i} = {value};")
        call = ", ".join(f"a{i}" for i in range(len(params)))
        lines.append(f"        return launch(Dim3{{gx, gy, gz}}, Dim3{{bx, by, bz}}, [&] {{ {name}({call}); }});")
        lines.append("    }")
    lines += ["    return -1;", "}", "",
              'extern "C" void emu_first_block(unsigned x, unsigned y, unsigned z) { first_block = Dim3{x, y, z}; }',
              "",
              'extern "C" void emu_readable(int count, const char** begins, const long long* sizes) {',
              "    readable.clear();",
              "    for (int i = 0; i < count; ++i) readable.emplace_back(begins[i], begins[i] + sizes[i]);", "}"]
    return "\n".join(lines) + "\n"


GXX_FLAGS = ("-std=c++20", "-ffp-contract=off", "-w", "-D__CUDA_ARCH__=800")


def _copy_sources(folder):
    """The kernels of ``kernels/`` and the host twin, side by side in ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in cuda.kernels_dir().glob("*.cu*"):
        shutil.copy(path, folder)
    for name in HOST_FILES:  # the twin mma_ptx.cuh sits where the kernels' own is
        shutil.copy(HOST_DIR / name, folder)


def run_overflow_checked(stem, main_body, folder):
    """Run ``main_body`` (C++, the body of ``main``) against ``kernels/<stem>.cu`` on the host twin,
    built with g++'s signed-overflow check (UBSan), which stops the program at the first int
    overflow; returns the CompletedProcess (its stderr names the line). For index arithmetic whose
    values no thread reads, which no launch can show: ``main_body`` sets ``blockIdx``, ``threadIdx``
    and ``blockDim`` itself and calls the kernel's device functions directly."""
    if not AVAILABLE:
        pytest.skip(REASON)
    folder = pathlib.Path(folder)
    _copy_sources(folder)
    source = folder / "check.cpp"
    source.write_text(f'#include "cuda_host.h"\n#include "{stem}.cu"\n\nint main() {{\n{main_body}\n}}\n')
    program = folder / "check"
    subprocess.run(["g++", *GXX_FLAGS, "-O0", "-fsanitize=signed-integer-overflow", "-fno-sanitize-recover=all",
                    "-o", str(program), str(source)], check=True, capture_output=True, text=True)
    return subprocess.run([str(program)], capture_output=True, text=True, timeout=60)


def build(stem, cache_dir):
    """The shared library of ``kernels/<stem>.cu`` compiled for the host (cached by source hash)."""
    digest = hashlib.sha256(cuda.kernel_source(stem).encode())
    for name in HOST_FILES:
        digest.update((HOST_DIR / name).read_bytes())
    folder = pathlib.Path(cache_dir) / f"{stem}-{digest.hexdigest()[:16]}"
    library = folder / f"lib{stem}.so"
    if not library.exists():
        # A staging folder of this process's own: the cache may be shared by the xdist workers (cache_dir),
        # and one that finished first has its folder renamed in place, which the other's rename leaves.
        staging = folder.with_suffix(f".staging-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        _copy_sources(staging)
        (staging / "dispatch.cpp").write_text(_dispatch_source(stem, entry_points(stem)))
        subprocess.run(["g++", *GXX_FLAGS, "-O1", "-fPIC", "-shared", "-o", str(staging / library.name),
                        str(staging / "dispatch.cpp")], check=True, capture_output=True, text=True)
        try:
            staging.rename(folder)
        except OSError:  # another worker's library of the same sources is there: use that one
            shutil.rmtree(staging, ignore_errors=True)
    return library

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


GRID_LIMITS = (2**31 - 1, 65535, 65535)  # gridDim.x, .y, .z of every CUDA device since compute 3.0
BLOCK_LIMITS = (1024, 1024, 64)
MAX_BLOCK_THREADS = 1024


def check_geometry(name, grid, block):
    """Refuse a launch a CUDA device would refuse ("invalid configuration argument"): a grid or block
    dimension below 1 or beyond the device's limits, or more than 1024 threads in a block."""
    for kind, sizes, limits in (("grid", grid, GRID_LIMITS), ("block", block, BLOCK_LIMITS)):
        if any(not 1 <= int(size) <= limit for size, limit in zip(sizes, limits)):
            raise ValueError(f"{name}: {kind} {tuple(int(v) for v in sizes)} is outside the device's limits "
                             f"{limits} (at least 1 in each dimension)")
    if int(np.prod(block)) > MAX_BLOCK_THREADS:
        raise ValueError(f"{name}: block {block} has more than {MAX_BLOCK_THREADS} threads")


class Emulator:
    """Runs launches of minitransfer.cuda on the host-compiled kernels; records what ran."""

    def __init__(self, cache_dir, execute=True, poison=None):
        self.cache_dir, self.execute = cache_dir, execute
        self.libraries, self.signatures = {}, {}
        self.allocations = Allocations(poison=execute if poison is None else poison)
        self.first_block = (0, 0, 0)  # see tail()
        self.blocks_run = 0  # by every launch run so far
        self.default_stream = FakeStream(self)
        self.streams = []
        self.launches = []  # (stem, name, grid, block) of every kernel run

    @contextlib.contextmanager
    def tail(self, first_block):
        """Inside the block, launches run only the blocks from ``first_block`` (x, y, z) on in each
        dimension: the last blocks of a grid too large to emulate whole (index arithmetic near 2^31).
        Fails if they ran no block at all (``first_block`` outside every grid launched)."""
        self.first_block, before = tuple(first_block), self.blocks_run
        try:
            yield
        finally:
            self.first_block = (0, 0, 0)
        if self.execute and self.blocks_run == before:
            raise AssertionError(f"Emulator.tail({tuple(first_block)}) ran no block: it lies outside the grid of "
                                 "every launch made inside it")

    def current_stream(self):
        return self.streams[-1] if self.streams else self.default_stream

    def library(self, stem):
        if stem not in self.libraries:
            library = ctypes.CDLL(str(build(stem, self.cache_dir)))
            library.emu_launch.restype = ctypes.c_longlong
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
        check_geometry(name, grid, block)
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
        library.emu_first_block(*map(ctypes.c_uint, self.first_block))
        argv = (ctypes.c_void_p * max(1, len(converted)))(*[ctypes.addressof(c) for c in converted])
        blocks = library.emu_launch(name.encode(), *map(ctypes.c_uint, grid + block), argv)
        if blocks < 0:
            raise KeyError(f"{name}: not dispatched by the emulation library of {stem}")
        self.blocks_run += blocks
        self.launches.append((stem, name, grid, block))
        self.allocations.check_guards(name)


def install(monkeypatch, cache_dir, sm_count=132, capability=(9, 0), execute=True, poison=None):
    """Route minitransfer.cuda to the emulator: its CuPy stand-in, its launcher, a device with
    ``sm_count`` SMs of compute capability ``capability``. With ``execute=False`` launches are
    checked and recorded but nothing runs (counting launches of large nets). ``poison`` (default:
    ``execute``): poison the arrays' bodies; without, untouched memory stays virtual. Returns the
    :class:`Emulator`."""
    emulator = Emulator(cache_dir, execute, poison)
    fake = fake_cupy(emulator)
    monkeypatch.setattr(cuda, "cupy", lambda: fake)
    monkeypatch.setattr(cuda, "_counters", {})  # device memory of an earlier emulator may be gone
    monkeypatch.setattr(sgd, "_tables", {})
    monkeypatch.setattr(cuda, "launch_on_device", emulator.launch)
    monkeypatch.setattr(cuda, "_properties", lambda device: (sm_count, tuple(capability)))
    return emulator


_LIBRARY_CACHE = []


def cache_dir(tmp_path_factory):
    """One folder per test run for the compiled kernel libraries, shared by its xdist workers: each worker
    compiled every kernel again (about 13 s of g++ for the eleven); :func:`build` names each library by the
    hash of its sources and renames it into place whole, so a worker finds another's or compiles it itself."""
    if not _LIBRARY_CACHE:
        base = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):  # base is <the run's basetemp>/popen-gwN
            base = base.parent
        folder = base / "cuda-emulator-libraries"
        folder.mkdir(exist_ok=True)
        _LIBRARY_CACHE.append(folder)
    return _LIBRARY_CACHE[0]


@pytest.fixture
def emulated(monkeypatch, tmp_path_factory):
    """minitransfer.cuda on the CPU emulation (skipped without g++ on x86-64); the fake CuPy module.

    Import it into a test module (``from cuda_emulator import emulated``) to use it there."""
    if not AVAILABLE:
        pytest.skip(REASON)
    install(monkeypatch, cache_dir(tmp_path_factory))
    return cuda.cupy()


@pytest.fixture
def emulated_launches(monkeypatch, tmp_path_factory):
    """Like ``emulated``, but launches are checked (signature, grid and block limits) and recorded,
    not run: large shapes cost their (untouched, virtual) memory only. The fake CuPy module."""
    install(monkeypatch, cache_dir(tmp_path_factory), execute=False)
    return cuda.cupy()


@pytest.fixture
def emulated_tail(monkeypatch, tmp_path_factory):
    """The emulation with unpoisoned arrays (virtual until touched), for the last blocks of grids over
    2^31 elements: ``with emulated_tail.tail((x, y, z)):`` runs launches from that block on. The
    :class:`Emulator`; ``cuda.cupy()`` is its fake CuPy module. Its arrays have transparent huge
    pages off (``fake_cupy.no_huge_pages``): each page a kernel touches in a vast array costs 4 KiB,
    not 2 MiB."""
    if not AVAILABLE:
        pytest.skip(REASON)
    return install(monkeypatch, cache_dir(tmp_path_factory), poison=False)
