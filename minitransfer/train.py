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
once the last evaluation is made lets the run finish writing its weights. A non-finite loss
raises :class:`Diverged` with the layers' weight norms and the learning rate, before any update
or checkpoint, so the last good checkpoint stays intact.
"""

import contextlib
import dataclasses
import math
import os
import pathlib
import time

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_check
from minitransfer import cuda, fileio, host_memory, optim
from minitransfer.config import ConfigError, DataMismatch, TrainConfig, evaluates_after, resolve
from minitransfer.config_wording import worded
from minitransfer.preflight import OutOfMemory, check_memory, warnings_for
from minitransfer.resume import (WouldReplace, check_destination, precision_change, read_base, refuse_to_overwrite,
                                resume_point)
from minitransfer.data import loader as loaders
from minitransfer.data.dataset import DatasetError
from minitransfer.data.decoder_pool import WorkerDied
from minitransfer.evaluate import evaluate, summarize, until_stopped, validation_loader
from minitransfer.layers import to_numpy
from minitransfer.ops import softmax_cross_entropy
from minitransfer.progress import Progress
from minitransfer.run_lock import RunLock
from minitransfer.rundir import RunFiles, mean_best_words, weights_record
from minitransfer.step import TrainingStep
from minitransfer.stop_requests import StopRequests
from minitransfer.transfer import build_net, snapshot


__all__ = ["TrainConfig", "TrainResult", "train", "ConfigError", "DataMismatch", "Diverged", "Interrupted"]

KEEP_VALIDATION_BYTES = 64 * 2**20  # a validation set this small (as float32 crops) is prepared once per run


class Diverged(RuntimeError):
    """The loss became non-finite; the message carries the diagnostic (exit code 1)."""


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP stopped the run after writing a checkpoint (exit code 75)."""

    def __init__(self, message, checkpoint_path, iteration):
        super().__init__(message)
        self.checkpoint_path = checkpoint_path
        self.iteration = iteration

    def __reduce__(self):  # with its fields: a process pool (concurrent.futures) sends it back pickled
        return type(self), (*self.args, self.checkpoint_path, self.iteration)


@dataclasses.dataclass
class TrainResult:
    """What a finished run reports (also written to ``result.json``)."""

    out: str
    run_dir: str
    iterations: int
    final: dict                      # last evaluation: top1, top5, loss
    best_top1: float
    mean10_top1: float               # the paper's metric: mean of the 10 best evaluations' top-1
    evaluations: int
    seconds: float
    ms_per_iteration: float
    weights: dict = None             # the weights file as written: sha256, size, mtime_ns (None in older ones)

    def to_dict(self):
        return dataclasses.asdict(self)


def train(config, on_iteration=None):
    """Train one network as ``config`` says; returns a :class:`TrainResult`.

    ``on_iteration(done)`` is called after each completed iteration (a hook for tests and
    notebooks); a ``KeyboardInterrupt`` it raises stops the run as SIGINT does, with a checkpoint
    and :class:`Interrupted` (in a background thread, where no signal reaches the run, the way to
    stop it). One process at a time trains into a run directory (:class:`minitransfer.run_lock.RunLock`),
    and prepare does not rewrite the dataset while it is read (:meth:`.data.dataset.Dataset.reading`).
    Raises :class:`ConfigError`, :class:`DataMismatch`, ``checkpoint.CheckpointError``,
    ``data.dataset.DatasetError``, ``run_lock.RunBusy`` (``data.lock.DatasetBusy`` while prepare rewrites
    the dataset), ``fileio.StorageError``, :class:`Diverged`, :class:`Interrupted` or
    ``preflight.OutOfMemory`` (a MemoryError: a batch too large for the memory available, refused
    before anything is written).

    Example::

        from minitransfer.train import TrainConfig, train
        base = train(TrainConfig(out="baseA.h5", half="A", max_iter=200))
        a4b = train(TrainConfig(out="A4B.h5", copy_from="baseA.h5", n=4, frozen=True, max_iter=200))
        print(a4b.mean10_top1)
    """
    plan = resolve(_through_link(config), read_base=read_base)
    check_destination(plan)
    try:
        check_memory(plan)  # before anything is written: the lock creates the run directory
    except OutOfMemory:
        finished = _finished_unlocked(plan)  # a SLURM task's rerun of its finished run needs no memory
        if finished is not None:
            return finished
        raise
    with contextlib.ExitStack() as lock:
        # heard once the run trains (_train), until the locks are released: a second stop must not cut that short
        stop = lock.enter_context(StopRequests(listening=False))
        lock.enter_context(plan.dataset.reading())  # prepare must not replace the shards while the run reads them
        try:
            run_lock = lock.enter_context(RunLock(plan.run_dir))
        except fileio.StorageError as error:
            finished = _finished_unlocked(plan)
            if finished is not None:
                return finished
            if plan.config.resume is None and (plan.run_dir / "checkpoint.h5").exists():
                raise error.rerun_with("`resume='auto'`") from error  # a plain rerun would refuse what it holds
            raise
        plan.resume_from = resume_point(plan)
        try:
            return _already_finished(plan) or _train(plan, on_iteration, stop, run_lock)
        except fileio.StorageError as error:  # what was written is kept: a plain rerun would refuse it
            raise error.rerun_with("`resume='auto'`") from error


