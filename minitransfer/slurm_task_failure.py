"""What an array task (:mod:`minitransfer.slurm_array`) says where its run failed, in one line and in a local
grid's words (:mod:`minitransfer.grid_outcome`): why, and what to do (:func:`failure_lines`)."""

import pathlib
import signal

from minitransfer import experiment as grid
from minitransfer.grid_outcome import EXIT_BAD_DATA, EXIT_BUSY, EXIT_IO, Failure, failure_cause, where_its_output_is
from minitransfer.slurm_plan import SUBMIT_FILE

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
    (0: its job step ended without finishing the run)."""
    log = pathlib.PurePosixPath("@out@/@run@.run") / grid.LOG_FILE
    rerun = f"rerun {SUBMIT_FILE}"

    def failed(code):
        key = "killed" if code < 0 else code
        name, why = failure_cause(key, ["@run@"], [Failure(code, log)], rerun).split(": ", 1)
        return f"run {name}: FAILED: {why}"

    cases = [f"    {code}) {_echo(failed(code))} ;;" for code in (EXIT_IO, EXIT_BAD_DATA, EXIT_BUSY)]
    cases += [f"    {128 + number}) {_echo(failed(-number))} ;;" for number in KILLING_SIGNALS]
    deleted = where_its_output_is(Failure(log=log, deleted=True), rerun)
    return [
        '  if [ ! -f "$log" ]; then',
        f"    {_echo(f'run @run@: FAILED (exit @status@): {deleted}')}",
        '  else case "$status" in',
        *cases,
        f"    0) {_echo(f'run @run@: FAILED: its job step exited 0 without finishing the run; see {log}')} ;;",
        f"    *) {_echo(f'run @run@: FAILED with exit @status@; see {log}')} ;;",
        "  esac; fi",
    ]


def _echo(text):
    """A bash command writing ``text`` to stderr, with @out@, @run@ and @status@ in it standing for those
    variables' values and all else as it is."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    for name in ("out", "run", "status"):
        escaped = escaped.replace(f"@{name}@", f"${name}")
    return f'echo "{escaped}" >&2'
