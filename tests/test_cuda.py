"""The CUDA loader: kernel discovery, header inlining, entry-point names, and a clear error without a GPU.

The entry-point test compiles the exact source the loader hands to CuPy (headers inlined) with
nvcc and checks that every kernel an op module names exists for float32 and float64.
"""

import fractions
import importlib
import math
import re
import shutil
import subprocess
import sys

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


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not on PATH")
@pytest.mark.parametrize("op", OPS)
def test_every_named_entry_point_exists_in_the_compiled_module(op, tmp_path):
    module = importlib.import_module(f"minitransfer.ops.{op}")
    source = tmp_path / f"{module.KERNEL_FILE}.cu"
    source.write_text(cuda.kernel_source(module.KERNEL_FILE))
    ptx = tmp_path / "out.ptx"
    subprocess.run(["nvcc", "-std=c++17", "-arch=sm_90", "-ptx", "-o", str(ptx), str(source)], check=True)
    entries = set(re.findall(r"\.entry\s+(\w+)", ptx.read_text()))
    assert module.KERNELS, f"{op} names no kernels"
    for name in module.KERNELS:
        for dtype in (np.float32, np.float64):
            assert cuda.entry(name, dtype) in entries, f"{cuda.entry(name, dtype)} missing from {source.name}"


@pytest.mark.gpu
@pytest.mark.parametrize("op", OPS)
def test_every_named_entry_point_loads_without_spills_at_its_block_size(op, cp):
    """Compiled by NVRTC for this device (not the nvcc gate's build): each entry point accepts the
    op's block size and keeps everything in registers (no local memory: no spill, no stack)."""
    module = importlib.import_module(f"minitransfer.ops.{op}")
    for name in module.KERNELS:
        for dtype in (np.float32, np.float64):
            attributes = cuda.function(module.KERNEL_FILE, cuda.entry(name, dtype)).attributes
            assert attributes["max_threads_per_block"] >= module.THREADS, (cuda.entry(name, dtype), attributes)
            assert attributes["local_size_bytes"] == 0, (cuda.entry(name, dtype), attributes)


def test_ceil_div_against_exact_fractions():
    for a in range(-20, 21):
        for b in range(1, 9):
            assert cuda.ceil_div(a, b) == math.ceil(fractions.Fraction(a, b)), (a, b)
    assert cuda.ceil_div(np.int64(2**40 + 1), 2**20) == 2**20 + 1
    assert cuda.blocks(0, 256) == 1 and cuda.blocks(257, 256) == 2