def _through_link(config):
    """``config`` with an ``out`` that is a symbolic link (``baseA.h5 -> /scratch/me/baseA.h5``) naming
    the file it leads to, as any other path of a run is followed: the run's folder is the one beside
    that file, whose run it continues, and the weights are written there, leaving the link in place
    (a run folder was made beside the link, and the weights replaced the link). A link on its way that
    leads nowhere (:func:`minitransfer.fileio.link_leading_nowhere`: a drive not mounted) is refused, as
    the command line refuses it: the folders it names were created beneath the drive's mount point."""
    if not isinstance(config.out, (str, os.PathLike)):
        return config
    dead = fileio.link_leading_nowhere(config.out, file=True)
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
    its weights alone where the checkpoint was deleted, its weights and result written), or None.
    Its files are named as this call names them, as a run trained now would be: result.json holds
    the paths of the call that trained it (another working directory, or the folder the run has
    since been moved from)."""
    saved, c = plan.resume_from, plan.config
    result = plan.run_dir / "result.json"
    if saved is None or saved.iteration < c.max_iter or not (pathlib.Path(c.out).exists() and result.exists()):
        return None
    try:
        # result.json names the paths as the call that finished the run spelled them, in its working
        # folder, wherever the run was then: the caller's own name them now
        recorded = fileio.parse_json(result.read_text())
        finished = TrainResult(**{**recorded, "out": str(c.out), "run_dir": str(plan.run_dir)})
        summary = (f"{c.out} is already finished ({mean_best_words(finished.evaluations)} "
                   f"{finished.mean10_top1:.4f}); nothing to do")
    except (ValueError, TypeError):  # an unreadable result: finish the run again, from its checkpoint only
        if saved.solver is None:
            refuse_to_overwrite(pathlib.Path(c.out), plan.run_dir / "checkpoint.h5")
        return None
    Progress(c.max_iter, c.max_iter, bar=False, quiet=c.quiet, every=1).line(summary)
    return finished


def _train(plan, on_iteration, stop, run_lock):
    if plan.device == "cpu":
        host_memory.keep_freed_memory()
    run = _Run(plan, stop, run_lock)
    stop.listen()  # to the end: a stop while the weights are written lets the run finish
    with run.batches:
        final = _iterations(run, on_iteration)
    run.files.check_in_place()  # the weights belong beside their run's folder, not beside a partial one
    sha256 = checkpoints.save(plan.config.out, final)
    return run.finish(weights_record(plan.config.out, sha256))


def _iterations(run, on_iteration):
    """Train from ``run.start`` to max_iter, checkpointing when due; returns the final snapshot. A
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
                run.save(done, lr)
        return snapshot(run.net, run.plan, c.max_iter, run.batches.cursor)
    except loaders.StopRequested as stopped:
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


