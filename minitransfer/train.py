"""The training loop: one network of the paper's grid (baseA, AnB, AnB+, BnB, random-frozen ...).

``train(TrainConfig(...))`` is what ``minitransfer train`` runs; experiments call it directly. It
reads like the phases of an iteration: resolve the configuration (:mod:`minitransfer.config`),
build the net with its copied / frozen layers (:mod:`minitransfer.transfer`), then for every
iteration take a batch, forward, backward, update (:mod:`minitransfer.optim`), log, evaluate
(:mod:`minitransfer.evaluate`) and checkpoint into the run directory (:mod:`minitransfer.rundir`).

Stopping. SIGINT/SIGTERM/SIGHUP (a closed terminal; not where SIGHUP is ignored, as under nohup)
finish the current iteration, write ``checkpoint.h5`` and raise :class:`Interrupted` (exit code
75), as does a KeyboardInterrupt raised by the ``on_iteration`` hook; ``resume="auto"`` continues
from it bit for bit. A stop during an evaluation (minutes, on ImageNet) ends it before its next
batch and stops the same way: the checkpoint is at the iteration evaluated, which the resumed run
evaluates again. A stop while the data loader's workers are stalled (a hung file system) gives
their batch up within a second and stops the same way, at the last completed iteration; a stop
once the last evaluation is made lets the run finish writing its weights. A stop owed during the
start-up (swallowed by Python in a finalizer: :func:`minitransfer.stopping.raise_owed_stop`) ends it
at its next safe point, before its first run file is written. A non-finite loss
raises :class:`Diverged` with the layers' weight norms and the learning rate, before any update
or checkpoint, so the last good checkpoint stays intact; so do weights blown up under a finite loss,
found before an evaluation's row or a checkpoint is written.

The run between its iterations is a :class:`minitransfer.training_run.Run`; how it ends (its
result, :class:`Interrupted`, :class:`Diverged`), :mod:`minitransfer.run_outcome`.
"""

import contextlib
import dataclasses
import os
import pathlib

from minitransfer import dead_ends, fileio, host_memory, run_file_readers, stopping, train_log
from minitransfer.config import ConfigError, DataMismatch, TrainConfig, check_config, checked, resolve
from minitransfer.config_edits import hand_edit_warning, hand_edits
from minitransfer.config_wording import worded
from minitransfer.preflight_memory import OutOfMemory, check_memory
from minitransfer.resume import WouldReplace, read_base, refuse_to_overwrite, resume_point
from minitransfer.resume_finished import finished_despite, finished_without_dataset
from minitransfer.run_destination import check_destination
from minitransfer.data import loader_workers
from minitransfer.data.dataset import DatasetError
from minitransfer.data.decoder_pool import WorkerDied, refuse_in_script_rerun
from minitransfer.errors import MinitransferError
from minitransfer.progress import Progress
from minitransfer.recorded_config import recorded_options
from minitransfer.run_lines import run_metric_words
from minitransfer.run_lock import RunBusy, RunLock
from minitransfer.run_outcome import Diverged, Interrupted, TrainResult
from minitransfer.resume_options import KEPT_SETTINGS, dataset_gone_in, keep_run_settings, resumed_record
from minitransfer.result_checks import rows_edited
from minitransfer.result_digests import DIGESTS, RESULT_SHA256, result_edited
from minitransfer.run_logs import read_eval_rows
from minitransfer.rundir import (NOTHING_TO_DO, RESULT_FILE, RUN_FILES, config_text, run_dir_for,
                                 train_again)
from minitransfer.stop_requests import StopRequests
from minitransfer.training_run import Run
from minitransfer.left_out import UnreadableRun


__all__ = ["TrainConfig", "TrainResult", "train", "ConfigError", "DataMismatch", "Diverged", "Interrupted"]


