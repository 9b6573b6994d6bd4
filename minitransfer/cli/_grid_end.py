"""How the commands that run a grid here (``experiment``, ``demo``) tell its course and its end: its
log (:func:`grid_log`: its notes and the runs' warnings on stderr), the grid's summary
(:func:`tell_summary`; a stopped grid's too: :func:`outcome_of`), and an error that stopped it midway
(:func:`told_where_it_stopped`: what it had done, then the error, what to do and that a rerun keeps what
was done)."""

import contextlib
import shlex

from minitransfer import fileio, stopping
from minitransfer.config_wording import SAME_COMMAND, finish_by_rerun
from minitransfer.grid_folder import GridFolderGone, GridLockLost
from minitransfer.grid_outcome import GridInterrupted
from minitransfer.grid_progress import Warnings
from minitransfer.storage_fix import fix_then_rerun

from ._output import OutputUnwritable, echo, say


_STDERR_PREFIXES = ("note: ", Warnings.PREFIX)  # the grid's own notes and warnings: no part of its course


def grid_log(line):
    """A line of the grid's log (``run_grid``'s ``log``): its course (runs started, done, failed, how
    many are left) on stdout, with the summary; its notes and warnings ("note: ...", "warning: ...")
    and those of its runs it relays ("random0/baseA: warning: ...", :class:`Warnings`) on stderr,
    where the command's own and train's go."""
    name, told, text = line.partition(": ")
    if line.startswith(_STDERR_PREFIXES) or (told and " " not in name and text.startswith(Warnings.PREFIX)):
        say(line)
    else:
        echo(line)


def tell_summary(outcome, out, reader_gone_words=None, gone=False):
    """The grid's end: the failed runs' causes, how many runs ended each way and where the results are
    (``gone``: where they were, ``out`` moved or deleted while the grid ran), on stdout; on stderr
    where stdout cannot take it (Ctrl-C on `experiment | tee grid.log` ends tee too, a hangup the
    terminal, a full disk under `> grid.log`), which then raises (74) unless its reader has gone.
    ``reader_gone_words``: what to say on stderr instead where the reader has gone (``demo | head``:
    the demo's own words, not the grid's summary), from the outcome; default: the summary."""
    causes = ["the runs that failed, by cause:", *(f"  {cause}" for cause in outcome.causes())] \
        if outcome.failed else []
    causes += [outcome.not_run()] if outcome.blocked else []  # the runs a failed base cost, named
    where = (f"the runs were in {out}, which was moved or deleted while the grid ran (if moved: minitransfer report "
             f"NEW_PLACE)" if gone else f"results in {out} (minitransfer report {shlex.quote(str(out))})")
    summary = "\n".join([*causes, f"{outcome.summary()}; {where}"])
    try:
        echo(summary)
    except OSError as error:
        reader_gone = stopping.reader_gone(error)  # not ``gone``, the grid's folder's
        say(reader_gone_words(outcome) if reader_gone and reader_gone_words else summary)  # where it can be read
        if not reader_gone:
            raise


def outcome_of(grid):
    """The :class:`minitransfer.grid_outcome.GridOutcome` of ``grid()`` (a call of ``run_grid`` or
    ``run_demo``), also where a stop stopped the grid: the one its ``GridInterrupted`` carries, which
    the command tells as a grid's end (its summary; exit 75), as it told the outcome run_grid returned."""
    try:
        return grid()
    except GridInterrupted as stop:
        return stop.grid_outcome


@contextlib.contextmanager
def told_where_it_stopped(out, whole="the grid", runs="runs", reader_gone_words=None):
    """Around a grid run into ``out``: an error that stopped it midway (a full disk as a run started),
    which carries what the grid did before it (its ``grid_outcome``), is raised after that outcome is
    told (:func:`tell_summary`, with ``reader_gone_words``; not pointing at ``out`` where it went),
    saying what to do and that rerunning the same command finishes ``whole`` keeping its finished
    ``runs`` (the demo's "networks"); any other error as it was."""
    try:
        yield
    except Exception as error:
        stopped = getattr(error, "grid_outcome", None)
        if stopped is None:
            raise
        with contextlib.suppress(OSError):  # said on stderr where stdout failed: the error is what to tell now
            tell_summary(stopped, out, reader_gone_words, gone=isinstance(error, GridFolderGone))
        raise _rerun_advice(error, whole, runs) from error


def _rerun_advice(error, whole, runs):
    """``error``, which stopped the grid midway, saying what to do and that a rerun keeps what was done,
    where it is a file that could not be written (the grid's own, a run's log, standard output) or the
    grid's folder or its working lock gone; else ``error`` as it was."""
    if isinstance(error, GridFolderGone):  # where it went, if anywhere, is the user's to know
        moved = finish_by_rerun(whole, runs, "rerun with --out NEW_PLACE")
        return GridFolderGone(error.errno, f"{error}; if you moved it, {moved}; if it was deleted, a rerun starts "
                                           f"{whole} again from nothing")
    rerun = finish_by_rerun(whole, runs, SAME_COMMAND)
    if isinstance(error, GridLockLost):
        return GridLockLost(error.errno, f"{error}; once no other grid works there, {rerun}")
    if not isinstance(error, (fileio.StorageError, OutputUnwritable)):
        return error
    code = error.errno or getattr(error.__cause__, "errno", None)  # standard output's: the write's that it failed
    return fix_then_rerun(error, rerun, code=code)