class _Run:
    """The state of one training run between its iterations: the plan, the net, the training
    batches, the run files and the progress display."""

    def __init__(self, plan, stop, run_lock):
        self.plan = plan
        self.stop = stop  # the stop requests heard (stop_requests.StopRequests): they end an evaluation too
        c = plan.config
        self.net = build_net(plan)
        self.step = TrainingStep(self.net, plan.solver, c.seed, cuda_graph=c.cuda_graph)
        resumed = plan.resume_from
        self.start = resumed.solver.iteration if resumed is not None else 0
        self.done, self.lr, self.saved = self.start, None, self.start  # updates applied, their lr, checkpointed
        self.batches = _training_batches(plan, stop)
        self.files = RunFiles(plan.run_dir, self.start, fresh=resumed is None, weights=c.out, lock=run_lock,
                              evaluated=[done for done in range(1, self.start + 1) if evaluates_after(c, done)])
        # a crash's leftovers of its own weights file only: the folder may be shared with runs on other
        # nodes of a cluster, whose temporaries this machine cannot see written
        fileio.remove_stale_temporaries(pathlib.Path(c.out).parent, names=(pathlib.Path(c.out).name,))
        self.progress = Progress(c.max_iter, self.start, bar=c.progress, quiet=c.quiet, every=c.log_every)
        self._kept_validation = None
        if resumed is not None:
            self.progress.line(f"resuming {resumed.path} at iteration {self.start}")
            if plan.parent is not None and plan.parent.recorded_in is not None:
                self.progress.line(f"note: the base {c.copy_from} is not there; the run continues with its "
                                   f"checkpoint's copy of the base's layers (sha256 {plan.parent.sha256[:12]})")
            for done in self.files.evaluations_to_redo:
                self._log_evaluation(done)
            self._log_precision_change()
        self.files.write_json(self.files.config, c.to_dict())
        self.progress.line(describe_plan(plan, self.net))
        for warning in warnings_for(plan):
            self.progress.line(f"warning: {worded(warning)}")
        self.started = time.perf_counter()

    def _log_precision_change(self):
        """metrics.jsonl records where the run continued in another precision (the checkpoints
        carry the whole history in their ``precision_changes`` attribute)."""
        change = precision_change(self.plan)
        if change is not None:
            self.files.log({"event": "precision-change", **change})
            self.progress.line(f"precision changes from {change['from']} to {change['to']} at iteration "
                               f"{change['iteration']}")

    def iteration(self, iteration, x, labels):
        """Forward, backward and update on one batch, then log and evaluate when due; returns the lr."""
        c = self.plan.config
        done = iteration + 1  # as metrics.jsonl counts them: its row `done` is this iteration's
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below
            loss, logits, lr = self.step(x, labels, iteration)  # updates nothing when the loss is not finite
            loss_value = float(loss)
            if not math.isfinite(loss_value):
                raise self._divergence(done, f"loss became {loss_value}", lr)
        self.done, self.lr = done, lr
        if done % c.log_every == 0 or done == c.max_iter:
            top1 = float(softmax_cross_entropy.accuracy(logits, labels, 1))
            self.files.log({"iteration": done, "loss": loss_value, "top1": top1, "lr": lr,
                            "seconds": round(time.perf_counter() - self.started, 3)})
        self.progress.iteration(done, loss_value, lr)
        if evaluates_after(c, done):
            self._log_evaluation(done)
        return lr

    def _log_evaluation(self, done):
        try:
            scores = self._evaluate()
        except loaders.StopRequested as stopped:  # the iteration is complete: its checkpoint lacks only this row
            raise self.interrupted(str(stopped), " during its evaluation, which the resumed run makes again") from None
        if not math.isfinite(scores["loss"]):  # diverged: NaN logits would even count as right
            raise self._divergence(done, f"validation loss became {scores['loss']}",
                                   optim.learning_rate(self.plan.solver, done - 1))
        row = self.files.add_eval(done, scores)
        self.progress.line(f"eval at {done}: top-1 {row['top1']:.4f} top-5 {row['top5']:.4f} loss {row['loss']:.4f}")

    def _evaluate(self):
        """Scores on the validation batches: centre crops in order, the same at every evaluation, so
        a small set is prepared once per run and kept (on the CPU demo's networks, 20 evaluations
        each, preparing them took 6 ms of each evaluation's ~50)."""
        if self._kept_validation is not None:
            return evaluate(self.net, self._kept_validation, self.stop)
        plan = self.plan
        with validation_loader(plan) as val:
            if len(plan.task.val_indices) * plan.preset.crop ** 2 * 3 * 4 > KEEP_VALIDATION_BYTES:
                return evaluate(self.net, val, self.stop)
            self._kept_validation = list(until_stopped(val, self.stop))
        return evaluate(self.net, self._kept_validation, self.stop)

    def save(self, done, lr):
        """Write the run's checkpoint after ``done`` iterations, never replacing the last good one
        with weights that are not finite or have blown up (beyond ``checkpoint_check.MAX_ABS_WEIGHT``)."""
        blown_up = _blown_up(self.net)
        if blown_up:
            named = ", ".join(blown_up[:3]) + (f" and {len(blown_up) - 3} more" if len(blown_up) > 3 else "")
            raise self._divergence(done, f"weights of {named} became non-finite or larger than "
                                         f"{checkpoint_check.MAX_ABS_WEIGHT:g}", lr)
        self.files.check_in_place()
        self.files.sync_logs()  # the rows up to the checkpoint are on disk before it is
        checkpoints.save(self.files.checkpoint, snapshot(self.net, self.plan, done, self.batches.cursor))
        self.saved = done

    def interrupted(self, reason, where=""):
        """The :class:`Interrupted` to raise on a stop request (``reason``: the signal's name), the
        iterations done since the last checkpoint saved first; ``where`` says what was under way."""
        wrote = self.done > self.saved
        if wrote:
            self.save(self.done, self.lr)
        if self.saved == 0:
            return Interrupted(f"{reason}: stopped before the first iteration{where}; there is nothing to continue "
                               f"from: rerun to start the run", None, 0)
        kept = f"wrote {self.files.checkpoint}" if wrote else f"{self.files.checkpoint} holds them"
        # the run folder too: a run resumed by it from another folder has no `out` of its own to rerun with
        return Interrupted(f"{reason}: stopped after iteration {self.done}{where}; {kept}; rerun with "
                           f"`resume='auto'` to continue (or `resume` {self.plan.run_dir}, which names its `out` and "
                           f"its options too)", self.files.checkpoint, self.done)

    def kept_before(self, error):
        """The error to raise when the data fails mid-run (a :class:`DatasetError`: a shard damaged
        or cut short after it was checked; a :class:`WorkerDied`: a loader process killed, e.g. by the
        out-of-memory killer): the iterations done since the last checkpoint are saved first, so that
        a rerun loses none of them. The loader's cursor counts only the batches delivered, so the
        checkpoint continues with the batch that failed."""
        if self.done <= self.saved:
            return error
        self.save(self.done, self.lr)
        saved = f"{error}; the {self.done} iterations done are saved in {self.files.checkpoint}"
        if isinstance(error, WorkerDied):
            return WorkerDied(f"{saved}: rerun with `resume='auto'` to continue (with fewer `workers` if memory ran "
                              f"short)")
        # its own kind: a file the system refused to read (DatasetUnreadable) stays an I/O error, not bad data
        return type(error)(f"{saved}: once the data is repaired, rerun with `resume='auto'` to continue")

    def finish(self, weights):
        """result.json and the closing line, once the weights file is written (``weights``: its
        :func:`minitransfer.rundir.weights_record`)."""
        c = self.plan.config
        seconds = time.perf_counter() - self.started
        ran = c.max_iter - self.start
        result = TrainResult(out=str(c.out), run_dir=str(self.plan.run_dir), iterations=c.max_iter,
                             seconds=round(seconds, 3), ms_per_iteration=round(1000 * seconds / max(ran, 1), 3),
                             weights=weights, **summarize(self.files.eval_rows()))
        self.files.write_json(self.files.result, result.to_dict())
        self.progress.line(f"done: final top-1 {result.final.get('top1', float('nan')):.4f}, best "
                           f"{result.best_top1:.4f}, {mean_best_words(result.evaluations)} {result.mean10_top1:.4f}; "
                           f"weights in {c.out}, run files in {self.plan.run_dir}")
        return result

    def _divergence(self, iteration, what, lr):
        """The :class:`Diverged` error to raise, with its diagnostic logged to metrics.jsonl."""
        message = _diagnostic(self.net, iteration, what, lr, self.files.checkpoint, self.plan.solver)
        self.files.log({"event": "diverged", "iteration": iteration, "lr": lr, "message": message})
        return Diverged(message)


