"""``submit.sh`` (:mod:`minitransfer.slurm`): submits the runs neither finished nor queued, or with
``--dry-run`` says what it would submit.

SLURM cannot give the tasks of one array different dependencies, hence one transfers array per base:
each transfer waits for its own base only, and a failing base leaves its own transfers pending with
reason ``DependencyNeverSatisfied`` while the others go on. A run is finished when ``OUT/<run>.h5``
and ``OUT/<run>.run/result.json`` exist. ``submit.sh`` may be rerun at any time (after sbatch failed
midway, a base failed and was fixed, a job was cancelled or ran out of time): it submits the runs
that are neither finished nor still listed by SLURM from an earlier submission of this plan
(``submitted.txt`` records which run each array task trains, and for which plan), a transfer after
its base's task, new or listed (none once the base is finished); it cancels the tasks stuck with
``DependencyNeverSatisfied`` and submits them again, and refuses while another ``submit.sh`` of this
folder runs. The same plan emitted into another folder too: the runs the tasks of that folder's
``submit.sh`` train, still listed, are not submitted again (``OUT/.slurm-submitters`` names the
folders that submitted runs of OUT), and a ``submit.sh`` of either refuses while the other submits.
It submits nothing (exit 2) where sbatch's environment would override the scripts' own lines: an
``SBATCH_TIMELIMIT`` not over the SIGTERM margin, an ``SBATCH_SIGNAL`` (as ``--time`` and ``--signal``
are refused as ``--sbatch-option``), or one undoing what the tasks rely on: ``SBATCH_NO_REQUEUE``,
``SBATCH_OUTPUT``, ``SBATCH_ERROR``, ``SBATCH_OPEN_MODE``, ``SBATCH_EXPORT``, ``SBATCH_WAIT``; or one
sending the jobs to another cluster, ``SBATCH_CLUSTERS`` or ``SLURM_CLUSTERS`` (as ``--clusters`` is
refused as ``--sbatch-option``), whose queue its squeue does not list (:func:`_environment_lines`).
Nor where a base would be trained again from the start (its weights file gone, or left without its
checkpoint) while runs that copied it are trained: the new base is another network than the one
they copied, refused as a local grid refuses it (:func:`_bases_copied_lines`).
It runs sbatch without srun's input variables of its shell (:data:`SRUN_VARIABLES`), which sbatch
would pass on to each task's srun: the training's output elsewhere, started without PATH, srun's errors
read as a checkpoint (``SLURM_EXIT_ERROR=75``), the step refused other resources than its job's.

Each array is numbered from 0 (a base's transfers too, not across all bases), and holds at most
SLURM's MaxArraySize tasks (read by ``scontrol show config``, 1001 by default; less where
SchedulerParameters has a lower ``max_array_tasks``): SLURM refuses an index of MaxArraySize or more
("Invalid job array specification"), which 41 random splits of 7 layers (1148 transfers) numbered
across all bases passed. More runs of one script (over 1001 bases, or transfers of one base) are
submitted as several arrays; a task is given the index of its array's first run
(:func:`minitransfer.slurm_array.array_script`), so each keeps its index when requeued.
"""

import bisect
import re
import shlex
import shutil
import subprocess

from minitransfer import experiment as grid
from minitransfer.slurm_plan import (BASES_FILE, HEADER, SLURM_COMMANDS_OWN_OPTIONS, SUBMITTED_FILE, SUBMITTERS_FILE,
                                     TRANSFERS_FILE, plan_check, plan_file_check)
from minitransfer.slurm_sbatch import (OTHER_CLUSTER, SHORTEST_TIME_LIMIT_SECONDS, SIGNAL_MARGIN_SECONDS,
                                       short_limit_refusal)

DEFAULT_MAX_ARRAY_SIZE = 1001  # SLURM's default: array task indices 0..1000
SCONTROL_SECONDS = 10  # a controller that does not answer: the summary assumes the default instead
DRY_RUN_HELP = ("print the sbatch commands it would run now (the runs neither finished nor queued, in the order "
                "they depend on each other), the tasks it would cancel, what each task asks SLURM for, and where "
                "the logs go; check them with sbatch --test-only; submit, cancel and record nothing")


