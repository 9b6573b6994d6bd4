"""A run directory and what a run shows while it trains: run files, progress, stop requests.

The weights file ``out`` (e.g. ``baseA.h5``) is written once, at the end; a run that starts over
(``overwrite``) removes the previous run's weights first. Beside it, the *run directory*
``<out without suffix>.run/`` (``baseA.run/``) holds:

    config.json      the fully resolved configuration (every default filled in)
    metrics.jsonl    one JSON object every log_every iterations ({"iteration", "loss", "top1", "lr",
                     "seconds"}: that iteration's batch loss and top-1, as Caffe displays them)
                     and per evaluation ({"event": "eval", "iteration", "top1", "top5", "loss"})
    eval.csv         iteration,top1,top5,loss: one row per evaluation on the half's val images
    checkpoint.h5    the latest resumable checkpoint (weights + momentum + iteration + data cursor)
    result.json      final, best and mean-of-10-best top-1 (the paper's metric), and more: the
                     weights file's sha256, size and mtime as written (:func:`recorded_sha256`)
    lock             held (flock) by the one process training into the directory; on a file
                     system without locks (Lustre mounted without -o flock, NFS without its lock
                     daemon) a run goes on unlocked, with a warning: :func:`try_lock`

The logs survive torn writes: a partial last line (what a crash or a full disk leaves in the
middle of an append) is dropped when they are read. Damage beyond that is refused on resume
(:class:`RunLogError`): eval.csv must keep its header and every evaluation up to the checkpoint,
once, and no other row, as result.json is computed from them. JSON files hold strict JSON: a
non-finite number is written as null.
"""

import collections
import contextlib
import errno
import fcntl
import json
import math
import os
import pathlib
import signal
import socket
import sys
import threading
import time

from minitransfer import fileio, stopping
from minitransfer.data.schema import SHA256


def run_dir_for(out):
    """The run directory of weights file ``out``: ``baseA.h5`` → ``baseA.run``."""
    out = pathlib.Path(out)
    return out.with_name(out.stem + ".run") if out.suffix else out.with_name(out.name + ".run")


def weights_for(run_dir):
    """The weights file of run directory ``baseA.run`` (:func:`run_dir_for`'s inverse): the one its
    config.json names (``train -o`` chose it; looked for beside the folder, wherever it has been
    moved), else ``baseA.h5``; not another file of that stem (``baseA.err``, ``baseA.csv``)."""
    run_dir = pathlib.Path(run_dir)
    name = recorded_out(run_dir)
    weights = run_dir.with_name(name) if name else None
    return weights if weights is not None and run_dir_for(weights) == run_dir else run_dir.with_suffix(".h5")


def recorded_out(run_dir):
    """The name of the weights file (``out``) the config.json of ``run_dir`` records, without its
    folder; None where there is no readable record of one (an empty name is none either)."""
    try:
        recorded = fileio.parse_json((pathlib.Path(run_dir) / "config.json").read_text())["out"]
        return pathlib.PurePath(recorded).name or None
    except (OSError, ValueError, KeyError, TypeError):
        return None


RUN_FILES = ("config.json", "metrics.jsonl", "eval.csv", "checkpoint.h5", "result.json")


def is_run_dir(folder):
    """Whether ``folder`` is a run directory: named ``*.run`` and holding a run's files."""
    folder = pathlib.Path(folder)
    return folder.suffix == ".run" and folder.is_dir() and any((folder / name).exists() for name in RUN_FILES)


class RunLogError(ValueError):
    """A resumed run's eval.csv is not one, or lacks an evaluation its checkpoint says was made (exit 65)."""


RECOVER = "start the run over with --overwrite (overwrite=True), or restore the file"