def _training_batches(plan, stop):
    """The training stream, at the resumed checkpoint's cursor (which must belong to this stream);
    ``stop``: as :class:`minitransfer.data.loader.BatchLoader` takes it."""
    c, resumed = plan.config, plan.resume_from
    batches = loaders.BatchLoader(
        plan.dataset, "train", plan.task.train_indices, plan.task.train_labels, c.batch_size, plan.preset.crop,
        train=True, seed=c.seed, mean=plan.mean, device=plan.device, workers=c.workers, stop=stop)
    if resumed is not None:
        try:
            batches.seek(resumed.solver.cursor)
        except ValueError as error:
            raise checkpoints.CheckpointError(f"checkpoint {resumed.path}: solver attribute cursor does not fit this "
                                              f"run's training images ({error})") from None
    return batches


def describe_plan(plan, net):
    """One line: the net, where it runs, what is copied or frozen, the data (its folder: a transfer
    given no `data` takes its base's) and the schedule."""
    c = plan.config
    what = "base"
    if c.copy_from:
        what = f"copy {c.n} layers from {c.copy_from} ({'frozen' if c.frozen else 'fine-tuned'})"
    elif c.random_frozen:
        what = f"first {c.random_frozen} layers random and frozen"
    seed = f" seed {c.split_seed}" if c.split == "random" else ""  # the other splits are not drawn
    half = f" half {c.half}" if c.half else ""
    return (f"{net.preset} ({net.parameter_count():,} parameters) on {plan.device}; {what}; split {c.split}"
            f"{seed}{half} of {c.data} ({plan.task.num_classes} classes); {c.max_iter} iteration{'s' * (c.max_iter != 1)} of batch "
            f"{c.batch_size}, lr {c.base_lr} x{c.gamma} every {c.stepsize}")


