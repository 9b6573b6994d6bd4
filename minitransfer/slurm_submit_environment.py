"""What ``submit.sh`` (:mod:`minitransfer.slurm_submit`) makes of the environment of the shell that submits,
before it queues anything (its other checks: :mod:`minitransfer.slurm_submit_checks`).

It submits nothing (exit 2) where sbatch's environment would override the scripts' own lines: an
``SBATCH_TIMELIMIT`` not over the SIGTERM margin, an ``SBATCH_SIGNAL`` (as ``--time`` and ``--signal``
are refused as ``--sbatch-option``), or one undoing what the tasks rely on: ``SBATCH_NO_REQUEUE``,
``SBATCH_OUTPUT``, ``SBATCH_ERROR``, ``SBATCH_OPEN_MODE``, ``SBATCH_WAIT``, an ``SBATCH_EXPORT`` giving
a value to a variable the tasks' srun takes (as such an ``--export`` is refused as ``--sbatch-option``); or one
sending the jobs to another cluster, ``SBATCH_CLUSTERS`` or ``SLURM_CLUSTERS`` (as ``--clusters`` is
refused as ``--sbatch-option``), whose queue its squeue does not list (:func:`environment_lines`).
It runs sbatch without srun's input variables of its shell (:data:`SRUN_VARIABLES`), which sbatch
would pass on to each task's srun: the training's output elsewhere, started without PATH, srun's errors
read as a checkpoint (``SLURM_EXIT_ERROR=75``), the step refused other resources than its job's.
"""

import shlex

from minitransfer.slurm_sbatch import (LOGIN_ENVIRONMENT, OPEN_MODE, OTHER_CLUSTER, OUTPUT, REQUEUE, SRUN_VARIABLES,
                                       TASK_ENVIRONMENT, WAIT, exported_refusal)
from minitransfer.slurm_time import time_limit_variable_lines


def environment_lines(margin):
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where sbatch's environment would override
    the scripts' own ``#SBATCH`` lines (sbatch takes its input variables over a script's lines): an
    ``SBATCH_TIMELIMIT`` that leaves too little of its time limit to train before ``margin``
    (:func:`~minitransfer.slurm_time.time_limit_variable_lines`); any ``SBATCH_SIGNAL``, which would
    replace the SIGTERM the training checkpoints on; and those that would undo what the tasks rely on
    (:func:`_refused_variable`: seen with sbatch -v --test-only and
    ``scontrol show job`` on SLURM 22.05): ``SBATCH_NO_REQUEUE`` (any value) or ``SBATCH_REQUEUE=0``
    (no ``scontrol requeue`` after a checkpoint), ``SBATCH_OUTPUT`` and ``SBATCH_ERROR`` (the output
    elsewhere), an ``SBATCH_OPEN_MODE`` other than append (each requeue truncating it), an
    ``SBATCH_EXPORT`` with a value for a variable the tasks' srun or SLURM commands take
    (:func:`_exported_lines`), and
    ``SBATCH_WAIT`` (sbatch waiting for each array to end); and ``SBATCH_CLUSTERS`` or ``SLURM_CLUSTERS``
    (:func:`_other_cluster_lines`). Then a warning (going on) for an ``SBATCH_EXPORT`` that leaves
    this shell's environment out (:func:`_login_environment_lines`)."""
    return [
        "# sbatch takes its input variables over the scripts' #SBATCH lines",
        *time_limit_variable_lines(margin),
        *_refused_variable('-n "${SBATCH_SIGNAL-}"', "SBATCH_SIGNAL", f"the scripts' --signal=TERM@{margin}, with "
                           "which SLURM signals the training to checkpoint before the time limit"),
        # any value: 0 too makes the job's requeue the cluster's default (JobRequeue), not the scripts' --requeue
        *_refused_variable('-n "${SBATCH_NO_REQUEUE+set}"', "SBATCH_NO_REQUEUE", REQUEUE),
        *_refused_variable('"${SBATCH_REQUEUE-}" = 0', "SBATCH_REQUEUE", REQUEUE, "set it to 1"),
        *_refused_variable('-n "${SBATCH_OUTPUT+set}"', "SBATCH_OUTPUT", OUTPUT),
        *_refused_variable('-n "${SBATCH_ERROR+set}"', "SBATCH_ERROR", OUTPUT),
        # sbatch reads a mode beginning with a (A, append, APPEND) as append, one beginning with t as truncate
        *_refused_variable('-n "${SBATCH_OPEN_MODE+set}" && "${SBATCH_OPEN_MODE-}" != [aA]*', "SBATCH_OPEN_MODE",
                           f"{OPEN_MODE} (or sbatch refuses the mode)"),
        *_exported_lines(),
        *_refused_variable('-n "${SBATCH_WAIT+set}" && "${SBATCH_WAIT-}" != 0', "SBATCH_WAIT", WAIT),
        *_other_cluster_lines(),
        *_login_environment_lines(),
        # Harmless, left: SBATCH_ARRAY_INX and SBATCH_DEPENDENCY (sbatch 22.05 reads no such variable), which the
        # --array and --dependency given here override anyway; SBATCH_JOB_NAME, a name nothing here reads (the
        # transfers' --job-name given here overrides it); SBATCH_REQUEUE other than 0 (--requeue, as the scripts
        # ask); SBATCH_PARTITION, SBATCH_GRES, SBATCH_ACCOUNT and their like: resources, which sbatch --test-only
        # (--dry-run) and the sbatch here check, refusing what the cluster cannot give.
    ]


