"""Running the paper's grid on this machine: one ``minitransfer train`` process per slot (the runs
on their slots: :class:`minitransfer.grid_runner.GridRunner`).

A slot is a GPU or a share of the CPU, where each run's train process is started
(:class:`minitransfer.grid_processes.TrainProcesses`: forked from a preloaded launcher on a CPU
slot, stopped with a checkpoint when the grid is killed). A run starts once the base it copies
from has finished. A run whose result file exists is skipped and every other run starts with
``--resume auto``, so rerunning the same grid after a crash or Ctrl-C finishes it without redoing
finished work. Each run's output goes to ``OUT/<run>.run/train.log``; the warnings it writes there
are told on the grid's output too, each text once (:class:`minitransfer.grid_progress.Warnings`).

Several schedulers may work on one grid directory at once (two ``minitransfer experiment``
processes, or one per machine on a shared disk): they check the folder and write the plan one
after the other (:class:`minitransfer.grid_folder.GridLock`), and one whose options differ from
those of a grid at work there is refused before anything runs (``GridMismatch``). A run another
process is training holds its run directory's lock (:class:`minitransfer.run_lock.RunLock`), so it is
left to that process and counted when it finishes; the grid's runs are shared out instead of
trained twice. One taken by another process just as the grid starts it (its ``train`` refused, exit 2)
is waited for likewise; if that process has already stopped it unfinished, it is started again here,
once. A run another process finished with other options (a SLURM job of another grid's
scripts, or a grid on a file system without locks) stops the grid with ``GridMismatch``, as it
does when found finished at the start.

On several GPUs, one on which runs fail one after the other (a CUDA error, a crash) is retired: its
runs are tried once more on the others; once every GPU is retired, the runs left are not run
(:class:`minitransfer.grid_retirement.GpuRetirement`).

Before anything runs, the runs that would train at once, one per slot, are checked to fit in the
memory available together (:func:`minitransfer.grid_preflight.check_memory`; each ``train`` checks
only itself): a grid that does not fit stops with ``preflight_memory.OutOfMemory`` (exit code 1).

Each run that ends is logged with how many runs are left and, from the runs this process has
trained, about how long they take and when the grid ends (:mod:`minitransfer.grid_progress`). Each
run that fails is logged as it ends (its exit code, its log); the outcome keeps how each ended, so
that the grid's end says why once per cause (:meth:`minitransfer.grid_outcome.GridOutcome.causes`:
a full disk, bad data, ...) and passes on an I/O or bad-data exit code every failed run shares
(:attr:`GridOutcome.exit_code`).
"""

import contextlib
import pathlib

from minitransfer import fileio, stop_requests, stopping
from minitransfer.config_wording import finish_by_rerun, worded
from minitransfer.config_checks import check_call
from minitransfer.grid_arguments import (check_out, check_seconds, checked_devices, checked_runs,
                                         checked_train_command, device_options)
from minitransfer.grid_check import check_folder
from minitransfer.grid_folder import GridLock, cannot_train_in
from minitransfer.grid_outcome import GridInterrupted, GridOutcome
from minitransfer.grid_preflight import plans_shared
from minitransfer.grid_progress import StoppingLog
from minitransfer.grid_runner import STOP_RESEND_SECONDS, GridRunner
from minitransfer.grid_run_ends import folders_gone_since
from minitransfer.experiment import default_train_command
from minitransfer.grid_options import check_options, expanded_options
from minitransfer.grid_status import finished_and_lost, result_lost
from minitransfer.home_paths import expanded
from minitransfer.progress import Progress

__all__ = ["run_grid", "STOP_RESEND_SECONDS"]


