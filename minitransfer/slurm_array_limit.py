"""The most tasks a SLURM job array holds: MaxArraySize (SLURM refuses an index of it or more, "Invalid job
array specification"), or SchedulerParameters' ``max_array_tasks`` where that is lower, both read from
``scontrol show config``; SLURM's default, :data:`DEFAULT_MAX_ARRAY_SIZE`, where neither is read. Read alike by
the summary printed at emission (:func:`cluster_array_size`) and by ``submit.sh``, which splits a script's runs
into arrays under it (:func:`array_size_lines`; the rest of ``submit.sh``: :mod:`minitransfer.slurm_submit`).
"""

import re

from minitransfer import slurm_asked

DEFAULT_MAX_ARRAY_SIZE = 1001  # SLURM's default: array task indices 0..1000


def cluster_array_size():
    """The most tasks an array of the cluster this runs on holds, as ``submit.sh`` reads it there
    (``scontrol show config``: MaxArraySize, or SchedulerParameters' ``max_array_tasks`` where lower),
    and the name of that limit: ``(1001, "MaxArraySize")``; None where there is no ``scontrol``, or it
    fails, does not answer in :data:`minitransfer.slurm_asked.SECONDS` (nor asked where SLURM could not be
    reached a moment ago: :func:`minitransfer.slurm_asked.ask`) or names neither (``submit.sh`` then assumes
    SLURM's default, :data:`DEFAULT_MAX_ARRAY_SIZE`; why: :func:`read_array_size`)."""
    return read_array_size()[0]


def read_array_size():
    """:func:`cluster_array_size`'s limit and None, or None and why none was read, as one clause: "no scontrol
    installed", "could not ask SLURM (scontrol gave no answer in 10 s)", "scontrol failed: scontrol: error:
    Invalid user: 1234", "scontrol show config names no MaxArraySize". The summary said "no scontrol answered
    here" for each, an scontrol that failed with the controller up (a user SLURM does not know) too."""
    config = slurm_asked.ask("scontrol", "show", "config")
    if config is None:
        unreached = slurm_asked.unreached()
        if unreached is not None:
            return None, f"could not ask SLURM ({unreached})"
        return None, slurm_asked.failed("scontrol") or "no scontrol installed"
    limits = [(int(size), "MaxArraySize")
              for size in re.findall(r"^MaxArraySize *= *([0-9]+) *$", config, re.MULTILINE)[:1]]
    limits += [(int(tasks), "max_array_tasks") for tasks in re.findall(r"max_array_tasks=([0-9]+)", config)[:1]]
    limits = [limit for limit in limits if limit[0] > 0]
    if not limits:
        return None, "scontrol show config names no MaxArraySize"
    if limits[0][1] == "max_array_tasks":  # no MaxArraySize line: submit.sh takes the default's
        limits.append((DEFAULT_MAX_ARRAY_SIZE, "MaxArraySize"))
    return min(limits, key=lambda limit: limit[0]), None


def array_size_lines():
    """Bash lines of ``submit.sh`` setting ``array_size`` to the cluster's limit, read as
    :func:`cluster_array_size` reads it (SLURM's default where no scontrol answers)."""
    return [
        "# SLURM takes array indices 0 to MaxArraySize - 1 only (sbatch: \"Invalid job array specification\"), and",
        "# max_array_tasks tasks an array at most: more runs of a script are submitted as several arrays, each",
        "# numbered from 0 (transfers.sh's per base), its tasks given the index of its first run",
        f"array_size={DEFAULT_MAX_ARRAY_SIZE}  # SLURM's default MaxArraySize",
        'if type -P scontrol > /dev/null && config=$(scontrol show config 2>/dev/null); then',
        "  limit=$(sed -n 's/^MaxArraySize *= *\\([0-9][0-9]*\\) *$/\\1/p' <<< \"$config\")",
        '  if [[ "$limit" =~ ^[1-9][0-9]*$ ]]; then array_size=$limit; fi',
        "  limit=$(grep --only-matching 'max_array_tasks=[0-9]*' <<< \"$config\" | head -n 1) || true",
        '  limit=${limit#*=}',
        '  if [[ "$limit" =~ ^[1-9][0-9]*$ ]] && [ "$limit" -lt "$array_size" ]; then array_size=$limit; fi',
        "fi",
    ]
