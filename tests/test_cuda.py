"""The CUDA loader: kernel discovery, header inlining, entry-point names, and a clear error without a GPU.

The PTX tests compile the exact source the loader hands to CuPy (headers inlined) with nvcc:
every kernel an op module names exists (float32 and float64; tensor-core kernels float32), and
only the tensor-core kernels contain TF32 mma (skipped with the reason when nvcc is missing).
"""

import fractions
import functools
import importlib
import math
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from minitransfer import cuda
from minitransfer.ops import OPS


def _op_modules():
    return [importlib.import_module(f"minitransfer.ops.{name}") for name in OPS]


def test_kernels_dir_holds_every_op_kernel_file():
    folder = cuda.kernels_dir()
    assert (folder / "common.cuh").is_file()
    for module in _op_modules():
        assert (folder / f"{module.KERNEL_FILE}.cu").is_file(), module.__name__


def test_kernel_source_inlines_local_headers_once():
    source = cuda.kernel_source("relu")
    assert '#include "common.cuh"' not in source
    assert source.count("mt_hash32(mt_uint32 x)") == 1


def test_entry_names_follow_the_dtype():
    assert cuda.entry("lrn_forward", np.float32) == "lrn_forward_f32"
    assert cuda.entry("lrn_forward", np.float64) == "lrn_forward_f64"
    with pytest.raises(ValueError, match="float16"):
        cuda.entry("lrn_forward", np.float16)


def test_numpy_arrays_are_not_cuda_arrays():
    assert not cuda.is_cuda_array(np.zeros(3))


def test_missing_cupy_gives_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(cuda.CudaUnavailable, match="pip install"):
        cuda.cupy()
    assert not cuda.cuda_available()


