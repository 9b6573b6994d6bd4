"""Why a grid's failed runs failed, one line per cause (:func:`failure_cause`, which :meth:`GridOutcome.causes
<minitransfer.grid_outcome.GridOutcome.causes>` and a SLURM task's script say), the error lines their train.logs end
on quoted once each (:func:`quoted_errors`), a run that diverged (:func:`diverged`), a train's end as a person reads
it (:func:`how_it_ended`), and the exit codes of ``train`` the grid names (all importable from
:mod:`minitransfer.grid_outcome` too, where they were).
"""

import pathlib
import signal

from minitransfer.bad_checkpoint import bad_checkpoint_step
from minitransfer.config_wording import SAME_CALL
from minitransfer.experiment import CHECKPOINT_FILE, LOG_FILE, some_names
from minitransfer.grid_status import BAD_CHECKPOINT, error_line
from minitransfer.results import METRICS_FILE
from minitransfer.rundir import divergence
from minitransfer.run_remedies import TRAIN_GRID_AGAIN

EXIT_BUSY = 2  # what `train` exits with when another process holds the run (among other usage errors)
# What `train` exits with (the command line's codes) where the cause of a failed run is one the grid can name
EXIT_FAILED, EXIT_BAD_DATA, EXIT_IO = 1, 65, 74
QUOTED_ERRORS = 3  # the failed runs of a cause whose error lines the grid's end quotes (the others counted)
QUOTE_CHARS = 300  # an error line quoted longer is cut (a path deep in a cluster's file system is about 200)


def failure_cause(key, names, failures, rerun=SAME_CALL):
    """One line of :meth:`GridOutcome.causes`: the runs ``names``, which failed with ``key`` (their
    exit code, "killed", "deleted" or "moved"), and what to do; ``rerun``: how to train them again (the
    library's words, :func:`minitransfer.config_wording.worded` says them as the command line does; a SLURM
    task's says "rerun bash '/path/to/slurm/submit.sh'", a command to paste)."""
    several = len(names) > 1
    their, them = ("their", "them") if several else ("its", "it")
    logs = [failure.log for failure in failures if failure.log is not None]
    read = f"{their} {LOG_FILE}{(f' (e.g. {logs[0]})' if several else f' ({logs[0]})') if logs else ''}"
    if key == "deleted":
        why = (f"{their} run folder{'s were' if several else ' was'} deleted while {them} trained, and {their} "
               f"{LOG_FILE} with {'them' if several else 'it'}; a rerun trains {them} from the start")
    elif key == "moved":
        they = "they" if several else "it"
        why = (f"{their} run folder{'s' if several else ''} went with the grid's folder, moved or deleted while "
               f"{them} trained, before {they} wrote a checkpoint on stopping ({_ends(failures)}): where it was "
               f"moved, a rerun there resumes {them} from {their} last checkpoint, if {they} had written one, else "
               f"trains {them} from the start")
    elif key == "unwritable":
        why = (f"{their} run folder{'s' if several else ''} cannot be written (exit 74), so {their} train"
               f"{'s' if several else ''} did not start (the other runs went on); make {them} writable (the "
               f"permissions, chattr -i), then {rerun}")
    elif key == "killed":
        named = list(dict.fromkeys(how_it_ended(failure.code)[len("killed by "):] for failure in failures))
        oom = f"the machine ran out of memory, or someone killed {them}"
        why = (f"killed by SIGKILL, which leaves no message (SIGKILL: {oom})" if named == ["SIGKILL"] else
               f"killed by {', '.join(named)}; {read} may end on why (a crash's message: a C library's abort, "
               f"Python's faulthandler){f'; SIGKILL leaves none ({oom})' if 'SIGKILL' in named else ''}")
        they = "they" if several else "it"
        why = (f"{why}; {rerun} to resume {them} from {their} last checkpoint, if {they} wrote one, or else to train "
               f"{them} from the start")
    elif key == EXIT_IO:
        why = (f"an I/O error (exit 74): the disk is full, or a file cannot be written or read, which {read} names; "
               f"free space or fix the permissions, then {rerun}")
    elif key == BAD_CHECKPOINT:
        folders = [failure.log.parent for failure in failures]
        others = f" (and the {CHECKPOINT_FILE} of each of the others)" if several else ""
        why = (f"bad data (exit 65): {their} {CHECKPOINT_FILE} {'are' if several else 'is'} damaged, which {their} "
               f"train refuses to resume; {bad_checkpoint_step(folders[0])}{others}, then {rerun} to train {them} "
               f"from the start")
    elif key == EXIT_BAD_DATA:
        why = (f"bad data (exit 65): a dataset, checkpoint or weights file is damaged or does not fit, which {read} "
               f"names; fix or replace it, then {rerun}")
    elif key == EXIT_BUSY:
        why = f"refused by train (exit 2: an option, or a file in the way), which {read} names; fix that, then {rerun}"
    else:
        why = f"failed (exit {key}): {read} says why; fix that, then {rerun}"
        diverged = _divergences(names, failures)
        if diverged:
            first = next(iter(diverged))
            again = f"a rerun diverges again, bit for bit: {TRAIN_GRID_AGAIN}"
            why = (f"diverged (exit {key}; {diverged[first]}): {again}" if len(names) == 1 else
                   f"diverged (exit {key}; {first}: {diverged[first]}): {again}" if len(diverged) == len(names) else
                   f"{why}; {some_names(list(diverged))} of them diverged ({first}: {diverged[first]}): {again}")
    return f"{some_names(names)}: {why}"


