"""minitransfer.cpus: the cores a process may use, its affinity bounded by its cgroups' CPU quota (a
container's --cpus, a Kubernetes CPU limit), read from fake /proc and /sys trees."""

import os

import pytest

from minitransfer.cpus import cpu_quota, usable_cpus
from test_memory_limit import tree


@pytest.fixture
def cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))


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
