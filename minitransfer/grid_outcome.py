"""How a local grid ended: :class:`GridOutcome` (its runs by outcome, the causes of its failed runs
said once each, the exit code it passes on), :class:`GridInterrupted`, the stop that stopped it, and
:class:`Failure`, how one failed run ended; how a run's train ended, as the grid reads its train.log
(:func:`stopped_unstarted`, :func:`stopped_unsaved`, :func:`found_finished`). A SLURM grid's scripts word their
failed tasks with the same lines (:func:`failure_cause`, :func:`where_its_output_is`;
:mod:`minitransfer.slurm_array`). Each cause's line, the error lines quoted and the exit codes of ``train`` that the
grid names are :mod:`minitransfer.grid_causes`'; what fixes a file that could not be written is
:mod:`minitransfer.storage_fix`' (:func:`fix_then_rerun`): both importable from here too (``__all__``).
"""

import dataclasses
import errno
import pathlib
import signal

from minitransfer import fileio, stopping
from minitransfer.bad_checkpoint import bad_weights_step
from minitransfer.config_wording import SAME_CALL, worded
from minitransfer.rundir import NOTHING_TO_DO, RESULT_FILE
from minitransfer.experiment import CHECKPOINT_FILE, EXIT_INTERRUPTED, LOG_FILE, some_names
from minitransfer.grid_causes import (EXIT_BAD_DATA, EXIT_BUSY, EXIT_FAILED, EXIT_IO, QUOTE_CHARS, QUOTED_ERRORS,
                                      diverged, failure_cause, how_it_ended, quoted_errors)
from minitransfer.grid_plan_text import checkpoint_refused
from minitransfer.grid_status import BAD_CHECKPOINT, last_log_line
from minitransfer.memory_kills import LOG_TAIL
from minitransfer.run_labels import name_order
from minitransfer.storage_fix import fix_then_rerun

__all__ = ["EXIT_BUSY", "EXIT_FAILED", "EXIT_BAD_DATA", "EXIT_IO", "PASSED_ON", "QUOTED_ERRORS", "COMMAND_PREFIX",
           "QUOTE_CHARS", "GridInterrupted", "Failure", "FOLDER_REFUSALS", "GridOutcome", "failure_cause",
           "quoted_errors", "diverged", "where_its_output_is", "stopped_unstarted", "stopped_unsaved", "found_finished",
           "how_it_ended", "fix_then_rerun"]

# The failures the grid's own exit code passes on where every failed run ended with the same one: a
# script or a person then knows what to fix for the whole grid (74: free space and rerun).
PASSED_ON = (EXIT_IO, EXIT_BAD_DATA)
COMMAND_PREFIX = "$ "  # a run's train.log: the grid's line before each train it starts there, the command it runs


class GridInterrupted(KeyboardInterrupt):
    """A stop (Ctrl-C, SIGTERM, SIGHUP, or a run that exited 75) stopped the grid of
    :func:`minitransfer.scheduler.run_grid`, its running runs stopped with their checkpoints and every run
    counted (exit code 75); the same call again finishes the grid. ``grid_outcome``: the :class:`GridOutcome`
    so far (its ``interrupted`` true; the runs stopped and those not started in it). A KeyboardInterrupt, as
    ``train``'s :class:`minitransfer.run_outcome.Interrupted` is: a notebook's loop of grids (or its ``except
    Exception``) must not go on to train the next one, as it did when the outcome was returned."""

    def __init__(self, message, grid_outcome=None):
        super().__init__(message)
        self.grid_outcome = grid_outcome


@dataclasses.dataclass(frozen=True)
class Failure:
    """How a failed run ended: ``code``, its train's exit code (negative: the signal that killed it);
    ``log``, its train.log (None: not known); ``deleted``, whether its run folder was deleted while it
    trained, and the log with it; ``moved``, whether it went with the grid's folder, moved or deleted
    while it trained (where to, if anywhere, the grid cannot know); ``unwritable``, the error that kept its train
    from starting, its run folder or train.log refused by its permissions (:data:`FOLDER_REFUSALS`: no log to read).
    """

    code: int = EXIT_FAILED
    log: object = None
    deleted: bool = False
    moved: bool = False
    unwritable: str = None