def run_grid(runs, out, options, train_command=None, devices=(None,), log=print, poll_seconds=0.2, progress=None,
             progress_every=Progress.LINE_SECONDS):
    """Run the grid locally, one process per entry of ``devices`` (a GPU id, or None for a CPU slot),
    parents before children; returns a :class:`GridOutcome`. Ctrl-C (or SIGTERM, SIGHUP) once the runs have
    started (before, during the checks and the plan, a plain KeyboardInterrupt, nothing trained) forwards
    SIGINT to the running trainings, waits for them to write their checkpoints, counts the runs and
    raises :class:`minitransfer.grid_outcome.GridInterrupted` (a KeyboardInterrupt, as ``train``'s
    ``Interrupted``: a loop of grids stops there) carrying the interrupted outcome as its
    ``grid_outcome`` (a ``GridFolderGone``, below, where the grid's folder was moved or deleted
    meanwhile); the same call again finishes the grid. Another grid planning in ``out`` is waited for (a
    line logged says so).
    Raises, before anything is written, ``ConfigError`` (or a bad-data error) naming a base whose
    options ``train`` would refuse or a run copying more layers than its base's preset has, or naming
    the options that differ from those of another grid at work in ``out`` (``GridMismatch``), and
    ``preflight_memory.OutOfMemory`` when the runs it would train at once need more memory together than
    is available. ``progress``: told how far the checks
    and the plan of a large grid have got before its first run starts (e.g. a line on stderr), and, where
    a stop ends the grid, its "interrupted: ..." line (else told to ``log``).
    ``log`` is told, every ``progress_every`` seconds (default: every ``Progress.LINE_SECONDS`` (30 s),
    the longest ``train`` goes without a line; None: never), how far each running run has got,
    "random0/baseA: iteration 600/2000, 40 s left" (:class:`minitransfer.grid_progress.RunsTraining`): a
    grid whose runs take hours shows life where its output goes to a file or a pipe. In a
    folder this process cannot write (:func:`_finished_unwritable`) a grid whose every run is
    finished is checked and reported, writing nothing; one with runs left is a ``StorageError``.
    An error that stops the grid once it has planned (the disk full as a run starts; its folder moved
    or deleted: ``grid_folder.GridFolderGone``, a ``StorageError``) is raised after the running
    trainings are stopped, carrying the outcome so far as its ``grid_outcome`` (the runs finished,
    stopped with a checkpoint, not started), which the caller tells before the error. While the grid
    stops, ``log`` failing does not stop it from counting every run: a line it cannot write (an
    ``OSError``) is dropped; where it raises another error, the lines are dropped too, and that error
    (its first) is raised once the runs are counted, carrying the outcome as ``grid_outcome``, unless
    an error stopped the grid already: that error is raised, with its ``grid_outcome``, as ever.
    Arguments of the wrong kind (``runs`` not plan_grid's list or empty, ``out`` no path or a file, ``options``
    not a dict of configuration fields its runs may share: :func:`minitransfer.grid_options.check_options`;
    ``devices`` no slots, or slots ``options["device"]`` contradicts, ``train_command`` no list of
    words, ``log`` or ``progress`` not callable, ``poll_seconds`` no number of seconds:
    :mod:`minitransfer.grid_arguments`) are a ``ConfigError`` naming them, before anything is
    written; a device "auto" (or none) is that of the slots, as on the command line. A path (``out``, the
    options' ``data`` and ``source_data``) may start with ``~``, the home folder, as on the command line: it
    is expanded here, so that the plan and every run's command line name the same folder."""
    out, options = expanded(out), expanded_options(options)
    runs = checked_runs(runs)
    check_out(out)
    check_options(options)
    train_command, devices = checked_train_command(train_command), checked_devices(devices)
    options = device_options(options, devices)  # "auto": the slots' device; one they contradict refused
    check_call("log", log)
    check_seconds("poll_seconds", poll_seconds)
    check_call("progress", progress, required=False)
    if progress_every is not None:
        check_seconds("progress_every", progress_every)
    with contextlib.ExitStack() as held:  # another grid started at once on `out` checks and plans after this one
        held.enter_context(stopping.warnings_to(log))  # its own warnings too (no file locks), not on stderr past it
        try:
            lock = held.enter_context(GridLock(out, options, log))
        except fileio.StorageError as error:
            return _finished_unwritable(runs, out, options, error, log, progress)
        with plans_shared():  # each base resolved once by the checks (those of its caller too, inside another)
            runner = GridRunner(runs, out, options, list(train_command or default_train_command()), devices, log,
                                progress, lock.check_in_place, progress_every)
        lock.planned()
        # The first stop breaks out of the grid's wait; one after it (a second Ctrl-C) must not leave the
        # runs unwaited, also where it comes as the first unwinds, before the stop has begun; one whose
        # KeyboardInterrupt Python swallowed (a finalizer ran as it came) is raised again as the wait goes on.
        # A signal ignored stays so, for the runs too (see GridRunner._launch).
        with stop_requests.StopRequests(keep_ignored=True, interrupt=True) as stops:
            try:
                runner.run(poll_seconds, stops.raise_owed)
            except BaseException as error:  # a stop, or the grid itself failed (the disk filled as a run started)
                answered = stops.caught()  # the stop that raised, if one did
                runner.stop(stops, answered)
                runner.close()
                runner.settle()
                if isinstance(error, KeyboardInterrupt):
                    error = _interrupted(runner, progress)
                error.grid_outcome = runner.outcome  # what the grid did before it, for its caller to tell
                raise error
            finally:
                stops.caught()  # every run ended or stopped: a stop as the launchers end must not lose the outcome
                runner.close()
    gone = folders_gone_since(runs, runner.outcome, pathlib.Path(out))
    if gone is not None:
        with contextlib.suppress(OSError):  # a log that cannot take it loses the note, not the outcome
            log(gone)
    return runner.outcome


