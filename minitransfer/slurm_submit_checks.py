"""What ``submit.sh`` (:mod:`minitransfer.slurm_submit`) refuses or unsets before it queues anything: its
bash lines that check the submitting shell's environment, SLURM's commands, the array scripts and the run
folders, each ending the script (submitting nothing) with what to do.

It submits nothing (exit 2) where sbatch's environment would override the scripts' own lines: an
``SBATCH_TIMELIMIT`` not over the SIGTERM margin, an ``SBATCH_SIGNAL`` (as ``--time`` and ``--signal``
are refused as ``--sbatch-option``), or one undoing what the tasks rely on: ``SBATCH_NO_REQUEUE``,
``SBATCH_OUTPUT``, ``SBATCH_ERROR``, ``SBATCH_OPEN_MODE``, ``SBATCH_WAIT``, an ``SBATCH_EXPORT`` giving
a value to a variable the tasks' srun takes (as such an ``--export`` is refused as ``--sbatch-option``); or one
sending the jobs to another cluster, ``SBATCH_CLUSTERS`` or ``SLURM_CLUSTERS`` (as ``--clusters`` is
refused as ``--sbatch-option``), whose queue its squeue does not list (:func:`environment_lines`).
Nor where a base would be trained again from the start (its weights file gone, or left without its
checkpoint) while runs that copied it are trained: the new base is another network than the one
they copied, refused as a local grid refuses it (:func:`bases_copied_lines`).
It runs sbatch without srun's input variables of its shell (:data:`SRUN_VARIABLES`), which sbatch
would pass on to each task's srun: the training's output elsewhere, started without PATH, srun's errors
read as a checkpoint (``SLURM_EXIT_ERROR=75``), the step refused other resources than its job's.
"""

import shlex

from minitransfer import experiment as grid
from minitransfer.slurm_plan import BASES_FILE, SUBMITTED_FILE, TRANSFERS_FILE
from minitransfer.slurm_sbatch import (LISTED_LIMIT, LISTED_LIMIT_SECONDS, LOGIN_ENVIRONMENT, OPEN_MODE,
                                       OTHER_CLUSTER, OUTPUT, REQUEUE, SRUN_VARIABLES, TASK_ENVIRONMENT, WAIT,
                                       exported_refusal, short_limit_refusal, shortest_time_limit_minutes)


def scripts_set_lines(bases, transfers):
    """Bash lines ending ``submit.sh`` (exit 2) where an array script it would submit (``bases.sh`` where
    there are ``bases``, ``transfers.sh`` where there are ``transfers``) is not of its set (``$scripts_id``):
    another set's array indices name other runs."""
    return [
        f"for script in {BASES_FILE * bool(bases)} {TRANSFERS_FILE * bool(transfers)}; do",
        '  if ! grep --quiet --line-regexp --fixed-strings "scripts_id=$scripts_id" "$script" 2>/dev/null; then',
        '    echo "nothing submitted: $scripts/$script is not of the set of scripts this $0 belongs to (set'
        ' $scripts_id): they were written by different --emit-slurm runs, one cut short (a full disk?); emit them'
        ' again (minitransfer experiment --emit-slurm), then rerun $0" >&2',
        "    exit 2",
        "  fi",
        "done",
    ]


def slurm_commands_lines():
    """Bash lines ending ``submit.sh`` (exit 1) where SLURM's commands it runs are not there (a dry run needs
    squeue only where an earlier submission is recorded): said once, not bash's "command not found" half-way."""
    return [
        "# SLURM's commands where this runs (a login node): said once, not bash's \"command not found\" half-way",
        "needed=(sbatch squeue scancel)",
        f'if [ "$dry_run" = yes ]; then needed=(); if [ -s {SUBMITTED_FILE} ]; then needed=(squeue); fi; fi',
        'for command in ${needed[@]+"${needed[@]}"}; do',
        '  if ! type -P "$command" > /dev/null; then',
        '    echo "nothing submitted: there is no $command here (PATH=$PATH): run $0 where SLURM\'s commands are'
        ' (a login node of the cluster), or make them available first (e.g. module load slurm)" >&2',
        "    exit 1",
        "  fi",
        "done",
    ]