def cluster_array_size():
    """The most tasks an array of the cluster this runs on holds, as ``submit.sh`` reads it there
    (``scontrol show config``: MaxArraySize, or SchedulerParameters' ``max_array_tasks`` where lower),
    and the name of that limit: ``(1001, "MaxArraySize")``; None where there is no ``scontrol``, or it
    does not answer in :data:`SCONTROL_SECONDS` or names neither (``submit.sh`` then assumes SLURM's
    default, :data:`DEFAULT_MAX_ARRAY_SIZE`)."""
    scontrol = shutil.which("scontrol")
    if scontrol is None:
        return None
    try:
        done = subprocess.run([scontrol, "show", "config"], capture_output=True, text=True, errors="replace",
                              timeout=SCONTROL_SECONDS, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    limits = [(int(size), "MaxArraySize")
              for size in re.findall(r"^MaxArraySize *= *([0-9]+) *$", done.stdout, re.MULTILINE)[:1]]
    limits += [(int(tasks), "max_array_tasks") for tasks in re.findall(r"max_array_tasks=([0-9]+)", done.stdout)[:1]]
    limits = [limit for limit in limits if limit[0] > 0]
    if not limits:
        return None
    if limits[0][1] == "max_array_tasks":  # no MaxArraySize line: submit.sh takes the default's
        limits.append((DEFAULT_MAX_ARRAY_SIZE, "MaxArraySize"))
    return min(limits, key=lambda limit: limit[0])


def _test_only_lines():
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


def _other_folders_lines():
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


def _environment_lines(margin):
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where sbatch's environment would override
    the scripts' own ``#SBATCH`` lines (sbatch takes its input variables over a script's lines): an
    ``SBATCH_TIMELIMIT`` of ``margin`` seconds or less, refused as the same limit given as an
    ``--sbatch-option`` is (each task signalled as it starts and requeued over and over; before, only a task
    that had trained until its SIGTERM said so, after the requeues), read as
    :func:`~minitransfer.slurm_sbatch.parse_time_limit` reads it (a limit sbatch would not read is left to
    it); any ``SBATCH_SIGNAL``, which would replace the SIGTERM the training checkpoints on; and those that
    would undo what the tasks rely on (:func:`_refused_variable`: seen with sbatch -v --test-only and
    ``scontrol show job`` on SLURM 22.05): ``SBATCH_NO_REQUEUE`` (any value) or ``SBATCH_REQUEUE=0``
    (no ``scontrol requeue`` after a checkpoint), ``SBATCH_OUTPUT`` and ``SBATCH_ERROR`` (the output
    elsewhere), an ``SBATCH_OPEN_MODE`` other than append (each requeue truncating it), an
    ``SBATCH_EXPORT`` other than ALL (the training started without the environment), and
    ``SBATCH_WAIT`` (sbatch waiting for each array to end); and ``SBATCH_CLUSTERS`` or ``SLURM_CLUSTERS``
    (:func:`_other_cluster_lines`)."""
    fields = "([0-9]{1,9})"
    refusal = short_limit_refusal("nothing submitted: SBATCH_TIMELIMIT=$SBATCH_TIMELIMIT, which sbatch takes over "
                                  "the scripts' --time", "$seconds", margin,
                                  f"unset SBATCH_TIMELIMIT, or set it to at least {SHORTEST_TIME_LIMIT_SECONDS // 60} "
                                  f"minutes, then rerun $0")
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
        f'if [ -n "$seconds" ] && [ "$seconds" -gt 0 ] && [ "$seconds" -le {margin} ]; then',
        f'  echo "{refusal}" >&2',
        "  exit 2",
        "fi",
        *_refused_variable('-n "${SBATCH_SIGNAL-}"', "SBATCH_SIGNAL", f"the scripts' --signal=TERM@{margin}, with "
                           "which SLURM signals the training to checkpoint before the time limit"),
        # any value: 0 too makes the job's requeue the cluster's default (JobRequeue), not the scripts' --requeue
        *_refused_variable('-n "${SBATCH_NO_REQUEUE+set}"', "SBATCH_NO_REQUEUE", _REQUEUE),
        *_refused_variable('"${SBATCH_REQUEUE-}" = 0', "SBATCH_REQUEUE", _REQUEUE, "set it to 1"),
        *_refused_variable('-n "${SBATCH_OUTPUT+set}"', "SBATCH_OUTPUT", _OUTPUT),
        *_refused_variable('-n "${SBATCH_ERROR+set}"', "SBATCH_ERROR", _OUTPUT),
        # sbatch reads a mode beginning with a (A, append, APPEND) as append, one beginning with t as truncate
        *_refused_variable('-n "${SBATCH_OPEN_MODE+set}" && "${SBATCH_OPEN_MODE-}" != [aA]*', "SBATCH_OPEN_MODE",
                           "the scripts' --open-mode=append: each requeue of a task would truncate its output, the "
                           "lines of its earlier starts lost (or sbatch refuses the mode)"),
        *_refused_variable('-n "${SBATCH_EXPORT+set}" && ! "${SBATCH_EXPORT^^}" =~ ^ALL(,|$)', "SBATCH_EXPORT",
                           "its default, --export=ALL, on which the tasks rely: srun would start each training without "
                           "this shell's environment nor the task's (PATH, PYTHONPATH, the modules loaded), which "
                           "fails to start it (execve: No such file or directory) or to import minitransfer",
                           "set it to ALL"),
        *_refused_variable('-n "${SBATCH_WAIT+set}" && "${SBATCH_WAIT-}" != 0', "SBATCH_WAIT",
                           "its default of returning once a job is queued (SBATCH_WAIT is its --wait): each "
                           "sbatch here would wait for its array to end, the transfers queued only after the bases "
                           "ended, and a base that failed read as sbatch refusing its array"),
        *_other_cluster_lines(),
        # Harmless, left: SBATCH_ARRAY_INX and SBATCH_DEPENDENCY (sbatch 22.05 reads no such variable), which the
        # --array and --dependency given here override anyway; SBATCH_JOB_NAME, a name nothing here reads (the
        # transfers' --job-name given here overrides it); SBATCH_REQUEUE other than 0 (--requeue, as the scripts
        # ask); SBATCH_PARTITION, SBATCH_GRES, SBATCH_ACCOUNT and their like: resources, which sbatch --test-only
        # (--dry-run) and the sbatch here check, refusing what the cluster cannot give.
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


# Why SBATCH_NO_REQUEUE, or SBATCH_REQUEUE=0, is refused
_REQUEUE = ("the scripts' --requeue: a task interrupted to checkpoint before its time limit could not requeue itself "
            "to resume (scontrol requeue: Requested operation is presently disabled), nor SLURM requeue one whose "
            "node failed")
# Why SBATCH_OUTPUT or SBATCH_ERROR is refused
_OUTPUT = ("the scripts' --output (logs/<script>-<job>_<task>.out in their folder, which this script makes): the "
           "tasks' output, or their errors, would go elsewhere than this script and the tasks say, into a folder "
           "SLURM does not make (without it a task fails to launch, writing nothing)")


# srun's input variables (slurm-wlm 22.05's srun(1)) that change how a task's srun runs its training, by what
# each did set in the shell that submits (seen on the test cluster): sbatch passed them on to every task
# (--export=ALL), where srun took them
SRUN_VARIABLES = {
    # the training's output went into the file they name instead of train.log (or the step failed: "Could not
    # open stdin file"); SLURM_LABELIO began each line with "0: ", and a refusal of a run another process
    # trains (train's "error: " line) was no longer found
    "its output": ("SLURM_STDOUTMODE", "SLURM_STDERRMODE", "SLURM_STDINMODE", "SLURM_OPEN_MODE", "SLURM_LABELIO"),
    # NONE: the training started without PATH ("execve(): No such file or directory", exit 2, read as train's)
    "its environment": ("SLURM_EXPORT_ENV", "SRUN_EXPORT_ENV"),
    # srun's own errors given that exit code (75: read as a checkpoint, the task requeued over and over);
    # signals, and a time limit, of the step's own before the scripts' SIGTERM
    "its exit and signals": ("SLURM_EXIT_ERROR", "SLURM_EXIT_IMMEDIATE", "SLURM_SIGNAL", "SLURM_TIMELIMIT",
                             "SLURM_IMMEDIATE"),
    # other resources than its job's: the step refused ("More processors requested than permitted", "Invalid
    # --exclusive specification", "Invalid generic resource"), or waiting for good (SLURM_CONSTRAINT: "step
    # creation temporarily disabled"), its allocation idle; or its GPU not given to it
    "its resources": ("SLURM_CPUS_PER_TASK", "SRUN_CPUS_PER_TASK", "SLURM_CPUS_PER_GPU", "SLURM_MEM_PER_CPU",
                      "SLURM_MEM_PER_GPU", "SLURM_MEM_PER_NODE", "SLURM_GPUS", "SLURM_GPUS_PER_NODE",
                      "SLURM_GPUS_PER_TASK", "SLURM_GRES", "SLURM_STEP_GRES", "SLURM_GRES_FLAGS", "SLURM_NTASKS",
                      "SLURM_NPROCS", "SLURM_NTASKS_PER_CORE", "SLURM_NTASKS_PER_GPU", "SLURM_NTASKS_PER_NODE",
                      "SLURM_NTASKS_PER_SOCKET", "SLURM_NNODES", "SLURM_JOB_NUM_NODES", "SLURM_CONSTRAINT",
                      "SLURM_CORE_SPEC", "SLURM_THREAD_SPEC", "SLURM_EXCLUSIVE", "SLURM_EXACT", "SLURM_OVERLAP",
                      "SLURM_OVERCOMMIT", "SLURM_THREADS_PER_CORE", "SLURM_HINT", "SLURM_CPU_BIND", "SLURM_MEM_BIND",
                      "SLURM_GPU_BIND", "SLURM_DISTRIBUTION", "SLURM_DIST_PLANESIZE", "SLURM_NETWORK",
                      "SLURM_RESV_PORTS", "SLURM_USE_MIN_NODES", "SLURM_SPREAD_JOB"),
    # the training run elsewhere ("couldn't chdir ... going to /tmp": a relative data path not found), or
    # otherwise: a copy of the program (--bcast: a Python without its environment), in a container, under MPI
    # (pmix: "Couldn't load specified plugin")
    "where and how it runs": ("SLURM_WORKING_DIR", "SLURM_REMOTE_CWD", "SLURM_BCAST", "SLURM_BCAST_EXCLUDE",
                              "SLURM_SEND_LIBS", "SLURM_COMPRESS", "SRUN_CONTAINER", "SLURM_MPI_TYPE"),
}


def _srun_variables_lines():
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


def _weights_without_checkpoint_lines():
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


def _bases_copied_lines():
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued) where an unfinished base would
    be trained again from the start while runs that copied it are trained (finished, or interrupted
    with a checkpoint): its weights file ``OUT/<base>.h5`` gone, or there without its checkpoint (its
    run folder deleted; train refuses to replace it, and deleting it, as :func:`_weights_without_checkpoint_lines`
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


def _end_lines():
    """Bash lines ending ``submit.sh``: where its arrays' output goes; with ``--dry-run``, before that what
    each of their tasks asks SLURM for (its ``#SBATCH`` lines), and after it whether ``sbatch --test-only``
    took them (exit 1 where it refused one)."""
    return [
        'if [ "$dry_run" = yes ]; then',
        f"  for script in {BASES_FILE} {TRANSFERS_FILE}; do",
        '    if [ -z "${arrays[$script]+yes}" ]; then continue; fi',
        '    echo "each task of $script asks SLURM for (its #SBATCH lines):"',
        "    sed -n 's/^#SBATCH /  /p' \"$script\"",
        "  done",
        "fi",
        "# said after a submission too: this may run days after the emission",
        'if [ "${#arrays[@]}" -gt 0 ]; then',
        '  echo "task output: $scripts/logs/<script>-<job>_<task>.out; each run\'s training output:'
        f' $out/<run>.run/{grid.LOG_FILE}"',
        "fi",
        'if [ "$dry_run" = yes ]; then',
        '  if [ "${#arrays[@]}" -gt 0 ] && ! type -P sbatch > /dev/null; then',
        '    echo "not checked with sbatch --test-only: there is no sbatch here (PATH=$PATH)"',
        '  elif [ "$refused" -gt 0 ]; then',
        "    exit 1",
        '  elif [ "${#arrays[@]}" -gt 0 ]; then',
        '    echo "sbatch --test-only takes each of them (partition, time limit, options)"',
        "  fi",
        "fi",
    ]


def submit_script(out, slurm_dir, plan, bases, transfers, base_index, scripts_id, margin=SIGNAL_MARGIN_SECONDS):
    """Submit the runs that are neither finished nor queued: the bases as one array, then each base's
    transfers as one array that depends on that base's task, submitted now or queued before (no
    dependency when the base is finished). Rerun at any time: a task of an earlier submission that
    SLURM still lists is left alone (:data:`SUBMITTED_FILE` keeps which run each one trains, and for
    which plan: one of another plan ends without training, so its run is submitted anew), but one
    that waits for a base that failed or was cancelled (``DependencyNeverSatisfied``) can never start
    and is cancelled, to be submitted again after its base's new task. Nothing where OUT's plan is no
    longer ``plan``, or where an array script it submits is not of its set, ``scripts_id`` (which it
    passes to each task).
    ``transfers``: grouped by base, in the order of ``bases`` (each base's transfers numbered from 0 in
    its arrays, as their index less that of its first); ``base_index``: a base's name -> its index;
    ``margin``: the seconds before the time limit at which the array scripts have SLURM send SIGTERM
    (nothing is submitted under an ``SBATCH_TIMELIMIT`` not over it, nor with an ``SBATCH_SIGNAL``)."""
    of_base = [base_index[run.parent] for run in transfers]  # in order: emit_slurm sorts them by base
    transfer_first = [bisect.bisect_left(of_base, index) for index in range(len(bases) + 1)]

    def bash_array(name, values):
        return f"{name}=({' '.join(shlex.quote(str(value)) for value in values)})"

    lines = [
        f"{HEADER}submit the grid's runs that are neither finished nor queued.",
        "# bases.sh runs the bases as one job array; each base's transfers run as one array of transfers.sh",
        "# that waits for that base's task only. A run is finished when OUT/<run>.h5 and OUT/<run>.run/",
        "# result.json exist. Rerun this script at any time (after a failure, a cancelled or timed-out job):",
        f"# it submits what is left. {SUBMITTED_FILE} lists the array tasks submitted (task, OUT/<run> as",
        "# bash's printf %q writes it, plan id); those of this plan SLURM still lists are not submitted again.",
        "set -euo pipefail",
        "dry_run=no",
        f'usage="usage: bash $0 [--dry-run]; --dry-run: {DRY_RUN_HELP}"',
        'case "$*" in',
        '  "") ;;',
        "  --dry-run) dry_run=yes ;;",
        '  -h | --help) echo "$usage"; exit 0 ;;  # asked for: on stdout, no error',
        '  *) echo "$usage" >&2; exit 2 ;;',
        "esac",
        *_environment_lines(margin),
        *SLURM_COMMANDS_OWN_OPTIONS,
        *_srun_variables_lines(),
        "# the folder of this script, whatever its name: one beginning with - is no option to cd, one named -",
        "# is no $OLDPWD (the / after it), and CDPATH, exported, sends cd to no folder of that name elsewhere",
        'scripts_folder=$(dirname -- "$0")',
        'CDPATH="" cd -- "$scripts_folder/"',
        f"out={shlex.quote(str(out))}",
        *plan_file_check("nothing submitted"),
        *plan_check(out, slurm_dir, plan, "nothing submitted"),
        "# the array scripts of this set only: another's array indices name other runs",
        f"scripts_id={scripts_id}",
        f"for script in {BASES_FILE * bool(bases)} {TRANSFERS_FILE * bool(transfers)}; do",
        '  if ! grep --quiet --line-regexp --fixed-strings "scripts_id=$scripts_id" "$script" 2>/dev/null; then',
        '    echo "nothing submitted: $scripts/$script is not of the set of scripts this $0 belongs to (set'
        ' $scripts_id): they were written by different --emit-slurm runs, one cut short (a full disk?); emit them'
        ' again (minitransfer experiment --emit-slurm), then rerun $0" >&2',
        "    exit 2",
        "  fi",
        "done",
        bash_array("base_runs", [run.name for run in bases]),
        bash_array("transfer_runs", [run.name for run in transfers]),
        # base i's transfers: transfer_runs[transfer_first[i]] up to, not including, transfer_runs[transfer_first[i+1]]
        bash_array("transfer_first", transfer_first),
        "",
        'finished() { [ -f "$out/$1.h5" ] && [ -f "$out/$1.run/result.json" ]; }',
        'join() { local IFS=,; echo "$*"; }',
        '# noun COUNT ONE [MANY]: ONE where COUNT is 1, else MANY (default ONEs): noun 2 run: runs',
        'noun() { if [ "$1" = 1 ]; then echo "$2"; else echo "${3:-${2}s}"; fi; }',
        'key_of() { printf -v key %q "$out/$1"; }  # one line, whatever the folder\'s name holds',
        *_bases_copied_lines(),
        *_weights_without_checkpoint_lines(),
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
        'if [ "$dry_run" = no ]; then',
        f"  exec 9>> {SUBMITTED_FILE}",
        "  if ! flock --nonblock 9; then",
        '    echo "$0 is already running (it holds $PWD/' + SUBMITTED_FILE + '): wait for it, then rerun" >&2',
        "    exit 1",
        "  fi",
        "else",
        '  echo "dry run: nothing is submitted, cancelled or recorded; JOB1, JOB2, ... stand for the ids SLURM gives'
        ' the jobs as they are submitted"',
        "fi",
        *_other_folders_lines(),
        "# the folder of the tasks' output (#SBATCH --output): SLURM does not make it, and fails every task",
        "# to launch without it (JobLaunchFailure, no output anywhere); a user may have deleted it",
        'if [ "$dry_run" = no ] && ! error=$(mkdir -p -- "$scripts/logs" 2>&1); then',
        '  echo "nothing submitted: $error: the tasks\' output goes there, without which SLURM cannot start them;'
        ' make $scripts/logs writable, then rerun $0" >&2',
        "  exit 74",
        "fi",
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
        "declare -A task_of=() reason_of=()  # OUT/<run> -> its array task still listed; array task -> SLURM's reason",
        "kept=() never=() stale=()",
        f'if [ -s {SUBMITTED_FILE} ] || [ "${{#others[@]}}" -gt 0 ]; then',
        '  listed=$(squeue --noheader --array --user="$(id -u)" --format="%i %r")',
        '  while read -r task reason; do [ -z "$task" ] || reason_of[$task]=$reason; done <<< "$listed"',
        "fi",
        f"if [ -s {SUBMITTED_FILE} ]; then",
        "  while IFS=$'\\t' read -r task key of_plan; do",
        '    if [ -z "$task" ] || [ -z "${reason_of[$task]+listed}" ]; then continue; fi',
        '    if [ "${reason_of[$task]}" = DependencyNeverSatisfied ]; then never+=("$task"); continue; fi',
        "    kept+=(\"$task\"$'\\t'\"$key\"$'\\t'\"$of_plan\")",
        "    # a task of another plan ends without training (exit 2): its run is not queued for this one",
        '    if [ "$of_plan" = "$plan" ]; then task_of[$key]=$task; else stale+=("$task"); fi',
        f"  done < {SUBMITTED_FILE}",
        "fi",
        "# the tasks of this plan the other folders' submit.sh queued and SLURM still lists (not those stuck",
        "# after a failed base: their own submit.sh cancels them)",
        "declare -A folder_of=() by_folder=()  # OUT/<run> -> the other folder whose task of it is listed; per folder,",
        "# the runs skipped as its tasks queue them (not those finished while their task is still listed)",
        'for folder in ${others[@]+"${others[@]}"}; do',
        "  while IFS=$'\\t' read -r task key of_plan; do",
        '    if [ -z "$task" ] || [ -z "${reason_of[$task]+listed}" ] || [ "$of_plan" != "$plan" ] ||',
        '       [ "${reason_of[$task]}" = DependencyNeverSatisfied ] || [ -n "${task_of[$key]+queued}" ]; then',
        "      continue",
        "    fi",
        '    task_of[$key]=$task folder_of[$key]=$folder',
        f'  done < "$folder/{SUBMITTED_FILE}"',
        "done",
        'if [ "${#never[@]}" -gt 0 ] && [ "$dry_run" = yes ]; then',
        '  echo "would cancel array tasks ${never[*]}: they wait for a base that failed or was cancelled'
        ' (DependencyNeverSatisfied)"',
        'elif [ "${#never[@]}" -gt 0 ]; then',
        '  scancel "${never[@]}"',
        '  echo "cancelled array tasks ${never[*]}: they waited for a base that failed or was cancelled'
        ' (DependencyNeverSatisfied)"',
        "fi",
        'if [ "$dry_run" = no ]; then',
        f"  : > {SUBMITTED_FILE}",
        f'  for line in ${{kept[@]+"${{kept[@]}}"}}; do echo "$line" >> {SUBMITTED_FILE}; done',
        "fi",
        "submitted=0 skipped=0 new_jobs=0 refused=0",
        "skip() {  # the run of $key, unfinished, is queued already: counted, and for the other folder that queued it",
        '  skipped=$((skipped + 1))',
        '  if [ -n "${folder_of[$key]+other}" ]; then',
        '    by_folder[${folder_of[$key]}]=$(( ${by_folder[${folder_of[$key]}]:-0} + 1 ))',
        "  fi",
        "}",
        "declare -A arrays=()  # the array scripts submitted",
        *_test_only_lines(),
        "# submit SCRIPT FIRST RUNS LABEL OF AFTER [SBATCH_OPTIONS...]: SCRIPT's runs RUNS (indices in its case,",
        "# e.g. 1,4,1005, FIRST and on) as arrays of at most $array_size tasks, each numbered from 0: task i of one",
        "# trains run OFFSET + i (OFFSET: FIRST plus a multiple of $array_size, given to its tasks); after array",
        "# task AFTER where given; each array said (LABEL: its runs; OF: \" of <total>\" or nothing) and recorded",
        "submit() {",
        '  local script=$1 first=$2 index at offset="" tasks=() runs=()',
        '  IFS=, read -r -a runs <<< "$3"',
        "  for index in \"${runs[@]}\"; do",
        "    at=$(( first + (index - first) / array_size * array_size ))",
        '    if [ "$at" != "$offset" ] && [ "${#tasks[@]}" -gt 0 ]; then submit_array "$offset" "${@:4}"; tasks=(); fi',
        "    offset=$at",
        "    tasks+=(\"$((index - offset))\")",
        "  done",
        '  submit_array "$offset" "${@:4}"',
        "}",
        "# submit_array OFFSET LABEL OF AFTER [SBATCH_OPTIONS...]: the tasks of submit's $script in $tasks",
        "submit_array() {",
        '  local offset=$1 label=$2 of=$3 after=$4 list index run last',
        '  list=$(join "${tasks[@]}")',
        "  arrays[$script]=yes",
        '  set -- --parsable --array="$list" ${after:+"--dependency=afterok:$after"} "${@:5}" "$script" \\',
        '    "$scripts_id" "$offset"',
        '  if [ "$dry_run" = yes ]; then',
        "    new_jobs=$((new_jobs + 1))",
        "    job=JOB$new_jobs",
        '    echo "\\$ sbatch$(shown "$@")"',
        '    test_only "$script" "$list" "$offset"',
        '  elif ! job=$(sbatch "$@"); then',
        '    if [ "$submitted" -eq 0 ]; then',
        '      echo "sbatch refused $script (its error above): nothing submitted; fix what it names (a partition,'
        " --gres, --time or --sbatch-option: emit the scripts again with the right one), then rerun $0\" >&2",
        "    else",
        '      echo "sbatch refused $script (its error above): the $submitted runs submitted before it are queued; fix'
        " what it names (a partition, --gres, --time or --sbatch-option: emit the scripts again with the right one),"
        ' then rerun $0 to submit the others" >&2',
        "    fi",
        "    exit 1",
        "  fi",
        "  job=${job%%;*}",
        '  for index in "${tasks[@]}"; do',
        f'    if [ "$script" = {BASES_FILE} ]; then run=${{base_runs[offset + index]}}; else '
        'run=${transfer_runs[offset + index]}; fi',
        '    key_of "$run"; task_of[$key]=${job}_$index; submitted=$((submitted + 1))',
        f"    if [ \"$dry_run\" = no ]; then printf '%s\\t%s\\t%s\\n' \"${{job}}_$index\" \"$key\" \"$plan\" >> "
        f"{SUBMITTED_FILE}; fi",
        "  done",
        "  last=${of##* }  # the noun agrees with the last number: 1 run, 1 of 2 runs",
        '  echo "$label: job $job, ${#tasks[@]}$of $(noun "${last:-${#tasks[@]}}" run)'
        ' (array tasks $list${after:+, after array task $after})"',
        "}",
        "",
        "todo=()",
        'for i in "${!base_runs[@]}"; do',
        '  key_of "${base_runs[i]}"',
        '  if finished "${base_runs[i]}"; then continue; fi',
        '  if [ -n "${task_of[$key]+queued}" ]; then skip; else todo+=("$i"); fi',
        "done",
        'if [ "${#todo[@]}" -gt 0 ]; then',
        f'  submit {BASES_FILE} 0 "$(join "${{todo[@]}}")" bases " of ${{#base_runs[@]}}" ""',
        "fi",
        'for i in "${!base_runs[@]}"; do',
        "  todo=()",
        "  for ((j = transfer_first[i]; j < transfer_first[i + 1]; j++)); do",
        '    if finished "${transfer_runs[j]}"; then continue; fi',
        '    key_of "${transfer_runs[j]}"',
        '    if [ -n "${task_of[$key]+queued}" ]; then skip; else todo+=("$j"); fi',
        "  done",
        '  if [ "${#todo[@]}" -eq 0 ]; then continue; fi',
        '  after=""',
        '  if ! finished "${base_runs[i]}"; then key_of "${base_runs[i]}"; after=${task_of[$key]}; fi',
        f'  submit {TRANSFERS_FILE} "${{transfer_first[i]}}" "$(join "${{todo[@]}}")" '
        '"transfers of ${base_runs[i]}" "" "$after" --job-name="mt-after-${base_runs[i]}"',
        "done",
        'total=$(( ${#base_runs[@]} + ${#transfer_runs[@]} ))',
        'if [ "$skipped" -gt 0 ]; then',
        '  echo "not submitted again: $skipped $(noun "$skipped" run) queued or running from an earlier submission'
        ' (squeue)"',
        '  for folder in "${!by_folder[@]}"; do',
        '    echo "  ${by_folder[$folder]} of them submitted by $folder/submit.sh (the same plan, emitted there)"',
        "  done",
        'elif [ "$submitted" -eq 0 ]; then',
        '  echo "nothing to submit: $(noun "$total" "the 1 run is" "all $total runs are") finished in $out"',
        "fi",
        'if [ "${#stale[@]}" -gt 0 ]; then',
        '  stale_count=${#stale[@]}',
        f'  echo "$stale_count $(noun "$stale_count" "array task") of another plan of $out (or of one'
        f' $scripts/{SUBMITTED_FILE} does not name) $(noun "$stale_count" is are) still queued: this plan submits'
        ' $(noun "$stale_count" "its run" "their runs") anew where not finished; a task of another plan ends'
        ' without training (exit 2) but holds its place in the queue meanwhile: cancel $(noun "$stale_count" it them)'
        ' (scancel ${stale[*]})" >&2',
        "fi",
        *_end_lines(),
    ]
    return "\n".join(lines) + "\n"
