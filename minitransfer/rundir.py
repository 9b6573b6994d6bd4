"""A run directory: where it lies beside its weights file, the files a run writes there, and
reading them back.

The weights file ``out`` (e.g. ``baseA.h5``) is written once, at the end; a run that starts over
(``overwrite``) removes the previous run's weights first. Beside it, the *run directory*
``<out without suffix>.run/`` (``baseA.run/``) holds:

    config.json      the fully resolved configuration (every default filled in); a resumed run
                     rewrites it with its checkpoint's, the options it goes on with
    config.json.edited  config.json as a hand had edited it when the run resumed (the edit had no
                     effect, and a warning said so: :func:`minitransfer.config_edits.hand_edits`)
    metrics.jsonl    one JSON object every log_every iterations ({"iteration", "loss", "top1", "lr",
                     "seconds"}: that iteration's batch loss and top-1, as Caffe displays them)
                     and per evaluation ({"event": "eval", "iteration", "top1", "top5", "loss"})
    eval.csv         iteration,top1,top5,loss: one row per evaluation on the half's val images
    checkpoint.h5    the latest resumable checkpoint (weights + momentum + iteration + data cursor)
    result.json      final, best and mean-of-10-best top-1 (the paper's metric), and more: the
                     weights file's sha256, size and mtime as written (:func:`recorded_sha256`)
    lock             held (flock) by the one process training into the directory; on a file
                     system without locks (Lustre mounted without -o flock, NFS without its lock
                     daemon) a run goes on unlocked, with a warning:
                     :func:`minitransfer.run_lock.try_lock`

The logs survive torn writes: a partial last line (what a crash or a full disk leaves in the
middle of an append) is dropped when they are read. Damage beyond that is refused on resume
(:class:`minitransfer.resumed_logs.RunLogError`): eval.csv must keep its header and every evaluation
up to the checkpoint, once, and no other row, as result.json is computed from them
(:mod:`minitransfer.resumed_logs`). JSON files hold strict JSON: a non-finite number is written as
null.

The lock, the reading of its logs, what a run shows while it trains and its stop requests are
modules of their own (:mod:`minitransfer.run_lock`, :mod:`minitransfer.run_logs`,
:mod:`minitransfer.progress`, :mod:`minitransfer.stop_requests`).
"""

import contextlib
import errno
import json
import math
import os
import pathlib

from minitransfer import fileio
from minitransfer.data.schema import SHA256
from minitransfer.run_lock import holder_named
from minitransfer.resumed_logs import RunLogError, metrics_kept, unlogged_evaluations
from minitransfer.run_logs import (DIVERGED, EVAL_COLUMNS, divergence, numbered_lines,
                                   parsed_eval_csv, read_eval_rows, whole_lines)

__all__ = ["run_dir_for", "weights_for", "recorded_out", "RUN_FILES", "is_run_dir", "nearest_above",
           "enclosing_run_dir", "RunFiles", "BEST_EVALUATIONS",
           "DIVERGED", "divergence", "weights_record", "recorded_sha256", "finite"]


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


RESULT_FILE = "result.json"
RUN_FILES = ("config.json", "metrics.jsonl", "eval.csv", "checkpoint.h5", RESULT_FILE)


def is_run_dir(folder):
    """Whether ``folder`` is a run directory: named ``*.run`` and holding a run's files. One that cannot be
    looked into (under a folder this user may not enter) is none: passed over, where Path.is_dir raised."""
    folder = pathlib.Path(folder)
    return folder.suffix == ".run" and os.path.isdir(folder) and \
        any(os.path.exists(folder / name) for name in RUN_FILES)


def nearest_above(path, predicate, itself=True):
    """The nearest folder for which ``predicate`` holds along ``path`` resolved (links followed, ``..``
    undone: where what is written at ``path`` lands): ``path`` itself first (unless not ``itself``),
    then the folders above it, up to the root; None where there is none."""
    resolved = pathlib.Path(path).resolve()
    return next((folder for folder in (*([resolved] if itself else []), *resolved.parents) if predicate(folder)),
                None)


def enclosing_run_dir(path):
    """The run directory (:func:`is_run_dir`) that ``path`` is or lies inside, the nearest; None where it
    is in none. Looked for along ``path`` resolved (links followed, ``..`` undone), where what is
    written at ``path`` lands: ``link/net.h5``, ``link`` leading to ``baseA.run``, writes into that
    run's folder, and ``baseA.run/../net.h5`` beside it, not in it. The one answer for a grid's folder
    (:func:`minitransfer.grid_folder.check_outside_run_dirs`), a report's
    (:func:`minitransfer.report_folder.other_kind`) and a run's weights file
    (:func:`minitransfer.run_destination.check_destination`)."""
    return nearest_above(path, is_run_dir)


