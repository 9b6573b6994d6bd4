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
It ends (exit 1) where SLURM cannot be reached (:func:`reached_lines`) or another ``submit.sh`` of the
same runs is submitting (:func:`other_folders_lines`), and with ``--dry-run`` asks ``sbatch --test-only``
whether it would take each array script (:func:`test_only_lines`). The time limits the tasks would get
are checked by :mod:`minitransfer.slurm_time`.
"""

import shlex

from minitransfer import experiment as grid
from minitransfer.slurm_plan import BASES_FILE, SUBMITTED_FILE, SUBMITTERS_FILE, TRANSFERS_FILE
from minitransfer.slurm_sbatch import (LOGIN_ENVIRONMENT, OPEN_MODE, OTHER_CLUSTER, OUTPUT, REQUEUE, SRUN_VARIABLES,
                                       TASK_ENVIRONMENT, WAIT, exported_refusal)
from minitransfer.slurm_time import time_limit_variable_lines


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
                               "leave ${item%%=*} out of SBATCH_EXPORT (or set it to ALL), then rerun $0")
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
        f'  if ! finished "$run" && [ -e "$out/$run.h5" ] && [ ! -e "$out/$run.run/"{checkpoint} ] &&'
        ' ! lost "$run"; then',
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
    Before, submit.sh submitted the base, or said to delete its weights file, and kept the runs. Not where the
    weights file is gone but the base's checkpoint is the network each run copied: its train --resume writes
    them back byte for byte, as a local grid resumes it (before, refused here). Told at submission (the runs may
    train after emission): the checkpoint's sha256 (sha256sum) is in the file each run trained, its ``parent_sha256``
    kept verbatim (fixed-length text: :func:`minitransfer.fileio.text_attribute`)."""
    checkpoint = shlex.quote(grid.CHECKPOINT_FILE)
    return [
        "# a base trained again from the start is another network than the one the runs after it copied",
        f"# copied_otherwise BASE RUNS...: in $others, the RUNS that did not copy BASE's {grid.CHECKPOINT_FILE} (all",
        "# where it is gone): its sha256 not in the file each trained (weights where finished, else its checkpoint)",
        "copied_otherwise() {",
        f'  local run file digest="" saved="$out/$1.run/"{checkpoint}',
        "  shift",
        '  if [ -f "$saved" ]; then read -r digest _ < <(sha256sum < "$saved") || digest=""; fi',
        "  others=()",
        "  for run; do",
        f'    file="$out/$run.run/"{checkpoint}; if finished "$run" || lost "$run"; then file="$out/$run.h5"; fi',
        '    if [ -z "$digest" ] || ! LC_ALL=C grep --quiet --fixed-strings -- "$digest" "$file"; then',
        '      others+=("$run")',
        "    fi",
        "  done",
        "}",
        "copied=()",
        'for i in "${!base_runs[@]}"; do',
        "  base=${base_runs[i]}",
        f'  if finished "$base" || lost "$base" ||'
        f' {{ [ -e "$out/$base.h5" ] && [ -e "$out/$base.run/"{checkpoint} ]; }}; then',
        "    continue",
        "  fi",
        "  trained=()",
        "  for ((j = transfer_first[i]; j < transfer_first[i + 1]; j++)); do",
        f'    if finished "${{transfer_runs[j]}}" || lost "${{transfer_runs[j]}}" ||'
        f' [ -e "$out/${{transfer_runs[j]}}.run/"{checkpoint} ]; then',
        '      trained+=("${transfer_runs[j]}")',
        "    fi",
        "  done",
        "  # its weights gone: not where its checkpoint is the network they copied (its train --resume restores them)",
        '  if [ ! -e "$out/$base.h5" ]; then',
        '    copied_otherwise "$base" ${trained[@]+"${trained[@]}"}; trained=(${others[@]+"${others[@]}"})',
        "  fi",
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


def test_only_lines():
    """Bash function ``test_only SCRIPT INDICES FIRST``: for ``submit.sh --dry-run``, whether sbatch would take
    SCRIPT's array (partition, time limit, options) by ``sbatch --test-only``, which queues nothing,
    once per script (the arrays of one script differ in indices and dependency only; the dependency on
    a job not yet submitted is left out); a refusal is said with sbatch's error and counted."""
    return [
        "test_only() {  # test_only SCRIPT INDICES FIRST",
        "  local error",
        '  if [ -n "${tested[$1]+yes}" ] || ! type -P sbatch > /dev/null; then return 0; fi',
        "  tested[$1]=yes",
        '  if ! error=$(sbatch --test-only --array="$2" "$1" "$scripts_id" "$3" 2>&1 > /dev/null); then',
        '    echo "$error" >&2',
        '    echo "sbatch --test-only refuses $1 (its error above): $0 would fail there; fix what it names (a'
        ' partition, --gres, --time or --sbatch-option: emit the scripts again with the right one)" >&2',
        "    refused=$((refused + 1))",
        "  fi",
        "}",
        "declare -A tested=()",
        "shown() {  # shown WORDS...: as the shell reads them back, plain where that needs no quotes (0,4,5)",
        "  local word",
        '  for word; do if [[ -z "$word" || "$word" == *[!A-Za-z0-9_,.:=/@%+-]* ]]; then printf " %q" "$word";'
        ' else printf " %s" "$word"; fi; done',
        "}",
    ]


def other_folders_lines():
    """Bash lines reading ``OUT/`` :data:`SUBMITTERS_FILE` into ``others``: the other scripts folders whose
    ``submit.sh`` submitted runs of OUT (the same plan emitted again into another folder), whose tasks of
    this plan SLURM still lists are not submitted again. Unless a dry run, this folder is added to the
    file, which is held locked (exclusive) until this script ends: a ``submit.sh`` of another folder
    submitting runs of OUT meanwhile is refused, as a second one of this folder is."""
    return [
        f'submitters="$out/{SUBMITTERS_FILE}"',
        'if [ "$dry_run" = no ]; then',
        '  if ! { exec 7>> "$submitters"; } 2>/dev/null; then',
        '    echo "nothing submitted: cannot write $submitters (the tasks write into $out too): make $out writable,'
        ' then rerun $0" >&2',
        "    exit 74",
        "  fi",
        "  if ! flock --nonblock 7; then",
        '    echo "a submit.sh of another scripts folder is submitting the runs of $out (it holds $submitters): wait'
        ' for it, then rerun $0" >&2',
        "    exit 1",
        "  fi",
        '  if ! grep --quiet --line-regexp --fixed-strings -- "$scripts" "$submitters"; then',
        '    echo "$scripts" >&7',
        "  fi",
        "fi",
        "others=()",
        "# a dry run needs no squeue: without it, no folder's tasks are read",
        'if [ -f "$submitters" ] && type -P squeue > /dev/null; then',
        '  while IFS= read -r folder; do',
        f'    if [ -n "$folder" ] && [ "$folder" != "$scripts" ] && [ -s "$folder/{SUBMITTED_FILE}" ]; then',
        '      others+=("$folder")',
        "    fi",
        '  done < "$submitters"',
        "fi",
    ]


def reached_lines():
    """Bash lines ending ``submit.sh`` (exit 1) where squeue, asked first on every submission (a dry run's
    where squeue is here), fails: SLURM out of reach (no ``SLURM_CONF``, the controller down: "Could not
    establish a configuration source") is said as such. Before, only a rerun asked squeue, and a first
    submission let sbatch fail, saying to fix a partition, --gres, --time or --sbatch-option. A dry run
    says it asks SLURM, so runs on a login node, and that off the cluster the emit step's summary is the
    preview (before, it said only that nothing was submitted, and to rerun the submission there)."""
    unreachable = ("squeue failed (its error above): SLURM cannot be reached from here (SLURM_CONF unset or naming"
                   " another configuration, SLURM\'s controller down, or not a machine of the cluster")
    return [
        "# SLURM reached at all, before anything is locked or asked of it: said as such, not as sbatch refusing",
        'if type -P squeue > /dev/null && ! squeue --noheader --user="$(id -u)" --format=%i > /dev/null; then',
        '  if [ "$dry_run" = yes ]; then',
        f'    echo "dry run stopped: {unreachable}): the dry run asks SLURM what is queued and has sbatch'
        ' --test-only check each array, so it runs where SLURM\'s controller answers: run $0 --dry-run on a login'
        ' node; off the cluster, what the scripts submit is what experiment --emit-slurm said as it wrote them" >&2',
        "  else",
        f'    echo "nothing submitted: {unreachable}: run $0 on a login node); rerun $0 once squeue answers" >&2',
        "  fi",
        "  exit 1",
        "fi",
    ]
