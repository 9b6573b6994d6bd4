"""The cores this process may use: what a grid's slots and an import's decoding processes share."""

import os


def usable_cpus():
    """The cores this process may run on (its affinity: a SLURM allocation's, a container's), else
    the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
