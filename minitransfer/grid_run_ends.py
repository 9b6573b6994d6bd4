"""How a local grid takes note of its runs' ends (:class:`RunEnds`, which
:class:`minitransfer.grid_runner.GridRunner` takes them from): each run that ended counted as finished (its
pace told), stopped with a checkpoint or before one, taken by another process, or failed (its GPU perhaps
retired: :class:`minitransfer.grid_retirement.GridRetirement`), and the runs waiting for a base that failed
as not run, every run counted before a line says so (a log that raises loses none). Starting the runs, and
stopping them, stays in :mod:`minitransfer.grid_runner`; the runs another process trains are
:mod:`minitransfer.grid_elsewhere`'s.
"""

import os
import time

from minitransfer import checkpoint as checkpoints
from minitransfer import stopping
from minitransfer.experiment import EXIT_INTERRUPTED, LOG_FILE, run_dir, some_names, weights_path
from minitransfer.grid_counts import runs_left
from minitransfer.grid_folder import GridFolderGone, others_at_work_besides
from minitransfer.grid_launch import said_start_line, written_again_line
from minitransfer.grid_outcome import (EXIT_BAD_DATA, EXIT_BUSY, Failure, found_finished, how_it_ended,
                                       stopped_unsaved, stopped_unstarted, where_its_output_is)
from minitransfer.grid_progress import accuracy_note
from minitransfer.grid_status import is_finished, run_holder
from minitransfer.rundir import RESULT_FILE


