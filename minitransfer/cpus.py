"""The cores this process may use: what a grid's slots and an import's decoding processes share.

Three things bound them: the process's CPU affinity (a SLURM allocation's cores, ``taskset``, a
container's cpuset), the CPU quota of its cgroups (``docker --cpus 2``, Kubernetes' CPU limit, a
SLURM job under cgroup v2 limits), which lets a container on a 64-core host run 2 cores' worth of
time: threads and processes sized for 64 would take turns on 2. The quota is cgroup v2's
``cpu.max`` ("QUOTA PERIOD", "max" for none) or v1's ``cpu.cfs_quota_us`` (-1 for none) over
``cpu.cfs_period_us``, of the process's cgroup and its ancestors (the tightest binds), rounded up:
1.5 cores' quota keeps two busy; and, where the affinity is every core of the machine, a SLURM
job's ``--cpus-per-task`` (``SLURM_CPUS_PER_TASK``): a cluster that binds its jobs neither to cores
nor by a quota (no task/affinity or task/cgroup plugin) leaves a 2-core job the whole node, whose
other cores other jobs were given. An affinity narrower than the machine is SLURM's binding (or a
person's), which knows the cores better: a batch script of several tasks holds all of theirs.

NumPy's BLAS (OpenBLAS in NumPy's wheels) starts as many threads as the affinity allows, blind to
the quota: :func:`bound_blas_threads`, called as minitransfer is imported, bounds them for a single
run (``train``, a grid of one slot; a grid of several gives each its share of the cores).
:func:`blas_kernels` names the kernels it chose for this CPU and :func:`blas_threads` the threads it runs, on
which a CPU training's bits depend (a run's result.json records both: :func:`minitransfer.run_outcome.environment`).
"""

import ctypes
import importlib
import math
import os
import sys

from minitransfer.memory_limit import cgroup_folders


def usable_cpus(root="/", environ=os.environ):
    """The cores this process may run on (its affinity, else the machine's), at most its cgroups' CPU
    quota and, where the affinity is the whole machine, its SLURM job's cores per task. ``root``:
    where /proc and /sys are found (a test's fake tree); ``environ``: where SLURM_CPUS_PER_TASK is read."""
    cores, quota = _affinity(), cpu_quota(root)
    per_task = _slurm_cpus_per_task(environ) if cores >= (os.cpu_count() or 1) else None
    bounds = [math.ceil(quota) if quota is not None else None, per_task]
    return max(1, min([cores, *(bound for bound in bounds if bound is not None)]))


# What NumPy's BLAS reads, as it loads, for its number of threads: OpenMP, OpenBLAS (and its GotoBLAS name), MKL. A
# user's GOTO_NUM_THREADS was not among them: under a CPU quota OPENBLAS_NUM_THREADS was set over it, which outranks it.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS")


def threads_chosen(environ=os.environ):
    """Whether ``environ`` (a process's environment) chooses NumPy's BLAS threads: sets any of
    :data:`THREAD_VARIABLES`, which then are the user's alone (:func:`bound_blas_threads`, a grid's slots): a grid
    that set the others beside a user's OMP_NUM_THREADS=1 gave OpenBLAS an OPENBLAS_NUM_THREADS it reads first."""
    return any(name in environ for name in THREAD_VARIABLES)


def bound_blas_threads(root="/", load=lambda: importlib.import_module("numpy")):
    """Load NumPy (``load``) with at most :func:`usable_cpus` BLAS threads where a CPU quota (or a
    SLURM job's cores per task) binds tighter than the affinity: a training on a 2-core quota of a
    64-core host ran 64 threads taking turns on 2. Too late once NumPy is loaded, and nothing to do
    where the user set one of :data:`THREAD_VARIABLES`. They are set for the load only: the
    processes this one starts (a grid's slots, which share the cores out) choose their own."""
    if "numpy" in sys.modules or threads_chosen():
        return
    cores = usable_cpus(root)
    if cores >= _affinity():
        return
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, str(cores)))
    try:
        load()
    finally:
        for name in THREAD_VARIABLES:
            os.environ.pop(name, None)


# The functions naming OpenBLAS's kernels: NumPy's wheels' (scipy-openblas, 64-bit integers), then a
# system OpenBLAS of 64-bit integers, then a plain one; and those telling its number of threads, likewise.
_CORENAME_FUNCTIONS = ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                       "openblas_get_corename")
_THREADS_FUNCTIONS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                      "openblas_get_num_threads64_", "openblas_get_num_threads")
_SET_THREADS_FUNCTIONS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                          "openblas_set_num_threads64_", "openblas_set_num_threads")