def _exported_lines():
    """Bash lines reading ``SBATCH_EXPORT`` in one pass: ending ``submit.sh`` (exit 2, submitting nothing)
    where it (names, each alone or with a value, after ALL or NONE or not) gives a value to one of
    :data:`SRUN_VARIABLES`, or to ``SLURM_CLUSTERS``: sbatch sets it in each task's environment, whose srun
    (and squeue, scancel, scontrol) take it, as if it were set in the shell that submits, where this script
    unsets it. Seen on the test cluster: ``ALL,SLURM_LABELIO=1`` began each line of train.log with "0: ",
    ``ALL,SLURM_CLUSTERS=x`` failed each step ("'x' can't be reached now"). Left: a name alone (sbatch
    exports this shell's value, unset here), and any other variable (``ALL,CUDA_VISIBLE_DEVICES=0``; SLURM
    sets the task's own ids over an ``SLURM_ARRAY_TASK_ID`` given so: seen). Whether it names ``ALL`` (any
    case, as sbatch reads it) stays in ``$exports_all``: ``NONE``, or names without ``ALL``, are taken as
    the same ``--export`` is as an ``--sbatch-option``: on the test cluster the tasks trained with either,
    the same environment in each (SLURM loads the user's login environment, PATH with it; the train
    command names its program by its full path), where this script refused ``SBATCH_EXPORT=NONE`` before;
    warned of once the other variables pass (:func:`_login_environment_lines`)."""
    arms = [f"          {'|'.join(names)}) what={shlex.quote(what)} ;;" for what, names in TASK_ENVIRONMENT.items()]
    refusal = exported_refusal("nothing submitted: SBATCH_EXPORT=$SBATCH_EXPORT", "${item%%=*}", "$what",
                               "leave ${item%%=*} out of SBATCH_EXPORT (or set it to ALL), then rerun $submit_sh")
    return [
        "# values: sbatch sets them in each task's environment, whose srun takes them; without ALL (NONE, or",
        "# names only), the tasks get SLURM's login environment only: warned of after the other checks",
        "exports_all=yes",
        'if [ -n "${SBATCH_EXPORT-}" ]; then',
        '  IFS=, read -r -a exported <<< "$SBATCH_EXPORT"',
        "  exports_all=no",
        '  for item in ${exported[@]+"${exported[@]}"}; do',
        '    what=""',
        '    case "$item" in',
        "      [aA][lL][lL]) exports_all=yes ;;",
        "      *=*)",
        '        case "${item%%=*}" in',
        *arms,
        "        esac ;;",
        "    esac",
        '    if [ -n "$what" ]; then',
        f'      echo "{refusal}" >&2',
        "      exit 2",
        "    fi",
        "  done",
        "fi",
    ]