def _norm(a):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(np.square(to_numpy(a), dtype=np.float64))))


def _diagnostic(net, iteration, what, lr, checkpoint_path, solver):
    norms = "; ".join(f"{layer.name} |W| {_norm(layer.weight.data):.4g} |b| {_norm(layer.bias.data):.4g}"
                      for layer in net.weight_layers)
    # resumed as it is, the run would replay its iterations bit for bit and diverge again; with another rate it is
    # refused, and `overwrite` beside `resume` continues the checkpoint rather than start over
    last = (f", and start the run over (`overwrite=True`, without `resume`): resumed from its last good checkpoint "
            f"{checkpoint_path}, it would diverge again" if checkpoint_path.exists() else "; no checkpoint was written")
    raised = [f"`{name}` {getattr(solver, name):g}" for name in ("momentum", "weight_decay")
              if getattr(solver, name) > getattr(optim.CAFFE, name)]  # they amplify each step as well
    also = f" (or {' or '.join(raised)}, above Caffe's)" if raised else ""
    return (f"{what} at iteration {iteration} (lr {lr:.4g}); weight norms: {norms}. "
            f"Lower `base_lr`{also} or check the data{last}.")


def _blown_up(net):
    """The names of the parameters (``conv2/W``) holding a value that is not finite or is larger than
    ``checkpoint_check.MAX_ABS_WEIGHT``, in the net's order: where the divergence shows first."""
    blown_up = []
    for param in net.params:
        xp = cuda.cupy() if cuda.is_cuda_array(param.data) else np
        if not bool((xp.abs(param.data) <= checkpoint_check.MAX_ABS_WEIGHT).all()):  # False for NaN too
            blown_up.append(param.name)
    return blown_up
