"""minitransfer.cpus.blas_kernels names the kernels NumPy's OpenBLAS chose, which a CPU training's bits
depend on (tests/test_science.py names them when it fails): told by OPENBLAS_CORETYPE which to take, a
fresh process names those; with no OpenBLAS among the libraries loaded, it names none."""

import os
import platform
import subprocess
import sys

import pytest

from minitransfer.cpus import blas_kernels


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64") or blas_kernels() is None,
                    reason="OpenBLAS's x86-64 core types; this NumPy's BLAS is another")
@pytest.mark.parametrize("core", ["Nehalem", "Sandybridge"])  # SSE4.2 (NumPy's own baseline) and AVX: any x86-64 CI
def test_the_kernels_named_are_those_openblas_was_told_to_take(core):
    script = "from minitransfer.cpus import blas_kernels; print(blas_kernels())"
    env = {**os.environ, "OPENBLAS_CORETYPE": core}
    printed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == f"OpenBLAS {core}"


def test_no_openblas_loaded_names_none(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/libm.so.6\n"
                    "7f02-7f03 r-xp 00000000 00:00 0 [vdso]\n")
    assert blas_kernels(maps) is None
    assert blas_kernels(tmp_path / "absent") is None