def environment_lines(margin):
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where sbatch's environment would override
    the scripts' own ``#SBATCH`` lines (sbatch takes its input variables over a script's lines): an
    ``SBATCH_TIMELIMIT`` that leaves under a minute of training before ``margin``, refused as the task would
    refuse to requeue itself under it (:func:`~minitransfer.slurm_sbatch.shortest_time_limit_minutes`: it
    said "at least 5 minutes" of a limit of 5 it refused), as the same limit given as an
    ``--sbatch-option`` is (each task signalled as it starts and requeued over and over; before, only a task
    that had trained until its SIGTERM said so, after the requeues), read as
    :func:`~minitransfer.slurm_sbatch.parse_time_limit` reads it (a limit sbatch would not read is left to
    it); any ``SBATCH_SIGNAL``, which would replace the SIGTERM the training checkpoints on; and those that
    would undo what the tasks rely on (:func:`_refused_variable`: seen with sbatch -v --test-only and
    ``scontrol show job`` on SLURM 22.05): ``SBATCH_NO_REQUEUE`` (any value) or ``SBATCH_REQUEUE=0``
    (no ``scontrol requeue`` after a checkpoint), ``SBATCH_OUTPUT`` and ``SBATCH_ERROR`` (the output
    elsewhere), an ``SBATCH_OPEN_MODE`` other than append (each requeue truncating it), an
    ``SBATCH_EXPORT`` with a value for a variable the tasks' srun or SLURM commands take
    (:func:`_exported_lines`), and
    ``SBATCH_WAIT`` (sbatch waiting for each array to end); and ``SBATCH_CLUSTERS`` or ``SLURM_CLUSTERS``
    (:func:`_other_cluster_lines`). Then a warning (going on) for an ``SBATCH_EXPORT`` that leaves
    this shell's environment out (:func:`_login_environment_lines`)."""
    fields = "([0-9]{1,9})"
    shortest = shortest_time_limit_minutes(margin)
    refusal = short_limit_refusal("nothing submitted: SBATCH_TIMELIMIT=$SBATCH_TIMELIMIT, which sbatch takes over "
                                  "the scripts' --time", "$seconds s", margin,
                                  f"unset SBATCH_TIMELIMIT, or set it to at least {shortest} minutes, then rerun $0")
    return [
        "# sbatch takes its input variables over the scripts' #SBATCH lines",
        'seconds=""',
        f'if [[ "${{SBATCH_TIMELIMIT-}}" =~ ^{fields}-{fields}(:{fields}(:{fields})?)?$ ]]; then',
        "  seconds=$(( ((10#${BASH_REMATCH[1]} * 24 + 10#${BASH_REMATCH[2]}) * 60 + 10#${BASH_REMATCH[4]:-0}) * 60"
        " + 10#${BASH_REMATCH[6]:-0} ))",
        f'elif [[ "${{SBATCH_TIMELIMIT-}}" =~ ^{fields}:{fields}:{fields}$ ]]; then',
        "  seconds=$(( (10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[2]}) * 60 + 10#${BASH_REMATCH[3]} ))",
        f'elif [[ "${{SBATCH_TIMELIMIT-}}" =~ ^{fields}(:{fields})?$ ]]; then',
        "  seconds=$(( 10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[3]:-0} ))",
        "fi",
        "# SLURM rounds a limit up to whole minutes",
        f'if [ -n "$seconds" ] && [ "$seconds" -gt 0 ] && [ "$(( (seconds + 59) / 60 ))" -lt {shortest} ]; then',
        f'  echo "{refusal}" >&2',
        "  exit 2",
        "fi",
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
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where ``SBATCH_EXPORT`` (names, each
    alone or with a value, after ALL or NONE or not) gives a value to one of :data:`SRUN_VARIABLES`, or to
    ``SLURM_CLUSTERS``: sbatch sets it in each task's environment, whose srun (and squeue, scancel,
    scontrol) take it, as if it were set in the shell that submits, where this script unsets it. Seen on
    the test cluster: ``ALL,SLURM_LABELIO=1`` began each line of train.log with "0: ", ``ALL,SLURM_CLUSTERS=x``
    failed each step ("'x' can't be reached now"). Left: a name alone (sbatch exports this shell's value,
    unset here), and any other variable (``ALL,CUDA_VISIBLE_DEVICES=0``; SLURM sets the task's own ids
    over an ``SLURM_ARRAY_TASK_ID`` given so: seen). ``NONE``, or names without ``ALL``, are taken as the
    same ``--export`` is as an ``--sbatch-option``: on the test cluster the tasks trained with either, the
    same environment in each (SLURM loads the user's login environment, PATH with it; the train command
    names its program by its full path), where this script refused ``SBATCH_EXPORT=NONE`` before; warned
    of (:func:`_login_environment_lines`)."""
    arms = [f"      {'|'.join(names)}) what={shlex.quote(what)} ;;" for what, names in TASK_ENVIRONMENT.items()]
    refusal = exported_refusal("nothing submitted: SBATCH_EXPORT=$SBATCH_EXPORT", "${item%%=*}", "$what",
                               "leave ${item%%=*} out of SBATCH_EXPORT (or set it to ALL), then rerun $0")
    return [
        "# values: sbatch sets them in each task's environment, whose srun takes them",
        'if [[ "${SBATCH_EXPORT-}" == *=* ]]; then',
        '  IFS=, read -r -a exported <<< "$SBATCH_EXPORT"',
        '  for item in "${exported[@]}"; do',
        '    if [[ "$item" != *=* ]]; then continue; fi',
        '    what=""',
        '    case "${item%%=*}" in',
        *arms,
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
    ``ALL`` (any case, as :func:`_exported_lines` and sbatch read it): :data:`LOGIN_ENVIRONMENT`, as
    ``emit_slurm`` warns of such an ``--export`` given as an ``--sbatch-option``
    (:func:`~minitransfer.slurm_sbatch.login_environment_warning`)."""
    warning = LOGIN_ENVIRONMENT.format(given="SBATCH_EXPORT=$SBATCH_EXPORT", remedy="set SBATCH_EXPORT=ALL (or "
                                       "unset it), or name in it each variable the tasks need")
    return [
        "# NONE, or names without ALL: the tasks get SLURM's login environment only",
        'if [ -n "${SBATCH_EXPORT-}" ]; then',
        '  IFS=, read -r -a exported <<< "$SBATCH_EXPORT"',
        "  all=no",
        '  for item in ${exported[@]+"${exported[@]}"}; do',
        '    case "$item" in [aA][lL][lL]) all=yes ;; esac',
        "  done",
        f'  if [ "$all" = no ]; then echo "warning: {warning}" >&2; fi',
        "fi",
    ]


