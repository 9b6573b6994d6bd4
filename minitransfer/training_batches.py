"""The training stream of a run as its loop takes it (:class:`TrainingBatches`): the loader's batches
from the resumed checkpoint's cursor (:func:`training_batches`), memory that runs out while one is
made handed to the run.
"""

from minitransfer import checkpoint as checkpoints
from minitransfer.data import loader as loaders


class TrainingBatches:
    """The training stream as the loop takes it (``with``, iteration, ``cursor``): running out of
    memory while the next batch is made (its crops allocated) is
    :meth:`minitransfer.run_failures.RunFailures.out_of_memory` (a run's), between two iterations."""

    def __init__(self, loader, run):
        self.loader, self.run = loader, run

    @property
    def cursor(self):
        return self.loader.cursor

    def __enter__(self):
        self.loader.__enter__()
        return self

    def __exit__(self, *exc):
        return self.loader.__exit__(*exc)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.loader)
        except MemoryError as error:
            raise self.run.out_of_memory(error, f"making the batch of iteration {self.run.done + 1}") from error


def training_batches(plan, stop):
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