def _interrupted(runner, progress):
    """The error to raise once a stop has stopped the grid, its runs counted: ``GridInterrupted`` (rerun
    the same command), or, in its place, the first failure of the caller's log (or ``progress``) as the
    grid stopped (not hidden), or ``GridFolderGone`` where the grid's folder went meanwhile: its outcome
    named the old place, and the same command rerun would start a second grid there from nothing. How
    to go on is told to ``progress`` where there is one (the command line's stderr, where every other
    command says it was interrupted: under ``experiment ... > log`` it said nothing), else to the log."""
    gone = runner.moved_away()
    if gone is not None:
        return gone
    told = StoppingLog(progress) if progress is not None else runner.log
    told(worded(f"interrupted: {finish_by_rerun()}"))
    failure = runner.log.failure or told.failure
    if failure is not None:
        return failure
    stopped = GridInterrupted(f"the grid was stopped, its runs with their checkpoints: {finish_by_rerun()}")
    # its grid_outcome set as every error's, by run_grid
    stopped.__suppress_context__ = True  # the stop it stands for: not "during handling of" that KeyboardInterrupt
    return stopped


def _finished_unwritable(runs, out, options, error, log, progress):
    """The outcome of a grid whose every run is finished, in a folder where its lock file cannot be
    written (``error``: read-only, as results copied from a cluster onto a read-only mount, or
    another user's): checked as a rerun checks them, with nothing to write and no lock needed; a finished
    run whose result.json is lost (:data:`minitransfer.grid_status.RESULT_LOST`), which no grid trains, is
    said and counted as the grid does (exit 65), not as a run left (before, the grid refused: "1 of 4 runs
    are left to train"). A grid with runs left there, or stopped by another error (a full disk), raises a
    ``StorageError``, naming the folder where it cannot be written."""
    if error.errno not in fileio.UNWRITABLE:
        raise error
    check_folder(runs, out, options, progress)
    finished, lost = finished_and_lost(runs, out)  # lost: not trained, here as where it may write: said, and
    # counted (exit 65); each run's state read once
    lost_set = set(lost)  # sets: a list looked up once per run was quadratic in the runs
    finished_or_lost = set(finished) | lost_set
    left = [run for run in runs if run not in finished_or_lost]
    if left:
        raise cannot_train_in(out, error, len(left), len(runs))
    for run in lost:
        log(f"note: not trained: {result_lost(out, run)}")
    done = [run.name for run in runs if run not in lost_set]
    finished = f"{len(done)} of {len(runs)} runs already finished, {len(lost)} not trained (see above)" if lost \
        else f"all {len(runs)} runs already finished"
    log(f"{finished}; nothing to do, and nothing written in {out} (which this process cannot write)")
    return GridOutcome([], done, [], {}, lost=[run.name for run in lost])
