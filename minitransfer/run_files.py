"""The files a run writes in its run directory (:mod:`minitransfer.rundir`) as it trains: its logs
appended, config.json and result.json written whole, each write checked in place first
(:class:`RunFiles`). Whether a resumed run's eval.csv holds the rows it counts on, unedited, is
:mod:`minitransfer.resumed_rows`' (:func:`minitransfer.resumed_rows.resume_refusal`, importable from here too).

The logs survive torn writes: a partial last line (what a crash or a full disk leaves in the
middle of an append) is dropped when they are read. Damage beyond that is refused on resume
(:class:`minitransfer.resumed_logs.RunLogError`): eval.csv must keep its header and every evaluation
up to the checkpoint, once, and no other row, as result.json is computed from them
(:mod:`minitransfer.resumed_logs`). JSON files hold strict JSON: a non-finite number is written as
null.
"""

import contextlib
import errno
import hashlib
import json
import os
import pathlib

from minitransfer import file_owners, fileio
from minitransfer.errors import MinitransferError
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, curve_sums, result_sha256
from minitransfer.run_lock import holder_named
from minitransfer.resumed_logs import metrics_kept, seconds_logged
from minitransfer.resumed_rows import evaluations_made, logged, resume_refusal
from minitransfer.run_logs import EVAL_COLUMNS, whole_lines
from minitransfer.rundir import RESULT_FILE, config_text, finite

