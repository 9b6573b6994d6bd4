"""What a local grid tells while it runs, beside its runs' starts and ends: the warnings its runs
write into their logs, each text once (:class:`Warnings`); how long the runs left take and when the
grid ends, from the pace of the runs it trained (:class:`TimeLeft`, :func:`work_left`); a finished
run's accuracy (:func:`accuracy_note`); how far each running run has got, every so often
(:class:`RunsTraining`); its log once it stops, whose failures cannot keep a run uncounted
(:class:`StoppingLog`). :mod:`minitransfer.scheduler` runs the grid.
"""

import pathlib
import re
import time
import typing

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, rundir, stopping
from minitransfer.experiment import CHECKPOINT_FILE, run_dir, run_fields
from minitransfer.run_lines import run_metric_words
from minitransfer.rundir import RESULT_FILE


class Warnings:
    """The warnings the runs' ``train`` processes write into their logs (a CPU run that would take
    months, crops that see a small part of each image, a batch larger than the data), told on the
    grid's output as "RUN: warning: ...", where a researcher watching the grid sees them; each text
    once, as the grid's runs mostly share them, whichever of the grid's bases a transfer's names
    (the crops of each transfer "of OUT/random0/baseA.h5": a line per base and split seed, 21 for
    ten seeds). Only whole lines are read: a line still being written is read at the next look."""

    PREFIX = stopping.WARNING
    BASE = "<its base>"  # what stands for a transfer's base in the texts compared

    def __init__(self, log):
        self.log, self.told, self.logs = log, set(), {}  # logs: run name -> [its RunLog, bytes read, its base]

    def watch(self, name, path, base=None):
        """Relay the warnings run ``name`` writes to ``path`` from now on (what is there is its past: an
        earlier attempt's, the log being appended to); ``base``: the weights file of the base it copies
        from, whose name its warnings may quote."""
        try:
            start = path.stat().st_size
        except OSError:  # the log it was just started with went: nothing to relay, its run says why
            return
        self.logs[name] = [RunLog(path, start), start, str(base) if base is not None else None]

    def run_logs(self, names):
        """The logs of the runs ``names`` watched, as each started ({run name: its :class:`RunLog`})."""
        return {name: self.logs[name][0] for name in names if name in self.logs}

    def relay(self, name=None, ended=False, held=()):
        """Tell the new warnings of run ``name`` (default: of every run watched but those ``held``, whose
        start lines are not said yet: theirs wait, never said before it); ``ended``: its last."""
        for each in [name] if name is not None else [each for each in self.logs if each not in held]:
            if each not in self.logs:
                continue
            run_log, read, base = self.logs.pop(each) if ended else self.logs[each]
            try:
                with open(run_log.path, "rb") as stream:
                    stream.seek(read)
                    text = stream.read()
            except OSError:
                continue
            whole = text[:text.rfind(b"\n") + 1]
            if not ended:
                self.logs[each][1] = read + len(whole)
            for line in whole.decode("utf-8", "replace").splitlines():
                text = line.replace(base, self.BASE) if base else line
                if line.startswith(self.PREFIX) and text not in self.told:
                    self.told.add(text)
                    self.log(f"{each}: {line}")


class RunLog(typing.NamedTuple):
    """A running run's log, and its size as the run started: the bytes before ``start`` are its past
    (an earlier attempt's lines, the grid appending to the log of a run it resumes)."""

    path: pathlib.Path
    start: int


class RunsTraining:
    """How far each running run has got, told every ``every`` seconds (as ``train`` tells it:
    :attr:`minitransfer.progress.Progress.LINE_SECONDS`; None: never), a line per run,
    "random0/baseA: iteration 600/2000, 40 s left", read from the last progress line its ``train`` wrote
    into its log (a line still being written is left for the next look). A run whose line has not changed
    since it was last told (an evaluation of minutes, its start-up) says nothing: the grid's output is
    where a grid under ``nohup`` or ``| tee`` shows life, a line a run each period at most. ``clock``:
    the seconds it counts by."""

    TAIL_BYTES = 4096  # far more than one progress line, and all a look at a log of hours reads
    LINE = re.compile(r"(iteration \d+/\d+)\b.*?(, [^,]* left)?$")

    def __init__(self, log, every, clock=time.monotonic):
        self.log, self.every, self.clock = log, every, clock
        self.last, self.told = clock(), {}  # told: run name -> its line last told

    def due(self):
        """Whether the period is over (the grid's poll asks first, and gathers the logs only then)."""
        return self.every is not None and self.clock() - self.last >= self.every

    def tell(self, logs):
        """Where the period is over, tell the new progress of each run in ``logs`` ({run name: its
        :class:`RunLog`}), from what it wrote since it started."""
        if not self.due():
            return
        self.last = self.clock()
        self.told = {name: self.told[name] for name in logs if name in self.told}  # runs ended: forgotten
        for name, run_log in logs.items():
            line = last_progress_line(run_log.path, run_log.start)
            if line is not None and line != self.told.get(name):
                self.told[name] = line
                self.log(f"{name}: {line}")


