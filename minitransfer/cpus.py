"""The cores this process may use: what a grid's slots and an import's decoding processes share.

Two things bound them: the process's CPU affinity (a SLURM allocation's cores, ``taskset``, a
container's cpuset) and the CPU quota of its cgroups (``docker --cpus 2``, Kubernetes' CPU limit, a
SLURM job under cgroup v2 limits), which lets a container on a 64-core host run 2 cores' worth of
time: threads and processes sized for 64 would take turns on 2. The quota is cgroup v2's
``cpu.max`` ("QUOTA PERIOD", "max" for none) or v1's ``cpu.cfs_quota_us`` (-1 for none) over
``cpu.cfs_period_us``, of the process's cgroup and its ancestors (the tightest binds), rounded up:
1.5 cores' quota keeps two busy.
"""

import math
import os

from minitransfer.memory_limit import cgroup_folders


def usable_cpus(root="/"):
    """The cores this process may run on (its affinity, else the machine's), at most its cgroups' CPU
    quota. ``root``: where /proc and /sys are found (a test's fake tree)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = cpu_quota(root)
    return cores if quota is None else max(1, min(cores, math.ceil(quota)))


def cpu_quota(root="/"):
    """The cores' worth of time this process's cgroups allow (e.g. 2.0, 0.5), the tightest of them;
    None where none sets a quota or none can be read."""
    found = []
    for version, folder in cgroup_folders(root, "cpu"):
        if version == 2:
            quota, period = _read_words(folder / "cpu.max", 2)
        else:
            (quota,), (period,) = (_read_words(folder / name, 1) for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us"))
        try:
            quota, period = int(quota), int(period)
        except (TypeError, ValueError):  # "max", absent or unreadable: no quota there
            continue
        if quota > 0 and period > 0:  # v1's -1: none
            found.append(quota / period)
    return min(found, default=None)


def _read_words(path, count):
    """The first ``count`` words of a cgroup file; Nones where it cannot be read or holds fewer."""
    try:
        words = path.read_text().split()
    except OSError:
        words = []
    return tuple(words[:count]) + (None,) * (count - len(words[:count]))
