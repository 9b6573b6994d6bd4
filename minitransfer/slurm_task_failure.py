"""What an array task (:mod:`minitransfer.slurm_array`) says where its run failed, in one line and in a local
grid's words (:mod:`minitransfer.grid_outcome`): why, and what to do (:func:`failure_lines`); and, before any line
ending a task whose run is left unfinished and not requeued (a failure, or a refusal of its train.log before it
trains), that the tasks of the run's transfers never start now (:func:`transfers_stuck_lines`). How SLURM ended a
start of the task, as slurmstepd said it in the task's output (:func:`ended_by_lines`), tells a requeue from
outside from a node failure."""

import pathlib
import shlex
import signal

from minitransfer import experiment as grid
from minitransfer.grid_outcome import (EXIT_BAD_DATA, EXIT_BUSY, EXIT_IO, QUOTE_CHARS, Failure, failure_cause,
                                      where_its_output_is)
from minitransfer.memory_kills import LOG_TAIL, PATTERN, SRUN_PREFIX, killed_and_remedy

# The signals a task names where one ended its training: SIGKILL (the out-of-memory killer, kill -9), which
# leaves no word in train.log, and the crashes, which may leave theirs there (a C library's abort message,
# Python's faulthandler); a job step they end exits 128 + the signal's number (srun, and bash for srun)
KILLING_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE)


def failure_lines():
    """Bash lines saying, in one line as a local grid does
    (:meth:`minitransfer.grid_outcome.GridOutcome.causes`, in its words), why the task's run failed and
    what to do: its run folder deleted while it trained (the log with it: nothing to see), an I/O
    error (74), bad data (65), a refusal (2), a signal of :data:`KILLING_SIGNALS` (``$status``
    128 + its number, as srun and bash report a step it ended: SIGKILL from the out-of-memory
    killer, without a word; a crash, whose message train.log may end on), or another exit ``$status``
    (0: its job step ended without finishing the run); a training SLURM killed for going over its job's memory
    limit, as its step's output says it (:func:`_memory_lines`), is said out of memory, whatever the exit."""
    log = pathlib.PurePosixPath("@out@/@run@.run") / grid.LOG_FILE
    # the command to paste, from any folder: $submit_sh is submit.sh's absolute path as a shell reads it (a bare
    # "rerun submit.sh" was no use where the log is read, nor the path unquoted where it holds a blank)
    rerun = "rerun bash @submit_sh@"

    def failed(code):
        key = "killed" if code < 0 else code
        name, why = failure_cause(key, ["@run@"], [Failure(code, log)], rerun).split(": ", 1)
        return f"run {name}: FAILED: {why}@quoted@"

    cases = [f"    {code}) {_echo(failed(code))} ;;" for code in (EXIT_IO, EXIT_BAD_DATA, EXIT_BUSY)]
    cases += [f"    {128 + number}) {_echo(failed(-number))} ;;" for number in KILLING_SIGNALS]
    deleted = where_its_output_is(Failure(log=log, deleted=True), rerun)
    memory = (f"run @run@: FAILED (exit @status@): {killed_and_remedy('@memory@')}, then {rerun} to "
              f"resume it from its last checkpoint, if it wrote one, or else to train it from the start")
    return [
        *_quoted_lines(),
        *_memory_lines(),
        '  if [ ! -f "$log" ]; then',
        f"    {_echo(f'run @run@: FAILED (exit @status@): {deleted}')}",
        '  elif [ -n "$memory" ] && [ "$status" -ne 0 ]; then',
        f"    {_echo(memory)}",
        '  else case "$status" in',
        *cases,
        f"    0) {_echo(f'run @run@: FAILED: its job step exited 0 without finishing the run; see {log}')} ;;",
        f"    *) {_echo(f'run @run@: FAILED with exit @status@; see {log}@quoted@')} ;;",
        "  esac; fi",
    ]


def transfers_stuck_lines(waited_for):
    """Bash lines defining ``transfers_stuck``, called where the task's run ended unfinished and is not requeued,
    or where the task ends before it trains (its train.log not writable; a transfer's base not finished; not a
    run folder in the way of mkdir, said in one line alone), before the line saying so, which ends the task's
    output: where the run is a base of ``waited_for`` (base -> the names of its transfers, whose tasks wait for
    its task: afterok) and one of those transfers is not finished,
    it says that their tasks never start now: SLURM leaves them pending (DependencyNeverSatisfied) until submit.sh,
    rerun, cancels them and submits them again after the base's new task. Before, a base's task said only "rerun
    submit.sh to resume it", and squeue showed its transfers pending as if they would start. Its transfers all
    finished (submit.sh queued none after it: a base whose weights file was deleted, its checkpoint kept), nothing
    is said: no task waits (it was said they would not start)."""
    return [
        "# ended unfinished, not requeued: the tasks of its transfers, waiting for this one (afterok), never start",
        "transfers_stuck() {",
        "  local transfers=() transfer",
        '  case "$run" in',
        *(f"    {shlex.quote(base)}) transfers=({' '.join(map(shlex.quote, names))}) ;;"
          for base, names in sorted(waited_for.items())),
        "  esac",
        '  for transfer in ${transfers[@]+"${transfers[@]}"}; do',
        '    if ! (run=$transfer; finished); then',
        '      echo "run $run: the tasks of its transfers, queued after this one (afterok), will not start: SLURM'
        ' keeps them PENDING (DependencyNeverSatisfied) until you rerun bash $submit_sh, which cancels them and'
        ' submits them again after a new task of this run"',
        "      return",
        "    fi",
        "  done",
        "}",
    ]