# What one run's folder (or train.log) refuses, by its own permissions (chmod, another user's, chattr +i): that run
# fails (exit 74), the others go on. A full disk, a read-only file system or an I/O error (ENOSPC, EROFS, EIO) would
# refuse the next run too: those stop the grid, its runs left not started. Before, one run folder left unwritable
# stopped a grid of 88 runs overnight, "87 not started", though none of the others needed it.
FOLDER_REFUSALS = (errno.EACCES, errno.EPERM)


@dataclasses.dataclass
class GridOutcome:
    """What a local run of the grid did: run names per outcome (``elsewhere``: finished by another
    process meanwhile); ``interrupted`` when it stopped on Ctrl-C / SIGTERM / SIGHUP or a run
    exited 75 (rerun the same command to go on): ``stopped`` the runs it stopped with their
    checkpoints, ``not_started`` those it had not yet started, ``training_elsewhere`` those another
    process (a second experiment on the folder, a SLURM task) was training as it stopped, which it
    leaves to that process, ``unsaved`` those it stopped in their start-up, before they wrote a checkpoint
    (:func:`stopped_unsaved`: a rerun trains them from the start); ``failures``: how each failed run
    ended (:class:`Failure`, by name; a failed run without one counts as exit 1), which
    :meth:`causes` groups and :attr:`exit_code` passes on; ``waited_for``: the runs not run, each
    with the run it copies from, which failed or did not finish, or None where every GPU was retired
    before it started (:meth:`block`); :attr:`blocked` lists them; ``lost``: the runs finished once whose
    result.json cannot be read, their checkpoint gone (:data:`minitransfer.grid_status.RESULT_LOST`), which it
    did not train (report leaves them out); ``written_again``: those of ``finished`` whose train wrote their
    unreadable result.json again from their checkpoint, training nothing, counted apart (before, as trained)."""

    finished: list
    skipped: list
    failed: list
    waited_for: dict  # a run not run -> the run it copies from (None: every GPU was retired)
    elsewhere: list = dataclasses.field(default_factory=list)
    interrupted: bool = False
    stopped: list = dataclasses.field(default_factory=list)
    not_started: list = dataclasses.field(default_factory=list)
    training_elsewhere: list = dataclasses.field(default_factory=list)
    unsaved: list = dataclasses.field(default_factory=list)  # stopped before they wrote a checkpoint
    failures: dict = dataclasses.field(default_factory=dict)
    retired: dict = dataclasses.field(default_factory=dict)  # a GPU retired -> the logs of the runs that retired it
    gpus: list = dataclasses.field(default_factory=list)  # the GPUs it could retire, in order (two or more, else none)
    lost: list = dataclasses.field(default_factory=list)  # finished, their result.json lost: not trained
    written_again: list = dataclasses.field(default_factory=list)  # of finished: result.json written, none trained
    damaged: dict = dataclasses.field(default_factory=dict)  # a base whose weights cannot be read -> the fault

    @property
    def blocked(self):
        """The runs not run (their parent failed or did not finish), in the order they were counted."""
        return list(self.waited_for)

    def block(self, name, parent):
        """Count run ``name`` as not run: ``parent``, the run it copies from, failed or did not finish;
        None: every GPU was retired (:class:`minitransfer.grid_retirement.GpuRetirement`) before it started."""
        self.waited_for[name] = parent

    def not_run(self):
        """The runs not run and the runs they waited for, one line ("random0/A1B, random0/A1B+: not run, as
        random0/baseA, which they copy from, did not finish ..."); None where every run was run. The grid's
        end said "2 not run" alone, its failed base named above it, but not which runs it had cost. A base
        whose weights cannot be read (:attr:`damaged`) is said apart: a rerun alone does not train its runs."""
        if not self.blocked:
            return None
        names, lines, parent = sorted(self.blocked, key=name_order), [], self.waited_for
        for unread in (False, True):  # the bases that did not finish; those whose weights cannot be read
            waiting = [name for name in names if parent[name] and (parent[name] in self.damaged) == unread]
            parents = sorted({parent[name] for name in waiting}, key=name_order)
            several, many = len(waiting) > 1, len(parents) > 1
            them = "them" if several else "it"
            why = (f"cannot be read (see the bad data above): {bad_weights_step(parents)}, then a rerun trains {them}"
                   if unread else f"did not finish (a rerun trains {them} after {'those' if many else 'it'})")
            lines += [f"{some_names(waiting)}: not run, as {'the weights of ' if unread else ''}{some_names(parents)}, "
                      f"which {'they copy' if several else 'it copies'} from, {why}"] if waiting else []
        unplaced = [name for name in names if not parent[name]]  # every GPU retired before they started
        trains = f"a rerun trains {'them' if len(unplaced) > 1 else 'it'}"
        return "; ".join(lines + ([f"{some_names(unplaced)}: not run: every GPU was retired ({trains})"]
                                  if unplaced else []))

    def summary(self):
        """One line: how many runs ended each way (the ways that happened, beyond the usual three); every
        run of the grid is counted once; then the GPUs it retired (:meth:`retirements`). "Not run" (a
        failed base's runs) and "not started" (a stopped grid's) read alike: each says why, or what next."""
        trained, again = len(self.finished) - len(self.written_again), len(self.written_again)
        counts = [f"{trained} trained", *([f"{again} {RESULT_FILE} written again"] if again else []),
                  f"{len(self.skipped)} already done", f"{len(self.failed)} failed"]
        counts += [f"{len(self.blocked)} not run ({self._why_not_run()})"] if self.blocked else []
        counts += [f"{len(self.lost)} finished, {'their' if len(self.lost) > 1 else 'its'} {RESULT_FILE} lost: report "
                   f"leaves {'them' if len(self.lost) > 1 else 'it'} out (see above)"] if self.lost else []
        counts += [f"{len(self.elsewhere)} trained by another process"] if self.elsewhere else []
        if self.interrupted:
            them = "them" if len(self.not_started) > 1 else "it"
            counts += [f"{len(self.stopped)} stopped with a checkpoint", *self._unsaved(),
                       f"{len(self.not_started)} not started"
                       + (f" (a rerun trains {them})" if self.not_started else "")]
        counts += [f"{len(self.training_elsewhere)} still training in another process"] \
            if self.training_elsewhere else []
        return "; ".join([", ".join(counts), *self.retirements()])

    def _unsaved(self):
        """["1 stopped before its first checkpoint (a rerun trains it from the start)"], [] where none was (before,
        such a run was counted among those stopped with a checkpoint, which its folder did not hold)."""
        several = len(self.unsaved) > 1
        return [f"{len(self.unsaved)} stopped before {'their' if several else 'its'} first checkpoint (a rerun trains "
                f"{'them' if several else 'it'} from the start)"] if self.unsaved else []

    def _why_not_run(self):
        """Why the runs not run were not: their base did not finish, or every GPU was retired (:meth:`block`)."""
        parents = [parent for parent in self.waited_for.values() if parent is not None]
        unfinished, its = [each for each in parents if each not in self.damaged], "their" if parents[1:] else "its"
        base = f"{its} base did not finish" if unfinished else None
        unread = f"{its} base's weights cannot be read" if len(unfinished) < len(parents) else None
        retired = "every GPU was retired" if len(parents) < len(self.waited_for) else None
        return " or ".join(reason for reason in (base, unread, retired) if reason)

    def retirements(self):
        """A line per GPU the grid retired ("GPU 1 retired: its runs failed one after the other (see
        LOG, LOG)"), none where it retired none (:class:`minitransfer.grid_retirement.GpuRetirement`); one
        line where it retired every GPU of its ``gpus``, naming them: the same words for each, their logs
        those of the failed runs, said once."""
        if len(self.gpus) > 1 and set(self.gpus) == set(self.retired):
            return [f"every GPU retired ({', '.join(self.gpus)}): runs failed on each of them one after the other "
                    f"(see the failed runs' logs)"]
        return [f"{gpu} retired: its runs failed one after the other (see {', '.join(map(str, logs))})"
                for gpu, logs in self.retired.items()]

    def failure(self, name):
        """How failed run ``name`` ended (:class:`Failure`)."""
        return self.failures.get(name, Failure())

    @property
    def killed(self):
        """The failed runs a signal ended (SIGKILL from the kernel's out-of-memory killer or a
        person), which left no message of their own."""
        return [name for name in self.failed if self.failure(name).code < 0]

    def causes(self):
        """The failed runs grouped by cause, one line each (none without failures): the runs, what their
        exit code means, where to read more and what to do, said once for all of them ("...: an I/O
        error (exit 74) ...; free space or fix the permissions, then repeat the same call", which the command
        line says as "rerun the same command": :func:`minitransfer.config_wording.worded`). Runs
        whose folder was deleted while they trained (their log with it) are a cause of their own. The runs
        and their causes in the report's order (:func:`minitransfer.run_labels.name_order`: a split's
        bases first, then its copies by n; random2 before random10); each line then quotes the error lines its
        runs' train.logs end on (:func:`quoted_errors`)."""
        groups, killed = {}, set(self.killed)
        for name in sorted(self.failed, key=name_order):  # as the report lists them, whichever ended first
            failure = self.failure(name)
            key = "deleted" if failure.deleted else "moved" if failure.moved else "unwritable" if \
                failure.unwritable else "killed" if name in killed else \
                BAD_CHECKPOINT if failure.code == EXIT_BAD_DATA and checkpoint_refused(failure.log) else failure.code
            groups.setdefault(key, []).append(name)
        return [worded(failure_cause(key, names, [self.failure(name) for name in names]))
                + quoted_errors(names, [self.failure(name) for name in names]) for key, names in groups.items()]

    @property
    def exit_code(self):
        """75 interrupted; 0 every run finished; the failed runs' exit code where they all ended with the
        same one of :data:`PASSED_ON` (74 I/O, 65 bad data); else 1. A run whose result.json is lost (``lost``)
        counts as one failed with bad data (65, as report and info tell its unreadable result.json): the grid is
        not all reportable, and a script's `experiment && report` must not take it as done."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if not (self.failed or self.blocked or self.lost):
            return 0
        codes = {self.failure(name).code for name in self.failed} | ({EXIT_BAD_DATA} if self.lost else set())
        return codes.pop() if len(codes) == 1 and codes <= set(PASSED_ON) else EXIT_FAILED


def where_its_output_is(failure, rerun=None):
    """Where to read why a run failed (its :class:`Failure`): its train.log; or, its run folder deleted
    while it trained (the log with it), that there is nothing to read and that a rerun trains it from
    the start (``rerun``: how, e.g. "rerun bash /grid/slurm/submit.sh"; by default :data:`SAME_CALL`, as
    the command line words it: "rerun the same command", the grid's one advice to go on; before, "rerun the
    grid"); or, its run folder gone with the grid's, that its log went with it."""
    if failure.moved:
        return f"its run folder went with the grid's folder, and its output ({LOG_FILE}) with it"
    if failure.unwritable:
        return f"{failure.unwritable}; its train did not start, the other runs go on"
    if not failure.deleted:
        return f"see {failure.log}"
    return (f"{failure.log.parent} was deleted while it trained, and its output ({LOG_FILE}) with it; "
            f"{worded(SAME_CALL) if rerun is None else rerun} to train it from the start")


def stopped_unstarted(code, folder):
    """Whether a run's train that exited with ``code`` was stopped before it had written anything (no
    checkpoint: not started), the train.log of its run folder ``folder`` ending on the line that says
    so, or killed by the SIGINT it got before it could answer it."""
    return code == -signal.SIGINT or code == EXIT_INTERRUPTED and stopping.NOTHING_WRITTEN in last_log_line(folder)


def stopped_unsaved(code, folder):
    """Whether a run's train that exited with ``code`` (75) was stopped in its start-up, before it wrote a
    checkpoint: its train.log's last line says so (:data:`minitransfer.stopping.BEFORE_A_CHECKPOINT`, ...) and its
    run folder ``folder`` holds none (a run resumed holds the one it resumed from, and is stopped with it)."""
    if code != EXIT_INTERRUPTED or (folder / CHECKPOINT_FILE).exists():  # its log read only where it may tell
        return False
    return any(words in last_log_line(folder) for words in (stopping.BEFORE_A_CHECKPOINT, stopping.BEFORE_THE_FIRST))


def found_finished(folder):
    """Whether the train the grid started last in the run folder ``folder`` found its run finished (by another
    process, since the grid checked it) and trained nothing: among the lines of its train.log after the grid's last
    "$ COMMAND" line (what that train wrote), one says "...; nothing to do". Not its last line alone: train says
    the result after it ("done: final top-1 ..."), so a run another grid finished was counted as trained here, its
    0 s fed to the time left. A train of that many bytes (:data:`minitransfer.memory_kills.LOG_TAIL`) found nothing
    finished: it trained."""
    try:
        lines = fileio.last_lines(pathlib.Path(folder) / LOG_FILE, LOG_TAIL)
    except OSError:
        return False
    started = [index for index, line in enumerate(lines) if line.startswith(COMMAND_PREFIX)]
    return bool(started) and any(line.rstrip().endswith(f"; {NOTHING_TO_DO}") for line in lines[started[-1] + 1:])
