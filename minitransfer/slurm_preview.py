"""What the scripts of :func:`minitransfer.slurm.emit_slurm` submit, said at emission and by the grid's dry run
(:func:`describe_scripts`): the job arrays and their dependencies, what each task asks SLURM for, what ``submit.sh``
checks of the time limit, where the logs go, and how to see what ``submit.sh`` would submit now. Off the cluster,
these lines are the preview."""

import collections
import pathlib
import shlex

from minitransfer import experiment as grid
from minitransfer.slurm_array_limit import DEFAULT_MAX_ARRAY_SIZE, read_array_size
from minitransfer.slurm_plan import BASES_FILE, SUBMIT_FILE, TRANSFERS_FILE
from minitransfer.slurm_time import PAST_MAX_TIME, parse_time_limit, shortest_time_limit_minutes

__all__ = ["describe_scripts"]


def describe_scripts(runs, out, slurm_dir, array_size=None):
    """Lines saying what the scripts :func:`emit_slurm` wrote into ``slurm_dir`` for ``runs`` submit: how
    many job arrays of how many tasks, in which order, what each task asks SLURM for (the ``#SBATCH``
    lines both array scripts share), where the logs go, and how to see what ``submit.sh`` would submit
    now (``submit.sh --dry-run``: less the runs finished or queued already), on a login node: it asks SLURM,
    so off the cluster these lines are the preview. The arrays are counted
    under ``array_size`` (the most tasks an array holds, and that limit's name, as
    :func:`~minitransfer.slurm_array_limit.read_array_size` gives them), by default the limit of the
    cluster this runs on, as ``submit.sh`` reads it (``scontrol show config``), else SLURM's default."""
    slurm_dir = pathlib.Path(slurm_dir)
    size, limit = _array_limit(*(read_array_size() if array_size is None else (array_size, None)))
    bases = [run for run in runs if run.parent is None]
    per_base = collections.Counter(run.parent for run in runs if run.parent is not None)
    lines = [f"{BASES_FILE}: the {_count(len(bases), 'base')} (runs without a parent), "
             f"{_arrays_of(len(bases), size, limit)}"] if bases else []
    if per_base:
        sizes = sorted(set(per_base.values()))
        if sizes[-1] <= size:
            tasks = _count(sizes[0], "task") if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]} tasks"
            arrays = f"one job array per base ({_count(len(per_base), 'array')} of {tasks})"
        else:
            split = sum(-(-base_size // size) for base_size in per_base.values())
            arrays = (f"one job array per base, or more for a base of over {size} "
                      f"({_count(split, 'array')} of at most {size} tasks, {limit})")
        lines.append(f"{TRANSFERS_FILE}: the {_count(sum(per_base.values()), 'transfer')}, {arrays}, each after "
                     f"its base's task (afterok)")
    script = slurm_dir / (BASES_FILE if bases else TRANSFERS_FILE)
    asked = [line.removeprefix("#SBATCH ") for line in script.read_text(errors="surrogateescape").splitlines()
             if line.startswith("#SBATCH ") and not line.startswith(("#SBATCH --job-name=", "#SBATCH --output="))]
    lines.append(f"each task asks SLURM for: {' '.join(asked)}")
    lines.append(_time_limit_checked(asked))
    lines.append(f"task logs: {slurm_dir / 'logs'}; each run's training output: "
                 f"{pathlib.Path(out) / '<run>.run' / grid.LOG_FILE}")
    lines.append(f"off the cluster, these lines are the preview: {SUBMIT_FILE} --dry-run asks SLURM (squeue, "
                 "scontrol, sbatch --test-only) where its commands are installed, so there it runs where SLURM's "
                 "controller answers (with none, it prints the sbatch lines unchecked)")
    lines.append(f"on a login node of the cluster, to see what {SUBMIT_FILE} would submit now, queueing nothing: "
                 f"bash {shlex.quote(str(slurm_dir / SUBMIT_FILE))} --dry-run")
    return lines


def _time_limit_checked(asked):
    """What ``submit.sh`` checks of the time limit the tasks get, the scripts asking SLURM for ``asked`` (their
    #SBATCH options) (:func:`minitransfer.slurm_time.partition_time_lines`): without a ``--time``, the
    partition's; with one, or with none asked for (0, UNLIMITED), the partition's MaxTime."""
    time_limit = next((option.partition("=")[2] for option in asked if option.startswith("--time=")), None)
    margin = next((option.partition("@")[2] for option in asked if option.startswith("--signal=TERM@")), "")
    if not margin.isdigit():  # its #SBATCH lines edited (which submit.sh allows): the dry run of the grid read them
        return ("no --signal=TERM@SECONDS line: the tasks are not told to checkpoint before their time limit, and a "
                "task that reaches it is killed (TIMEOUT), not requeued; emit the scripts again to restore it")
    if time_limit is None:
        margin = int(margin)
        return (f"no --time: each task gets its partition's time limit (DefaultTime, else MaxTime), which must be "
                f"{shortest_time_limit_minutes(margin)} minutes or more (SIGTERM {margin} s before it); "
                f"{SUBMIT_FILE} checks it before it submits")
    try:
        seconds = parse_time_limit(time_limit)
    except ValueError as error:  # an #SBATCH --time edited, not checked by emit_slurm
        return f"#SBATCH --time={time_limit}: {error} (emit the scripts again)"
    if seconds is None:
        asks, refused = "no time limit", "the partition has one (for a list of partitions: where every one has)"
    else:  # sbatch reads a bare number as minutes; another form, its minutes said after it
        minutes = _count(seconds // 60, "minute") + (f" {seconds % 60} s" if seconds % 60 else "")
        asks = f"a limit of {minutes}" if time_limit.isdigit() else f"a limit of {time_limit} ({minutes})"
        refused = "the partition's is shorter (for a list of partitions: where every one's is)"
    return (f"--time={time_limit} asks for {asks}, and {PAST_MAX_TIME}: {SUBMIT_FILE} reads the partition's MaxTime "
            f"before it submits (SBATCH_TIMELIMIT's limit in place of --time), and submits nothing where {refused}")


def _array_limit(read, unread):
    """The most tasks an array holds and the words naming that limit, for ``read``, the cluster's
    (:func:`~minitransfer.slurm_array_limit.read_array_size`), or None where it could not be read (why:
    ``unread``, said)."""
    if read is None:
        return DEFAULT_MAX_ARRAY_SIZE, (f"SLURM's default MaxArraySize; {SUBMIT_FILE} reads the cluster's, not read "
                                        f"here: {unread}")
    size, name = read
    return size, f"this cluster's {name}, read by scontrol show config as {SUBMIT_FILE} reads it"


def _arrays_of(tasks, size, limit):
    """How ``submit.sh`` submits ``tasks`` runs of one script as arrays of at most ``size`` tasks
    (``limit``: the words naming that limit)."""
    if tasks <= size:
        return f"one job array of {_count(tasks, 'task')}"
    return f"{-(-tasks // size)} job arrays of at most {size} tasks ({limit})"


def _count(number, word):
    return f"{number} {word}{'s' * (number != 1)}"
