"""The state of one training run between its iterations (:class:`Run`): its net and training step,
its batches, run files and progress display, and what an iteration, an evaluation, a checkpoint and the
end of the run do with them. What a stop request, a data fault and running out of memory do with them:
:mod:`minitransfer.run_failures`. The lines it opens and closes with: :mod:`minitransfer.run_lines`.
"""

import contextlib
import dataclasses
import math
import pathlib
import time

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_check
from minitransfer.checkpoint_identity import network_sha256
from minitransfer import fileio, optim, stopping
from minitransfer.config import evaluates_after
from minitransfer.config_edits import kept_hand_edits
from minitransfer.config_wording import worded
from minitransfer.preflight import warnings_for
from minitransfer.recorded_config import precision_change, recorded_options
from minitransfer.data import loader_workers
from minitransfer.evaluate import evaluate, summarize, through_frozen, until_stopped, validation_loader
from minitransfer.final_weights import final_weights, weights_file_of
from minitransfer.ops import softmax_cross_entropy
from minitransfer.progress import EvaluationProgress, Progress
from minitransfer.result_digests import CURVE_SUMS, checkpoint_sums, records_its_row
from minitransfer.resumed_rows import evaluations_made
from minitransfer.run_files import RunFiles, from_copy
from minitransfer.rundir import weights_record
from minitransfer.run_failures import RunFailures
from minitransfer.run_lines import describe_plan, result_line
from minitransfer.run_outcome import Diverged, TrainResult, blown_up_parameters, dataset_record, diagnostic, environment
from minitransfer.run_threads import resumed_on, started_on
from minitransfer.step import OutOfDeviceMemory, TrainingStep
from minitransfer.training_batches import TrainingBatches, training_batches
from minitransfer.transfer import build_net, snapshot

KEEP_VALIDATION_BYTES = 64 * 2**20  # a validation set this small (as float32 crops) is prepared once per run


def _rerun_from_copy(error, resumed, run_dir):
    """``error`` (a write refused as the run's files were made ready, :class:`RunFiles`) advising to rerun with the
    checkpoint copy the run resumes from (``resumed``, below its max_iter), where that is not the run's
    checkpoint.h5: a full disk as the copy was put in checkpoint.h5's place leaves the finished run as it was, and
    train's advice, `resume='auto'`, ended it at once as finished, the training asked for never made."""
    if not from_copy(resumed, pathlib.Path(run_dir) / "checkpoint.h5"):
        return error
    return error.rerun_with(f"`resume={str(resumed.path)!r}`")