# resume_refusal and evaluations_made are resumed_rows's, and asked for here too (checkpoint_info)
__all__ = ["RunFolderChanged", "RunFiles", "from_copy", "resume_refusal", "evaluations_made"]


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
    which a previous run wrote) first. A resumed run that trains again, its checkpoint's iteration below
    ``end`` (the run's max_iter), removes the result.json and ``weights`` of the training it replaces first, and
    its checkpoint.h5 made a copy of the checkpoint it resumes from, ``resumed_from`` (:meth:`_drop_stale_result`).

    Its paths (:attr:`run_dir`, :attr:`checkpoint`, ...) are as ``run_dir`` names the folder, for
    messages; its files are read and written in the folder that was at ``run_dir`` when it was
    opened (:meth:`at`), so that a process that changes its working folder meanwhile (``os.chdir`` in
    an ``on_iteration`` hook, or in a notebook's other thread) writes on into its run."""

    EVAL_COLUMNS = EVAL_COLUMNS

    def __init__(self, run_dir, start_iteration, fresh, evaluated=(), weights=None, lock=None, end=None,
                 resumed_from=None):
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
        self.seconds_before = 0.0  # the time axis of metrics.jsonl's rows goes on from here: see _truncate
        self._rows = []  # eval.csv's rows as this run holds them (a resumed one's, read once: _truncate): eval_rows
        if fresh:
            self._start_over(weights)
        else:
            # eval.csv read once: checked, then the logs rewritten from it
            sums, read_from = (None, None) if resumed_from is None else (resumed_from.meta.get(CURVE_SUMS),
                                                                         resumed_from.path)
            self.evaluations_to_redo, lines = logged(self.eval_csv, self.at(self.eval_csv), start_iteration, evaluated,
                                                      sums, read_from)
            if end is not None and start_iteration < end:
                self._drop_stale_result(weights, resumed_from)
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
        writing its own, they would pass for its network), then its result, checkpoint and logs, each for good
        (the folder fsynced before this run writes its own: else a power cut could bring the old ones back
        beside them). A crash midway leaves the old run short of its weights, which `resume='auto'` rewrites
        from its last checkpoint, or a run without a checkpoint, which starts afresh. A removal refused is a
        ``fileio.StorageError`` (exit 74) advising to rerun with `overwrite=True` once repaired: train's advice,
        `resume='auto'`, continued the run this one was to replace."""
        try:
            if weights is not None:
                fileio.remove(weights)
            fileio.remove(*(self.at(path) for path in (self.result, self.checkpoint, self.metrics, self.eval_csv,
                                                       self.edited_config)))
        except fileio.StorageError as error:
            raise error.rerun_with("`overwrite=True`") from error

    def _drop_stale_result(self, weights, resumed_from):
        """Remove result.json, then ``weights`` (the run's weights file), each for good (its folder fsynced),
        before eval.csv is rewritten: a run resumed below its max_iter (from an older checkpoint, a copy given as
        `resume` or one put back as checkpoint.h5) trains again, and those are its finished training's. Left, report
        refused the folder as edited (exit 65, eval.csv cut back) or reported the old result as finished, and after
        a kill `resume='auto'` called the run finished from it. Without them the run is unfinished, as any run
        without a result.json, and resumes from its checkpoint; so too if killed between the two removals. From a
        copy (``resumed_from``, the checkpoint read), checkpoint.h5 is made that copy first (:meth:`_take_checkpoint`):
        a failure there (a full disk) leaves the folder as it was."""
        if resumed_from is not None:
            self._take_checkpoint(resumed_from)
        fileio.remove(self.at(self.result))  # a failure: StorageError, exit 74, naming it
        if weights is not None:
            fileio.remove(weights)

    def _take_checkpoint(self, resumed):
        """Copy the checkpoint file the run resumes from (``resumed``, as :func:`minitransfer.checkpoint.load` read
        it), where it is not the run's checkpoint.h5, into checkpoint.h5's place (atomically, before eval.csv is
        cut back to it): the checkpoint there, of another iteration, no longer matched the rows cut back, and a
        kill before the run's first checkpoint left a folder whose `resume='auto'` continued the training replaced
        or was refused for the rows it lacked (exit 65); now it continues from the copy's iteration. A copy that
        no longer holds the bytes read (replaced since) is not taken: checkpoint.h5 is removed instead, and
        `resume='auto'` starts the run over. One that cannot be read any more (removed since, its permissions
        changed, a disk error) leaves the folder as it was, and the ``fileio.StorageError`` (exit 74) names it
        (:func:`_copy_blocks`), not checkpoint.h5."""
        own = self.at(self.checkpoint)
        if not from_copy(resumed, own):
            return
        digest = hashlib.sha256()
        try:
            with fileio.atomic_path(own, named=self.checkpoint) as temporary, open(temporary, "wb") as copy:
                for block in _copy_blocks(resumed.path):
                    digest.update(block)
                    copy.write(block)
                if digest.hexdigest() != resumed.sha256:
                    raise _NotAsRead
        except _NotAsRead:
            fileio.remove(own)

    def _truncate(self, iteration, lines):
        """Keep what the run logged up to the checkpoint's ``iteration``: a resumed run logs the rest.
        metrics.jsonl keeps an evaluation's event only beside its eval.csv row, so that an evaluation
        the resumed run redoes is logged once. ``lines``: eval.csv's (:func:`minitransfer.run_logs.eval_csv_lines`)."""
        rows = [row for _, row, fault in lines if fault is None and row["iteration"] <= iteration]
        evaluated = {row["iteration"] for row in rows}
        kept = [line for line in whole_lines(self.at(self.metrics)) if metrics_kept(line, iteration, evaluated)]
        self._write(self.metrics, "".join(line + "\n" for line in kept))
        self.seconds_before = seconds_logged(kept)
        self._write(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n" + "".join(
            ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n" for row in rows))
        self._rows = rows

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

    def write_result(self, record, rows):
        """Write result.json: ``record`` (:meth:`minitransfer.run_outcome.TrainResult.to_dict`, train's summary
        of eval.csv's ``rows``, :meth:`eval_rows`), under :data:`CURVE_SUMS` the sums of those rows
        (:func:`curve_sums`), and under :data:`RESULT_SHA256` the digest of the rest (:func:`result_sha256`), which
        report checks it by (:mod:`minitransfer.result_digests`)."""
        record = {**finite(record), CURVE_SUMS: curve_sums(rows)}
        self.write_json(self.result, {**record, RESULT_SHA256: result_sha256(record)})

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
        self._rows.append(row)
        self.log({"event": "eval", **row})
        return row

    def eval_rows(self):
        """The evaluations logged so far, as eval.csv holds them: those this run appended (:meth:`add_eval`),
        after those a resumed one kept (read from the file once, as it opened it: :meth:`_truncate`). Kept, not
        read again: every checkpoint records their sums, and a run of n checkpoints read eval.csv n times, O(n^2)
        rows parsed. The same rows, parsed again from the file (repr: a float's exact digits), which this run alone
        writes to (:meth:`check_in_place`); an edit by hand meanwhile is told by the sums the checkpoints and
        result.json record of them, as before (:mod:`minitransfer.result_digests`)."""
        return list(self._rows)


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


class _NotAsRead(MinitransferError):
    """The checkpoint a run resumes from no longer holds the bytes it was read with (RunFiles._take_checkpoint):
    raised and caught there, a MinitransferError as every exception class of the package is (tests/test_errors.py)."""


def _copy_blocks(path):
    """The bytes of the checkpoint copy ``path`` a run resumes from, as `resume` gave it, block by block
    (:meth:`RunFiles._take_checkpoint`); where they cannot be read, a ``fileio.StorageError`` (exit 74) naming it,
    with what to do: within ``fileio.atomic_path`` an OSError named the file written, checkpoint.h5, and advised to
    make it writable, where the run folder was."""
    try:
        with open(path, "rb") as source:
            while block := source.read(1 << 22):
                yield block
    except OSError as error:
        raise fileio.StorageError(error.errno, f"cannot read {path}, the checkpoint copy the run resumes from: "
                                               f"{error.strerror or error}; the run folder is left as it was: once "
                                               f"{path} can be read, rerun with `resume={str(path)!r}`") from error


def from_copy(resumed, checkpoint):
    """Whether ``resumed``, the checkpoint a run resumes from (as :func:`minitransfer.checkpoint.load` read it; None
    for a fresh run), was read from a file other than the run's own ``checkpoint`` (its checkpoint.h5): a copy."""
    return resumed is not None and resumed.path is not None and not _same_file(resumed.path, checkpoint)


def _same_file(path, other):
    """Whether ``path`` and ``other`` name one file (False where either cannot be looked at)."""
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _identity(path):
    """(device, inode) of the file or folder ``path``, or None where nothing is there now."""
    return file_owners.identity(path, gone=(errno.ENOENT,))
