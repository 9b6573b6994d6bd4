"""The array scripts ``bases.sh`` and ``transfers.sh`` (:mod:`minitransfer.slurm`): one task per run.

Each task runs its ``train`` command with ``--resume auto`` as a job step (``srun``), its output
appended to ``OUT/<run>.run/train.log``, holding the grid folder's working lock shared as a local grid
does (:class:`~minitransfer.grid_folder.GridLock`): a local ``experiment`` with other options started on
OUT while a task runs is refused (one started while the tasks only wait in the queue is not: nothing of
theirs is in OUT yet to tell it); a step that exits 0 without finishing the run (srun does so
after some launch failures) fails the task, so no transfer starts from a base that is not there.
A failed task ends with train's exit code and one line saying, in a local grid's words, what it
means and what to do (74: disk full or unwritable; 65: bad data; its run folder deleted while it
trained: no log left to read, ``submit.sh`` trains it again from the start) (:mod:`minitransfer.slurm_task_failure`).
A task whose run another process trains (a local ``experiment`` on OUT, or a task of a second
submission: it holds the run's lock, :class:`~minitransfer.run_lock.RunLock`) waits for that process
to release it, then trains it, resuming what it left; a run taken by another process just as the
task starts it, and released already, is started again once. The waiting task holds its allocation
(its GPU) idle all that time, which its output says with how to free it (scancel the task; rerun
``submit.sh`` once that process has ended): a task cannot step aside instead, as no exit code keeps
the transfers waiting on it (``afterok``) pending, and a requeue sends it behind the queue each time.
A finished run, too, is left to its ``train``: it ends at once where the run was trained as asked,
and refuses it (exit 2) where it was trained with other options, as a local grid refuses it
(:func:`~minitransfer.grid_check.check_finished`).

SIGTERM reaches the training (SLURM's ``--signal`` before the time limit, ``scancel --signal=TERM
<job>_<task>``, or ``scancel --batch --signal=TERM``, which the task passes on to the step), which
writes a checkpoint and exits 75; the task then requeues itself with ``scontrol requeue`` and runs
again under the same job id and array index, resuming from the checkpoint (SLURM makes a requeued
job wait ``cred_expire``, 120 s by default). Not ``scancel --full``: srun answers SIGTERM by killing
the step, checkpoint or not. A plain ``scancel`` (or the time limit itself) also ends in a checkpoint,
but the job is then no longer RUNNING and is not requeued: the cancel holds, and a rerun of
``submit.sh`` resumes the run. A job SLURM requeues itself (its node failed or set DOWN; the step ends,
with exit 0 too) is said to be requeued, not failed; its restart after one from outside (``scontrol requeue``, a
preemption), whose script SLURM kills as the training checkpoints, says so, by slurmstepd's line in its output. A
task whose job's time limit (a partition's default) leaves under a minute of training before the SIGTERM is not
requeued on exit 75, which it
says: SLURM would signal it again as it starts, over and over. A transfer whose base is not finished (its
task cancelled while pending: SLURM then drops the dependency) says so and ends (exit 75) before it trains.
"""

import shlex

from minitransfer import lock_holder, run_lock
from minitransfer import experiment as grid
from minitransfer.grid_folder import GridLock
from minitransfer.grid_outcome import EXIT_BUSY, EXIT_IO
from minitransfer.models import PRESET_SOURCES
from minitransfer.rundir import RESULT_FILE
from minitransfer.slurm_finished import finished_lines
from minitransfer.slurm_plan import HEADER, SLURM_COMMANDS_OWN_OPTIONS, SUBMIT_FILE, plan_check, plan_file_check
from minitransfer.slurm_restarts import how_it_goes_lines, unsaid_end_lines
from minitransfer.slurm_sbatch import sbatch_quote
from minitransfer.slurm_task_failure import ended_by_lines, failure_lines, transfers_stuck_lines
from minitransfer.slurm_time import (LISTED_LIMIT_FUNCTION, SHORTEST_TRAINING_SECONDS,
                                     SIGNAL_MARGIN_SECONDS, shortest_time_option_minutes)


