"""The set of scripts ``--emit-slurm`` writes and the plan they belong to: the scripts' names, the line
each begins with, and the bash lines with which each task and ``submit.sh`` check that OUT is still
planned as they were written for (:mod:`minitransfer.slurm`).

The scripts hold the id of the plan they were written for (:func:`~minitransfer.grid_plan.plan_id`,
recorded in ``OUT/experiment.json``): once OUT is planned again with other options (a local
``experiment``, or ``--emit-slurm`` into this folder or another), each task still queued, and
``submit.sh``, ends with exit 2 and a line saying to cancel the old jobs and submit the new plan,
training and submitting nothing. The new plan's ``submit.sh`` counts them as not queued (emitted
into the same folder, it submits their runs anew and names those tasks, still listed, to cancel). A
task reads the plan holding the grid's planning lock shared (:class:`~minitransfer.grid_folder.GridLock`),
so a grid planning as it starts is waited for. The same plan emitted again (the same options, more
layers or seeds, another ``--device``) keeps its id. Where OUT holds no plan at all (a node that
does not mount OUT's file system, or OUT deleted or moved), a task (exit 74) and ``submit.sh`` (exit 2:
emit the scripts again) end with a line saying so, writing nothing there.
"""

import shlex

from minitransfer import experiment as grid
from minitransfer.grid_outcome import EXIT_IO

SUBMIT_FILE = "submit.sh"
BASES_FILE = "bases.sh"
TRANSFERS_FILE = "transfers.sh"
# "<job>_<task>\tOUT/<run> as printf %q writes it\t<plan id>", one per array task; without the plan id (written
# by older versions), or with another, the task is of another plan: not queued for this one
SUBMITTED_FILE = "submitted.txt"
# in OUT: the scripts folders whose submit.sh submitted runs of OUT, one a line (a folder's path holds no
# line break: slurm.emit_slurm refuses one), so that the same plan emitted again into another folder does
# not queue the runs the first one's tasks train; locked while a submit.sh of OUT submits
SUBMITTERS_FILE = ".slurm-submitters"
HEADER = "#!/usr/bin/env bash\n# minitransfer experiment --emit-slurm: "  # how every script written here begins
# squeue's and scancel's input variables, which the scripts' own calls run without (set in the shell that
# submits, sbatch passes them on to the tasks): SQUEUE_STATES=RUNNING or SQUEUE_PARTITION hid the queued
# tasks from submit.sh, which submitted their runs again, and from a task asking its own state (read as gone:
# not requeued after its checkpoint); SCANCEL_FULL made a task's scancel --signal=TERM reach srun, which kills
# the step without a checkpoint; SCANCEL_INTERACTIVE asked for a confirmation nobody gives
SLURM_COMMANDS_OWN_OPTIONS = [
    "# squeue and scancel here with the options given here only, not those of SQUEUE_* and SCANCEL_*",
    'unset -v "${!SQUEUE_@}" "${!SCANCEL_@}"',
]


def plan_file_check(what, exit_code=EXIT_IO):
    """Bash lines that end the script (``exit_code``: 74 for a task, an I/O failure on its node; 2 for
    ``submit.sh``, whose grid is not where its scripts say, was 74 against its documented codes; saying
    ``what`` is not done and why) where ``$out`` holds
    no plan: a node that does not mount OUT's file system, or OUT deleted or moved; before anything is
    written there (a task would make the missing path on the node's own disk). The machine is named
    by ``uname -n``, not ``$HOSTNAME``: sbatch passes the submitting shell's on to the task, which
    bash keeps (the login node's name on every node)."""
    return [
        f'if [ ! -f "$out/{grid.PLAN_FILE}" ]; then',
        f'  echo "{what}: there is no $out/{grid.PLAN_FILE} on $(uname -n): $out is on a file system this machine '
        'does not mount, or it was deleted or moved since the scripts were written; run them where it is, or '
        'emit them again (minitransfer experiment --emit-slurm)" >&2',
        f"  exit {exit_code}",
        "fi",
    ]


def plan_check(out, slurm_dir, plan, what):
    """Bash lines that end the script (exit 2, saying ``what`` is not done and why) unless the plan
    ``OUT/experiment.json`` holds is still ``plan``, the one the scripts were written for
    (:func:`minitransfer.grid_plan.plan_id`), read from its line as :func:`minitransfer.grid_plan_file.write_plan`
    writes it."""
    return [
        f"plan={plan} scripts={shlex.quote(str(slurm_dir))}",
        f'now=$(grep --max-count=1 --only-matching \'^  "{grid.PLAN_ID}": "[0-9a-f]*"\' "$out/{grid.PLAN_FILE}" '
        "2>/dev/null || true)",
        'now=${now%\\"}; now=${now##*\\"}',
        'if [ "$now" != "$plan" ]; then',
        f'  echo "{what}: $out is no longer planned as these scripts were written for ($out/{grid.PLAN_FILE}: plan '
        '${now:-none}; theirs, in $scripts: plan $plan), it was planned again with other options: cancel the jobs '
        f'of these scripts (scancel; $scripts/{SUBMITTED_FILE} lists them), then submit the new plan with the '
        f'{SUBMIT_FILE} written for it" >&2',
        "  exit 2",
        "fi",
    ]