def _login_environment_lines():
    """Bash lines warning (on stderr, going on) where ``SBATCH_EXPORT`` is ``NONE``, or names without
    ``ALL`` (``$exports_all``, as :func:`_exported_lines` read it): :data:`LOGIN_ENVIRONMENT`, as
    ``emit_slurm`` warns of such an ``--export`` given as an ``--sbatch-option``
    (:func:`~minitransfer.slurm_sbatch.login_environment_warning`)."""
    warning = LOGIN_ENVIRONMENT.format(given="SBATCH_EXPORT=$SBATCH_EXPORT", remedy="set SBATCH_EXPORT=ALL (or "
                                       "unset it), or name in it each variable the tasks need")
    return [f'if [ "$exports_all" = no ]; then echo "warning: {warning}" >&2; fi']


def _other_cluster_lines():
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where ``SBATCH_CLUSTERS`` or
    ``SLURM_CLUSTERS`` is set (any value: sbatch 22.05 reads both as its ``--clusters``, an empty one
    too), as ``--clusters`` is refused as an ``--sbatch-option``: :data:`~minitransfer.slurm_sbatch.OTHER_CLUSTER`
    (squeue takes ``SLURM_CLUSTERS`` too, but so would each task's squeue, scancel and scontrol, which
    sbatch passes it on to: the scripts submit to, and read the queue of, the cluster they run on only)."""
    remedy = "run $submit_sh on a login node of the cluster the jobs are for"
    return [
        "if [ -n \"${SBATCH_CLUSTERS+set}\" ]; then",
        f'  echo "nothing submitted: SBATCH_CLUSTERS=$SBATCH_CLUSTERS, which sbatch takes as its --clusters: '
        f'{OTHER_CLUSTER}; unset SBATCH_CLUSTERS, then {remedy}" >&2',
        "  exit 2",
        "fi",
        "if [ -n \"${SLURM_CLUSTERS+set}\" ]; then",
        '  echo "nothing submitted: SLURM_CLUSTERS=$SLURM_CLUSTERS, which sbatch takes as its --clusters, and squeue,'
        " scancel and scontrol as theirs, here and in each task (sbatch passes it on): the scripts submit to, and read"
        f' the queue of, the cluster they run on only; unset SLURM_CLUSTERS, then {remedy}" >&2',
        "  exit 2",
        "fi",
    ]


def srun_variables_lines():
    """Bash lines unsetting :data:`SRUN_VARIABLES` before any sbatch, so that no task's srun takes them
    from the shell that submits (sbatch passes its environment on to the tasks). Unset here, not in the
    tasks: SLURM itself sets some of them in a job's environment, from the job's own options (SLURM_OPEN_MODE
    from --open-mode, SLURM_MEM_PER_NODE from --mem, SLURM_GPUS from --gpus ...), which the step is to
    follow. Left: those srun ignores within a job (SLURM_PARTITION, SLURM_ACCOUNT, SLURM_QOS,
    SLURM_DEPENDENCY ...: seen), or that change nothing the task relies on with its one task
    (SLURM_KILL_BAD_EXIT: exit 75 stays 75; SLURM_DEBUG, SLURM_UMASK), and the user's own programs
    (SLURM_TASK_PROLOG, SLURM_PROLOG ...)."""
    lines = ["# srun's input variables of this shell: sbatch would pass them on to each task's srun"]
    for what, names in SRUN_VARIABLES.items():
        lines.append(f"unset -v {' '.join(names)}  # {what}")
    return lines


def _refused_variable(condition, variable, overridden, remedy=None):
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where bash ``[[ condition ]]`` holds:
    sbatch input environment variable ``variable`` is set as sbatch would take over ``overridden`` (what
    the scripts rely on, and what would happen); ``remedy``: what to set it to instead of unsetting it."""
    instead = f" (or {remedy})" if remedy else ""
    return [
        f"if [[ {condition} ]]; then",
        f'  echo "nothing submitted: {variable}=${{{variable}}}, which sbatch takes over {overridden}: unset '
        f'{variable}{instead}, then rerun $submit_sh" >&2',
        "  exit 2",
        "fi",
    ]