@stopping.hushed_if_quiet
def train(config, on_iteration=None, show_result=True):
    """Train one network as ``config`` says; returns a :class:`TrainResult`.

    The result's ``warnings`` are those the run said on stderr (without ``warning: ``), or would
    have said under ``quiet=True``, which prints none: a crop that sees little of the images, a batch
    larger than the data, a run report leaves out (:func:`minitransfer.preflight.warnings_for`), a
    file system without locks (said once per process: not again by a later call, once a call not quiet said it).
    A :class:`~minitransfer.errors.MinitransferError` it raises (and :class:`Interrupted`) holds those heard
    before it in its ``warnings``
    (:attr:`minitransfer.errors.MinitransferError.warnings`).

    ``show_result``: end the progress lines (on stderr, unless `quiet`) with the result's
    (:func:`minitransfer.run_lines.result_line`); the command line prints it on stdout instead.

    ``on_iteration(done)`` is called after each completed iteration (a hook for tests and
    notebooks); a ``KeyboardInterrupt`` it raises stops the run as SIGINT does, with a checkpoint
    and :class:`Interrupted` (in a background thread, where no signal reaches the run, the way to
    stop it). One process at a time trains into a run directory (:class:`minitransfer.run_lock.RunLock`),
    and prepare does not rewrite the dataset while it is read (:meth:`.data.dataset.Dataset.reading`).
    On the CPU it sets the C allocator of the whole process (glibc's mallopt:
    :func:`minitransfer.host_memory.keep_freed_memory`) to keep freed blocks for reuse, and leaves
    it so after it returns: a notebook holds the memory of its largest step.
    Raises :class:`ConfigError`, :class:`DataMismatch`, ``checkpoint.CheckpointError``,
    ``data.dataset.DatasetError``, ``run_lock.RunBusy`` (``data.lock.DatasetBusy`` while prepare rewrites
    the dataset), ``fileio.StorageError``, :class:`Diverged`, :class:`Interrupted` or
    ``preflight_memory.OutOfMemory`` (a MemoryError: a batch too large for the memory available, refused
    before anything is written) or ``run_outcome.OutOfMemoryMidRun`` (memory ran out part-way: the
    iterations done saved where it ran out between two iterations or before the update of a NumPy
    or plain CUDA step; once an update has begun, the last checkpoint kept; the first step's own
    MemoryError as it is; a GPU's step, ``step.OutOfDeviceMemory``, a ConfigError, saved or not).
    Each of them is a :class:`minitransfer.MinitransferError` (not :class:`Interrupted`, a KeyboardInterrupt,
    nor the first step's own MemoryError, raised as it came).
    A save after a stop request, a data fault or memory running out that fails itself says which
    checkpoint is kept: ``OutOfMemoryMidRun``, or ``fileio.StorageError`` for a write refused; where
    the run folder's check refuses it (moved, a log or the lock gone), ``run_files.RunFolderChanged``
    (a StorageError) with that check's advice alone.

    Example::

        from minitransfer.train import TrainConfig, train
        base = train(TrainConfig(out="baseA.h5", half="A", max_iter=200))
        a4b = train(TrainConfig(out="A4B.h5", copy_from="baseA.h5", n=4, frozen=True, max_iter=200))
        print(a4b.mean10_top1)
    """
    with stopping.warnings_heard() as heard:
        try:
            result = _trained(config, on_iteration, show_result)
        except (MinitransferError, Interrupted) as error:  # heard before it failed: the caller's too
            error.warnings = tuple(heard)
            raise
    return dataclasses.replace(result, warnings=tuple(heard))


def _trained(config, on_iteration, show_result):
    """:func:`train`'s work, its result without its warnings."""
    refuse_in_script_rerun("train()")
    check_config(config)
    if on_iteration is not None and not callable(on_iteration):  # else a TypeError once an iteration is done
        raise ConfigError(f"`on_iteration` must be a function taking the iterations done (or None), got "
                          f"{on_iteration!r}")
    given_out = config.out  # a symbolic link, which _through_link follows: refusals name it as given
    config = checked(_through_link(config))
    found = _record_read_first(config)  # the run's record, read once: for both checks, and the memory check
    gone = dataset_gone_in(found) if config.data is None else None  # resumed without `data`
    finished = _finished_without_dataset(config, gone)
    if finished is not None:
        return finished
    try:
        plan = resolve(config, read_base=read_base, dataset_gone=lambda c: gone, resumed=found)
    except DatasetError as error:
        raise finished_despite(config, error) from error
    plan.named.out = None if given_out is None else str(given_out)
    stopping.raise_owed_stop()  # a safe point of the start-up: nothing written yet (see _train)
    check_destination(plan)
    if found is None and given_out is None and plan.unset & set(KEPT_SETTINGS):  # `resume` 'auto' without `out`:
        found = resumed_record(plan.config, weights=False)  # its run named once resolved (the default `out`)
    if found is not None:  # the run's own settings left unset (its eval batch), once: before its memory is measured
        keep_run_settings(plan.config, plan.unset, found[1]["config"])  # and resume_point compares its record
    try:
        check_memory(plan)  # before anything is written: the lock creates the run directory
    except OutOfMemory:
        finished = _finished_unlocked(plan)  # a SLURM task's rerun of its finished run needs no memory
        if finished is not None:
            return finished
        raise
    stopping.raise_owed_stop()
    with contextlib.ExitStack() as lock:
        # heard once the run trains (_train), until the locks are released: a second stop must not cut that short
        stop = lock.enter_context(StopRequests(listening=False))
        lock.enter_context(plan.dataset.reading())  # prepare must not replace the shards while the run reads them
        try:
            run_lock = lock.enter_context(RunLock(plan.run_dir, resume=plan.config.resume))
        except RunBusy as busy:
            raise _busy_here(busy, plan.run_dir) from None
        except fileio.StorageError as error:
            finished = _finished_unlocked(plan)
            if finished is not None:
                return finished
            if plan.config.resume is None and (plan.run_dir / "checkpoint.h5").exists():
                raise error.rerun_with("`resume='auto'`") from error  # a plain rerun would refuse what it holds
            raise
        train_log.join_once_locked()  # a grid's train: its output, kept apart until now, joins the run's log
        _refuse_files_in_the_way(plan.run_dir, *_read_first(plan.config))
        plan.resume_from = resume_point(plan)
        stopping.raise_owed_stop()  # the run folder as it was: its lock is released on the way out
        try:
            return _already_finished(plan) or _train(plan, on_iteration, stop, run_lock, show_result)
        except fileio.StorageError as error:  # what was written is kept: a plain rerun would refuse it
            raise error.rerun_with("`resume='auto'`") from error