def last_progress_line(path, start=0):
    """The last whole progress line of the log ``path`` after its byte ``start`` in short ("iteration
    600/2000, 40 s left"), or None where it has none yet (or cannot be read: its run tells why as it ends)."""
    try:
        with open(path, "rb") as stream:
            size = stream.seek(0, 2)
            begin = max(size - RunsTraining.TAIL_BYTES, start)
            stream.seek(begin)
            text = stream.read()
    except OSError:
        return None
    lines = text[:text.rfind(b"\n") + 1].decode("utf-8", "replace").splitlines()
    if begin > start:
        lines = lines[1:]  # the first may be the end of a line cut by the seek
    for line in reversed(lines):
        found = RunsTraining.LINE.match(line)
        if found:
            return found.group(1) + (found.group(2) or "")
    return None


class TimeLeft:
    """How long the runs left take on the grid's slots, from the runs this scheduler trained to their
    end: their seconds per unit of work. ``work`` gives each run's (work left when the grid started, whole
    work) (:func:`work_left`): its iterations where the options give every run's (the demo trains its
    runs on all classes twice as long), else a share of one run; an interrupted run counts only
    what its checkpoint has left. The slots share the work; a run is never split between them. A run
    resumed with less than :attr:`TIMED_SHARE` of its work left tells no pace: its minutes were its start
    and its last evaluation (a grid resumed the next day, its first run 10 iterations from its end after 3
    minutes, took 18 s an iteration: 87 runs of 450,000 iterations "about 8000 days")."""

    TIMED_SHARE = 0.5

    def __init__(self, work, slots):
        self.work, self.slots = work, slots
        self.spent = self.trained = 0.0  # seconds, and units of work, of the runs trained to the end

    def add(self, name, seconds):
        """Run ``name``, trained here to its end in ``seconds``."""
        left, whole = self.work[name]
        if left >= self.TIMED_SHARE * whole:
            self.spent += seconds
            self.trained += left

    def seconds(self, waiting, running, elsewhere=()):
        """Seconds until the runs ``waiting`` to start and those ``running`` ({name: seconds they have
        run}) have ended; None until a run trained here tells the pace. ``elsewhere``: the runs of the grid that
        another grid on the folder or a SLURM task trains now (never a lone `train`'s, which ends with its run), each a
        slot of its own that takes its share of those waiting once its run ends, half of whose work is taken as left
        (how far it has got is not known here). Before, the slots here alone trained all those waiting: with two
        grids on a folder, each said about twice the time left."""
        if not self.trained:
            return None
        pace = self.spent / self.trained
        left = [self.work[name][0] * pace for name in waiting]
        left += [max(self.work[name][0] * pace - seconds, 0.0) for name, seconds in running.items()]
        shared = [self.work[name][0] * pace / 2 for name in elsewhere if name in self.work] if waiting else []
        return max([(sum(left) + sum(shared)) / (self.slots + len(shared)), *left], default=0.0)


def work_left(runs, out, options):
    """Each run's (work left, whole work), by name: its iterations (the options' max_iter: every run's, or the
    preset's defaults for all, a run each), and of them the share its checkpoint has not trained."""
    iterations = {run.name: run_fields(run, out, options).get("max_iter") for run in runs}
    by_iteration = all(iterations.values())
    whole = {run.name: iterations[run.name] if by_iteration else 1 for run in runs}
    return {run.name: (whole[run.name] * (1 - _share_trained(out, run)), whole[run.name]) for run in runs}


def _share_trained(out, run):
    """The share of its iterations an interrupted run's checkpoint has trained: 0 without one (or
    with one that its run will refuse, and start over or fail)."""
    saved = run_dir(out, run) / CHECKPOINT_FILE
    if not saved.exists():
        return 0.0
    try:
        meta = checkpoints.read_meta(saved)
        max_iter, iteration = meta["config"].get("max_iter"), meta["iteration"]
    except (checkpoints.CheckpointError, OSError, KeyError, TypeError, AttributeError):  # its run says what is wrong
        return 0.0
    if not all(isinstance(value, int) for value in (max_iter, iteration)) or max_iter <= 0:
        return 0.0
    return min(max(iteration, 0) / max_iter, 1.0)


def accuracy_note(out, run):
    """How a finished run's "done" line ends: ": mean of 10 best 0.5500" (its result's accuracy);
    "" where its result cannot be read or holds none."""
    try:
        result = fileio.parse_json((run_dir(out, run) / RESULT_FILE).read_text())
    except (OSError, ValueError):
        return ""
    value = result.get("mean10_top1") if isinstance(result, dict) else None
    if not isinstance(value, (int, float)):
        return ""
    evaluations = result.get("evaluations")
    counted = run_metric_words(evaluations if isinstance(evaluations, int) else rundir.BEST_EVALUATIONS)
    return f": {counted} {value:.4f}"


class StoppingLog:
    """``log`` for a stopping grid, which must still count its stopped runs and return (or raise)
    its outcome whatever the log does: a line it fails to write (``OSError``: a closed pipe, a full
    disk) is dropped; any other failure of it (a notebook's own log raising), a KeyboardInterrupt or
    SystemExit too, drops the line and is kept, the first one, as :attr:`failure`, for the grid to
    raise once every run is counted (escaping, it left the runs unwaited and uncounted)."""

    def __init__(self, log):
        self.log, self.failure = log, None

    def __call__(self, line):
        try:
            self.log(line)
        except OSError:
            pass
        except BaseException as error:
            if self.failure is None:
                self.failure = error