def ended_by_lines(stage):
    """Bash functions of the array script ``stage``.sh: ``ended_by START``, slurmstepd's last line
    "``*** JOB <id> ON <node> CANCELLED AT <time> [DUE TO ...] ***``" in the task's output (#SBATCH --output,
    which a requeued job appends to) after the first line of start START (``SLURM_RESTART_COUNT``) and before the
    next's; "" where there is none. slurmstepd writes it before it signals the job, so a start that outlives the
    signal reads its own. ``requeued_why``, after a start's training ended with its job no longer RUNNING: sets
    ``$requeued`` to why SLURM requeued the job by that line of this start (and ``$ended_as`` to "cancelled", "out
    of time" or "preempted" where it says so: before, a job not requeued was "cancelled, or out of time"
    whichever it was), and returns 1 where the job is not
    known to be requeued (neither ``$state`` PENDING or REQUEUE*, nor slurmstepd's "DUE TO JOB REQUEUE"): a
    ``scontrol requeue`` from outside ends the job COMPLETING, and the start said "not requeued: cancelled, or out
    of time", its transfers' tasks stuck; one PENDING was said requeued as "its node failed or was set DOWN"."""
    output = f'"$scripts/logs/{stage}-${{SLURM_ARRAY_JOB_ID}}_$SLURM_ARRAY_TASK_ID.out"'
    return [
        "ended_by() {  # ended_by START: how SLURM ended start START of this task, in slurmstepd's words",
        '  awk -v start=", restart $1; output in " -v after=", restart $(($1 + 1)); output in "'
        ' \'index($0, start) { inside = 1; said = ""; next } index($0, after) { inside = 0; next }'
        ' inside && / CANCELLED AT .* \\*\\*\\*$/ { said = $0 } END { print said }\' ' + output + ' 2>/dev/null'
        " || true",
        "}",
        "requeued_why() {",
        '  local said',
        '  said=$(ended_by "${SLURM_RESTART_COUNT:-0}")',
        '  case "$said" in',
        '    *" DUE TO JOB REQUEUE ***") requeued="a scontrol requeue from outside" ;;',
        '    *" DUE TO PREEMPTION ***") requeued="a preemption (PreemptMode=REQUEUE)" ;;',
        '    *) requeued="its node failed or was set DOWN" ;;',
        "  esac",
        '  case "$said" in',
        '    *" DUE TO TIME LIMIT ***") ended_as="out of time" ;;',
        '    *" DUE TO PREEMPTION ***") ended_as="preempted" ;;',
        '    *" DUE TO "*) ;;',
        '    *" CANCELLED AT "*) ended_as="cancelled" ;;  # scancel: no reason given',
        "  esac",
        '  [[ "$state" == PENDING || "$state" == REQUEUE* || "$requeued" == *"scontrol requeue"* ]]',
        "}",
    ]


def _quoted_lines():
    """Bash lines setting ``quoted``: ' ("error: ...")', the error line the run's train ended on (the last line of
    its train.log that is neither blank nor srun's own, as :func:`minitransfer.grid_status.last_log_line` reads it),
    its blanks squeezed and cut at QUOTE_CHARS as a local grid quotes it; "" where it ended on no such line. The
    task's line named the train.log alone, which a person then opened to read "--data ... does not exist"."""
    return [
        '  quoted=""',
        f'  last=$(tail --bytes={LOG_TAIL} -- "$log" 2>/dev/null | grep -v -e "^{SRUN_PREFIX}" -e "^[[:space:]]*$" |'
        " tail -n 1 || true)",
        '  if [[ "$last" == "error: "* ]]; then',
        "    last=$(tr -s '[:space:]' ' ' <<< \"$last\"); last=${last% }",
        f'    if [ "${{#last}}" -gt {QUOTE_CHARS} ]; then last="${{last:0:{QUOTE_CHARS - 3}}}..."; fi',
        "    quoted=\" (\\\"$last\\\")\"",
        "  fi",
    ]


def _memory_lines():
    """Bash lines setting ``memory`` to the line in which SLURM says it killed the training of this start of the task
    for going over its job's memory limit, as this start's step wrote it into the train.log (from byte ``$size``
    on): slurmstepd's "StepId=<job>.0 exceeded memory limit (<used> > <limit>), being killed" (JobAcctGatherParams=
    OverMemoryKill: seen on the test cluster with --mem=60M) or "Detected 1 oom-kill event(s) in StepId=..."
    (cgroups), or srun's "task 0: Out Of Memory" (:data:`minitransfer.memory_kills.PATTERN`, which report, a dry
    run and info read a train.log by too); its blanks squeezed and cut at QUOTE_CHARS. "" for none. The
    task said "killed by SIGKILL ... rerun submit.sh to resume it", which ran out of memory again."""
    return [
        f'  memory=$(tail --bytes="+$((${{size:-0}} + 1))" -- "$log" 2>/dev/null |'
        f" grep -E -i -m 1 {shlex.quote(PATTERN)} || true)",
        "  memory=$(tr -s '[:space:]' ' ' <<< \"$memory\"); memory=${memory% }",
        f'  if [ "${{#memory}}" -gt {QUOTE_CHARS} ]; then memory="${{memory:0:{QUOTE_CHARS - 3}}}..."; fi',
    ]


def _echo(text):
    """A bash command writing ``text`` to stderr, with @out@, @run@, @status@, @quoted@, @memory@ and @submit_sh@ in
    it standing for those variables' values and all else as it is."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    for name in ("out", "run", "status", "quoted", "memory", "submit_sh"):
        escaped = escaped.replace(f"@{name}@", f"${name}")
    return f'echo "{escaped}" >&2'