def quoted_errors(names, failures, most=QUOTED_ERRORS):
    """' (random0/A1B: "error: ..."; random0/A2B, random0/A3B: "error: ..."; 2 more)': the error line each of the
    failed runs ``names`` (their :class:`Failure` in ``failures``) ended on, trimmed, each text once after the runs
    that ended on it, for the first ``most`` texts, the runs of the others counted; "" where none ended on one
    (killed, no log). The grid's end pointed at a train.log alone, which a person then had to open to learn that the
    dataset was missing. A diverged run's is in its cause already. Before, a text was quoted once per run: the same
    300 characters three times where every run failed alike (a base's weights cut short)."""
    quoted = {}  # a text -> the runs that ended on it
    for name, failure in zip(names, failures):
        line = f"error: {failure.unwritable}" if failure.unwritable else None if failure.log is None or \
            diverged(failure) else error_line(pathlib.Path(failure.log).parent)
        if line:
            line = " ".join(line.split())
            quoted.setdefault(line if len(line) <= QUOTE_CHARS else line[:QUOTE_CHARS - 3] + "...", []).append(name)
    if not quoted:
        return ""
    quotes = [f'{some_names(runs)}: "{line}"' for line, runs in quoted.items()]
    left = sum(len(runs) for runs in list(quoted.values())[most:])
    return f" ({'; '.join(quotes[:most])}{f'; {left} more' if left else ''})"


def _ends(failures):
    """How the runs of ``failures`` ended, each way once: "exit 74, killed by SIGKILL"."""
    return ", ".join(dict.fromkeys(how_it_ended(failure.code) for failure in failures))


def _divergences(names, failures):
    """{name: "training diverged: loss became nan at iteration 58 (lr 0.01)"} of the failed runs
    ``names`` whose training diverged (their metrics.jsonl ends on it; :func:`failure_cause` says so):
    training is deterministic, so rerunning the grid's command diverged again, run after run, while
    the grid said only to rerun it; and a run trained again by hand with another --base-lr is one the
    grid then refuses to pool with the others. A metrics.jsonl that cannot be read (a folder, no
    permission) tells no divergence: the cause is still said, from its train.log."""
    found = {name: _diverged(failure.log.parent / METRICS_FILE) for name, failure in zip(names, failures)
             if failure.log is not None}
    return {name: why for name, why in found.items() if why}


def diverged(failure):
    """Whether the run of ``failure`` (a :class:`Failure`) diverged: its metrics.jsonl ends on it."""
    return failure.log is not None and bool(_diverged(failure.log.parent / METRICS_FILE))


def _diverged(metrics):
    """:func:`minitransfer.run_logs.divergence` of ``metrics``; "" where it is no file, or cannot be read."""
    try:
        return divergence(metrics) if metrics.is_file() else ""
    except OSError:
        return ""


def how_it_ended(code):
    """A train process's end as a person reads it: "exit 65", or "killed by SIGKILL" for a negative
    return code (the signal that ended it)."""
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"