class RunEnds:
    """What a grid does as its runs end. Its grid holds, besides what
    :class:`minitransfer.grid_elsewhere.RunsElsewhere` needs, ``running`` (slot index -> (run, process, start
    time)), ``unsaid`` (slot index -> a start line held back), ``slots``, ``retirement``, ``time_left``,
    ``raced`` (the runs started again after losing a race), ``warnings``
    (:class:`minitransfer.grid_progress.Warnings`) and ``in_place`` (raises once the grid's folder is moved or
    deleted), and puts a run back in its queue with ``_put_back``; ``sound_bases`` (the bases whose weights were read
    whole, :meth:`_base_damaged`)."""

    def _collect_exits(self):
        """Take note of the runs that have ended; returns how many did."""
        ended = 0
        for slot, (run, process, start) in list(self.running.items()):
            code = process.poll()
            if code is None:
                continue
            lost = self._settle_output(run, code)  # its output kept apart joined to its log: read from there on
            said = self._say_ended_unsaid(slot, run, code, lost)
            del self.running[slot]
            self.warnings.relay(run.name, ended=True)
            ended += 1
            finished = code == 0 and is_finished(self.out, run)
            if finished and found_finished(run_dir(self.out, run)):
                self._done_elsewhere(run)  # finished by another process as its train started
            elif finished:
                self.done.add(run.name)
                self.outcome.finished.append(run.name)
                if run.name in self.numbers.again:  # trained nothing: no pace told, nor its GPU shown to work
                    self.outcome.written_again.append(run.name)
                    self.log(f"{written_again_line(run, 'wrote')}{accuracy_note(self.out, run)}{self._runs_left()}")
                    continue
                seconds = time.monotonic() - start
                self.time_left.add(run.name, seconds)
                self._fail(*self.retirement.gpus.finished(self.slots[slot]))  # its GPU works: they failed on their own
                self.log(f"done {run.name} ({seconds:.0f} s){accuracy_note(self.out, run)}{self._runs_left()}")
            elif (code == EXIT_INTERRUPTED or self.outcome.interrupted) and \
                    stopped_unstarted(code, run_dir(self.out, run)):
                # the stop reached it as it started (killed by SIGINT before its handlers were set): not started
                self.outcome.interrupted = True
                self._put_back(run)
                self.log(f"{run.name} {stopping.NOTHING_WRITTEN} (not started)")
            elif stopped_unsaved(code, run_dir(self.out, run)):  # before, said "checkpoint written", with none there
                self.outcome.interrupted = True
                self.outcome.unsaved.append(run.name)
                self.log(f"interrupted {run.name} (exit 75, {stopping.BEFORE_THE_FIRST}: a rerun trains it from the "
                         f"start)")
            elif code == EXIT_INTERRUPTED:
                self.outcome.interrupted = True
                self.outcome.stopped.append(run.name)
                self.log(f"interrupted {run.name} (exit 75, checkpoint written)")
            elif code == EXIT_BUSY and is_finished(self.out, run):  # lost the race to a process that finished it
                self._done_elsewhere(run)
            elif code == EXIT_BUSY and self._taken_elsewhere(run, started=said):  # lost the race to one that
                # trains it, or exited 2 otherwise as it took the run: "not started after all" where its start was said
                continue
            elif code == EXIT_BUSY and run.name not in self.raced and self._lost_race(run, lost):
                self.raced.add(run.name)  # once: another process taking it at each start would loop forever
                self._put_back(run)
                self.log(f"{run.name} was taken by another process, which stopped it unfinished; "
                         f"starting it {'again' if said else 'here'}")
            elif not run_dir(self.out, run).exists() and (gone := self.moved_away()) is not None:
                # its run folder went with the grid's: not deleted, nor sure to train from the start; yet it
                # wrote no checkpoint as it stopped (75, above), and may have written none at all
                failure = Failure(code, run_dir(self.out, run) / LOG_FILE, moved=True)
                self._count_failed((run, failure))
                self.log(f"FAILED {run.name} ({how_it_ended(code)}); {where_its_output_is(failure)}")
                if not self.outcome.interrupted:  # else stopping already: the error that stops it is on its way
                    raise gone
            else:
                folder = run_dir(self.out, run)
                failure = Failure(code, folder / LOG_FILE, not folder.exists())
                # every run counted (or held, or put back) before a line: a log that raises loses none
                said = self._failed(self.slots[slot], run, failure)
                said += self._base_damaged(run, code)
                said += self._orphans_blocked()  # before a run ending in this same look counts them among the runs left
                for line in [f"FAILED {run.name} ({how_it_ended(code)}); {where_its_output_is(failure)}", *said]:
                    self.log(line)
        return ended

    def _say_ended_unsaid(self, slot, run, code, lost):
        """Say the start line still held back of the run on ``slot``, which ended (``code``) before the grid saw
        its train hold the run's lock: it ran, unless it exited 2 as another process held the run. Whether its
        start line has been said. Dropped once said, the run still among the running ones: a log that raises
        loses no run, and leaves the line to be said as the grid's stop collects it."""
        unsaid = self.unsaid.get(slot)
        if unsaid is None:
            return True
        if code == EXIT_BUSY and self._lost_race(run, lost):
            del self.unsaid[slot]
            return False
        self.log(said_start_line(run, unsaid, self.numbers))
        del self.unsaid[slot]
        return True

    def _count_failed(self, *failed):
        """Count each of ``failed`` (a run and how it failed, :class:`Failure`) as failed; no line logged."""
        for run, failure in failed:
            self.outcome.failures[run.name] = failure
            self.outcome.failed.append(run.name)

    def _fail(self, *failed):
        """Count each of ``failed`` (a run and how it failed) as failed, every one before a line is logged
        (a log that raises, or a Ctrl-C as it writes, loses none of them), then the runs waiting for them as
        not run (none given: nothing done, the runs waiting for a run that failed otherwise left as they are)."""
        self._count_failed(*failed)
        if failed:
            self._drop_orphans()  # before a run ending in this same look counts them among the runs left

    def _failed(self, device, run, failure):
        """``run`` failed on ``device`` (a GPU, or None: the CPU): counted as failed, held while its GPU
        may be at fault, or put back in the queue for the GPUs left, as the grid's
        :class:`GridRetirement` says. Logs nothing: returns the lines that say what became of the runs,
        for the caller to log once every run is counted, held or put back (a log that raises, or a
        Ctrl-C as it writes, loses none of them)."""
        verdict = self.retirement.failed(device, run, failure, self.outcome.interrupted)
        self._count_failed(*verdict.failed)
        for each in reversed(verdict.put_back):
            self._put_back(each)
        self.time_left.slots = self.retirement.slots_taking_runs()  # a GPU retired or back in service
        return list(verdict.lines)

    def _fail_held(self):
        """Count as failed the runs held for a GPU's sake (:meth:`_failed`) and those put back that will
        not start again (the grid stops, or no GPU is left)."""
        self.pending, failed = self.retirement.fail_held(self.pending, self.outcome.interrupted)
        self._fail(*failed)

    def moved_away(self):
        """The error saying that the grid's folder was moved or deleted (``GridFolderGone``), or None
        while it is in place (its lock file lost, ``GridLockLost``, stops the grid as its next run starts)."""
        try:
            self.in_place()
        except GridFolderGone as gone:
            return gone
        except OSError:
            pass
        return None

    def _runs_left(self):
        """"; K runs left, about T (until DATE TIME OFFSET)": where the grid stands after a run has ended. The runs
        waiting here that another process holds now (another grid's, met here only as they come to start) are
        told with those it trains, not among K. Those of another grid or SLURM task take a share of the runs
        waiting (:func:`~minitransfer.grid_counts.runs_left`): where another process works the folder
        (:func:`~minitransfer.grid_folder.others_at_work_besides`), or its holder runs on another machine, whose
        locks are not seen here. A lone `train` of a run ends with it: before, each counted as a slot, and the grid
        said "about 2 minutes, another process sharing them" of 3 min 20 s."""
        holders = {run.name: run_holder(self.out, run) for run in [*self.elsewhere, *self.pending]}
        held = [run for run in self.pending if holders[run.name] not in (None, False)]
        at_work = others_at_work_besides(self.out)
        sharing = [run for run in [*self.elsewhere, *held]
                   if at_work or getattr(holders[run.name], "host", None) is not None]
        return runs_left([run for run in self.pending if run not in held], self.running.values(),
                         [*self.elsewhere, *held], self.time_left, sharing)

    def _base_damaged(self, run, code):
        """Where ``run``, a transfer, failed with bad data (``code``) and the weights of its base cannot be read
        (a file cut short or corrupt: :func:`weights_read`), note the base as :attr:`GridOutcome.damaged`: the
        runs copying from it are not run (:meth:`_orphans_blocked`); returns the line that says so, once per
        base. Before, every transfer of such a base was started and failed alike: 28 "FAILED" lines for two
        bases' files cut short. A base read whole is not read again while its file is the same one
        (:func:`file_identity`): before, each sibling failing with bad data of its own read all of it anew, 28
        reads of CaffeNet's 240 MB in the grid's loop."""
        damaged = self.outcome.damaged
        if code != EXIT_BAD_DATA or run.parent is None or run.parent in damaged:
            return []
        path = weights_path(self.out, run.parent)
        before = file_identity(path)
        if before is not None and self.sound_bases.get(run.parent) == before:
            return []  # read whole already, the same file since
        whole, fault = weights_read(path)
        if whole:  # as the file was before its read: one replaced meanwhile is another, read at the next failure
            self.sound_bases[run.parent] = before
        if fault is None:  # the fault is this run's own (its checkpoint, say): the others may train
            return []
        damaged[run.parent] = fault
        return [f"{run.parent}'s weights cannot be read ({fault}): the runs copying from it are not run"]

    def _drop_orphans(self):
        """Count the runs waiting for a base that failed as not run, each said once."""
        for line in self._orphans_blocked():
            self.log(line)

    def _orphans_blocked(self):
        """Count the runs waiting for a base that failed as not run; returns the lines that say so, for
        the caller to log once every run is counted."""
        damaged = self.outcome.damaged
        gone = set(self.outcome.failed) | set(self.outcome.blocked) | set(damaged)
        orphans = [run for run in self.pending if run.parent in gone]
        self.pending = [run for run in self.pending if run not in orphans]
        for run in orphans:
            self.outcome.block(run.name, run.parent)
            self.numbers.blocked(run)
        return [f"not run {run.name}: its parent {run.parent} " +
                ("cannot be copied (above)" if run.parent in damaged else "failed") for run in orphans]


