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
result, :class:`Interrupted`, :class:`Diverged`), :mod:`minitransfer.run_outcome`. A run found finished,
reported without training, is :mod:`minitransfer.train_finished`'s; something not a file where a run's file goes,
refused before the run writes there, :mod:`minitransfer.files_in_the_way`'s.
"""

import contextlib
import dataclasses
import os
import pathlib

from minitransfer import dead_ends, fileio, host_memory, run_threads, stopping, train_log
from minitransfer.config import ConfigError, DataMismatch, TrainConfig, check_config, checked, resolve
from minitransfer.config_checks import check_flag
from minitransfer.files_in_the_way import RUN_FILE_ROLES, read_first, refuse_files_in_the_way
from minitransfer.home_paths import expanded_fields
from minitransfer.preflight_memory import OutOfMemory, check_memory
from minitransfer.resume import WouldReplace, read_base, resume_point
from minitransfer.resume_finished import finished_despite
from minitransfer.run_destination import check_destination
from minitransfer.data import loader_workers
from minitransfer.data.dataset import DatasetError
from minitransfer.data.decoder_pool import WorkerDied, refuse_in_script_rerun
from minitransfer.errors import MinitransferError
from minitransfer.run_lock import RunBusy, RunLock
from minitransfer.run_outcome import Diverged, Interrupted, TrainResult
from minitransfer.resume_options import KEPT_SETTINGS, continued_with, keep_run_settings
from minitransfer.resumed_records import dataset_gone_in, resumed_record
from minitransfer.stop_requests import StopRequests
from minitransfer.train_finished import already_finished, finished_without_its_dataset
from minitransfer.train_config import PATH_FIELDS
from minitransfer.training_run import Run


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
    stop it). A Ctrl-C (SIGINT) before the run hears its stops, as it starts (its dataset checked, its base
    read, its folder locked: moments on a small set, longer on ImageNet's), raises Python's plain
    ``KeyboardInterrupt`` (``except KeyboardInterrupt`` catches both): nothing of the run is lost, the same
    call, or ``resume="auto"``, goes on. One process at a time trains into a run directory
    (:class:`minitransfer.run_lock.RunLock`), and prepare does not rewrite the dataset while it is read
    (:meth:`.data.dataset.Dataset.reading`).
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
    config = expanded_fields(config, PATH_FIELDS)  # "~/baseA.h5": where the run records it and its folder go
    if on_iteration is not None and not callable(on_iteration):  # else a TypeError once an iteration is done
        raise ConfigError(f"`on_iteration` must be a function taking the iterations done (or None), got "
                          f"{on_iteration!r}")
    check_flag("show_result", show_result)  # the text "no" counted as true: the result line said all the same
    given_out = config.out  # a symbolic link, which _through_link follows: refusals name it as given
    config = checked(_through_link(config))
    found = _record_read_first(config)  # the run's record, read once: for both checks, and the memory check
    gone = dataset_gone_in(found) if config.data is None else None  # resumed without `data`
    finished = finished_without_its_dataset(config, gone)
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
            run_lock = lock.enter_context(RunLock(plan.run_dir, resume=(plan.named or plan.config).resume))
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
        refuse_files_in_the_way(plan.run_dir, *read_first(plan.config))
        plan.resume_from = resume_point(plan)
        stopping.raise_owed_stop()  # the run folder as it was: its lock is released on the way out
        try:
            return already_finished(plan) or _train(plan, on_iteration, stop, run_lock, show_result)
        except fileio.StorageError as error:  # what was written is kept: a plain rerun would refuse it
            raise error.rerun_with(continued_with(plan)) from error


def _record_read_first(config):
    """(record, meta) of what ``config`` (checked) resumes (:func:`minitransfer.resumed_records.resumed_record`),
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
    return already_finished(plan)


def _train(plan, on_iteration, stop, run_lock, show_result):
    checked_first = read_first(plan.config)  # checked as the run folder was locked
    refuse_files_in_the_way(plan.run_dir, *(name for name in RUN_FILE_ROLES if name not in checked_first))
    if plan.device == "cpu":
        host_memory.keep_freed_memory()
    with run_threads.kept(plan.device):  # a resumption's count (run_threads.resumed_on): its result.json's too
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

