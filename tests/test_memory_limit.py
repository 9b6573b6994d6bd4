"""minitransfer.memory_limit: the memory a process may take, the smaller of MemAvailable and its
cgroup's headroom (a SLURM job's --mem, a container's limit), read from fake /proc and /sys trees."""

import pytest

from minitransfer.memory_limit import available_memory

MIB, GIB = 2**20, 2**30
V1_NO_LIMIT = "9223372036854771712"  # what cgroup v1 reports for an unlimited cgroup
MEMINFO = "MemTotal:       263859480 kB\nMemFree:        190000000 kB\nMemAvailable:   {kb} kB\n"


def tree(root, files):
    """Write ``files`` (path under ``root`` -> text) and return ``root``."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def slurm_v2(root, job_limit, job_usage, job_cache, step_limit="max", meminfo_kb=64 * GIB // 1024):
    """A SLURM step's cgroup v2: job_7 holds the --mem limit, step_0 (the process's) none of its own."""
    job = "sys/fs/cgroup/system.slice/slurmstepd.scope/job_7"
    return tree(root, {
        "proc/meminfo": MEMINFO.format(kb=meminfo_kb),
        "proc/self/cgroup": "0::/system.slice/slurmstepd.scope/job_7/step_0\n",
        "sys/fs/cgroup/system.slice/memory.max": "max\n",
        "sys/fs/cgroup/system.slice/memory.current": f"{40 * GIB}\n",
        f"{job}/memory.max": f"{job_limit}\n",
        f"{job}/memory.current": f"{job_usage}\n",
        f"{job}/memory.stat": f"anon {job_usage - job_cache}\nfile {job_cache + MIB}\ninactive_file {job_cache}\n",
        f"{job}/step_0/memory.max": f"{step_limit}\n",
        f"{job}/step_0/memory.current": f"{job_usage - 3 * MIB}\n",
    })


def test_a_slurm_jobs_limit_counts_its_usage_less_the_page_cache_it_can_reclaim(tmp_path):
    root = slurm_v2(tmp_path, job_limit=4 * GIB, job_usage=GIB + 300 * MIB, job_cache=200 * MIB)
    found = available_memory(root)
    assert found.bytes == 4 * GIB - (GIB + 100 * MIB)  # not the node's 64 GiB
    assert found.source == (f"the cgroup limit of {root}/sys/fs/cgroup/system.slice/slurmstepd.scope/job_7/"
                            f"memory.max less its usage")


def test_the_tightest_of_the_cgroup_and_its_ancestors_and_memavailable_counts(tmp_path):
    root = slurm_v2(tmp_path, job_limit=4 * GIB, job_usage=GIB, job_cache=0, step_limit=GIB + 5 * MIB)
    assert available_memory(root).bytes == 8 * MIB  # the step's own limit: 3 MiB less used there
    assert available_memory(root).source.endswith("/job_7/step_0/memory.max less its usage")
    (root / "sys/fs/cgroup/system.slice/memory.max").write_text(f"{40 * GIB + 7 * MIB}\n")
    assert available_memory(root).bytes == 7 * MIB  # an ancestor's limit binds its descendants
    (root / "proc/meminfo").write_text(MEMINFO.format(kb=6 * 1024))
    assert available_memory(root) == (6 * MIB, f"MemAvailable in {root}/proc/meminfo")


def test_a_cgroup_over_its_limit_has_nothing_available(tmp_path):
    root = slurm_v2(tmp_path, job_limit=GIB, job_usage=GIB + 9 * MIB, job_cache=MIB)
    assert available_memory(root).bytes == 0


def test_a_container_sees_its_own_limit_at_the_root_of_the_mount(tmp_path):
    """Under cgroup namespaces the process's path is "/"; without, a path its view does not have:
    either way the limit is the mount root's."""
    for path in ("/", "/docker/3f2a9c"):
        root = tree(tmp_path / path.strip("/").replace("/", "-"), {
            "proc/meminfo": MEMINFO.format(kb=30 * GIB // 1024), "proc/self/cgroup": f"0::{path}\n",
            "sys/fs/cgroup/memory.max": f"{2 * GIB}\n", "sys/fs/cgroup/memory.current": f"{500 * MIB}\n"})
        assert available_memory(root) == (2 * GIB - 500 * MIB,
                                          f"the cgroup limit of {root}/sys/fs/cgroup/memory.max less its usage")


@pytest.mark.parametrize("limit, expected", [(f"{3 * GIB}", 3 * GIB - 2 * GIB + 512 * MIB), (V1_NO_LIMIT, 20 * GIB)],
                         ids=["limited", "unlimited"])
def test_cgroup_v1_reads_the_memory_controllers_hierarchy(tmp_path, limit, expected):
    """A v1 (or hybrid) machine: the memory controller's own line; the unified "0::/" line has no memory.max."""
    job = "sys/fs/cgroup/memory/slurm/uid_1000/job_42"
    root = tree(tmp_path, {
        "proc/meminfo": MEMINFO.format(kb=20 * GIB // 1024),
        "proc/self/cgroup": "12:pids:/slurm/uid_1000/job_42\n4:memory:/slurm/uid_1000/job_42/step_batch\n"
                            "3:cpu,cpuacct:/slurm\n0::/\n",
        "sys/fs/cgroup/unified/cgroup.controllers": "",
        f"{job}/memory.limit_in_bytes": f"{limit}\n",
        f"{job}/memory.usage_in_bytes": f"{2 * GIB}\n",
        f"{job}/memory.stat": f"inactive_file {MIB}\ntotal_inactive_file {512 * MIB}\n",
        f"{job}/step_batch/memory.limit_in_bytes": f"{V1_NO_LIMIT}\n",
        f"{job}/step_batch/memory.usage_in_bytes": f"{GIB}\n",
    })
    assert available_memory(root).bytes == expected


def test_memory_is_unknown_only_where_nothing_can_be_read(tmp_path):
    assert available_memory(tmp_path) is None
    tree(tmp_path, {"proc/meminfo": "MemTotal:       24682512 kB\nMemFree:        23011220 kB\n"})  # Linux < 3.14
    assert available_memory(tmp_path) is None
    tree(tmp_path, {"proc/self/cgroup": "0::/user.slice\n", "sys/fs/cgroup/user.slice/memory.max": "max\n",
                    "sys/fs/cgroup/user.slice/memory.current": f"{GIB}\n"})
    assert available_memory(tmp_path) is None  # no limit
    tree(tmp_path, {"sys/fs/cgroup/user.slice/memory.max": f"{5 * GIB}\n"})
    assert available_memory(tmp_path).bytes == 4 * GIB
    tree(tmp_path, {"proc/meminfo": MEMINFO.format(kb=1234567)})
    assert available_memory(tmp_path) == (1234567 * 1024, f"MemAvailable in {tmp_path}/proc/meminfo")


@pytest.mark.parametrize("version", [2, 1])
def test_the_page_cache_a_previous_run_kept_active_is_reclaimable_too(tmp_path, version):
    """A grid's second run in a SLURM job (--mem=16G): the first one read the shards every epoch, so
    their 6 GiB of cache sits on the active list. The kernel reclaims it before it kills anything
    (MemAvailable counts it); counted as used, the run was refused 6 GiB short."""
    if version == 2:
        job, files = "sys/fs/cgroup/slurm/job_7", ("memory.max", "memory.current", "")
        line = "0::/slurm/job_7\n"
    else:
        job, files = "sys/fs/cgroup/memory/slurm/job_7", ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_")
        line = "4:memory:/slurm/job_7\n"
    limit, usage, stat = files
    root = tree(tmp_path, {
        "proc/meminfo": MEMINFO.format(kb=200 * GIB // 1024), "proc/self/cgroup": line,
        f"{job}/{limit}": f"{16 * GIB}\n", f"{job}/{usage}": f"{9 * GIB}\n",
        f"{job}/memory.stat": f"{stat}active_anon {2 * GIB}\n{stat}inactive_file {GIB}\n{stat}active_file {6 * GIB}\n"})
    assert available_memory(root).bytes == 16 * GIB - 2 * GIB
