"""A thread count the user gave OpenBLAS by its GotoBLAS name (GOTO_NUM_THREADS, which OpenBLAS reads before
OMP_NUM_THREADS) is the user's choice as the others are: under a CPU quota, minitransfer's import set
OPENBLAS_NUM_THREADS to the quota, which outranks it, and the user's count was silently not the one run."""

import os
import subprocess
import sys

import pytest

from minitransfer.cpus import THREAD_VARIABLES, blas_kernels
from test_cpus import QUOTA_2, _loaded_with, blas_not_loaded, cores  # noqa: F401 (fixtures)
from test_memory_limit import tree


def test_a_users_goto_num_threads_leaves_blas_alone_under_a_quota(tmp_path, cores, blas_not_loaded, monkeypatch):
    monkeypatch.setenv("GOTO_NUM_THREADS", "8")  # a 64-core host, a 2-core quota
    assert _loaded_with(tree(tmp_path, QUOTA_2)) is None and os.environ["GOTO_NUM_THREADS"] == "8"


def test_the_grid_and_the_suite_set_it_with_the_others():
    assert "GOTO_NUM_THREADS" in THREAD_VARIABLES  # the variables a grid's slot and a test process are given


@pytest.mark.skipif(blas_kernels() is None, reason="NumPy's BLAS is not OpenBLAS: no GotoBLAS variable read")
def test_openblas_runs_the_users_goto_count():
    """Ground truth, where NumPy's BLAS is OpenBLAS: the count it runs under GOTO_NUM_THREADS alone."""
    env = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    shown = subprocess.run([sys.executable, "-c", "from minitransfer import cpus; print(cpus.blas_threads())"],
                           env={**env, "GOTO_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=60)
    assert shown.stdout.split() == ["1"], shown.stderr