class RunFolderChanged(fileio.StorageError):
    """The run folder, a run log in it or the run's lock changed under a run while it trained
    (:meth:`RunFiles.check_in_place`), exit code 74: its message is complete, with what to do. A
    save that fails so after a stop request, a data fault or memory running out says only that
    before it, not the checkpoint it would have replaced (it may have moved with its folder)."""


class RunFiles:
    """metrics.jsonl and eval.csv of a run directory.

    A resumed run (not ``fresh``) continues the logs of its checkpoint at ``start_iteration``:
    eval.csv must keep its header and one row for each of ``evaluated`` (the iterations up to the
    checkpoint at which the run evaluated; result.json is computed from them) and no other, else
    :class:`minitransfer.resumed_logs.RunLogError` before anything is rewritten. Only the evaluation at
    the checkpoint's own iteration may be missing (its row cut off): the resumed run redoes it, as
    :attr:`evaluations_to_redo` says. Rows and records after the checkpoint are dropped. A
    ``fresh`` run replaces what the directory holds, and removes ``weights`` (its weights file,
    which a previous run wrote) first.

    Its paths (:attr:`run_dir`, :attr:`checkpoint`, ...) are as ``run_dir`` names the folder, for
    messages; its files are read and written in the folder that was at ``run_dir`` when it was
    opened (:meth:`at`), so that a process that changes its working folder meanwhile (``os.chdir`` in
    an ``on_iteration`` hook, or in a notebook's other thread) writes on into its run."""

    EVAL_COLUMNS = EVAL_COLUMNS

    def __init__(self, run_dir, start_iteration, fresh, evaluated=(), weights=None, lock=None):
        self.run_dir = pathlib.Path(run_dir)
        self.folder = self.run_dir.absolute()  # where its files are read and written: see at()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._folder, self._lock = _identity(self.folder), lock
        fileio.remove_stale_temporaries(self.folder)
        self.config = self.run_dir / "config.json"
        self.metrics = self.run_dir / "metrics.jsonl"
        self.eval_csv = self.run_dir / "eval.csv"
        self.checkpoint = self.run_dir / "checkpoint.h5"
        self.result = self.run_dir / RESULT_FILE
        self.edited_config = self.run_dir / "config.json.edited"  # as a hand edited it: config_edits.kept_hand_edits
        self.evaluations_to_redo = []
        if fresh:
            self._start_over(weights)
        else:
            # eval.csv read once: checked, then the logs rewritten from it
            self.evaluations_to_redo, lines = _logged(self.eval_csv, self.at(self.eval_csv), start_iteration, evaluated)
            self._truncate(start_iteration, lines)
        if not self.at(self.eval_csv).exists():
            self._write(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n")
        # the logs as this run writes them (None: not written yet): see check_in_place
        self._logs = {path: _identity(self.at(path)) for path in (self.eval_csv, self.metrics)}

    def at(self, path):
        """Where the run's file ``path`` (:attr:`checkpoint`, :attr:`eval_csv`, ...) is read and
        written: in the run folder as it was resolved when the run opened it, whatever the working
        folder is now."""
        return self.folder / pathlib.Path(path).relative_to(self.run_dir)

    def write_text(self, path, text):
        """Write the run's file ``path`` (named as :attr:`run_dir` names it) whole, atomically."""
        with self.in_place():
            self._write(path, text)

    def _write(self, path, text):
        fileio.write_text(self.at(path), text, named=path)

    @contextlib.contextmanager
    def in_place(self, new_log=False):
        """Around the writes of the run's files (or of its weights file, beside its folder): checked in
        place first (:meth:`check_in_place`), then written making no missing folder, nor a missing log
        unless ``new_log`` (the run's first append to it: :func:`minitransfer.fileio.nothing_made_anew`);
        where one fails for a folder or log not there (errno ENOENT: moved or deleted after that check),
        checked again, so that it is :meth:`check_in_place`'s :class:`RunFolderChanged`, what to do
        included. Made anew, the folder held a lone checkpoint that ``info`` called resumable."""
        self.check_in_place()
        try:
            with contextlib.nullcontext() if new_log else fileio.nothing_made_anew():
                yield
        except fileio.StorageError as error:
            if error.errno == errno.ENOENT and not isinstance(error, RunFolderChanged):
                self.check_in_place()
            raise

    def read_config(self):
        """config.json as it is now (a hand may have edited it), or None where it cannot be read."""
        return config_text(self.at(self.config))

    def _start_over(self, weights):
        """Remove the run this one replaces (``overwrite``): first its weights file ``weights``, so
        that no weights outlive the run directory they belong to (were this run to fail before
        writing its own, they would pass for its network), then its result, checkpoint and logs.
        A crash midway leaves the old run short of its weights, which `resume='auto'` rewrites
        from its last checkpoint, or a run without a checkpoint, which starts afresh."""
        if weights is not None:
            fileio.remove(weights)
        for path in (self.result, self.checkpoint, self.metrics, self.eval_csv, self.edited_config):
            self.at(path).unlink(missing_ok=True)

    def _truncate(self, iteration, lines):
        """Keep what the run logged up to the checkpoint's ``iteration``: a resumed run logs the rest.
        metrics.jsonl keeps an evaluation's event only beside its eval.csv row, so that an evaluation
        the resumed run redoes is logged once. ``lines``: eval.csv's (:func:`minitransfer.run_logs.eval_csv_lines`)."""
        rows = [row for _, row, fault in lines if fault is None and row["iteration"] <= iteration]
        evaluated = {row["iteration"] for row in rows}
        kept = [line for line in whole_lines(self.at(self.metrics)) if metrics_kept(line, iteration, evaluated)]
        self._write(self.metrics, "".join(line + "\n" for line in kept))
        self._write(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n" + "".join(
            ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n" for row in rows))

    def check_in_place(self):
        """:class:`RunFolderChanged` (exit code 74) when the run directory is no longer the folder
        this run opened: moved, renamed or deleted by hand while the run trained. Writing on would
        make a second run folder under its name, without its lock, config.json or earlier
        evaluations (eval.csv without its header, result.json counting only the rows since), and
        leave the moved one without the checkpoints written since. Also when its eval.csv or
        metrics.jsonl was removed or replaced (another file put under its name), and when the
        ``lock`` it was given (:class:`minitransfer.run_lock.RunLock`) is no longer the lock file
        there (removed by hand to "unstick" a run): a second process may be training into the
        folder, and the two would mix their files. Called before every write."""
        if _identity(self.folder) != self._folder:
            raise RunFolderChanged(errno.ENOENT, f"{self.run_dir} was moved or deleted while the run wrote to it; "
                                                 f"stopped rather than start a second, partial run folder there: put "
                                                 f"it back and rerun with `resume='auto'`, or start over with "
                                                 f"`overwrite=True`")
        for path, identity in self._logs.items():
            if identity is not None and _identity(self.at(path)) != identity:
                raise _log_lost(path, self.at(path).exists())
        if self._lock is not None and not self._lock.held():
            raise RunFolderChanged(errno.ENOENT, f"{self._lock.path}: this run's lock was removed, replaced or taken "
                                                 f"by another process (on a file system without locks) while it "
                                                 f"trained: another process may be training into "
                                                 f"{self.run_dir}{holder_named(self._lock.other())}; stopped so as "
                                                 f"not to mix their files: once none does, rerun with "
                                                 f"`resume='auto'`")

    def sync_logs(self):
        """fsync eval.csv and metrics.jsonl, as a checkpoint is about to be written: their appends
        are otherwise on disk only when the kernel gets to them (seconds later), so a machine that
        went down (power, kernel panic, a node rebooted) just after the checkpoint, which is fsynced,
        could lose rows it counts on, and its resume was refused for lacking them."""
        for path in (self.eval_csv, self.metrics):
            try:
                fileio.fsync_path(self.at(path))
            except FileNotFoundError:
                continue  # nothing logged yet
            except OSError as error:
                raise fileio.storage_error(self.at(path), error, named=path) from error

    def write_json(self, path, record):
        self.write_text(path, json.dumps(finite(record), indent=2, allow_nan=False) + "\n")

    def log(self, record):
        with self.in_place(new_log=self._logs[self.metrics] is None):
            fileio.append_text(self.at(self.metrics), json.dumps(record) + "\n", named=self.metrics)
        if self._logs[self.metrics] is None:  # created by this append
            self._logs[self.metrics] = _identity(self.at(self.metrics))

    def add_eval(self, iteration, scores):
        row = {"iteration": int(iteration), **{k: float(scores[k]) for k in ("top1", "top5", "loss")}}
        with self.in_place():  # eval.csv is there from the start, with its header
            fileio.append_text(self.at(self.eval_csv), ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n",
                               named=self.eval_csv)
        self.log({"event": "eval", **row})
        return row

    def eval_rows(self):
        """The evaluations logged so far (a torn or malformed row is skipped)."""
        return read_eval_rows(self.at(self.eval_csv))


def _logged(eval_csv, path, iteration, evaluated):
    """(the evaluations a run resumed at ``iteration`` redoes, the rows of its eval.csv) where its eval.csv
    (named ``eval_csv``, read at ``path``) holds those of ``evaluated`` made before: see
    :func:`minitransfer.resumed_logs.unlogged_evaluations`, which raises ``RunLogError`` where it does not."""
    numbered = numbered_lines(path)
    lines = parsed_eval_csv(numbered)
    return unlogged_evaluations(eval_csv, iteration, evaluated, numbered[:1], lines), lines


def evaluations_made(iteration, evaluates):
    """The iterations up to ``iteration`` after which a run evaluated, ``evaluates(done)`` saying whether it
    did after ``done`` (:func:`minitransfer.config.evaluates_after` of its configuration)."""
    return [done for done in range(1, iteration + 1) if evaluates(done)]


def resume_refusal(run_dir, iteration, evaluated):
    """The ``RunLogError`` a run resumed in ``run_dir`` from its checkpoint of ``iteration`` is refused with
    (exit 65) for its eval.csv (:class:`RunFiles`' own check), ``evaluated`` the evaluations made up to it
    (:func:`evaluations_made`): a folder holding the checkpoint alone (its logs deleted) lacks those; the
    ``fileio.StorageError`` (exit 74) of an eval.csv that cannot be read (a folder, no permission), which the
    resume fails on too; None
    where the resume would take its logs."""
    eval_csv = pathlib.Path(run_dir) / "eval.csv"
    try:
        _logged(eval_csv, eval_csv, iteration, evaluated)
    except RunLogError as error:
        return error
    except OSError as error:
        return fileio.StorageError(error.errno, f"cannot read {eval_csv}: {error.strerror or error}")
    return None


def _log_lost(path, there):
    """The :class:`RunFolderChanged` (exit code 74) of a run log ``path`` (eval.csv, metrics.jsonl)
    removed or replaced by hand while the run wrote to it (``there``: whether a file has its name
    now): an append would start another file without its earlier rows (result.json counts eval.csv's,
    a report draws metrics.jsonl's curve), or add to a file the run did not write, whose rows may not
    be the run's (a copy holds the same rows: an editor's save writes one)."""
    counted = "which result.json counts" if path.name == "eval.csv" else "the training curve"
    if there:
        what = (f"replaced while the run wrote to it: another file now has its name; its rows may not be the "
                f"run's ({counted}); stopped rather than log on into it")
    else:
        what = (f"removed while the run wrote to it: its earlier rows ({counted}) are not there; stopped rather "
                f"than log on without them")
    return RunFolderChanged(errno.ENOENT, f"{path} was {what}: put the run's file back and rerun with "
                                          f"`resume='auto'`, or start the run over with `overwrite=True`")


BEST_EVALUATIONS = 10  # the paper's metric: the mean of this many best evaluations (all, where a run made fewer)
# How train's line of a run it found finished ends (a grid counts such a run as trained by another process)
NOTHING_TO_DO = "nothing to do"


def train_again(run="it"):
    """What to do with a ``run`` (how it is named) that nothing else finishes (its checkpoint gone or
    damaged): "train it again (its train command with --overwrite)"."""
    return f"train {run} again (its train command with --overwrite)"


def weights_record(out, sha256, named=None):
    """What result.json records of the weights file ``out`` train has just written, whose sha256 is
    ``sha256``: ``{"sha256", "size", "mtime_ns"}``, the digest with the file's size and modification
    time, which :func:`recorded_sha256` trusts while they are unchanged. ``named``: how an error
    names ``out`` (:func:`minitransfer.fileio.storage_error`)."""
    try:
        status = os.stat(out)
    except OSError as error:
        raise fileio.storage_error(out, error, named=named) from error
    return {"sha256": sha256, "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def recorded_sha256(out, status):
    """The sha256 that the result.json of the weights file ``out`` recorded of it (:func:`weights_record`)
    while the file, whose ``os.stat`` is ``status``, has the size and modification time it was written
    with; else None, and the file is to be hashed (a run trained again, a file copied over it or edited
    has another modification time; a folder copied with its times kept, e.g. ``cp -a``, keeps them). So
    a grid checks each base it holds without reading its weights, hundreds of MB each."""
    try:
        record = fileio.parse_json((run_dir_for(out) / RESULT_FILE).read_text())["weights"]
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


def config_text(path):
    """The text of the config.json ``path`` as it is now (a hand may have edited it), or None where it
    cannot be read (deleted, unreadable, not UTF-8)."""
    try:
        return pathlib.Path(path).read_text()
    except (OSError, UnicodeDecodeError):
        return None


def _identity(path):
    """(device, inode) of the file or folder ``path``, or None where nothing is there now."""
    return fileio.identity(path, gone=(errno.ENOENT,))
