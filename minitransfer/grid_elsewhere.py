"""The runs of a local grid that another process trains (a second grid on the folder, SLURM tasks):
:class:`RunsElsewhere`, which :class:`minitransfer.grid_runner.GridRunner` takes its handling of them
from. A run met held by another process is waited for, not started (:meth:`RunsElsewhere._taken_elsewhere`);
one whose train lost the race for its lock is told apart from one that failed
(:meth:`RunsElsewhere._lost_race`); each is counted as finished there, or put back to be continued here,
once that process lets it go (:meth:`RunsElsewhere._collect_elsewhere`); those left when the grid stops are
counted where their folders say they are (:meth:`RunsElsewhere.settle`).
"""

from minitransfer import run_lock
from minitransfer.experiment import LOG_FILE, run_dir
from minitransfer.grid_check import check_finished
from minitransfer.grid_launch import lost_race_apart
from minitransfer.grid_progress import accuracy_note
from minitransfer.grid_status import busy_refusal, is_finished, last_log_line, run_holder


class RunsElsewhere:
    """What a grid does with the runs another process trains. Its grid holds ``out``, ``options``,
    ``log``, ``numbers`` (:class:`~minitransfer.grid_counts.StartNumbers`), ``outcome``
    (:class:`~minitransfer.grid_outcome.GridOutcome`), ``pending`` (the runs not started), ``done`` (the
    names of the runs finished), ``elsewhere`` (the runs another process is training, waited for),
    and ``own_train`` (whether its trains are minitransfer's own)."""

    def _taken_elsewhere(self, run, started=False):
        """Whether another process trains ``run`` now; if so it is waited for, not started. ``started``: the
        grid said it started it, but that process took it first: the line says it was not started after all
        (before, "[1/4] start RUN" stood, followed by "RUN is being trained by another process"); its number:
        :meth:`minitransfer.grid_counts.StartNumbers.taken_elsewhere`."""
        pid = run_lock.holder(run_dir(self.out, run))
        if pid is None:
            return False
        self.elsewhere.append(run)
        self.numbers.taken_elsewhere(run)
        held = f"another process{run_lock.holder_named(pid)}"
        self.log(f"{run.name} not started after all: {held} took it first, which trains it; waiting for it" if started
                 else f"{run.name} is being trained by {held}; waiting for it")
        return True

    def _settle_output(self, run, code):
        """Join the output the train of ``run``, ended with ``code``, kept apart from the run's log to that
        log, or drop it where that train lost the race for the run
        (:func:`minitransfer.grid_launch.lost_race_apart`); whether it did, for :meth:`_lost_race`. Another
        train command's output is in the log already."""
        return self.own_train and lost_race_apart(run_dir(self.out, run) / LOG_FILE, code)

    def _lost_race(self, run, lost_apart):
        """Whether the train of ``run`` that has just exited 2 found its run held by another process,
        which took it after :meth:`_taken_elsewhere` had found it free (and may have ended since): by its
        output, kept apart (``lost_apart``, :meth:`_settle_output`'s); that of another train command, by the
        last line of the run's log, which it writes itself (run_lock.RunLock's refusal)."""
        if self.own_train:
            return lost_apart
        return busy_refusal(last_log_line(run_dir(self.out, run)))

    def _collect_elsewhere(self):
        for run in list(self.elsewhere):
            if run_lock.holder(run_dir(self.out, run)) is not None:
                continue
            self.elsewhere.remove(run)
            if is_finished(self.out, run):
                self._done_elsewhere(run)
            else:  # it stopped there unfinished: continue it here
                self.numbers.back_here(run)
                self.pending.insert(0, run)

    def _done_elsewhere(self, run):
        """Count ``run`` as finished by another process: as it came to start here, as its train exited 2 on
        the run that process held, or once that process let it go. Never said started here, it is no longer
        among the N of "[K/N]" (before, it stayed, and the last start line read "[2/3]" of 3)."""
        check_finished([run], self.out, self.options)  # another grid's run (an experiment with other options)
        self.numbers.taken_elsewhere(run)
        self.done.add(run.name)
        self._count_elsewhere(run)

    def _count_elsewhere(self, run):
        """Count and tell ``run`` as finished by another process."""
        self.outcome.elsewhere.append(run.name)
        self.log(f"done {run.name} (by another process){accuracy_note(self.out, run)}")

    def settle(self):
        """Count the runs this process neither trained to an end nor failed where their folders say they
        are now: those it waited for or had not started are finished or still trained by another
        process that shares the folder (a second experiment, SLURM tasks), which may have taken them
        meanwhile; the others are not started."""
        for run in [*self.elsewhere, *self.pending]:
            if is_finished(self.out, run):
                self._count_elsewhere(run)
            elif self._held(run):
                self.outcome.training_elsewhere.append(run.name)
                self.log(f"{run.name} is still being trained by another process; left to it")
            else:
                self.outcome.not_started.append(run.name)
        self.elsewhere, self.pending = [], []

    def _held(self, run):
        """Whether another process holds the lock of ``run`` (a lock that cannot be read: not known to)."""
        return run_holder(self.out, run) not in (None, False)
