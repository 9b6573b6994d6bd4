"""A training SLURM killed for going over its job's memory limit, as slurmstepd or srun wrote it into the run's
train.log: the one pattern (:data:`PATTERN`) that a SLURM task's bash greps for
(:func:`minitransfer.slurm_task_failure.failure_lines`) and that report, a grid's dry run and info read a train.log
by (:func:`memory_line`, :func:`minitransfer.grid_status.error_line`); and their words for it (:func:`killed_words`,
:func:`more_memory`; both: :func:`killed_and_remedy`). Before, report said such a run "stopped before its first
checkpoint", and its dry run "[todo]" alone: only a train.log ending on "error: ..." was a failure.
"""

import re

# slurmstepd's "StepId=<job>.0 exceeded memory limit (<used> > <limit>), being killed" (JobAcctGatherParams=
# OverMemoryKill), "Detected 1 oom-kill event(s) in StepId=..." (cgroups; "oom_kill" on some versions), or srun's
# "task 0: Out Of Memory": an extended regular expression, for grep -E -i and Python's re alike
PATTERN = r"^(slurmstepd[^:]*|srun): error: .*(exceeded (job )?memory limit|oom[-_]kill event|out of memory)"
STEP_LINE = re.compile(r"^(slurmstepd[^:]*|srun): ")  # slurmstepd's and srun's own lines, after the train's
SRUN_PREFIX = "srun: "  # srun's own lines, which a SLURM task's step appends to its run's train.log
LOG_TAIL = 16384  # the bytes of a train.log read for its last lines (here: those after its train's last)


def more_memory():
    """What to do: "ask for more memory per task (emit the scripts again with --sbatch-option --mem=<more>, or edit
    the #SBATCH --mem line of bases.sh and transfers.sh)"."""
    from minitransfer.slurm_plan import BASES_FILE, TRANSFERS_FILE  # slurm_plan imports grid_outcome: grid_status

    return (f"ask for more memory per task (emit the scripts again with --sbatch-option --mem=<more>, or edit the "
            f"#SBATCH --mem line of {BASES_FILE} and {TRANSFERS_FILE})")


def killed_words(line):
    """'out of memory: SLURM killed its training for using more memory than its job may ("LINE")', ``line`` the
    line SLURM said it in (:func:`memory_line`)."""
    return f'out of memory: SLURM killed its training for using more memory than its job may ("{line}")'


def killed_and_remedy(line):
    """:func:`killed_words` of ``line`` and, after "; ", what to do (:func:`more_memory`): the words report, a dry
    run, info and a SLURM task say such a kill in."""
    return f"{killed_words(line)}; {more_memory()}"


def memory_line(log):
    """The line of the train.log ``log`` in which SLURM says it killed the training of the run's last start for its
    memory limit (:data:`PATTERN`; the first, slurmstepd's before srun's), its blanks squeezed: among the lines of
    slurmstepd and srun that end the log, after its train's last (a later start's train writes its own lines after them:
    an earlier start's kill is not this one's). None where there is none, or the log cannot be read."""
    try:
        with open(log, "rb") as stream:
            size = stream.seek(0, 2)
            stream.seek(max(0, size - LOG_TAIL))
            lines = stream.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    ending = []  # the lines of slurmstepd and srun after the train's last, in their order
    for line in reversed([line for line in lines if line.strip()]):
        if not STEP_LINE.match(line):
            break
        ending.insert(0, line)
    said = next((line for line in ending if re.search(PATTERN, line, re.IGNORECASE)), None)  # the first, as grep -m 1
    return " ".join(said.split()) if said else None