def _record_read_first(config):
    """(record, meta) of what ``config`` (checked) resumes (:func:`minitransfer.resume_options.resumed_record`),
    read once before the run's lock where something needs it: a dataset gone (without `data`), and the run's
    own settings left unset (:func:`minitransfer.resume_options.keep_run_settings`; `resume` naming a run
    folder took them already), kept before the memory check, which measures its `eval_batch_size`, and so
    before :func:`minitransfer.resume.resume_point` compares the record with the configuration. With `data`,
    a checkpoint's alone, as resume_point continues only from one (finished weights train nothing)."""
    if config.data is None:
        return resumed_record(config)
    unset = any(getattr(config, name) is None for name in KEPT_SETTINGS)
    return resumed_record(config, weights=False) if unset else None


def _busy_here(busy, run_dir):
    """``busy`` as it should read where the run directory's lock is this process's own: a training of a
    notebook's other thread (RunBusy's words named "another minitransfer process", the notebook's own
    PID, for the user to look for elsewhere)."""
    if busy.pid != os.getpid() or getattr(busy.pid, "host", None) is not None:
        return busy
    return RunBusy(f"{run_dir} is in use by another training of this process (PID {busy.pid}: a call of train() in "
                   f"another thread, not finished yet); wait for it to finish, or give another `out`", busy.pid)


def _through_link(config):
    """``config`` with an ``out`` that is a symbolic link (``baseA.h5 -> /scratch/me/baseA.h5``) naming
    the file it leads to, as any other path of a run is followed: the run's folder is the one beside
    that file, whose run it continues, and the weights are written there, leaving the link in place
    (a run folder was made beside the link, and the weights replaced the link). A link on its way that
    leads nowhere (:func:`minitransfer.dead_ends.link_leading_nowhere`: a drive not mounted) is refused, as
    the command line refuses it: the folders it names were created beneath the drive's mount point."""
    if not isinstance(config.out, (str, os.PathLike)):
        return config
    dead = dead_ends.link_leading_nowhere(config.out, file=True)
    if dead is not None:
        link, why = dead
        named = f"`out` {link}" if link == pathlib.PurePath(config.out) else f"`out` {config.out}: {link}"
        raise ConfigError(f"{named} is a symbolic link that leads nowhere ({why}): give another `out`, or make the "
                          f"link lead somewhere (mount its drive, create what it names)")
    if not os.path.islink(config.out):
        return config
    return dataclasses.replace(config, out=os.path.realpath(config.out))


def _finished_unlocked(plan):
    """The result of a finished run in a folder where its lock cannot be taken (read-only), or on a
    machine whose memory is short for one training step (a SLURM task rerun after its run finished):
    reporting it writes nothing and trains nothing, so it needs neither. None when there is more to
    do than report, training the run again too (weights without their checkpoint, unfinished): the
    folder not written, or the memory, is the fault to name, not the refusal to start over, whose
    remedies (delete the weights, `overwrite`) write."""
    if plan.config.resume != "auto" or not ((plan.run_dir / "checkpoint.h5").exists() or
                                            pathlib.Path(plan.config.out).exists()):
        return None
    try:
        plan.resume_from = resume_point(plan)
    except WouldReplace:
        return None
    return _already_finished(plan)