def _other_cluster_lines():
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where ``SBATCH_CLUSTERS`` or
    ``SLURM_CLUSTERS`` is set (any value: sbatch 22.05 reads both as its ``--clusters``, an empty one
    too), as ``--clusters`` is refused as an ``--sbatch-option``: :data:`~minitransfer.slurm_sbatch.OTHER_CLUSTER`
    (squeue takes ``SLURM_CLUSTERS`` too, but so would each task's squeue, scancel and scontrol, which
    sbatch passes it on to: the scripts submit to, and read the queue of, the cluster they run on only)."""
    remedy = "run $0 on a login node of the cluster the jobs are for"
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
        f'{variable}{instead}, then rerun $0" >&2',
        "  exit 2",
        "fi",
    ]


def weights_without_checkpoint_lines():
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued) where an unfinished run's
    weights file ``OUT/<run>.h5`` is there without its checkpoint ``OUT/<run>.run/checkpoint.h5`` (its
    run folder deleted, say): its task's train would refuse to replace the weights (exit 2, ".h5 exists
    but there is nothing to resume from"), as a local grid's does (its dry run: "weights without a
    checkpoint", :func:`minitransfer.grid_status.run_status`), and a base's transfers would wait on it for
    good; before, every such run was submitted, to fail."""
    checkpoint = shlex.quote(grid.CHECKPOINT_FILE)
    return [
        "# an unfinished run's weights without its checkpoint: its train refuses to replace them (exit 2)",
        "orphans=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'  if ! finished "$run" && [ -e "$out/$run.h5" ] && [ ! -e "$out/$run.run/"{checkpoint} ]; then',
        '    orphans+=("$run")',
        "  fi",
        "done",
        'if [ "${#orphans[@]}" -gt 0 ]; then',
        '  echo "nothing submitted: $(noun "${#orphans[@]}" "1 run has" "${#orphans[@]} runs have") weights without a'
        ' checkpoint (a run folder deleted?), which train refuses to replace (exit 2: .h5 exists but there is nothing'
        ' to resume from): submitted, $(noun "${#orphans[@]}" it each) would fail, a base leaving its transfers'
        ' waiting for good:" >&2',
        '  for run in "${orphans[@]}"; do',
        f'    echo "  run $run: $out/$run.h5, without $out/$run.run/"{checkpoint} >&2',
        "  done",
        '  echo "restore $(noun "${#orphans[@]}" "that run\'s folder" "their run folders") if moved or kept;'
        ' else, to train $(noun "${#orphans[@]}" it them) again from the start, delete or move away'
        ' $(noun "${#orphans[@]}" "its weights file" "their weights files"); then rerun $0" >&2',
        "  exit 2",
        "fi",
    ]