class Run(RunFailures):
    """The state of one training run between its iterations: the plan, the net, the training
    batches, the run files and the progress display. Its files are written where its paths led
    when it started (:attr:`out`, :class:`RunFiles`), its messages name them as they were given."""

    def __init__(self, plan, stop, run_lock):
        self.plan = plan
        self.stop = stop  # the stop requests heard (stop_requests.StopRequests): they end an evaluation too
        c = plan.config
        self.net = build_net(plan)  # the base's layers copied: long for the paper's network
        stopping.raise_owed_stop()  # the start-up's safe points, before its first file is written (RunFiles)
        self.step = TrainingStep(self.net, plan.solver, c.seed, cuda_graph=c.cuda_graph)
        stopping.raise_owed_stop()
        resumed = plan.resume_from
        # the checkpoint continued from, as the run's checkpoint.h5 holds it: see _record_redone_row, write_weights
        self.resumed = resumed
        self.start = resumed.solver.iteration if resumed is not None else 0
        self.done, self.lr, self.saved = self.start, None, self.start  # updates applied, their lr, checkpointed
        self.batches = TrainingBatches(training_batches(plan, stop), self)
        # the loader's cursor after the last batch trained on: its own counts a batch whose crops failed to allocate
        self.cursor = self.batches.cursor
        self.out = str(pathlib.Path(c.out).absolute())  # where the weights are written, whatever os.chdir does since
        self.record = recorded_options(plan)  # config.json's and each checkpoint's: see _write_config
        try:
            self.files = RunFiles(plan.run_dir, self.start, fresh=resumed is None, weights=c.out, lock=run_lock,
                                  evaluated=evaluations_made(self.start, lambda done: evaluates_after(c, done)),
                                  end=c.max_iter,  # resumed below it, the files of the training it replaces go
                                  resumed_from=resumed)
        except fileio.StorageError as error:
            raise (_rerun_from_copy(error, resumed, plan.run_dir) if self.start < c.max_iter else error) from error
        # a crash's leftovers of its own weights file only: the folder may be shared with runs on other
        # nodes of a cluster, whose temporaries this machine cannot see written
        fileio.remove_stale_temporaries(pathlib.Path(self.out).parent, names=(pathlib.Path(self.out).name,))
        self.progress = Progress(c.max_iter, self.start, bar=c.progress, quiet=c.quiet, every=c.log_every)
        self._kept_validation, self._frozen_start = None, 0
        self._unlogged = None  # metrics.jsonl's row of iteration `done`, due and not logged yet: see _log_due_row
        if resumed is not None:
            self.progress.line(f"resuming {resumed.path} at iteration {self.start}")
            if plan.parent is not None and plan.parent.recorded_in is not None:
                self.progress.line(f"note: the base {plan.named.copy_from} is not there; the run continues with its "
                                   f"checkpoint's copy of the base's layers (sha256 {plan.parent.sha256[:12]})")
            edited = kept_hand_edits(self.files, resumed.meta["config"], self.record)
            if edited is not None:
                self.progress.line(stopping.WARNING + worded(edited))
            for done in self.files.evaluations_to_redo:
                self._log_evaluation(done)
            self._log_precision_change()
            same_threads = resumed_on(self.files.at(self.files.metrics), self.start, plan.device)
            if same_threads is not None:  # those its iterations so far trained on: the bits of the run uninterrupted
                self.progress.line(same_threads)
        threads = started_on(self.start, plan.device, self.files.at(self.files.metrics))
        if threads is not None:
            self.files.log(threads)
        self._write_config(resumed.meta["config"] if resumed is not None else self.record)
        if self.start in self.files.evaluations_to_redo or self._row_unrecorded(resumed):
            self._record_redone_row()  # its checkpoint, written before that row, records it now
        self.progress.line(describe_plan(plan, self.net))
        for warning in warnings_for(plan):
            self.progress.line(stopping.WARNING + worded(warning))
        self.started = time.perf_counter()

    def _write_config(self, record):
        """config.json: the options its checkpoint records (``record``), always. A resumed run
        writes its own (:attr:`record`) with its first checkpoint or its weights
        (:meth:`_record_own_config`), not as it starts: killed before that checkpoint, it left
        config.json unlike the record the next resumption compares it with, which took it for
        edited by hand."""
        self.files.write_json(self.files.config, record)
        self._config_written = record

    def _row_unrecorded(self, resumed):
        """Whether the checkpoint ``resumed`` records sums of eval.csv's rows but none of the row of its own
        iteration, which eval.csv holds: made again by a resumption killed (kill -9, a power cut) before it wrote
        the checkpoint again (:meth:`_record_redone_row`), whose next resumption, not making the row again, kept the
        checkpoint so, and a finished run's result.json deleted was written again from that row edited."""
        recorded = resumed.meta.get(CURVE_SUMS) if resumed is not None else None
        return recorded is not None and not records_its_row(recorded) and any(
            row["iteration"] == self.start for row in self.files.eval_rows())

    def _record_redone_row(self):
        """The checkpoint the run resumed from written again, once the evaluation of its own iteration, which it was
        written without (a stop during that evaluation), is made again: it recorded no sums of that row
        (:func:`checkpoint_sums`' ``at``), and kept so (a run resumed at max_iter writes no other), a resumption from
        it took that row as it found it, edited or not, and a finished run's result.json deleted was written again
        from an edited final evaluation. At max_iter, the run's weights file is written from the checkpoint written
        here (:meth:`write_weights`), not from the one read: resumed from a copy, it recorded no sums of that row
        either, and nor did the weights file, which then held other bytes than a later rewrite from checkpoint.h5."""
        written = self.checkpoint(self.start, optim.learning_rate(self.plan.solver, self.start - 1))
        if self.start == self.plan.config.max_iter:  # kept only there: a run training on has no use for it
            self.resumed = written

    def _record_own_config(self, record=None):
        """config.json rewritten with the run's own record (:attr:`record`) once a file of the run
        records it, a checkpoint (:meth:`save`) or the weights (:meth:`write_weights`); with the
        ``record`` of the weights a run resumed at max_iter keeps (it saves no checkpoint, and left
        config.json another record, e.g. its folder's old place as `out`, unlike its weights)."""
        record = self.record if record is None else record
        if self._config_written != record:
            self._write_config(record)

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
            try:
                loss, logits, lr = self.step(x, labels, iteration)  # updates nothing when the loss is not finite
            except (MemoryError, OutOfDeviceMemory) as error:
                raise self._step_out_of_memory(error, done) from error
            loss_value = float(loss)
            if not math.isfinite(loss_value):
                raise self._divergence(done, f"loss became {loss_value}", lr)
        self.done, self.lr, self.cursor = done, lr, self.batches.cursor
        if done % c.log_every == 0 or done == c.max_iter:
            seconds = self.files.seconds_before + time.perf_counter() - self.started  # across resumptions
            self._unlogged = (done, loss_value, logits, labels, lr, round(seconds, 3))
        with self._saved_if_out_of_memory(f"logging iteration {done}"):
            self._log_due_row()
            self.progress.iteration(done, loss_value, lr)
            if evaluates_after(c, done):
                self._log_evaluation(done)
        return lr

    def _log_due_row(self):
        """metrics.jsonl's row of iteration ``self.done``, where it is due and not logged yet: memory
        that ran out while it was made or written leaves it to :meth:`out_of_memory`, which logs it
        before the checkpoint of that iteration (a resumed run logs only the rows after it)."""
        if self._unlogged is None:
            return
        done, loss, logits, labels, lr, seconds = self._unlogged
        top1 = float(softmax_cross_entropy.accuracy(logits, labels, 1))
        self.files.log({"iteration": done, "loss": loss, "top1": top1, "lr": lr, "seconds": seconds})
        self._unlogged = None

    def _log_evaluation(self, done):
        try:
            with self._saved_if_out_of_memory(f"the evaluation after iteration {done}", evaluation=True), \
                    contextlib.closing(self._evaluation_progress(done)) as shown:
                images = len(self.plan.task.val_indices)
                scores = self._evaluate(lambda scored: shown(scored, images))
        except loader_workers.StopRequested as stopped:  # the iteration is complete: its checkpoint lacks only this row
            raise self.interrupted(str(stopped), " during its evaluation, which the resumed run makes again") from None
        if not math.isfinite(scores["loss"]):  # diverged: NaN logits would even count as right
            raise self._divergence(done, f"validation loss became {scores['loss']}",
                                   optim.learning_rate(self.plan.solver, done - 1))
        # weights blown up where a ReLU turns their NaN into zeros keep the loss finite: the run went on, its
        # evaluations at chance, until its next checkpoint refused them (thousands of iterations later)
        self._check_weights(done, optim.learning_rate(self.plan.solver, done - 1))
        row = self.files.add_eval(done, scores)
        self.progress.line(f"eval at {done}: top-1 {row['top1']:.4f} top-5 {row['top5']:.4f} loss {row['loss']:.4f}")

    def _evaluation_progress(self, done):
        """What the evaluation after iteration ``done`` shows while it goes on (:class:`EvaluationProgress`, on the
        run's display): 60,000 validation images on a CPU were minutes without a line."""
        run = self.progress
        return EvaluationProgress(f"eval at {done}", bar=run.bar, quiet=run.quiet, stream=run.stream)

    def _evaluate(self, progress):
        """Scores on the validation batches: centre crops in order, the same at every evaluation, so
        a small set is prepared once per run and kept (on the CPU demo's networks, 20 evaluations
        each, preparing them took 6 ms of each evaluation's ~50). ``progress``: as for :func:`evaluate`."""
        if self._kept_validation is not None:
            return evaluate(self.net, self._kept_validation, self.stop, progress, start=self._frozen_start)
        plan = self.plan
        with validation_loader(plan) as val:
            if len(plan.task.val_indices) * plan.preset.crop ** 2 * 3 * 4 > KEEP_VALIDATION_BYTES:
                return evaluate(self.net, val, self.stop, progress)
            kept = list(until_stopped(val, self.stop))
        # the frozen layers' outputs kept instead (the same bits every evaluation): see through_frozen
        self._frozen_start, self._kept_validation = through_frozen(self.net, kept, KEEP_VALIDATION_BYTES)
        return evaluate(self.net, self._kept_validation, self.stop, progress, start=self._frozen_start)

    def save(self, done, lr):
        """Write the run's checkpoint after ``done`` iterations, never replacing the last good one
        with weights that are not finite or have blown up (beyond ``checkpoint_check.MAX_ABS_WEIGHT``). Returns it
        as written (its path and sha256 too, as :func:`minitransfer.checkpoint.load` would read it)."""
        self._check_weights(done, lr)
        path = self.files.at(self.files.checkpoint)
        with self.files.in_place():  # a folder deleted meanwhile is not made anew, holding a lone checkpoint
            self.files.sync_logs()  # the rows up to the checkpoint are on disk before it is
            written = self._snapshot(done)
            sha256 = checkpoints.save(path, written, named=self.files.checkpoint)
        self.saved = done
        self._record_own_config()
        return dataclasses.replace(written, path=path, sha256=sha256)

    def _snapshot(self, done):
        """The run's checkpoint after ``done`` iterations (:func:`snapshot`), recording the sums of eval.csv's rows
        up to it (:func:`checkpoint_sums`): a resumption from it refuses rows edited since, result.json gone or
        not. The weights file records them too, being the final checkpoint but its solver state
        (:func:`weights_file_of`), the same bytes as those a resumption writes again from it."""
        written = snapshot(self.net, self.plan, done, self.cursor)
        written.meta[CURVE_SUMS] = checkpoint_sums(self.files.eval_rows(), done)
        return written

    def _check_weights(self, done, lr):
        """:class:`Diverged` where a weight is not finite or has blown up (beyond
        ``checkpoint_check.MAX_ABS_WEIGHT``) after ``done`` iterations."""
        blown_up = blown_up_parameters(self.net)
        if blown_up:
            named = ", ".join(blown_up[:3]) + (f" and {len(blown_up) - 3} more" if len(blown_up) > 3 else "")
            raise self._divergence(done, f"weights of {named} became non-finite or larger than "
                                         f"{checkpoint_check.MAX_ABS_WEIGHT:g}", lr)

    def checkpoint(self, done, lr):
        """The checkpoint due after iteration ``done`` (:meth:`save`); memory that runs out while it
        is made (on a GPU the weight check and the snapshot allocate) is :meth:`out_of_memory`,
        which names the last checkpoint kept: it escaped as a bare MemoryError. Returns it as written, once the
        dataset is found still as the run checked it (:meth:`~minitransfer.data.dataset.Dataset.check_unchanged`:
        a ``DatasetError`` where a shard was replaced, deleted or written to, the folder moved or meta.json
        edited since; the checkpoint, written before, keeps the iterations, which read the files as checked)."""
        with self._saved_if_out_of_memory(f"saving the checkpoint of iteration {done}"):
            written = self.save(done, lr)
        # after it: the iterations it holds trained on the files as checked, which the readers keep open
        self.plan.dataset.check_unchanged()
        return written

    def write_weights(self):
        """Write the weights file `out` once the last iteration's checkpoint is written, without the
        solver state, which only a resumption reads, from the checkpoint (:func:`weights_file_of`: half
        the size); returns what
        result.json records of it (:func:`minitransfer.rundir.weights_record`). Memory that runs out
        while they are made or written is :meth:`out_of_memory`: the checkpoint holds every
        iteration, and a rerun with `resume='auto'` writes them (a bare MemoryError escaped, whose
        advice, a smaller batch, meant training again from the start). A run resumed at max_iter keeps
        the weights its checkpoint holds, as they are or restored from it (:func:`final_weights`). The record
        adds the digest of the network they hold (``network_sha256``: :func:`network_sha256`), which is the
        same wherever the file was written: its transfers' record of it, elsewhere too."""
        c = self.plan.config
        # the weights belong beside their run's folder, not beside a partial one (nor in a folder made anew)
        with self._saved_if_out_of_memory(f"writing the weights file {c.out}"), self.files.in_place():
            written = self.resumed if self.start == c.max_iter else None  # nothing trained since
            kept = final_weights(written, self.out, named=c.out) if written is not None else None
            if kept is None:
                written = self._snapshot(c.max_iter)
                kept = checkpoints.save(self.out, weights_file_of(written), named=c.out), None
            sha256, record = kept
            self._record_own_config(record)
            network = network_sha256(written)
        return {**weights_record(self.out, sha256, named=c.out), "network_sha256": network}

    def finish(self, weights, show_result=True):
        """result.json and, with ``show_result``, the closing line
        (:func:`minitransfer.run_lines.result_line`) among the progress lines, once the weights file is
        written (``weights``: its :func:`minitransfer.rundir.weights_record`)."""
        c = self.plan.config
        seconds = time.perf_counter() - self.started
        ran = c.max_iter - self.start
        rows = self.files.eval_rows()  # read once: summed up here, and their sums recorded (write_result)
        result = TrainResult(out=str(c.out), run_dir=str(self.plan.run_dir), iterations=c.max_iter,
                             seconds=round(seconds, 3), ms_per_iteration=round(1000 * seconds / max(ran, 1), 3),
                             weights=weights, validation=scored_on(self.plan.task),
                             environment=environment(self.plan.device), dataset=dataset_record(self.plan.dataset),
                             **summarize(rows))
        self.files.write_result(result.to_dict(), rows)
        if show_result:
            self.progress.line(result_line(result))
        return result

    def _divergence(self, iteration, what, lr):
        """The :class:`Diverged` error to raise, with its diagnostic logged to metrics.jsonl."""
        message = diagnostic(self.net, iteration, what, lr, self.files.checkpoint, self.plan.solver)
        self.files.log({"event": "diverged", "iteration": iteration, "lr": lr, "message": message})
        return Diverged(message)


def scored_on(task):
    """result.json's ``validation`` (:attr:`minitransfer.run_outcome.TrainResult.validation`) of a run on
    ``task`` (its :class:`minitransfer.data.splits.Half`): the validation images it is scored on, their
    classes, and the images of the largest of them, whose share is chance (what always answering it
    scores): facts of the run, which a dataset moved or prepared again since no longer tells."""
    per_class = np.bincount(task.val_labels, minlength=task.num_classes)
    return {"images": len(task.val_indices), "classes": task.num_classes, "largest_class": int(per_class.max())}