def _already_finished(plan):
    """The result of a run that ``--resume auto`` finds finished (its last checkpoint at max_iter, or
    its weights alone where the checkpoint was deleted, its weights and result written), or None."""
    saved, c = plan.resume_from, plan.config
    if saved is None or saved.iteration < c.max_iter:
        return None
    _warn_of_hand_edits(plan, saved)
    # what writes the result again: this resumption, from the run's checkpoint (its solver state), else training again
    _refuse_in_the_way(plan.run_dir / RESULT_FILE, RUN_FILE_ROLES[RESULT_FILE], again=(
        f"{RERUN}, which writes it again from the run's checkpoint" if saved.solver is not None
        else f"{train_again('the run')}: its checkpoint is gone"))
    try:
        return _reported(c.out, plan.run_dir, c.max_iter, c.quiet)
    except (ValueError, TypeError):  # an unreadable result: finish the run again, from its checkpoint only
        if saved.solver is None:
            refuse_to_overwrite(pathlib.Path(c.out), plan.run_dir / "checkpoint.h5")
        return None


# What each of a run's files holds, as a refusal of something else in its place names it (_refuse_in_the_way)
RUN_FILE_ROLES = {**dict(zip(RUN_FILES, ("configuration", "training log", "evaluation log", "checkpoint", "result"))),
                  "config.json.edited": "hand-edited configuration"}
RERUN = "rerun this command"


def _refuse_files_in_the_way(run_dir, *names):
    """:func:`_refuse_in_the_way` for the run's files ``names`` (of :data:`RUN_FILE_ROLES`) in ``run_dir``,
    before the run trains: a fresh run removes them, a resumed one appends to or replaces
    them, which failed with a bare "Is a directory" (exit 74, a result.json only once the run had trained) or
    waited for ever (a named pipe in place of config.json or metrics.jsonl)."""
    for name in names:
        _refuse_in_the_way(pathlib.Path(run_dir) / name, RUN_FILE_ROLES[name])


def _read_first(c):
    """The run's files :func:`_refuse_files_in_the_way` checks as soon as the run folder is locked, before
    :func:`minitransfer.resume.resume_point` reads it: config.json (a named pipe there waited for ever); for
    a fresh run all but result.json (a folder in checkpoint.h5's place was taken for a run to continue), which
    only the run's end writes: what writes it again depends on where the run stands (:func:`_already_finished`,
    :func:`_train`). A resumed run's other files are checked once it is known to train (a finished one writes
    none), its checkpoint.h5 refused by resume_point in its own words."""
    return [name for name in RUN_FILE_ROLES if name != RESULT_FILE] if c.resume is None else ["config.json"]


def _refuse_in_the_way(path, role, again=RERUN):
    """:class:`UnreadableRun` (exit 65) naming ``path``, a run's file, where something not a file stands in
    its place (a folder, a named pipe; :func:`minitransfer.run_file_readers.checked` names which): train
    replaces no such thing in a run folder, so it says to move it away, and ``again``, what then writes the
    run's ``role`` (its result, its checkpoint ...). A link leading nowhere is no such thing: train replaces it."""
    if not os.path.exists(path) or os.path.isfile(path):
        return
    try:
        run_file_readers.checked(path, run_file_readers.JSON_BYTES)  # the kind of thing it is, in report's words
    except UnreadableRun as error:
        raise type(error)(f"{error}, where the run's {role} goes, which train does not replace: move it away, then "
                          f"{again}") from None


def _warn_of_hand_edits(plan, saved):
    """A finished run's config.json edited by hand (`max_iter` raised to train on) is said to have
    no effect, and how to have one (:func:`minitransfer.config_edits.hand_edit_warning`); the
    file is left as it is, as the run writes nothing."""
    config = plan.run_dir / "config.json"
    text = config_text(config)
    if text is None:
        return  # deleted, or unreadable: no edit to say
    warning = hand_edit_warning(config, hand_edits(text, saved.meta["config"], recorded_options(plan)))
    if warning is not None:
        Progress(1, 1, bar=False, quiet=plan.config.quiet, every=1).line(stopping.WARNING + worded(warning))


