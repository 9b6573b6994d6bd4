"""What ``experiment --dry-run``, the way to watch a grid submitted to SLURM, says of its runs submit.sh queued:
the dry run sees only the grid folder, where a run still queued looks like one never submitted ("[todo]",
"would run on the CPU, one at a time"), which read as a submission lost. :func:`submitted_note` names the runs
to train that the grid's latest ``submit.sh`` (the scripts ``OUT/experiment.json`` records) listed in its
``submitted.txt`` for this plan: queued or running, unless cancelled or failed since, which only SLURM knows."""

import os
import shlex

from minitransfer.experiment import PLAN_ID, SLURM_SCRIPTS
from minitransfer.grid_plan_file import read_plan
from minitransfer.slurm_plan import SUBMIT_FILE, SUBMITTED_FILE

SHOWN = 3  # runs named, the others counted


def submitted_note(runs, out):
    """A note naming those of ``runs`` (the dry run's runs to train) that ``OUT``'s SLURM scripts submitted for
    its current plan, each with its array task, and how to see which are still queued; "" where none is listed
    (no scripts recorded, no submitted.txt, or its tasks of another plan: they train nothing)."""
    plan = read_plan(out)
    scripts, identity = (plan or {}).get(SLURM_SCRIPTS), (plan or {}).get(PLAN_ID)
    if not isinstance(scripts, str) or not isinstance(identity, str):
        return ""
    listed = os.path.join(scripts, SUBMITTED_FILE)
    try:
        with open(listed, errors="replace") as lines:
            records = [line.rstrip("\n").split("\t") for line in lines]
    except OSError:
        return ""
    task_of = {}
    for fields in records:
        if len(fields) == 3 and fields[2] == identity:
            task_of[os.path.normpath(_unquoted(fields[1]))] = fields[0]  # a later line: a later submission
    named = [(run.name, task_of[key]) for run in runs
             if (key := os.path.normpath(os.path.join(out, run.name))) in task_of]
    if not named:
        return ""
    shown = ", ".join(f"{name} as task {task}" for name, task in named[:SHOWN])
    more = f" and {len(named) - SHOWN} more" if len(named) > SHOWN else ""
    submit = shlex.quote(os.path.join(scripts, SUBMIT_FILE))
    return (f"{len(named)} of the runs to train {'were' if len(named) > 1 else 'was'} submitted to SLURM "
            f"({listed}: {shown}{more}): queued or running unless cancelled or failed since, which `squeue "
            f"--array` tells; `bash {submit} --dry-run` says what it would submit again")


def _unquoted(text):
    """``OUT/<run>`` as submit.sh wrote it (bash's printf %q), or as it is where shlex cannot read it."""
    try:
        words = shlex.split(text)
    except ValueError:
        return text
    return words[0] if len(words) == 1 else text
