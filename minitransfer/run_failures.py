"""What a training run does when it is stopped, its data fails or memory runs out between two iterations
(or in a training step before its update): the iterations done since its last checkpoint saved first, and
the error to raise, which names the checkpoint kept and what a rerun needs (:class:`RunFailures`, a part of
:class:`minitransfer.training_run.Run`). The errors themselves: :mod:`minitransfer.run_outcome`.
"""

import contextlib
import errno
import traceback

from minitransfer import fileio
from minitransfer.errors import reworded
from minitransfer.data.decoder_pool import WorkerDied
from minitransfer.run_files import RunFolderChanged, from_copy
from minitransfer.resume_options import continued_with
from minitransfer.run_outcome import Interrupted, OutOfMemoryMidRun
from minitransfer.step import LOWER_BATCH, OutOfDeviceMemory

MORE_MEMORY = " once more memory is free"  # what a rerun after running out of memory needs
SMALLER_BATCH = "or start over with a smaller `batch_size` (`overwrite=True`)"


class RunFailures:
    """The part of :class:`minitransfer.training_run.Run` that saves its iterations done where it is
    stopped or fails, and says where it stands: it uses the run's :attr:`done`, :attr:`saved`, :attr:`lr`,
    :attr:`files`, :attr:`plan`, :attr:`step`, :meth:`save` and :meth:`_log_due_row`."""

    def interrupted(self, reason, where=""):
        """The :class:`Interrupted` to raise on a stop request (``reason``: the signal's name), the
        iterations done since the last checkpoint saved first; ``where`` says what was under way.
        Where saving them fails (memory out, a write refused), the error of :meth:`_unsaved`."""
        stopped = f"{reason}: stopped after iteration {self.done}{where}"
        wrote = self.done > self.saved
        if wrote:
            try:
                self.save(self.done, self.lr)
            except (MemoryError, OSError) as failed:
                remedy = MORE_MEMORY if isinstance(failed, MemoryError) else ""
                return self._unsaved(failed, stopped, remedy, remedy or " to start the run")
        if self.saved == 0:
            return Interrupted(f"{reason}: stopped before the first iteration{where}; there is nothing to continue "
                               f"from: rerun to start the run", None, 0)
        if not wrote and self._checkpoint_gone():
            return Interrupted(f"{stopped}; {self._checkpoint_gone()}", None, 0)
        kept = f"wrote {self.files.checkpoint}" if wrote else f"{self.files.checkpoint} holds them"
        rerun = continued_with(self.plan)
        if rerun != "`resume='auto'`":  # the run folder its user gave
            return Interrupted(f"{stopped}; {kept}; rerun with {rerun} to continue", self.files.checkpoint, self.done)
        # the run folder too: a run resumed by it from another folder has no `out` of its own to rerun with
        return Interrupted(f"{stopped}; {kept}; rerun with `resume='auto'` to continue (or `resume` "
                           f"{self.plan.run_dir}, which names its `out` and its options too)", self.files.checkpoint,
                           self.done)

    def kept_before(self, error):
        """The error to raise when the data fails mid-run (a :class:`DatasetError`: a shard damaged
        or cut short after it was checked; a :class:`WorkerDied`: a loader process killed, e.g. by the
        out-of-memory killer): the iterations done since the last checkpoint are saved first, so that
        a rerun loses none of them. The loader's cursor counts only the batches delivered, so the
        checkpoint continues with the batch that failed. Where the checkpoint holds them already (the
        failure just after one was written), the error says so too: without it, rerun the prepare
        command was all it said, and a rerun without `resume` was refused. Where saving them fails
        (memory short still, a write refused), the error of :meth:`_unsaved`."""
        remedy = (" (with fewer `workers` if memory ran short)" if isinstance(error, WorkerDied)
                  else " once the data is repaired")
        if self.done > self.saved:
            try:
                self.save(self.done, self.lr)
            except (MemoryError, OSError) as failed:
                return self._unsaved(failed, str(error), remedy, remedy)
        if self.saved == 0:
            return error  # nothing done to keep: a rerun starts the run
        if self._checkpoint_gone():  # its own kind, as below
            return reworded(error, f"{error}; {self._checkpoint_gone(remedy=remedy)}")
        done = f"the {self.done} iterations done are" if self.done > 1 else "the iteration done is"
        saved = f"{error}; {done} saved in {self.files.checkpoint}"
        if isinstance(error, WorkerDied):
            return WorkerDied(f"{saved}: rerun with {continued_with(self.plan)} to continue{remedy}")
        # its own kind: a file the system refused to read (DatasetUnreadable) stays an I/O error, not bad data
        return reworded(error, f"{saved}: once the data is repaired, rerun with {continued_with(self.plan)} "
                               f"to continue")

    def _unsaved(self, failed, stopped, remedy, afresh):
        """The error to raise where saving the iterations done failed with ``failed`` (memory out
        again: on a GPU the weight check and the snapshot allocate; a write refused) after what
        ``stopped`` the run (its error's words): they could not be saved, the last checkpoint, as it
        was, is named, and what to do: an :class:`OutOfMemoryMidRun` (exit code 1) or a
        ``fileio.StorageError`` (74, what to repair first), as ``failed`` is. ``remedy``: what a rerun
        with `resume` needs besides (:data:`MORE_MEMORY`); ``afresh``: what one from the start needs.
        A :class:`RunFolderChanged` (the run folder moved, a log or the lock gone) keeps its own
        advice, whole and alone, after ``stopped``: the checkpoint this would name may have moved
        with its folder, or be another run's."""
        traceback.clear_frames(failed.__traceback__)
        if isinstance(failed, RunFolderChanged):
            return RunFolderChanged(failed.errno, f"{stopped}; {failed}")
        out_of_memory = isinstance(failed, MemoryError)
        why = f"MemoryError{_detail(failed)}" if out_of_memory else fileio.without_rerun(failed)
        rerun = "rerun" if out_of_memory else _repair_then_rerun(failed)
        gone = self._checkpoint_gone(rerun, remedy)
        # those after the checkpoint kept: iterations 1..saved are in it (said "1..done", as though all were lost)
        unsaved = f"{_iterations(self.done, 0 if gone else self.saved)} could not be saved ({why})"
        if self.saved == 0:
            message = (f"{stopped}; {unsaved} and {_are(self.done)} lost, as no checkpoint was written yet: "
                       f"{rerun}{afresh}")
        elif gone:
            message = f"{stopped}; {unsaved}; {gone}"
        else:
            message = (f"{stopped}; {unsaved}; the last checkpoint, of iteration {self.saved}, is kept in "
                       f"{self.files.checkpoint}: {rerun} with {continued_with(self.plan)}{remedy}")
        if out_of_memory:
            holds = self.saved and not gone
            return OutOfMemoryMidRun(message, self.files.checkpoint if holds else None, self.saved if holds else 0)
        return fileio.StorageError(failed.errno or errno.EIO, message)

    def _checkpoint_gone(self, rerun="rerun", remedy=""):
        """Where the checkpoint of iteration :attr:`saved` is not in the run's checkpoint.h5 (a copy the run resumed
        from that changed after it was read is not taken: checkpoint.h5 is removed instead, by
        :meth:`minitransfer.run_files.RunFiles._take_checkpoint`; or checkpoint.h5 deleted by hand), what is true
        and what to do (``rerun``: the words before "with", ``remedy``: what a rerun needs besides); else "".
        It was said to hold the iterations done, and to rerun with `resume='auto'`, which starts the run over."""
        checkpoint = self.files.checkpoint
        if self.saved == 0 or self.files.at(checkpoint).exists():
            return ""
        resumed = self.plan.resume_from
        if from_copy(resumed, self.files.at(checkpoint)):
            given = self.plan.named.resume if self.plan.named is not None else str(resumed.path)
            return (f"no checkpoint of this run was kept: {given}, the checkpoint of iteration {self.saved} it resumed "
                    f"from, changed after the run read it and was not taken into {checkpoint}; to continue from that "
                    f"file as it is now, {rerun} with `resume={given!r}`{remedy} (`resume='auto'` starts the run over)")
        return (f"no checkpoint of this run is kept: {checkpoint}, of iteration {self.saved}, is not there any more; "
                f"{rerun} with `resume='auto'` to start the run over{remedy}")

    @contextlib.contextmanager
    def _saved_if_out_of_memory(self, what, evaluation=False):
        """Running out of memory in ``what``, a moment between two iterations, is :meth:`out_of_memory`."""
        try:
            yield
        except OutOfMemoryMidRun:  # said already, by an inner moment
            raise
        except MemoryError as error:  # NumPy's, or CuPy's OutOfMemoryError (a MemoryError too)
            raise self.out_of_memory(error, what, evaluation) from error

    def out_of_memory(self, error, what, evaluation=False, step=False):
        """The error to raise where memory ran out in ``what``, a moment between two iterations (an
        evaluation, the next batch made, a checkpoint) or in a training step before its update: the
        weights, their momentum and the loader's cursor are those of iteration ``self.done`` (the
        dropout masks and crops need no generator state: they are functions of the seed and the
        iteration), so the iterations done since the last checkpoint are saved first (with
        metrics.jsonl's row of that iteration, where memory ran out before it was written) and a
        rerun with `resume` loses none of them. Where saving them fails too, the error of
        :meth:`_unsaved`. ``evaluation``: an evaluation's batch ran out, and a smaller
        `eval_batch_size` needs less; ``step``: a training step's, and a smaller `batch_size`."""
        traceback.clear_frames(error.__traceback__)  # frees what the failed pass held (a GPU's activations) first
        if self.done == 0:
            return error  # nothing trained: a rerun starts the run
        ran_out = f"{what} ran out of memory{_detail(error)}"
        remedy, afresh = MORE_MEMORY, MORE_MEMORY
        if evaluation:
            ran_out += (f": a batch of `eval_batch_size={self.plan.config.eval_batch_size}` is too large for the "
                        f"memory available")
            remedy, afresh = " and a smaller `eval_batch_size`", " with a smaller `eval_batch_size`"
        if step:
            remedy, afresh = f"{MORE_MEMORY}, {SMALLER_BATCH}", f" with a smaller `batch_size`, or{MORE_MEMORY}"
        wrote = self.done > self.saved
        try:  # on a GPU the weight check and the snapshot allocate too
            self._log_due_row()
            if wrote:
                self.save(self.done, self.lr)
        except (MemoryError, OSError) as failed:  # out of memory again, or the write refused
            return self._unsaved(failed, ran_out, remedy, afresh)
        if not wrote and self._checkpoint_gone():
            return OutOfMemoryMidRun(f"{ran_out}; {self._checkpoint_gone(remedy=remedy)}", None, 0)
        return OutOfMemoryMidRun(f"{ran_out}; {_iterations(self.done)} {'saved in' if wrote else _are(self.done)} "
                                 f"{'' if wrote else 'kept in '}{self.files.checkpoint}: rerun with "
                                 f"{continued_with(self.plan)}{remedy}", self.files.checkpoint, self.done)

    def _step_out_of_memory(self, error, done):
        """The error to raise where memory ran out inside the training step of iteration ``done``.
        Before its update (the forward or backward pass of a NumPy step, or of a plain CUDA step,
        which assign activations and gradients only) the weights are iteration ``self.done``'s:
        :meth:`out_of_memory` saves them. Once its update has begun it may be part-applied (some
        layers' weights and momentum updated, others not; a fused step's launches are not told
        apart), so nothing is saved, and the message names the last checkpoint, which stays as it
        was. A GPU's :class:`OutOfDeviceMemory` stays one (a ConfigError, exit code 2, as on the
        first step and once the update has begun: lower `batch_size`), its iterations saved or not,
        but where saving them is refused on write: that is :meth:`_unsaved`'s ``fileio.StorageError``
        or :class:`RunFolderChanged` (exit code 74, what to repair first)."""
        traceback.clear_frames(error.__traceback__)
        on_gpu = isinstance(error, OutOfDeviceMemory)
        if (isinstance(error, MemoryError) or on_gpu and not self.step.fused) and not self.step.update_begun:
            kept = self.out_of_memory(error, f"the training step of iteration {done}", step=True)
            return OutOfDeviceMemory(str(kept)) if on_gpu and isinstance(kept, OutOfMemoryMidRun) else kept
        if self.done == 0:
            return error  # the first step: nothing trained, its message says what to lower
        gone = self._checkpoint_gone(remedy=f"{MORE_MEMORY}, {SMALLER_BATCH}")
        if self.saved == 0:
            kept = (f"{_iterations(self.done)} {_are(self.done)} lost, as no checkpoint was written yet: rerun with a "
                    f"smaller `batch_size`, or{MORE_MEMORY}")
        elif gone:
            kept = f"its update is not saved (the weights may be part-updated); {gone}"
        else:
            kept = (f"its update is not saved (the weights may be part-updated); the last checkpoint, of iteration "
                    f"{self.saved}, is kept in {self.files.checkpoint}: rerun with {continued_with(self.plan)}"
                    f"{MORE_MEMORY}, {SMALLER_BATCH}")
        if isinstance(error, OutOfDeviceMemory):  # a ConfigError (exit code 2), as before
            return OutOfDeviceMemory(f"{error}; {kept}")
        holds = self.saved and not gone
        return OutOfMemoryMidRun(f"the training step of iteration {done} ran out of memory{_detail(error)}; {kept}",
                                 self.files.checkpoint if holds else None, self.saved if holds else 0)


def _iterations(done, after=0):
    """"iterations ``after + 1``..``done``", or "iteration N" where that is one (not "iterations 1..1")."""
    return f"iteration {done}" if done == after + 1 else f"iterations {after + 1}..{done}"


def _are(done):
    """The verb of :func:`_iterations`'s words."""
    return "is" if done == 1 else "are"


def _detail(error):
    """`` (what ran out)``: the text of a MemoryError, where it has any; of an
    :class:`OutOfDeviceMemory`, without its advice (the error it is part of says what to do)."""
    detail = str(error).removesuffix(LOWER_BATCH) if isinstance(error, OutOfDeviceMemory) else str(error)
    return f" ({detail})" if detail else ""


def _repair_then_rerun(error):
    """What to do about a write refused with ``error`` (an OSError) before a rerun: "free some space
    and rerun" (or "delete some files and rerun"), as a full disk's message advises, "make it writable and
    rerun", ..."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{fileio.room_fix(error)} and rerun"
    if error.errno in fileio.REPAIRS:
        return fileio.REPAIRS[error.errno].removesuffix(" with")
    return "once it can be written, rerun"