def _finished_without_dataset(c, gone):
    """The result of a finished run resumed without its dataset, whose folder is gone (``gone``,
    :func:`minitransfer.resume_options.dataset_gone`; :func:`minitransfer.resume_finished.finished_without_dataset`):
    it ends at once, as it does with it. None where the run needs its dataset, which is then asked
    for (an unreadable result.json: the run is finished again from its checkpoint)."""
    recorded = finished_without_dataset(c, gone)
    if recorded is None:
        return None
    try:
        return _reported(c.out, run_dir_for(c.out), recorded["max_iter"], c.quiet)
    except (ValueError, TypeError):
        return None


def _reported(out, run_dir, max_iter, quiet):
    """The result of the finished run of weights ``out``, said to be finished; None where the weights
    or its result.json are missing; ValueError or TypeError for a result.json that cannot be read.
    Its files are named as this call names them, as a run trained now would be: result.json holds
    the paths of the call that trained it (another working directory, or the folder the run has
    since been moved from)."""
    result = run_dir / "result.json"
    if not (pathlib.Path(out).exists() and result.exists()):
        return None
    # result.json names the paths as the call that finished the run spelled them, in its working
    # folder, wherever the run was then: the caller's own name them now
    recorded = fileio.parse_json(result.read_text())
    if isinstance(recorded, dict):
        if result_edited(recorded):  # edited since: finished again, as unreadable
            raise ValueError(f"{result}: not the result train wrote ({RESULT_SHA256} differs)")
        if _rows_resummed(recorded, run_dir / "eval.csv"):  # as report refuses it: finished again, which refuses it
            raise ValueError(f"{result}: its eval.csv rows are not the ones it sums up")
        for digest in DIGESTS:  # its digests, of eval.csv and of itself: none of the result's fields
            recorded.pop(digest, None)
    finished = TrainResult(**{**recorded, "out": str(out), "run_dir": str(run_dir)})
    best = f"{run_metric_words(finished.evaluations)} {finished.mean10_top1:.4f}"
    Progress(max_iter, max_iter, bar=False, quiet=quiet, every=1).line(f"{out} is already finished ({best}); "
                                                                      f"{NOTHING_TO_DO}")
    return finished


def _rows_resummed(recorded, eval_csv):
    """Whether the rows of ``eval_csv`` no longer sum to what the result.json ``recorded`` records of them, or its
    weights file where it records none (:func:`minitransfer.result_checks.rows_edited`: edited since), where it is a
    file that can be read (a named pipe would be read for ever: its finishing again says what it is)."""
    try:
        return os.path.isfile(eval_csv) and rows_edited(eval_csv.with_name(RESULT_FILE), recorded,
                                                        read_eval_rows(eval_csv)) is not None
    except OSError:
        return False


def _train(plan, on_iteration, stop, run_lock, show_result):
    read_first = _read_first(plan.config)  # checked as the run folder was locked
    _refuse_files_in_the_way(plan.run_dir, *(name for name in RUN_FILE_ROLES if name not in read_first))
    if plan.device == "cpu":
        host_memory.keep_freed_memory()
    run = Run(plan, stop, run_lock)
    stop.listen()  # to the end: a stop while the weights are written lets the run finish
    with run.batches:
        _iterations(run, on_iteration)
    return run.finish(run.write_weights(), show_result)


def _iterations(run, on_iteration):
    """Train from ``run.start`` to max_iter, checkpointing when due (the last iteration too). A
    stop request (``run.stop`` not empty), after an iteration or while its batch is awaited, raises
    :class:`Interrupted` once the iterations done are saved."""
    c, stop = run.plan.config, run.stop
    try:
        for iteration, (x, labels) in zip(range(run.start, c.max_iter), run.batches):
            lr = run.iteration(iteration, x, labels)
            done = iteration + 1
            if on_iteration is not None:
                _notify(on_iteration, done, stop)
            if stop and done < c.max_iter:
                raise run.interrupted(stop[0])
            if done % c.checkpoint_every == 0 or done == c.max_iter:
                run.checkpoint(done, lr)
    except loader_workers.StopRequested as stopped:
        raise run.interrupted(str(stopped), " while the data loader's next batch was awaited") from None
    except (DatasetError, WorkerDied) as error:
        raise run.kept_before(error) from error
    finally:
        run.progress.close()


def _notify(on_iteration, done, stop):
    """``on_iteration(done)``; a KeyboardInterrupt it raises is a stop request, as SIGINT is: the
    iteration is complete, so its checkpoint can be written before :class:`Interrupted`."""
    try:
        on_iteration(done)
    except KeyboardInterrupt:
        stop.append("KeyboardInterrupt")