def array_script(stage, cases, out, slurm_dir, plan, header, scripts_id, python_path, margin=SIGNAL_MARGIN_SECONDS,
                 waited_for=None, preset_sources=None):
    """One array task per run (``cases``: their :func:`~minitransfer.slurm_tasks.task_lines`): run its train
    command as a job step (which ends at once where the run is finished, or refuses it if trained otherwise)
    and requeue the task when the training exits 75; nothing where OUT's plan is no longer ``plan``
    (:func:`plan_check`), or where submit.sh submitted it for another set of scripts than ``scripts_id`` (its first
    argument). Task ``i`` of an array trains the run of case ``first + i``, ``first`` its second argument:
    submit.sh numbers each array from 0 (SLURM's MaxArraySize bounds the indices, not the runs).
    ``python_path``: a folder put first on ``PYTHONPATH`` (:func:`minitransfer.slurm._source_checkout`), or None.
    ``margin``: the seconds before the time limit at which ``header`` has SLURM send SIGTERM; a task whose job's time
    limit leaves under :data:`SHORTEST_TRAINING_SECONDS` of training before it (a partition's default
    limit, an ``SBATCH_TIMELIMIT``) is not requeued on exit 75: SLURM would signal it again as it
    starts, over and over. ``waited_for``: each run (base) whose transfers' tasks wait for its (afterok) -> the names
    of those transfers: where one ends unfinished and not requeued, its task says that those never start until
    submit.sh is rerun
    (:func:`~minitransfer.slurm_task_failure.transfers_stuck_lines`). ``preset_sources``: the value of
    :data:`minitransfer.models.PRESET_SOURCES` where the scripts were written (the code registering a preset
    of one's own), exported for the train command, which runs in the environment of submit.sh's shell; or None."""
    result = shlex.quote(RESULT_FILE)
    lines = [
        f"{HEADER}the {stage}, one array task each; submit with submit.sh.",
        f"#SBATCH --job-name=mt-{stage}",
        f"#SBATCH --output={sbatch_quote(str(slurm_dir / 'logs'))}/{stage}-%A_%a.out",
        *header,
        "",
        "set -u",
        *SLURM_COMMANDS_OWN_OPTIONS,
        "# this script and its submit.sh as written, for the messages: under sbatch $0 is SLURM's copy in its spool;",
        "# submit.sh's path as a shell reads it (quoted where it must be, as submit.sh quotes its own), so that the",
        "# advice \"rerun bash $submit_sh\" pastes into a shell from any folder, whatever the path holds (a blank)",
        f"script={shlex.quote(str(slurm_dir / f'{stage}.sh'))}"
        f" submit_sh={shlex.quote(shlex.quote(str(slurm_dir / SUBMIT_FILE)))}",
        "# Run by hand (bash bases.sh), it would die half-way on an unset variable, after taking the grid's lock.",
        'if [ -z "${SLURM_ARRAY_TASK_ID-}" ] || [ -z "${SLURM_ARRAY_JOB_ID-}" ] || [ -z "${SLURM_JOB_ID-}" ]; then',
        '  echo "$script: not a SLURM array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_JOB_ID or SLURM_JOB_ID unset):'
        ' submit the grid with bash $submit_sh" >&2',
        "  exit 2",
        "fi",
        "# sbatch of this script by hand: not the scripts written again (below), which it used to be told",
        'if [ "$#" -eq 0 ]; then',
        '  echo "array task ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID: not trained: $script was submitted without'
        ' the arguments $submit_sh gives it (the id of its set of scripts, its array\'s first run): submit the'
        ' grid with bash $submit_sh, not sbatch" >&2',
        "  exit 2",
        "fi",
        "# submit.sh gives the id of its set of scripts: another is of scripts written again as it submitted,",
        "# whose array indices name other runs",
        f"scripts_id={scripts_id}",
        'if [ "${1-}" != "$scripts_id" ]; then',
        '  echo "array task ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID: not trained: it was submitted for the scripts'
        f' of set ${{1:-none}}, this {stage}.sh is of set $scripts_id: the scripts were written again (--emit-slurm)'
        ' as it was submitted; rerun bash $submit_sh" >&2',
        "  exit 2",
        "fi",
        "# the run task 0 of this array trains, as submit.sh gives it: it numbers each array from 0",
        'first=${2-}',
        'if [[ ! "$first" =~ ^[0-9]+$ ]] || [[ ! "$SLURM_ARRAY_TASK_ID" =~ ^[0-9]+$ ]]; then',
        f'  echo "array task ${{SLURM_ARRAY_JOB_ID}}_$SLURM_ARRAY_TASK_ID: not trained: {SUBMIT_FILE} gives the'
        ' index of its array\'s first run after the id of the set of scripts, not ${first:-nothing}" >&2',
        "  exit 2",
        "fi",
        'case "$((10#$first + 10#$SLURM_ARRAY_TASK_ID))" in',
        *cases,
        '  *) echo "no run for array task $SLURM_ARRAY_TASK_ID of an array from run $first" >&2; exit 2 ;;',
        "esac",
        f"out={shlex.quote(str(out))}",
        'log="$out/$run.run/train.log"',
        *([] if python_path is None else [
            "# the train command imports minitransfer from the source checkout that wrote these scripts: this",
            "# task runs in the scripts' folder, where Python would not find it",
            f'export PYTHONPATH={shlex.quote(str(python_path))}${{PYTHONPATH:+:$PYTHONPATH}}']),
        *([] if preset_sources is None else [
            "# where the code registering the grid's preset of one's own is, as the command that wrote these scripts",
            "# knew it: the train command runs it (submit.sh's shell, whose environment this task has, may not)",
            f"export {PRESET_SOURCES}={shlex.quote(preset_sources)}"]),
        *plan_file_check("run $run: not trained"),
        "# The program the train command runs, seen from this node: a Python environment on the login node's own",
        "# disk is not, and srun's execve error (exit 2) read as train refusing the run",
        'if ! type -P "${command[0]}" > /dev/null; then',
        '  echo "run $run: not trained: there is no ${command[0]} on $(uname -n) (or it is not executable), the'
        " program its train command runs: the scripts were written by a minitransfer installed where this machine"
        " does not see it; install minitransfer where the compute nodes see it (a shared file system), write the"
        ' scripts again with that one (its experiment --emit-slurm), then rerun bash $submit_sh" >&2',
        f"  exit {EXIT_IO}",
        "fi",
        *finished_lines("$run"),
        *transfers_stuck_lines(waited_for or {}),
        "# exit 74 (I/O, as the command line's): a path that cannot be written, said once, not a train that fails",
        'if ! error=$(mkdir -p "$out/$run.run" 2>&1); then echo "run $run: $error" >&2; exit 74; fi',
        "# The grid folder's working lock, shared while the task runs, as a local grid holds it: a local",
        "# `minitransfer experiment` with other options started on the folder meanwhile is refused. Taken,",
        "# and the plan read, while no such grid plans there (its planning lock, shared): one that planned",
        "# before has replaced the plan, which the task then sees. Opened for reading and writing: NFSv4",
        "# emulates flock with byte-range locks, whose shared kind needs a descriptor open for reading.",
        "# flock(1) given a descriptor locks this shell's open file, and the lock outlives flock(1): a flock",
        "# lock is the open file's, where NFS emulates it too (Linux names the server's lock owner by the open",
        "# file, not the process), and ends as the file's last descriptor closes (this script ends).",
        f'exec 6<> "$out/{GridLock.PLANNING}"',
        "flock --shared --nonblock 6",
        'if [ "$?" -eq 1 ]; then',
        '  echo "run $run: waiting for a minitransfer experiment to finish planning its runs in $out"',
        "  flock --shared 6",
        "fi",
        f'exec 8<> "$out/{GridLock.WORKING}"',
        f'flock --shared 8 || echo "run $run: training without the lock of $out/{GridLock.WORKING}" >&2',
        *plan_check(out, slurm_dir, plan, "run $run: not trained"),
        "exec 6>&-",
        *(_base_finished_lines() if stage == "transfers" else []),
        "# train.log, appended to below: one not writable was told in bash's words, then as a run folder deleted",
        'if ! error=$({ : >> "$log"; } 2>&1); then',
        "  transfers_stuck",
        '  echo "run $run: not trained: cannot write $log: ${error##*: }; make it writable (or free space), then'
        ' rerun bash $submit_sh" >&2',
        f"  exit {EXIT_IO}",
        "fi",
        'echo "run $run: array task ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID,'
        ' restart ${SLURM_RESTART_COUNT:-0}; output in $log"',
        *ended_by_lines(stage),
        *unsaid_end_lines(stage),
        *lock_holder.holder_named_lines(),
        "# Another process training the run (a local `minitransfer experiment` on OUT, or a task of another",
        "# submission) holds its lock (flock on <run>.run/lock, run_lock.RunLock), which the kernel releases when",
        "# it ends: a lock file left behind holds nobody up. Wait for it, then finish or resume what it left.",
        "# The wait holds the allocation (a GPU) idle as long as that process trains. Not requeued instead:",
        "# no exit code keeps afterok dependents waiting (any failure strands them), and a requeued task",
        "# starts again behind the queue after cred_expire, each time, even where that process ends at once.",
        "waited_for_release() {",
        f'  {{ exec 7< "$out/$run.run/{run_lock.RunLock.FILE}"; }} 2>/dev/null || return 1',
        "  flock --shared --nonblock 7",
        '  if [ "$?" -ne 1 ]; then exec 7<&-; return 1; fi  # free, or a file system without locks',
        '  local named=""',
        "  holder_named <&7  # as RunLock writes it: its SLURM job and node, or its PID and host",
        '  echo "run $run: being trained by another process${named:+ ($named)}; waiting for it'
        ' to release the run,'
        " holding this task's allocation idle meanwhile (scancel ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID to free"
        ' it, then rerun bash $submit_sh once that process has ended)"',
        "  flock --shared 7",
        "  exec 7<&-",
        "}",
        "# A finished run too is train's to judge, as a local grid judges it (grid_check.check_finished): it",
        "# ends at once where the run was trained as asked, and refuses it (exit 2) where it was trained otherwise.",
        "# To this task by <array job>_<task>: the one that runs under the array's own job id would signal them all.",
        "# A job ending already (a plain scancel, the time limit, SLURM requeueing it) has no step left to",
        "# signal (scancel: \"Invalid job id specified\"): its failure is said where the job runs, or squeue fails.",
        "pass_sigterm_on() {",
        "  local error state",
        '  if error=$(scancel --signal=TERM "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" 2>&1); then return; fi',
        '  if state=$(job_state 2>/dev/null) && [ "$state" != RUNNING ]; then return; fi',
        '  echo "$error" >&2',
        '  echo "run $run: SIGTERM not passed on to its training (scancel failed)" >&2',
        "}",
        "# SLURM signals a task whose time limit is within the --signal margin as soon as it starts: requeued,",
        "# it would be signalled again at once, over and over. Its limit as squeue gives it: [D-]H:MM:SS or M:SS",
        "# (UNLIMITED, or squeue failing: nothing said, requeued as before).",
        *LISTED_LIMIT_FUNCTION,
        "short_time_limit() {",
        "  local limit listed_seconds listed_minutes",
        '  limit=$(squeue --noheader --jobs="${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" --format=%l 2>/dev/null) ||'
        " return 1",
        '  listed_limit "$limit" || return 1',
        f'  [ "$listed_seconds" -lt {margin + SHORTEST_TRAINING_SECONDS} ] || return 1',
        f'  echo "its job\'s time limit, $limit, leaves under {SHORTEST_TRAINING_SECONDS} s of training before SLURM'
        f' signals it to checkpoint, {margin} s before the limit (--signal=TERM@{margin}): requeued, it would be'
        ' signalled as it starts, over and over; emit the scripts again with --time'
        f' {shortest_time_option_minutes(margin)} or more (a partition\'s default limit applies where none is'
        ' given), then rerun bash $submit_sh to resume it"',
        "}",
        "# the run's result.json as its inode, size and modification time (%y: to the nanosecond); nothing where",
        "# it cannot be read",
        "result_identity() {",
        f'  stat --format="%i %s %y" -- "$out/$run.run/"{result} 2>/dev/null || true',
        "}",
        "# Asked of this task by <array job>_<task>: the task that runs under the array's own job id (the",
        "# last one started) is listed with every other task of the array by --jobs=$SLURM_JOB_ID.",
        "job_state() {",
        '  squeue --noheader --jobs="${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" --format=%T',
        "}",
        "# a result.json whole by its shape may be one edited since, which train writes again (submit.sh tells it by",
        "# its digest): told after by its inode, size and modification time (ns), said done, not already finished.",
        "# Not by its inode alone: train removes a result it trains again past, and the new one, renamed into place",
        "# later, may be given the inode freed (ext4 reuses them), as may a copy put back after a removal",
        'busy=no raced=no ended=done result_was=""',
        'if finished; then ended="already finished"',
        '  result_was=$(result_identity)',
        "fi",
        "while :; do",
        "  # a refusal with nobody seen holding the run after it: a race lost to a process that has ended",
        "  # already; started again once, as a local grid does (another process taking it each time would",
        "  # loop forever)",
        "  if waited_for_release; then",
        '    if finished; then ended="finished by another process"; fi',
        "    # said at once: the training it starts says nothing here until it ends (a task seen idle is cancelled)",
        *how_it_goes_lines("finds the run finished: its train checks it", "starts the run: it has no checkpoint"),
        '    echo "run $run: the other process has released the run (it ended); this task now $how"',
        '  elif [ "$busy" = yes ]; then',
        '    if [ "$raced" = yes ]; then break; fi',
        "    raced=yes",
        "  fi",
        '  size=$(stat --format=%s "$log" 2>/dev/null || echo 0)',
        "  # the command as the shell reads it back (%q), to be pasted whatever its paths hold (blanks, quotes)",
        "  printf '$%s\\n' \"$(printf ' %q' \"${command[@]}\")\" >> \"$log\"",
        "  # A job step, so `scancel --signal=TERM` and --signal reach the training, which writes a checkpoint",
        "  # and exits 75. SIGTERM to this script (scancel --batch) goes to the step; never to srun, which",
        "  # would kill the step (so not scancel --full). Its output is appended by the shell: srun --output",
        "  # would read the path as a file name pattern (a folder named 10%noise becomes 100oise).",
        "  # A trapped signal ends the wait early (status 128 + its number): the step's own status is waited for",
        "  # again, which bash keeps for a step that ended meanwhile (while scancel, a call to the controller, ran)",
        "  forwarded=no",
        "  trap 'forwarded=yes; pass_sigterm_on' TERM",
        '  srun --ntasks=1 "${command[@]}" >> "$log" 2>&1 &',
        "  pid=$!",
        '  wait "$pid"',
        "  status=$?",
        '  while [ "$forwarded" = yes ] && [ "$status" -gt 128 ]; do',
        "    forwarded=no",
        '    wait "$pid"',
        "    again=$?",
        '    if [ "$again" -ne 127 ]; then status=$again; fi  # 127: waited for already, its status is the one had',
        "  done",
        "  trap - TERM",
        "  # Refused as another process took the run between the wait and the step's start: its error is",
        "  # among the lines this step wrote (srun may add its own after it).",
        f'  if [ "$status" -ne {EXIT_BUSY} ] || ! tail --bytes="+$((size + 1))" "$log" | '
        f'grep --fixed-strings -- {shlex.quote(run_lock.BUSY)} | grep --quiet "^error: "; then',
        "    break",
        "  fi",
        "  busy=yes",
        '  echo "run $run: taken by another process as this task started it"',
        "done",
        "# A plain scancel (or the time limit itself) ends the job: it is no longer RUNNING but COMPLETING,",
        "# and a requeue would undo the cancel. The signals meant to be resumed from leave it RUNNING. A job",
        "# SLURM requeued itself (its node set DOWN or failed: the step ends, with exit 0 too) is PENDING.",
        "# squeue failing (a controller that does not answer, no squeue on the node) says its error: the job is",
        "# not known to be cancelled, but a requeue cannot be asked of the controller either. Asked only where",
        "# the state matters (not for a run its step finished, exit 0), its error said only with the line",
        "# that says the state could not be read: before any other it would stand unexplained",
        'unread=no state="" squeue_error=""',
        'if ! { [ "$status" -eq 0 ] && finished; }; then',
        '  errors=$(mktemp 2>/dev/null) || errors=/dev/null  # no temporary file: squeue\'s error is not said',
        '  state=$(job_state 2>"$errors") || unread=yes',
        '  if [ "$errors" != /dev/null ]; then squeue_error=$(< "$errors"); rm -f -- "$errors"; fi',
        "fi",
        "# The mark of this start goes once its lines have said how the training ended, and before a requeue of",
        "# this job (scontrol requeue), which ends this script: its restart would take a mark left for a start",
        "# unheard of. Not before the lines are chosen: SLURM kills the script of a job whose node it sets DOWN at",
        "# any point (seen on the test cluster: the restart said nothing of its previous start, whose output ended",
        "# with slurmstepd's NODE FAILURE line, the mark removed as the state was read)",
        "# requeued, as the job's state or slurmstepd's words tell it (after a scontrol requeue the job is COMPLETING",
        "# as the script goes on: seen on the test cluster, KillWait 30); why, in slurmstepd's words",
        'if [ -n "$state" ] && [ "$state" != RUNNING ] && requeued_why; then',
        '  echo "run $run: not finished (its job step ended with exit $status): SLURM requeued the job (the job is'
        ' $state: $requeued); it runs again when SLURM starts it, resuming the run"',
        f'elif [ "$status" -eq {grid.EXIT_INTERRUPTED} ] && [ "$unread" = yes ]; then',
        "  transfers_stuck",
        '  if [ -n "$squeue_error" ]; then echo "$squeue_error" >&2; fi',
        '  echo "run $run: exit 75, interrupted with a checkpoint; not requeued: the state of its job could not be'
        ' read (squeue failed${squeue_error:+, its error above}); rerun bash $submit_sh to resume it"',
        f'elif [ "$status" -eq {grid.EXIT_INTERRUPTED} ] && [ "$state" != RUNNING ]; then',
        "  transfers_stuck",
        '  echo "run $run: exit 75, interrupted with a checkpoint; not requeued: the job is ${state:-gone}'
        ' (${ended_as:-cancelled, or out of time}); rerun bash $submit_sh to resume it"',
        f'elif [ "$status" -eq {grid.EXIT_INTERRUPTED} ] && too_short=$(short_time_limit); then',
        "  transfers_stuck",
        '  echo "run $run: exit 75, interrupted with a checkpoint; not requeued: $too_short" >&2',
        f'elif [ "$status" -eq {grid.EXIT_INTERRUPTED} ]; then',
        '  echo "run $run: exit 75, interrupted with a checkpoint: requeued, it resumes from the checkpoint"',
        '  rm -f -- "$attempt"',
        '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" ||',
        '    { transfers_stuck; echo "run $run: scontrol requeue failed: rerun bash $submit_sh to resume it" >&2; }',
        "# A signal ended the step as SLURM ended the job (a scancel or the time limit as the training started, before",
        "# it heard stops; SIGKILL after KillWait): not a failure of the run, which its words would have it be",
        'elif [ "$status" -gt 128 ] && [ "$unread" = no ] && [ "$state" != RUNNING ]; then',
        "  transfers_stuck",
        '  signal=$(kill -l "$status" 2>/dev/null) || signal=$((status - 128))',
        '  echo "run $run: exit $status (SIG$signal): SLURM ended its job before the training could write a checkpoint'
        ' of where it stopped; not requeued: the job is ${state:-gone} (${ended_as:-cancelled, or out of time});'
        ' rerun bash $submit_sh to train it (resumed from its last checkpoint, if it wrote one)"',
        'elif [ "$status" -ne 0 ] || ! finished; then',
        "  transfers_stuck",
        *failure_lines(),
        '  if [ "$status" -eq 0 ]; then status=1; fi',
        "else",
        '  if [ -n "$result_was" ] && [ "$(result_identity)" != "$result_was" ]; then ended=done; fi',
        '  echo "run $run: $ended"',
        "fi",
        'rm -f -- "$attempt"',
        'exit "$status"',
    ]
    return "\n".join(lines) + "\n"


def _base_finished_lines():
    """Bash lines ending a transfer's task before it trains (exit 75, as an interruption: ``submit.sh``, rerun,
    submits it again after its base) where its base's network, the file it copies (``--copy-from``), is not
    there and the transfer is not finished. SLURM drops the ``afterok`` dependency of a transfer whose base's
    task was cancelled while pending, and starts it: train then refused the run (exit 2, "an option, or a file
    in the way"), the missing file said only in its train.log. The base is named as its case names it (``$base``)."""
    return [
        "# a base's task cancelled while pending: SLURM drops the dependency (afterok) and starts its transfers;",
        "# the file it copies (--copy-from) is its base's weights, $out/$base.h5",
        'if [ -n "${base:-}" ] && [ ! -e "$out/$base.h5" ] && ! finished; then',
        "  transfers_stuck",
        '  echo "run $run: not trained: base $base is not finished (its task was cancelled or failed?); rerun'
        ' bash $submit_sh" >&2',
        f"  exit {grid.EXIT_INTERRUPTED}",
        "fi",
    ]