def test_importing_minitransfer_does_not_import_cupy():
    code = ("import sys, minitransfer, minitransfer.ops, minitransfer.cuda\n"
            "import minitransfer.ops.conv2d, minitransfer.ops.lrn\n"
            "assert 'cupy' not in sys.modules, 'cupy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def entry_points(module):
    """Every entry point an op module names: its kernels in float32 and float64, its tensor-core
    kernels (TENSOR_CORE_KERNELS, float32 only)."""
    names = [cuda.entry(name, dtype) for name in module.KERNELS for dtype in (np.float32, np.float64)]
    return names + [cuda.entry(name, np.float32) for name in getattr(module, "TENSOR_CORE_KERNELS", ())]


@functools.lru_cache(maxsize=None)
def compile_ptx(stem, arch):
    """{entry point: its PTX} of the exact source the loader hands to CuPy (headers inlined)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="minitransfer-ptx-"))
    source = folder / f"{stem}.cu"
    source.write_text(cuda.kernel_source(stem))
    ptx = folder / f"{stem}-{arch}.ptx"
    subprocess.run(["nvcc", "-std=c++17", f"-arch={arch}", "-ptx", "-o", str(ptx), str(source)], check=True)
    bodies = re.findall(r"^\.visible \.entry (\w+)\((.*?)^\}$", ptx.read_text(), flags=re.MULTILINE | re.DOTALL)
    shutil.rmtree(folder)
    return dict(bodies)


needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not on PATH")


@needs_nvcc
@pytest.mark.parametrize("op", OPS)
def test_every_named_entry_point_exists_in_the_compiled_module(op):
    module = importlib.import_module(f"minitransfer.ops.{op}")
    entries = compile_ptx(module.KERNEL_FILE, "sm_90")
    assert module.KERNELS, f"{op} names no kernels"
    for name in entry_points(module):
        assert name in entries, f"{name} missing from {module.KERNEL_FILE}.cu"


TF32_MMA = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"


@needs_nvcc
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("op", ["conv2d", "gemm"])
def test_tensor_core_kernels_and_only_they_multiply_in_tf32(op, arch):
    """The PTX of every tensor-core entry point rounds with cvt.rna.tf32.f32, copies with cp.async
    and multiplies with mma on TF32 (three times as many mma for tf32x3 as for tf32); the ieee
    entry points contain no mma and no TF32 at all."""
    module = importlib.import_module(f"minitransfer.ops.{op}")
    entries = compile_ptx(module.KERNEL_FILE, arch)
    for name in module.TENSOR_CORE_KERNELS:
        body = entries[cuda.entry(name, np.float32)]
        assert body.count(TF32_MMA) > 0 and "cvt.rna.tf32.f32" in body and "cp.async" in body, name
        if name.endswith("_tf32x3"):
            single = entries[cuda.entry(name[: -len("x3")], np.float32)]
            assert body.count(TF32_MMA) == 3 * single.count(TF32_MMA), name
    for name in module.KERNELS:
        for dtype in (np.float32, np.float64):
            body = entries[cuda.entry(name, dtype)]
            assert "mma" not in body and "tf32" not in body, cuda.entry(name, dtype)


@pytest.mark.gpu(no_emulation="NVRTC compiles the kernels and reports their registers and local memory")
@pytest.mark.parametrize("op", OPS)
def test_every_named_entry_point_loads_without_spills_at_its_block_size(op, cp):
    """Compiled by NVRTC for this device (not the nvcc gate's build): each entry point accepts the
    op's block size and keeps everything in registers (no local memory: no spill, no stack)."""
    module = importlib.import_module(f"minitransfer.ops.{op}")
    for name in entry_points(module):
        attributes = cuda.function(module.KERNEL_FILE, name).attributes
        assert attributes["max_threads_per_block"] >= module.THREADS, (name, attributes)
        assert attributes["local_size_bytes"] == 0, (name, attributes)


def test_ceil_div_against_exact_fractions():
    for a in range(-20, 21):
        for b in range(1, 9):
            assert cuda.ceil_div(a, b) == math.ceil(fractions.Fraction(a, b)), (a, b)
    assert cuda.ceil_div(np.int64(2**40 + 1), 2**20) == 2**20 + 1
    assert cuda.blocks(0, 256) == 1 and cuda.blocks(257, 256) == 2


# ---------------------------------------------------------------------------------------------
# Launch accounting and the step's device memory, with a recording stand-in for the device


def test_recording_launches_sees_every_launch_with_its_geometry(monkeypatch):
    made = []
    monkeypatch.setattr(cuda, "launch_on_device", lambda *args: made.append(args[:4]))
    with cuda.recording_launches() as outer:
        cuda.launch("relu", "relu_forward_f32", 3, 256, ())
        with cuda.recording_launches() as inner:
            cuda.launch("gemm", "gemm_nn_f32", (2, 1, 4), (256,), ())
    cuda.launch("relu", "relu_backward_f32", 1, 256, ())
    assert outer == [cuda.Launch("relu", "relu_forward_f32", (3,), (256,)),
                     cuda.Launch("gemm", "gemm_nn_f32", (2, 1, 4), (256,))]
    assert inner == outer[1:]
    assert [m[1] for m in made] == ["relu_forward_f32", "gemm_nn_f32", "relu_backward_f32"]


@pytest.fixture
def emulated_memory(monkeypatch, tmp_path):
    import cuda_emulator

    emulator = cuda_emulator.install(monkeypatch, tmp_path, execute=False)
    return cuda.cupy(), emulator


def test_step_scalars_copy_only_what_changed(emulated_memory, monkeypatch):
    cp, _ = emulated_memory
    copies = []
    real = cp.cuda.runtime.memcpyAsync
    monkeypatch.setattr(cp.cuda.runtime, "memcpyAsync", lambda *args: copies.append(args) or real(*args))
    scalars = cuda.StepScalars()
    scalars.write(iteration=7, lr=0.01)
    scalars.write(iteration=7)
    scalars.write(lr=0.01)
    assert len(copies) == 1 and int(scalars.iteration.get()[0]) == 7 and float(scalars.lr.get()[0]) == 0.01
    scalars.write(iteration=2**32 + 8)
    assert len(copies) == 2 and int(scalars.iteration.get()[0]) == 8 and float(scalars.lr.get()[0]) == 0.01
    scalars.capturing = True
    with pytest.raises(RuntimeError, match="during a graph capture"):
        scalars.write(iteration=9)
    for iteration in range(200):  # the ring of host slots wraps around
        scalars.capturing = False
        scalars.write(iteration=iteration, lr=iteration / 10)
        assert int(scalars.iteration.get()[0]) == iteration and float(scalars.lr.get()[0]) == iteration / 10


def test_zeroed_counters_grow_and_belong_to_one_stream(emulated_memory):
    cp, emulator = emulated_memory
    small = cuda.zeroed_counters(10)
    assert small.dtype == np.int32 and small.size >= 10 and not small.get().any()
    assert cuda.zeroed_counters(5) is small
    large = cuda.zeroed_counters(small.size + 1)
    assert large.size > small.size and not large.get().any()
    with cp.cuda.Stream():
        assert cuda.zeroed_counters(5) is not large


def test_persistent_arrays_bypass_a_steps_allocator(emulated_memory):
    cp, _ = emulated_memory
    asked = []
    with cp.cuda.using_allocator(lambda nbytes: asked.append(nbytes)):
        kept = cuda.persistent_empty((3, 5), np.float64)
    assert asked == [] and kept.shape == (3, 5) and kept.dtype == np.float64