def bases_copied_lines():
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued) where an unfinished base would
    be trained again from the start while runs that copied it are trained (finished, or interrupted
    with a checkpoint): its weights file ``OUT/<base>.h5`` gone, or there without its checkpoint (its
    run folder deleted; train refuses to replace it, and deleting it, as :func:`weights_without_checkpoint_lines`
    says of a run no other copied, would lead here). The base trained again is another network than
    the one those runs copied, which would be kept as if from it (their transfers finished, or resumed
    from it): refused as a local grid refuses it, in its words (:func:`minitransfer.grid_check.check_finished`).
    Before, submit.sh submitted the base, or said to delete its weights file, and kept the runs."""
    checkpoint = shlex.quote(grid.CHECKPOINT_FILE)
    return [
        "# a base trained again from the start is another network than the one the runs after it copied",
        "copied=()",
        'for i in "${!base_runs[@]}"; do',
        "  base=${base_runs[i]}",
        f'  if finished "$base" || {{ [ -e "$out/$base.h5" ] && [ -e "$out/$base.run/"{checkpoint} ]; }}; then',
        "    continue",
        "  fi",
        "  trained=()",
        "  for ((j = transfer_first[i]; j < transfer_first[i + 1]; j++)); do",
        f'    if finished "${{transfer_runs[j]}}" || [ -e "$out/${{transfer_runs[j]}}.run/"{checkpoint} ]; then',
        '      trained+=("${transfer_runs[j]}")',
        "    fi",
        "  done",
        '  if [ "${#trained[@]}" -eq 0 ]; then continue; fi',
        '  printf -v runs "%s, " "${trained[@]}"; runs=${runs%, } them=$(noun "${#trained[@]}" it them)',
        '  what=$(noun "${#trained[@]}" "what it trained is" "what they trained is")',
        '  if [ ! -e "$out/$base.h5" ]; then',
        '    copied+=("  run $base: its weights file $out/$base.h5, which $runs copied, is gone: restore it; or delete'
        ' $runs too (in $out: <run>.h5 and <run>.run) to train $them again from the new $base ($what lost)")',
        "  else",
        f'    copied+=("  run $base: its weights file $out/$base.h5, which $runs copied, is without $out/$base.run/"'
        f'{checkpoint}" (its run folder deleted?), which train refuses to replace: restore its run folder if moved or'
        ' kept; or delete $out/$base.h5, and $runs too (in $out: <run>.h5 and <run>.run), to train $them again from'
        ' the new $base ($what lost)")',
        "  fi",
        "done",
        'if [ "${#copied[@]}" -gt 0 ]; then',
        '  echo "nothing submitted: $(noun "${#copied[@]}" "1 base" "${#copied[@]} bases") would be trained again,'
        ' another network than the one the runs after $(noun "${#copied[@]}" it them) copied, which would be kept as'
        ' if from it (a local grid refuses this too):" >&2',
        '  for line in "${copied[@]}"; do echo "$line" >&2; done',
        '  echo "then rerun $0" >&2',
        "  exit 2",
        "fi",
    ]


def partition_time_lines(margin, partition, scripts_limit):
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued; ``--dry-run`` too) where the
    jobs get their partition's time limit (the scripts give no ``--time``, nor ``SBATCH_TIMELIMIT`` one)
    and it is shorter than :func:`~minitransfer.slurm_sbatch.shortest_time_limit_minutes` of ``margin``:
    before, every task was queued, took a node, was signalled as it started and exited 75 without
    requeueing itself, its transfers left waiting (``DependencyNeverSatisfied``; seen with
    ``DefaultTime=4`` on the test cluster). The limit is read by ``scontrol show partition``: DefaultTime
    where the jobs ask for none (``scripts_limit`` "DefaultTime"), else MaxTime (a limit of ``0`` or
    ``UNLIMITED``: "MaxTime"; "" where the scripts give one, which needs no check); of ``SBATCH_PARTITION``,
    else ``partition`` (:func:`~minitransfer.slurm_sbatch.shared_sbatch_lines`; each of a list), else the
    cluster's default partition. A partition scontrol does not show is left to sbatch."""
    shortest = shortest_time_limit_minutes(margin)
    given = ("nothing submitted: the scripts give no --time, so each task gets the $field of partition $name"
             "$which (scontrol show partition $name)")
    by_time = short_limit_refusal(given, "$limit", margin, f"emit the scripts again with --time {shortest} or more "
                                  "(partition $name's MaxTime: $max), or with another --partition, then rerun $0")
    by_partition = short_limit_refusal(given, "$limit", margin, "emit the scripts again with another --partition, "
                                       f"one whose MaxTime is at least {shortest} minutes, then rerun $0")
    return [
        "# no time limit of the scripts' own, nor of SBATCH_TIMELIMIT: the partition's applies (DefaultTime, else",
        "# MaxTime), which a task that leaves too little of it to train is signalled as it starts, and not requeued",
        f"asked={shlex.quote(scripts_limit)}",
        'if [ -n "${SBATCH_TIMELIMIT+set}" ]; then',
        '  asked=""',
        '  if [ "$seconds" = 0 ] || [[ "${SBATCH_TIMELIMIT^^}" == @(UNLIMITED|INFINITE) ]]; then asked=MaxTime; fi',
        "fi",
        'if [ -n "$asked" ] && type -P scontrol > /dev/null; then',
        f"  partitions=${{SBATCH_PARTITION:-{shlex.quote(partition or '')}}} which=\"\"",
        '  if [ -z "$partitions" ]; then',
        "    which=\" (the cluster's default partition)\"",
        "    partitions=$(scontrol --oneliner show partition 2>/dev/null |"
        " sed -n 's/^PartitionName=\\([^ ]*\\) .*\\<Default=YES\\>.*/\\1/p' | head -n 1) || true",
        "  fi",
        '  IFS=, read -r -a names <<< "$partitions"',
        '  for name in ${names[@]+"${names[@]}"}; do',
        '    record=$(scontrol --oneliner show partition "$name" 2>/dev/null) || continue',
        "    max=$(sed -n 's/.* MaxTime=\\([^ ]*\\).*/\\1/p' <<< \"$record\") field=MaxTime",
        "    limit=$(sed -n 's/.* DefaultTime=\\([^ ]*\\).*/\\1/p' <<< \"$record\")",
        '    if [ "$asked" = MaxTime ] || [ -z "$limit" ] || [ "$limit" = NONE ]; then limit=$max; else'
        " field=DefaultTime; fi",
        f'    if [[ ! "$limit" =~ {LISTED_LIMIT} ]] ||'
        f' [ "$(( ({LISTED_LIMIT_SECONDS} + 59) / 60 ))" -ge {shortest} ]; then',
        "      continue",
        "    fi",
        f'    if [ "$field" = DefaultTime ] && {{ [[ ! "$max" =~ {LISTED_LIMIT} ]] ||'
        f' [ "$(( ({LISTED_LIMIT_SECONDS} + 59) / 60 ))" -ge {shortest} ]; }}; then',
        f'      echo "{by_time}" >&2',
        "    else",
        f'      echo "{by_partition}" >&2',
        "    fi",
        "    exit 2",
        "  done",
        "fi",
    ]