def weights_read(path):
    """(whether the weights file ``path``, a base's network which its transfers copy from, was read whole; what is
    wrong with it where it cannot be: cut short, corrupt, not a network, ``CheckpointError``'s one line, else None).
    Neither where it is not there or cannot be read now for another reason (its permissions: no fault of the
    file's, nor known to be sound)."""
    try:
        checkpoints.load(path, solver=False)
    except checkpoints.CheckpointError as error:
        return False, str(error)
    except OSError:
        return False, None
    return True, None


def file_identity(path):
    """Which file ``path`` is now, its contents as they stand: (path, size, mtime_ns, inode, device); a file
    rewritten in place or replaced (renamed over it) has another. None where it cannot be looked at."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev


def folders_gone_since(runs, outcome, out):
    """The note on the runs of ``runs`` that ``outcome`` counts finished (trained, already done, or by another
    process) whose result.json is gone as the grid ends: their run folder removed or moved while the grid trained
    the others (rm -r OUT/random0/baseA.run), which their report leaves out; None where there are none, or where
    ``out`` itself is gone (the grid says so). Before, the grid ended "4 trained, 0 failed" (exit 0) all the same,
    and report said the run had failed."""
    counted = {*outcome.finished, *outcome.skipped, *outcome.elsewhere}
    if not out.is_dir():
        return None
    gone = [run for run in runs if run.name in counted and not (run_dir(out, run) / RESULT_FILE).exists()]
    if not gone:
        return None
    several = len(gone) > 1
    its, folders = ("their", "run folders") if several else ("its", "run folder")
    return (f"note: {some_names([run.name for run in gone])} finished, but {its} {folders} "
            f"({'e.g. ' if several else ''}{run_dir(out, gone[0])}) went since, removed or moved while the grid ran, "
            f"{its} {RESULT_FILE} with {'them' if several else 'it'}: report leaves {'them' if several else 'it'} "
            f"out; if moved, put {'them' if several else 'it'} back to report {'them' if several else 'it'}")