class RunFiles:
    """metrics.jsonl and eval.csv of a run directory.

    A resumed run (not ``fresh``) continues the logs of its checkpoint at ``start_iteration``:
    eval.csv must keep its header and one row for each of ``evaluated`` (the iterations up to the
    checkpoint at which the run evaluated; result.json is computed from them) and no other, else
    :class:`RunLogError` before anything is rewritten. Only the evaluation at the checkpoint's own
    iteration may be missing (its row cut off): the resumed run redoes it, as
    :attr:`evaluations_to_redo` says. Rows and records after the checkpoint are dropped. A
    ``fresh`` run replaces what the directory holds, and removes ``weights`` (its weights file,
    which a previous run wrote) first."""

    EVAL_COLUMNS = ("iteration", "top1", "top5", "loss")

    def __init__(self, run_dir, start_iteration, fresh, evaluated=(), weights=None, lock=None):
        self.run_dir = pathlib.Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._folder, self._lock = _folder_identity(self.run_dir), lock
        fileio.remove_stale_temporaries(self.run_dir)
        self.config = self.run_dir / "config.json"
        self.metrics = self.run_dir / "metrics.jsonl"
        self.eval_csv = self.run_dir / "eval.csv"
        self.checkpoint = self.run_dir / "checkpoint.h5"
        self.result = self.run_dir / "result.json"
        self.evaluations_to_redo = []
        if fresh:
            self._start_over(weights)
        else:
            self.evaluations_to_redo = self._unlogged(start_iteration, evaluated)
            self._truncate(start_iteration)
        if not self.eval_csv.exists():
            fileio.write_text(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n")

    def _start_over(self, weights):
        """Remove the run this one replaces (``overwrite``): first its weights file ``weights``, so
        that no weights outlive the run directory they belong to (were this run to fail before
        writing its own, they would pass for its network), then its result, checkpoint and logs.
        A crash midway leaves the old run short of its weights, which `resume='auto'` rewrites
        from its last checkpoint, or a run without a checkpoint, which starts afresh."""
        if weights is not None:
            fileio.remove(weights)
        for path in (self.result, self.checkpoint, self.metrics, self.eval_csv):
            path.unlink(missing_ok=True)

    def _unlogged(self, iteration, evaluated):
        """Those of ``evaluated`` that eval.csv lacks: [] or [``iteration``]; a wrong header, an
        earlier evaluation lost (its weights are gone, it cannot be redone), or a row up to
        ``iteration`` that is not one of ``evaluated`` or repeats one (result.json, computed from
        the rows, would count it) is a :class:`RunLogError`."""
        header = ",".join(self.EVAL_COLUMNS)
        lines = _whole_lines(self.eval_csv)
        if lines and lines[0] != header:
            raise RunLogError(f"{self.eval_csv}: the header is {lines[0]!r:.60}, not {header!r}; its rows cannot be "
                              f"trusted: {RECOVER}")
        made = collections.Counter(row["iteration"] for row in self.eval_rows() if row["iteration"] <= iteration)
        foreign = sorted(set(made) - set(evaluated) | {done for done, rows in made.items() if rows > 1})
        if foreign:
            listed = ", ".join(map(str, foreign[:5])) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise RunLogError(f"{self.eval_csv} has rows at iteration {listed} that the run did not write (a row "
                              f"repeated, or at an iteration it did not evaluate); result.json would count them: "
                              f"remove them, or {RECOVER}")
        logged = set(made)
        missing = [done for done in evaluated if done not in logged]
        lost = [done for done in missing if done != iteration]
        if lost:
            listed = ", ".join(map(str, lost[:5])) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
            raise RunLogError(f"{self.eval_csv} lacks the evaluations at iteration {listed}, made before the "
                              f"checkpoint at {iteration} (their weights are gone, they cannot be redone): {RECOVER}")
        return missing

    def _truncate(self, iteration):
        """Keep what the run logged up to the checkpoint's ``iteration``: a resumed run logs the rest.
        metrics.jsonl keeps an evaluation's event only beside its eval.csv row, so that an evaluation
        the resumed run redoes is logged once."""
        rows = [row for row in self.eval_rows() if row["iteration"] <= iteration]
        evaluated = {row["iteration"] for row in rows}
        kept = [line for line in _whole_lines(self.metrics) if _metrics_kept(line, iteration, evaluated)]
        fileio.write_text(self.metrics, "".join(line + "\n" for line in kept))
        fileio.write_text(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n" + "".join(
            ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n" for row in rows))

    def check_in_place(self):
        """:class:`minitransfer.fileio.StorageError` (exit code 74) when the run directory is no longer
        the folder this run opened: moved, renamed or deleted by hand while the run trained. Writing
        on would make a second run folder under its name, without its lock, config.json or earlier
        evaluations (eval.csv without its header, result.json counting only the rows since), and
        leave the moved one without the checkpoints written since. Also when its eval.csv was removed,
        and when the ``lock`` it was given (:class:`RunLock`) is no longer the lock file there (removed
        by hand to "unstick" a run): a second process may be training into the folder, and the two
        would mix their files. Called before every write."""
        if _folder_identity(self.run_dir) != self._folder:
            raise fileio.StorageError(errno.ENOENT, f"{self.run_dir} was moved or deleted while the run wrote to it; "
                                                    f"stopped rather than start a second, partial run folder there: "
                                                    f"put it back and rerun with `resume='auto'`, or start over with "
                                                    f"`overwrite=True`")
        if not self.eval_csv.is_file():  # an append would start another, without its header or earlier rows
            raise fileio.StorageError(errno.ENOENT, f"{self.eval_csv} was removed while the run wrote to it: its "
                                                    f"earlier rows, which result.json counts, are gone; stopped "
                                                    f"rather than start another without them: {RECOVER}")
        if self._lock is not None and not self._lock.held():
            raise fileio.StorageError(errno.ENOENT, f"{self._lock.path}: this run's lock was removed, replaced or "
                                                    f"taken by another process (on a file system without locks) "
                                                    f"while it trained: another process may be training into "
                                                    f"{self.run_dir}{holder_named(self._lock.other())}; stopped so "
                                                    f"as not to mix their files: once none does, rerun with "
                                                    f"`resume='auto'`")

    def sync_logs(self):
        """fsync eval.csv and metrics.jsonl, as a checkpoint is about to be written: their appends
        are otherwise on disk only when the kernel gets to them (seconds later), so a machine that
        went down (power, kernel panic, a node rebooted) just after the checkpoint, which is fsynced,
        could lose rows it counts on, and its resume was refused for lacking them."""
        for path in (self.eval_csv, self.metrics):
            try:
                fileio.fsync_path(path)
            except FileNotFoundError:
                continue  # nothing logged yet
            except OSError as error:
                raise fileio.storage_error(path, error) from error

    def write_json(self, path, record):
        self.check_in_place()
        fileio.write_text(path, json.dumps(finite(record), indent=2, allow_nan=False) + "\n")

    def log(self, record):
        self.check_in_place()
        fileio.append_text(self.metrics, json.dumps(record) + "\n")

    def add_eval(self, iteration, scores):
        row = {"iteration": int(iteration), **{k: float(scores[k]) for k in ("top1", "top5", "loss")}}
        self.check_in_place()
        fileio.append_text(self.eval_csv, ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n")
        self.log({"event": "eval", **row})
        return row

    def eval_rows(self):
        """The evaluations logged so far (a torn or malformed row is skipped)."""
        return read_eval_rows(self.eval_csv)


def read_eval_rows(path):
    """Rows {iteration, top1, top5, loss} of an ``eval.csv``; torn or malformed rows (accuracies not
    fractions in [0, 1] included) are skipped."""
    rows = []
    for line in _whole_lines(path)[1:]:
        fields = line.split(",")
        try:
            values = [int(fields[0])] + [float(field) for field in fields[1:]]
        except ValueError:
            continue
        if len(values) == len(RunFiles.EVAL_COLUMNS) and all(0 <= accuracy <= 1 for accuracy in values[1:3]):
            rows.append(dict(zip(RunFiles.EVAL_COLUMNS, values)))
    return rows


def read_metrics(path, most=None):
    """The records of a ``metrics.jsonl``; a torn or malformed line is skipped. ``most``: only that
    many of its lines are read, evenly spaced from its first to its last (a curve to draw: a
    CaffeNet run logs 22,500 lines, which would cost the report more than the rest of the run)."""
    lines = _whole_lines(path)
    if most is not None and len(lines) > most:
        lines = [lines[round(i * (len(lines) - 1) / (most - 1))] for i in range(most)]
    records = []
    for line in lines:
        try:
            record = fileio.parse_json(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


BEST_EVALUATIONS = 10  # the paper's metric: the mean of this many best evaluations (all, where a run made fewer)


def mean_best_words(evaluations):
    """How a line names result.json's ``mean10_top1`` of a run of ``evaluations`` evaluations: "mean of
    10 best", or for a run with fewer, whose value is the mean of them all, "mean of the 3 best (3
    evaluations)"."""
    if evaluations >= BEST_EVALUATIONS:
        return f"mean of {BEST_EVALUATIONS} best"
    return f"mean of the {evaluations} best ({evaluations} evaluation{'' if evaluations == 1 else 's'})"


LAST_LINE_BYTES = 64 << 10  # more than train's longest line, a divergence's message with every layer's norms


def divergence(metrics):
    """"training diverged: loss became nan at iteration 2 (lr 1000)" where train's last record in the
    run's ``metrics`` (its metrics.jsonl) is a divergence: resumed from its checkpoint, the run would
    diverge again; "" otherwise (training, stopped, finished or failed in another way). Only the end
    of the log is read: a CaffeNet run's is 60 MB."""
    try:
        record = fileio.parse_json(fileio.last_line(metrics, LAST_LINE_BYTES) or "{}")
    except FileNotFoundError:
        return ""
    except ValueError:  # a torn last line: not a divergence train logged
        return ""
    if not isinstance(record, dict) or record.get("event") != "diverged":
        return ""
    message = record.get("message")
    return "training diverged: " + (message.split(";")[0] if isinstance(message, str)
                                    else f"at iteration {record.get('iteration')}")


def weights_record(out, sha256):
    """What result.json records of the weights file ``out`` train has just written, whose sha256 is
    ``sha256``: ``{"sha256", "size", "mtime_ns"}``, the digest with the file's size and modification
    time, which :func:`recorded_sha256` trusts while they are unchanged."""
    try:
        status = os.stat(out)
    except OSError as error:
        raise fileio.storage_error(out, error) from error
    return {"sha256": sha256, "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def recorded_sha256(out, status):
    """The sha256 that the result.json of the weights file ``out`` recorded of it (:func:`weights_record`)
    while the file, whose ``os.stat`` is ``status``, has the size and modification time it was written
    with; else None, and the file is to be hashed (a run trained again, a file copied over it or edited
    has another modification time; a folder copied with its times kept, e.g. ``cp -a``, keeps them). So
    a grid checks each base it holds without reading its weights, hundreds of MB each."""
    try:
        record = fileio.parse_json((run_dir_for(out) / "result.json").read_text())["weights"]
        sha256, size, modified = record["sha256"], record["size"], record["mtime_ns"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    known = isinstance(sha256, str) and SHA256.fullmatch(sha256)
    return sha256 if known and (size, modified) == (status.st_size, status.st_mtime_ns) else None


def finite(value):
    """``value`` with every non-finite float (a diverged evaluation's loss) replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def _folder_identity(folder):
    """(device, inode) of ``folder``, or None where nothing is there now."""
    try:
        status = os.stat(folder)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _whole_lines(path):
    """The newline-terminated, non-empty lines of a log (a partial last line is a torn append), without
    the byte-order mark a spreadsheet saving eval.csv as "CSV UTF-8" puts before its header."""
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except FileNotFoundError:
        return []
    return [line for line in text.split("\n")[:-1] if line.strip()]


def _metrics_kept(line, iteration, evaluated):
    """Whether a resumed run keeps this metrics.jsonl line: a well-formed record of an iteration up
    to ``iteration``, and for an evaluation's event, one whose row eval.csv kept (in ``evaluated``)."""
    try:
        record = fileio.parse_json(line)
    except ValueError:
        return False
    if not isinstance(record, dict) or type(record.get("iteration", 0)) is not int:
        return False
    done = record.get("iteration", 0)
    return done <= iteration and (record.get("event") != "eval" or done in evaluated)


class Progress:
    """A progress bar on a terminal; otherwise one plain line every ``every`` iterations, and at
    least every :attr:`LINE_SECONDS` (a slow run shows life within seconds). The pace (it/s) and the
    time left are timed from the end of the first iteration this process trains, which also pays
    for starting up (the data loader, kernels compiled on first use, an evaluation a resume redoes);
    once :attr:`ESTIMATE_SECONDS` of iterations are timed, one line says when the run ends, and each
    later line how long is left. A display whose reader has gone (the terminal closed, the ``| tee``
    ended) or cannot be written (``2> log`` on a full disk or over quota, where the run's own folder
    may have room) is dropped, never an error: the run goes on to its checkpoint (metrics.jsonl
    keeps what it would have shown)."""

    LINE_SECONDS = 30
    ESTIMATE_SECONDS = 2
    DATED_SECONDS = 100 * 365 * 86400  # an end further away is said in days, not dated

    def __init__(self, total, start, bar, quiet, every, stream=None):
        self.total, self.bar, self.quiet, self.every = total, bar, quiet, every
        self.stream = stream or sys.stderr
        self.started, self.start = time.perf_counter(), start
        self.last_line, self.estimated = self.started, False
        self.first = None  # (time, iteration) at the end of the first iteration trained here

    def iteration(self, done, loss, lr):
        if self.quiet:
            return
        now = time.perf_counter()
        if self.first is None:
            self.first = (now, done)
        timed, counted = now - self.first[0], done - self.first[1]
        rate = counted / timed if counted and timed > 0 else (done - self.start) / max(now - self.started, 1e-9)
        if not self.estimated and (timed >= self.ESTIMATE_SECONDS or done == self.total):
            self.estimated = True
            self._estimate(done, rate)
        left = f", {duration((self.total - done) / rate)} left" if self.estimated and done < self.total and rate else ""
        if self.bar:
            width = 30
            filled = int(width * done / self.total)
            self._show(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                       f"loss {loss:.4f} lr {lr:.3g} {rate:.1f} it/s{left} ")
        elif done % self.every == 0 or done == self.total or now - self.last_line >= self.LINE_SECONDS:
            self.line(f"iteration {done}/{self.total} loss {loss:.4f} lr {lr:.3g} {rate:.1f} it/s{left}")

    def _estimate(self, done, rate):
        left = (self.total - done) / rate if rate > 0 else 0
        if left > 0:
            # a date far beyond is no help, and past the year 2**31 time.localtime fails (EOVERFLOW, OverflowError)
            end = time.strftime(" (until %Y-%m-%d %H:%M)", time.localtime(time.time() + left)) \
                if left < self.DATED_SECONDS else ""
            self.line(f"{1 / rate:.3g} s per iteration: the remaining {self.total - done} iterations take about "
                      f"{duration(left)}{end}")

    def line(self, text):
        if self.quiet:
            return
        self._show(("\r\033[K" if self.bar else "") + text + "\n")
        self.last_line = time.perf_counter()

    def close(self):
        if self.bar and not self.quiet:
            self._show("\n")

    def _show(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:  # its reader gone, or its file full (a job's log on a home over quota)
            stopping.drop_stream(self.stream)
            self.quiet = True


def duration(seconds):
    """``seconds`` in words: '45 s', '12 minutes', '3 hours', '130 days'."""
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


class StopRequests(list):
    """SIGINT / SIGTERM / SIGHUP (a closed terminal; not where ignored:
    :func:`minitransfer.stopping.stop_signals_heard`) turned into a flag that the work checks where
    it can stop (a training between its iterations; main thread only): the list holds the signal's
    name once one arrived.

        with StopRequests() as stop:    # heard from here to the end of the block
            ...

    ``listening=False`` hears them from :meth:`listen` on, to the end of the block, which can reach
    past the part of the work that checks the flag: a stop is then under way, and a second one must
    not break into what the work does on its way out (release its locks, report its stop).
    ``keep_ignored``: a signal this process ignores stays ignored (not heard): a process started in
    the block inherits it so, where a signal heard would be reset to its default (ending the process).
    ``interrupt``: the first stop heard also raises ``KeyboardInterrupt`` (to break out of a wait), and
    those after it are only recorded: a second Ctrl-C that comes as the first unwinds must not break
    into what the stop does (a grid stopping its runs), as a handler installed only once the first
    has been caught lets it, for an instant. The attribute ``interrupt`` turns False as it raises; set it
    False where the work stops for another cause (an error), to record the stops from there on."""

    def __init__(self, listening=True, keep_ignored=False, interrupt=False):
        super().__init__()
        self._listening, self._keep_ignored, self.interrupt, self._previous = listening, keep_ignored, interrupt, {}

    def __enter__(self):
        if self._listening:
            self.listen()
        return self

    def listen(self):
        """Hear the stop signals from now on (in the main thread; elsewhere none reaches the work)."""
        if threading.current_thread() is threading.main_thread() and not self._previous:
            self._previous = {stop: signal.signal(stop, self._heard) for stop in stopping.stop_signals_heard()
                              if not (self._keep_ignored and signal.getsignal(stop) is signal.SIG_IGN)}

    def _heard(self, signum, frame):
        self.append(signal.Signals(signum).name)
        if self.interrupt:
            self.interrupt = False
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        for stop, previous in self._previous.items():
            signal.signal(stop, previous)
        self._previous = {}


BUSY = " is in use by another minitransfer process"  # RunBusy's words, which a grid reads in a run's log


class RunBusy(RuntimeError):
    """Another process holds the run directory's lock (exit code 2); ``pid`` names it (:func:`holder`'s
    answer: a :class:`Holder`, -1 or None)."""

    def __init__(self, message, pid):
        super().__init__(message)
        self.pid = pid

    def __reduce__(self):  # with its fields: a process pool (concurrent.futures) sends it back pickled
        return type(self), (*self.args, self.pid)


class RunLock:
    """The exclusive lock of one run directory: ``<run>/lock``, held with ``flock`` for as long as
    the run writes there. The kernel releases it when the process dies, so a crash never leaves a
    stale lock; the file holds the holder's PID and host name ("1234 node7") for the message a second
    process gets (the run folder may be on a file system that the nodes of a cluster share).

        with RunLock(run_dir):      # RunBusy if another process trains into run_dir
            ...

    The run directory is created for the lock; if this process created it and leaves nothing else
    in it (a run that failed before writing anything), it is removed again on release."""

    FILE = "lock"
    ATTEMPTS = 3  # when the holder seen busy is gone by the time it is named (it released the lock meanwhile)

    def __init__(self, run_dir):
        self.run_dir = pathlib.Path(run_dir)
        self.path = self.run_dir / self.FILE
        self._descriptor = None
        self._created = False

    def __enter__(self):
        self._created = not self.run_dir.exists()
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise fileio.storage_error(self.run_dir, error) from error
        gone = 0
        while True:
            try:
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:  # a read-only folder, one this user may not write, no inode left
                failure = fileio.storage_error(self.path, error)  # says what is left before the folder is removed
                self._remove_if_created_empty()
                raise failure from error
            try:
                locked = try_lock(descriptor, path=self.path)
            except OSError:
                os.close(descriptor)
                raise
            if not locked:
                os.close(descriptor)
                pid = holder(self.run_dir)
                gone += pid is None
                if pid is None and gone < self.ATTEMPTS:  # released meanwhile: try again
                    continue
                raise RunBusy(f"{self.run_dir}{BUSY}{holder_named(pid)}; wait for it to finish or stop it, then rerun",
                              pid)
            if same_file(descriptor, self.path):  # not unlinked by a releasing holder meanwhile
                break
            os.close(descriptor)
        self._descriptor = descriptor
        try:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()} {socket.gethostname()}\n".encode())
        except OSError as error:  # a full disk: released, not held by a descriptor nobody closes
            self.__exit__(None, None, None)
            raise fileio.storage_error(self.path, error) from error
        return self

    def held(self):
        """Whether this process holds the lock still: the lock file at :attr:`path` is the one it
        locked (not removed, nor replaced by another process's, meanwhile) and holds its PID and host
        (on a file system without locks, :func:`try_lock`, a second process takes it too and writes its
        own, which may be this PID on another node)."""
        return self._descriptor is not None and same_file(self._descriptor, self.path) and \
            _is_this_process(self._holder_written())

    def other(self):
        """The :class:`Holder` that took this lock from this one (:meth:`held` False), where known."""
        pid = holder(self.run_dir)
        if pid is None and self._descriptor is not None and same_file(self._descriptor, self.path):
            pid = self._holder_written()
        return pid

    def _holder_written(self):
        """The :class:`Holder` the lock file this process opened names, or None."""
        return _read_holder(self._descriptor)

    def __exit__(self, *exc):
        # only its own lock file: the folder may have been moved or deleted meanwhile, another process
        # may lock a new one under the same name, or (without locks) have written its PID in this one
        written = self._holder_written()
        if same_file(self._descriptor, self.path) and (written is None or _is_this_process(written)):
            # a folder made read-only keeps it (harmless: the lock goes with the descriptor), and the error
            # that stopped the run, e.g. its checkpoint unwritable there, is the one to report
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
        os.close(self._descriptor)
        self._descriptor = None
        self._remove_if_created_empty()

    def _remove_if_created_empty(self):
        """Remove the run directory if this lock created it and nothing is in it: a run that failed
        before writing anything (its lock file not even created: a disk out of inodes) leaves no empty
        folder for a later run or report to puzzle over."""
        with contextlib.suppress(FileNotFoundError):
            if self._created and not any(self.run_dir.iterdir()):
                self.run_dir.rmdir()


PID_WAIT_SECONDS = 0.5  # a lock's holder writes its PID just after taking it: seen in between, it is waited for
_RECORD_BYTES = 320  # a lock file's "PID HOST": a host name has at most 255 bytes


class Holder(int):
    """The PID of a lock's holder as its lock file records it, with ``host``: the machine it runs on
    where that is another one (a SLURM task on another node of a shared file system), else None (this
    machine, or not recorded: the lock of an older minitransfer). A PID of another host means nothing
    here: never look it up, signal or wait for it on this machine."""

    def __new__(cls, pid, host=None):
        self = super().__new__(cls, pid)
        self.host = host
        return self

    def __reduce__(self):  # with its host: a RunBusy crosses a process pool pickled
        return type(self), (int(self), self.host)


def _read_holder(descriptor):
    """The :class:`Holder` an open lock file names: "PID HOST", or "PID" as older versions wrote it;
    None where it names none (not written yet)."""
    pid, _, host = os.pread(descriptor, _RECORD_BYTES, 0).decode(errors="replace").strip().partition(" ")
    if not (pid.isascii() and pid.isdigit()):
        return None
    host = host.strip()
    return Holder(int(pid), host if host and host != socket.gethostname() else None)


def _is_this_process(written):
    """Whether the :class:`Holder` a lock file names is this process (its PID, on this machine)."""
    return written is not None and written == os.getpid() and written.host is None


def holder(run_dir):
    """The process holding the lock of ``run_dir``, a :class:`Holder` (its PID, and its host where that
    is another machine), or None when nobody does (or only readers, with shared locks:
    :mod:`minitransfer.data.lock`); -1 when the holder has not written it within :data:`PID_WAIT_SECONDS`.
    Judged by the lock itself (flock, which a file system shared by several machines keeps for all of
    them), never by looking the PID up on this machine."""
    path = pathlib.Path(run_dir) / RunLock.FILE
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    deadline = time.monotonic() + PID_WAIT_SECONDS
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return None
            except BlockingIOError:
                written = _read_holder(descriptor)
                if written is not None:
                    return written
                if time.monotonic() >= deadline:
                    return -1
                time.sleep(0.02)
            except OSError as error:
                if error.errno not in NO_LOCKS:
                    raise
                return None  # a file system without locks: nobody can be seen holding one
    finally:
        os.close(descriptor)


def holder_named(pids):
    """How a message names the processes holding a lock, from :func:`holder`'s answer or a list of
    PIDs (:func:`minitransfer.data.lock.readers`): " (PID 1234)", " (PID 1234 on host node7)" for a
    holder on another machine, " (PIDs 1234, 5678)", " (starting up: its PID is not written yet)"
    for -1, and nothing for None or none known."""
    if pids == -1:
        return " (starting up: its PID is not written yet)"
    pids = [] if pids is None else [pids] if isinstance(pids, int) else list(pids)
    if not pids:
        return ""
    return f" (PID{'s' if len(pids) > 1 else ''} {', '.join(map(_on_its_host, pids))})"


def pid_named(pid):
    """A :func:`holder`'s PID in words: "PID 1234", or "PID 1234 on host node7" on another machine."""
    return f"PID {_on_its_host(pid)}"


def _on_its_host(pid):
    """ "1234", or "1234 on host node7" for a :class:`Holder` on another machine."""
    host = getattr(pid, "host", None)
    return f"{pid} on host {host}" if host else str(pid)


# flock's errors where the file system has no locks: Lustre without -o flock (ENOSYS), NFS whose
# lock daemon does not answer (ENOLCK), some FUSE file systems (EOPNOTSUPP).
NO_LOCKS = (errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP)
_UNLOCKED_DEVICES = set()  # the file systems warned about, by device: once each per process


def try_lock(descriptor, operation=fcntl.LOCK_EX, attempts=10, path=None):
    """flock(``operation``) without waiting for a real holder; a few short retries ride out a
    concurrent :func:`holder` probe, which holds a shared lock for an instant (and a releasing
    dataset reader's exclusive instant, :mod:`minitransfer.data.lock`).

    On a file system without locks (:data:`NO_LOCKS`) this is True, as if the lock were held, after
    a warning on stderr naming the folder of ``path`` (once per file system and process), as HDF5
    does by default where its own file locks are not supported: training there goes on, but two
    processes writing one run (or a prepare rewriting the dataset a training reads) are not stopped.
    Another error of flock is a :class:`minitransfer.fileio.StorageError` naming ``path`` (given)."""
    for attempt in range(attempts):
        try:
            fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(0.02)
        except OSError as error:
            if error.errno in NO_LOCKS:
                _warn_unlocked(descriptor, path, error)
                return True
            if path is None:
                raise
            raise fileio.StorageError(error.errno, f"cannot lock {path}: {error.strerror or error}") from error
    return False


def _warn_unlocked(descriptor, path, error):
    device = os.fstat(descriptor).st_dev
    if device in _UNLOCKED_DEVICES:
        return
    _UNLOCKED_DEVICES.add(device)
    where = f"the file system of {pathlib.Path(path).parent}" if path is not None else "a file system"
    stopping.warn(f"warning: {where} does not support file locks (flock: {error.strerror}): going on without them, "
                  f"so nothing stops a second process from training into the same run or preparing the dataset a "
                  f"training reads meanwhile; on Lustre, mount with -o flock")


def same_file(descriptor, path):
    """Whether the open ``descriptor`` is still the file at ``path`` (not unlinked meanwhile)."""
    try:
        return os.fstat(descriptor).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
