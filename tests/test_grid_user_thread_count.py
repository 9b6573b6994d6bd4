"""A grid of several slots gives each run its share of the cores for NumPy's BLAS threads unless the user chose a
count, by any of the variables OpenBLAS, OpenMP or MKL read: its slots were given each variable the user had not
set, and a user's OMP_NUM_THREADS=1 got OPENBLAS_NUM_THREADS=4 beside it, which OpenBLAS reads first (each run on 4
threads, not 1). The rule is the one minitransfer's import keeps under a CPU quota (cpus.bound_blas_threads)."""

import os

import pytest

from minitransfer import cpus
from minitransfer.grid_processes import TrainProcesses


def _slot_environment(monkeypatch, **given):
    """The thread variables a CPU run of a 2-slot grid on 8 cores gets where the user's shell sets ``given``."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(cpus, "cpu_quota", lambda root="/": None)
    monkeypatch.delenv("SLURM_CPUS_PER_TASK", raising=False)
    for name in cpus.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    env = TrainProcesses(["train"], [None, None], preload=False, log=print, shares=2)._environment(None)
    return {name: env[name] for name in cpus.THREAD_VARIABLES if name in env}


@pytest.mark.parametrize("name", cpus.THREAD_VARIABLES)
def test_a_count_the_user_chose_by_any_variable_is_the_only_one_set(monkeypatch, name):
    assert _slot_environment(monkeypatch, **{name: "1"}) == {name: "1"}


def test_runs_share_the_cores_where_the_user_chose_no_count(monkeypatch):
    assert _slot_environment(monkeypatch) == dict.fromkeys(cpus.THREAD_VARIABLES, "4")  # 8 cores by 2 slots