def blas_kernels(maps="/proc/self/maps"):
    """The kernels NumPy's BLAS chose for this CPU, e.g. "OpenBLAS SkylakeX"; None where no OpenBLAS
    is loaded (another BLAS, or no ``maps``: the libraries this process loaded, Linux's /proc/self/maps).

    OpenBLAS picks its kernels by CPU (``OPENBLAS_CORETYPE`` overrides the choice: "Sandybridge",
    "Haswell", ...), and each sums a product's terms in its own order, which some also change with the
    number of threads: a network trained on the CPU is the same bits run to run on one machine, not
    across machines, and its accuracies move by a point or so, as another training seed's would."""
    function = _openblas_function(_CORENAME_FUNCTIONS, maps)
    if function is None:
        return None
    function.restype = ctypes.c_char_p
    return f"OpenBLAS {function().decode()}"


def blas_threads(maps="/proc/self/maps"):
    """The number of threads NumPy's OpenBLAS runs a product on (read from the library, which chose it as it
    loaded: :data:`THREAD_VARIABLES`, else the cores); None where no OpenBLAS is loaded. Its kernels sum a
    product's terms in another order on another number of threads: a CPU training with OMP_NUM_THREADS=1 and
    one with two threads are different bits."""
    function = _openblas_function(_THREADS_FUNCTIONS, maps)
    if function is None:
        return None
    function.restype = ctypes.c_int
    return function()


def set_blas_threads(count, maps="/proc/self/maps"):
    """Make NumPy's OpenBLAS run its products on ``count`` threads from now on, as it would have had it loaded
    with OPENBLAS_NUM_THREADS=count (the same split of the work, the same bits); False where no OpenBLAS is
    loaded (nothing set)."""
    function = _openblas_function(_SET_THREADS_FUNCTIONS, maps)
    if function is None:
        return False
    function.argtypes = [ctypes.c_int]
    function(count)
    return True


def thread_variable(environ=os.environ):
    """The variable that gave NumPy's OpenBLAS its number of threads in this process: the first of
    :data:`OPENBLAS_PRECEDENCE` set here to a positive count (OpenBLAS reads them in that order, MKL_NUM_THREADS
    not at all), else OMP_NUM_THREADS (set or not: the one the README advises)."""
    return next((name for name in OPENBLAS_PRECEDENCE if _count(environ.get(name)) is not None), "OMP_NUM_THREADS")


# The variables a (pthreads) OpenBLAS reads for its number of threads, the first set to a positive count winning:
# OMP_NUM_THREADS=1 before a command was overridden by an OPENBLAS_NUM_THREADS=3 exported in the shell.
OPENBLAS_PRECEDENCE = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _count(value):
    """``value`` (an environment variable's text) as OpenBLAS reads a count: a positive number, else None."""
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count > 0 else None


def _openblas_function(names, maps):
    """The first of the functions ``names`` of the OpenBLAS this process loaded (NumPy's, loaded first), found
    through ``maps``; None where none is (another BLAS, no OpenBLAS, no ``maps``)."""
    importlib.import_module("numpy")  # loads the BLAS
    try:
        with open(maps) as lines:
            fields = (line.split(maxsplit=5) for line in lines if "openblas" in line.lower())
            paths = sorted({each[5].strip() for each in fields if len(each) == 6})  # the sixth: a library's path
    except OSError:
        return None
    for path in paths:
        try:
            library = ctypes.CDLL(path)  # already loaded: the same library, not a second copy
        except OSError:
            continue
        for name in names:
            function = getattr(library, name, None)
            if function is not None:
                return function
    return None


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


def _slurm_cpus_per_task(environ):
    """The cores per task a SLURM job was given (``--cpus-per-task``), or None where it was not (or
    the variable is not a positive number)."""
    try:
        count = int(environ.get("SLURM_CPUS_PER_TASK", ""))
    except ValueError:
        return None
    return count if count > 0 else None


def _affinity():
    """The cores this process may run on: its affinity, else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _read_words(path, count):
    """The first ``count`` words of a cgroup file; Nones where it cannot be read or holds fewer."""
    try:
        words = path.read_text().split()
    except OSError:
        words = []
    return tuple(words[:count]) + (None,) * (count - len(words[:count]))
