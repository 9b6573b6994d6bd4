"""The counts a local grid tells of its runs (:class:`minitransfer.grid_runner.GridRunner`): the runs
already finished and to run as it starts (:func:`already_finished`), the "[K/N]" of each start
(:class:`StartNumbers`), and the runs left after each run ends, with their time (:func:`runs_left`).
"""

import time

from minitransfer.grid_plan_text import waiting_words
from minitransfer.progress import duration, until
from minitransfer.rundir import RESULT_FILE


class StartNumbers:
    """K and N of "[K/N] start RUN", as each start line is said (:func:`minitransfer.grid_launch.said_start_line`):
    K a run's number, given as its line is said and kept when it starts again; N the runs this grid trains,
    as it stands when the line is said. A run whose result.json alone is written again (``again``: their
    names) is not among them, nor is one that another process took or finished before its line was said."""

    def __init__(self, pending, again, waiting=()):
        self.again, self.trained, self.numbers = again, len(pending) - len(again), {}
        self.elsewhere = set()  # the names of the runs dropped from the N: another process's, unnumbered
        # and those a failed base left unrun, unnumbered: from the start, those copying from a run its train refuses
        # (``waiting``, :func:`minitransfer.grid_plan_text.waiting_on_refused`), as the dry run counts them
        self.not_run = set(waiting)

    @property
    def total(self):
        """The N: the runs this grid trains, less those another process took or finished unnumbered, and those
        not run as their base failed."""
        return self.trained - len(self.elsewhere | self.not_run)

    def unnumbered(self, run):
        """Whether ``run`` is among the N of "[K/N]" (not one whose result.json alone is written again), unnumbered."""
        return run.name not in self.numbers and run.name not in self.again

    def start(self, run):
        """Number ``run`` as its start line is said, unless it has its number already (it starts again); one
        counted not run as it waited on a refused base (its checkpoint fixed meanwhile) is among the N again."""
        self.not_run.discard(run.name)
        if self.unnumbered(run):
            self.numbers[run.name] = len(self.numbers) + 1

    def taken_elsewhere(self, run):
        """``run`` is trained, or was finished, by another process: one never said started here is no longer
        among the N (once, however often it is told); one said started keeps its number, the next run taking
        the next (before, its number went to the next run: with two slots, one running already had it)."""
        if self.unnumbered(run):
            self.elsewhere.add(run.name)

    def blocked(self, run):
        """``run`` is not run here, as its base failed: no longer among the N (before, "[4/6]" was the last start
        of a grid whose two transfers of a failed base were never to start, "2 runs left" said after "[2/6]")."""
        if self.unnumbered(run):
            self.not_run.add(run.name)

    def back_here(self, run):
        """``run`` stopped unfinished in another process and is continued here: among the N again."""
        self.elsewhere.discard(run.name)

    def of(self, run):
        """The K of ``run`` (None: not numbered)."""
        return self.numbers.get(run.name)


def already_finished(finished, runs, numbers, lost, waiting=None):
    """"F of R runs already finished; N to run[; W not run (copying from ...)][; A result.json to write again][; L
    not trained (see above)]": ``finished`` and ``lost`` the names of those runs among ``runs``, ``numbers`` the
    :class:`StartNumbers`, ``waiting`` those copying from a run its train refuses
    (:func:`minitransfer.grid_plan_text.waiting_on_refused`), counted as the dry run counts them."""
    return (f"{len(finished)} of {len(runs)} runs already finished; {numbers.total} to run"
            + (f"; {waiting_words(waiting)}" if waiting else "")
            + (f"; {len(numbers.again)} {RESULT_FILE} to write again" if numbers.again else "")
            + (f"; {len(lost)} not trained (see above)" if lost else ""))


def runs_left(pending, running, elsewhere, time_left, sharing=None):
    """"; K runs left, about T (until DATE TIME OFFSET)[; E more trained by another process]": where a grid stands
    after a run has ended, its runs ``pending`` to start, ``running`` (run, process, start time of each) and
    trained ``elsewhere`` left, their time from ``time_left`` (a :class:`minitransfer.grid_progress.TimeLeft`).
    K counts what the N of "[K/N]" counts (:class:`StartNumbers`), the runs this grid trains, and T their time:
    a run another process trains is not this grid's, and is told apart (before, counted among K: "[1/3] start
    RUN" then "3 runs left" with two to start). "; no run left here; E trained by another process" where only
    those are left; nothing once none is left; no time before the runs trained here tell it. While runs wait to
    start, T counts the processes training those of ``elsewhere`` that are ``sharing`` (another grid's, a SLURM
    task's; default: all) as sharing them (:meth:`~minitransfer.grid_progress.TimeLeft.seconds`), and says so
    ("about 20 s (until ...), another process sharing them"); a lone `train` of a run ends with it, and takes none."""
    left = len(pending) + len(running)
    if not left and not elsewhere:
        return ""
    others = f"{len(elsewhere)} {'more ' if left else ''}trained by another process" if elsewhere else ""
    if not left:
        return f"; no run left here; {others}"
    others = f"; {others}" if others else ""
    now = time.monotonic()
    sharing = [run.name for run in (elsewhere if sharing is None else sharing)] if pending else []  # take a share
    seconds = time_left.seconds([run.name for run in pending], {run.name: now - start for run, _, start in running},
                                sharing)
    counted = f"; {left} run{'s' if left != 1 else ''} left"
    if seconds is None:
        return counted + others
    shared = ", another process sharing them" if sharing else ""
    return f"{counted}, about {duration(seconds)}{until(seconds)}{shared}{others}"
