"""How much more memory this process may take before it swaps or is killed: the smaller of Linux's
estimate for the whole system (MemAvailable in /proc/meminfo) and the headroom under the memory
limit of the process's cgroup. A SLURM job (``--mem=4G``) or a container runs in a cgroup whose
limit can be far below what the node has free; past it the kernel's out-of-memory killer ends the
process (exit 137, no message), whatever MemAvailable says.

The cgroup is the one ``/proc/self/cgroup`` names. cgroup v2 (its line ``0::/path``): the limit
``/sys/fs/cgroup/<path>/memory.max`` ("max": none) less ``memory.current``. cgroup v1 (the line
whose controllers include ``memory``): ``/sys/fs/cgroup/memory/<path>/memory.limit_in_bytes`` (no
limit: a huge number) less ``memory.usage_in_bytes``. The limits of the cgroup's ancestors, up to
the root of the mount, bind it too: the tightest headroom counts. A folder that is not there (the
root cgroup's, or a container's view of a path outside it) is passed over. The usage counts the
cgroup's page cache, which the kernel reclaims before it kills anything: it is left out, its
active part too, which MemAvailable counts as available (``memory.stat``'s ``inactive_file`` and
``active_file``; v1's ``total_inactive_file`` and ``total_active_file``): a grid's earlier run in
the same SLURM job leaves there the shards it read every epoch, and counted as used they refused
the next run.
"""

import pathlib
import typing

MEMINFO = "proc/meminfo"
CGROUP_OF_PROCESS = "proc/self/cgroup"
CGROUP_MOUNT = "sys/fs/cgroup"
V2_FILES = ("memory.max", "memory.current", ("inactive_file", "active_file"))
V1_FILES = ("memory.limit_in_bytes", "memory.usage_in_bytes", ("total_inactive_file", "total_active_file"))


class Available(typing.NamedTuple):
    """Bytes available, and where that figure comes from, as a message names it."""

    bytes: int
    source: str


def available_memory(root="/"):
    """The :class:`Available` memory of this process: the smallest of MemAvailable and its cgroups'
    headrooms; None where none of them can be read. ``root``: where /proc and /sys are found (a
    test's fake tree)."""
    root = pathlib.Path(root)
    found = [_mem_available(root / MEMINFO), *_cgroup_headrooms(root)]
    return min((each for each in found if each is not None), key=lambda each: each.bytes, default=None)


def _mem_available(meminfo):
    """Linux's MemAvailable (bytes the system can give without swapping), or None where it cannot
    be read (Linux before 3.14 has none)."""
    try:
        with open(meminfo) as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name == "MemAvailable":
                    return Available(int(value.split()[0]) * 1024, f"MemAvailable in {meminfo}")  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def cgroup_folders(root, controller):
    """[(version, folder)]: the folders of this process's cgroups where ``controller``'s files lie,
    each cgroup's own first, then its ancestors' up to the mount's root: cgroup v2's (version 2) and
    the v1 hierarchy that holds ``controller`` (version 1; mounted at sys/fs/cgroup/<controller>).
    ``root``: where /proc and /sys are found. [] where /proc/self/cgroup cannot be read."""
    try:
        lines = (pathlib.Path(root) / CGROUP_OF_PROCESS).read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            version, mount = 2, pathlib.Path(root) / CGROUP_MOUNT
        elif controller in controllers.split(","):
            version, mount = 1, pathlib.Path(root) / CGROUP_MOUNT / controller
        else:
            continue
        parts = pathlib.PurePosixPath(path).parts[1:]  # "/slurm/job_7" -> ("slurm", "job_7")
        found += [(version, mount.joinpath(*parts[:depth])) for depth in range(len(parts), -1, -1)]
    return found


def _cgroup_headrooms(root):
    """The headroom under every memory limit of this process's cgroups (v2 and v1) and their
    ancestors: limit - (usage - page cache), at least 0."""
    found = []
    for version, folder in cgroup_folders(root, "memory"):
        limit_name, usage_name, cache_names = V2_FILES if version == 2 else V1_FILES
        limit, usage = _read_number(folder / limit_name), _read_number(folder / usage_name)
        if limit is None or usage is None:
            continue
        stat = _stat(folder / "memory.stat")
        cache = sum(stat.get(name, 0) for name in cache_names)
        found.append(Available(max(0, limit - (usage - cache)),
                               f"the cgroup limit of {folder / limit_name} less its usage"))
    return found


def _read_number(path):
    """The integer in a cgroup file; None where it is absent, unreadable or "max" (no limit)."""
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def _stat(path):
    """A cgroup's memory.stat as name -> integer ({} where it cannot be read)."""
    try:
        pairs = (line.split() for line in path.read_text().splitlines())
        return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2}
    except (OSError, ValueError):
        return {}
