"""minitransfer.cpus: the cores a process may use, its affinity bounded by its cgroups' CPU quota (a
container's --cpus, a Kubernetes CPU limit), read from fake /proc and /sys trees."""

import os
import pathlib
import subprocess
import sys

import pytest

from minitransfer.cpus import THREAD_VARIABLES, bound_blas_threads, cpu_quota, usable_cpus
from test_memory_limit import tree

QUOTA_2 = {"proc/self/cgroup": "0::/docker/abc\n", "sys/fs/cgroup/docker/abc/cpu.max": "200000 100000\n"}


@pytest.fixture
def cores(monkeypatch):
    """A 64-core machine whose every core this process may run on, outside any SLURM job."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.delenv("SLURM_CPUS_PER_TASK", raising=False)


@pytest.mark.parametrize("files, expected", [
    ({"proc/self/cgroup": "0::/docker/abc\n", "sys/fs/cgroup/docker/abc/cpu.max": "200000 100000\n"}, 2),
    ({"proc/self/cgroup": "0::/docker/abc\n", "sys/fs/cgroup/docker/abc/cpu.max": "150000 100000\n"}, 2),  # rounded up
    ({"proc/self/cgroup": "0::/docker/abc\n", "sys/fs/cgroup/docker/abc/cpu.max": "50000 100000\n"}, 1),
    ({"proc/self/cgroup": "0::/kubepods/pod/c\n", "sys/fs/cgroup/kubepods/pod/c/cpu.max": "max 100000\n",
      "sys/fs/cgroup/kubepods/pod/cpu.max": "400000 100000\n"}, 4),  # an ancestor's quota binds
    ({"proc/self/cgroup": "4:cpu,cpuacct:/docker/abc\n2:memory:/docker/abc\n",
      "sys/fs/cgroup/cpu/docker/abc/cpu.cfs_quota_us": "300000\n",
      "sys/fs/cgroup/cpu/docker/abc/cpu.cfs_period_us": "100000\n"}, 3),  # cgroup v1
])
def test_a_cgroup_cpu_quota_bounds_the_cores(tmp_path, cores, files, expected):
    """A container limited to 2 cores on a 64-core host: a grid gave each of its slots 32 threads."""
    assert usable_cpus(tree(tmp_path, files)) == expected


@pytest.mark.parametrize("files", [
    {},                                                                            # no /proc/self/cgroup
    {"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/cpu.max": "max 100000\n"},
    {"proc/self/cgroup": "4:cpu,cpuacct:/\n", "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
     "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"},
    {"proc/self/cgroup": "0::/a\n", "sys/fs/cgroup/a/cpu.max": "garbage\n"},
    {"proc/self/cgroup": "0::/a\n", "sys/fs/cgroup/a/cpu.max": "100000 0\n"},
    {"proc/self/cgroup": "0::/a\n", "sys/fs/cgroup/a/cpu.max": "\n"},
])
def test_no_quota_or_an_unreadable_one_leaves_the_affinity(tmp_path, cores, files):
    assert cpu_quota(tree(tmp_path, files)) is None
    assert usable_cpus(tree(tmp_path, files)) == 64


def test_a_quota_above_the_affinity_leaves_the_affinity(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    root = tree(tmp_path, {"proc/self/cgroup": "0::/a\n", "sys/fs/cgroup/a/cpu.max": "800000 100000\n"})
    assert cpu_quota(root) == 8.0 and usable_cpus(root) == 2


@pytest.mark.parametrize("per_task, quota, expected", [
    ("2", None, 2), ("8", QUOTA_2, 2), ("0", None, 64), ("2(x3)", None, 64), ("", None, 64)],
    ids=["slurm-2", "quota-tighter", "zero", "not-a-number", "empty"])
def test_a_slurm_jobs_cores_per_task_bound_a_process_left_on_every_core(tmp_path, cores, per_task, quota, expected):
    """sbatch --cpus-per-task 2 on a cluster that binds its jobs neither to cores nor by a quota: a
    grid's slots and an import's decoders were sized for the node's 64 cores, other jobs' too."""
    assert usable_cpus(tree(tmp_path, quota or {}), {"SLURM_CPUS_PER_TASK": per_task}) == expected


def test_a_narrower_affinity_is_slurms_binding_and_counts_over_cores_per_task(tmp_path, cores, monkeypatch):
    """A batch script of 4 tasks of 2 cores holds all 8 of their cores: SLURM bound it to them."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    assert usable_cpus(tmp_path, {"SLURM_CPUS_PER_TASK": "2"}) == 8


@pytest.fixture
def blas_not_loaded(monkeypatch):
    """A process whose NumPy is not loaded yet, without any of the thread variables set."""
    monkeypatch.delitem(sys.modules, "numpy")  # put back afterwards; the fake loads below import nothing
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _loaded_with(root):
    """The thread variables NumPy's load saw under bound_blas_threads(root), or None where it did not load it."""
    seen = []
    bound_blas_threads(root, load=lambda: seen.append({name: os.environ.get(name) for name in THREAD_VARIABLES}))
    return seen[0] if seen else None


def test_a_quota_bounds_blas_threads_for_numpys_load_only(tmp_path, cores, blas_not_loaded):
    """A single training (train, a grid of one slot) on a 2-core quota of a 64-core host: its BLAS
    started 64 threads. Its children (a grid's slots) choose their own: the variables are gone again."""
    assert _loaded_with(tree(tmp_path, QUOTA_2)) == dict.fromkeys(THREAD_VARIABLES, "2")
    assert not any(name in os.environ for name in THREAD_VARIABLES)


def test_a_slurm_jobs_cores_per_task_bound_blas_threads(tmp_path, cores, blas_not_loaded, monkeypatch):
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "3")
    assert _loaded_with(tree(tmp_path, {"proc/self/cgroup": "0::/\n"})) == dict.fromkeys(THREAD_VARIABLES, "3")


def test_no_quota_or_a_users_thread_count_leaves_blas_alone(tmp_path, cores, blas_not_loaded, monkeypatch):
    assert _loaded_with(tree(tmp_path, {"proc/self/cgroup": "0::/\n"})) is None
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    assert _loaded_with(tree(tmp_path, QUOTA_2)) is None and os.environ["OPENBLAS_NUM_THREADS"] == "8"


SPY = """
import os, pathlib, sys
os.sched_getaffinity = lambda pid: set(range(64))
fake = {"/proc/self/cgroup": "0::/box\\n", "/sys/fs/cgroup/box/cpu.max": "100000 100000\\n"}
read = pathlib.Path.read_text
pathlib.Path.read_text = lambda self, *args, **kwargs: fake.get(str(self)) or read(self, *args, **kwargs)

class Spy:  # what NumPy's BLAS finds as it loads
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            print(os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS"))
            sys.meta_path.remove(self)

sys.meta_path.insert(0, Spy())
import minitransfer.train
print(os.environ.get("OPENBLAS_NUM_THREADS"))
"""


def test_importing_minitransfer_loads_numpy_with_the_quotas_threads():
    """What `minitransfer train` imports first: NumPy loads under the bound, on a 1-core quota."""
    env = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    env["PYTHONPATH"] = str(pathlib.Path(__file__).parents[1])
    lines = subprocess.run([sys.executable, "-c", SPY], env=env, capture_output=True, text=True, check=True)
    assert lines.stdout.split("\n") == ["1 1", "None", ""], lines
