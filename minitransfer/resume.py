"""Whether a run continues from a checkpoint, and whether it may: the same configuration, classes
and network, whatever the spelling of its paths.

:func:`resume_point` reads the run directory's state, so :func:`minitransfer.train.train` calls it
under the run's lock (:class:`minitransfer.rundir.RunLock`); a fresh run refuses to overwrite a
finished or started one unless asked to.
"""

import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer.config import ConfigError, DataMismatch
from minitransfer.ops import precision as precisions

# Fields that may change between an interrupted run and its resumption (they do not affect the numbers).
RESUME_FREE_FIELDS = ("resume", "overwrite", "device", "workers", "progress", "quiet", "log_every",
                      "allow_precision_change", "cuda_graph")
def resume_point(plan):
    """The checkpoint ``plan`` continues from (``resume`` "auto" or a path), or None for a fresh run,
    which may not overwrite a finished or started one unless ``overwrite``. It reads the run
    directory's state: call it under the run's lock (:class:`minitransfer.rundir.RunLock`)."""
    c = plan.config
    run_checkpoint = plan.run_dir / "checkpoint.h5"
    resume_from = None
    if c.resume == "auto" and run_checkpoint.exists():
        resume_from = checkpoints.load(run_checkpoint)
    elif c.resume not in (None, "auto"):
        resume_from = checkpoints.load(c.resume)
    if resume_from is not None:
        _check_resumable(resume_from, plan)
    elif not c.overwrite:
        for existing in (pathlib.Path(c.out), run_checkpoint):
            if existing.exists():
                raise ConfigError(f"{existing} exists; resume it (resume='auto', --resume auto) or start over "
                                  f"(overwrite=True, --overwrite)")
    return resume_from


def _check_resumable(saved, plan):
    """A resumed run continues the same configuration on the same classes and network."""
    if saved.solver is None:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path} has no solver state; it cannot be resumed")
    probe = plan.preset.build(plan.config.fc8_outputs)
    if saved.preset != probe.preset:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path} holds a {saved.preset!r} network; this run "
                                          f"trains {probe.preset!r}")
    checkpoints.check_architecture(saved, probe)
    batch = saved.solver.cursor.get("batch")
    if batch != saved.solver.iteration:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path}: solver attribute cursor is at batch {batch!r}, "
                                          f"its iteration is {saved.solver.iteration} (one batch per iteration)")
    if saved.classes != plan.classes:
        raise DataMismatch(f"checkpoint {saved.path} was trained on other classes than this run's "
                           f"({_first_difference(saved.classes, plan.classes)})")
    stored = dict(saved.meta.get("config", {}))
    current = plan.config.to_dict()
    free = RESUME_FREE_FIELDS + (("precision",) if plan.config.allow_precision_change else ())
    differ = [key for key in current if key not in free and not _same_value(key, stored.get(key, _DEFAULTS.get(key)),
                                                                            current[key])]
    if differ:
        listed = ", ".join(f"{key} {stored.get(key, _DEFAULTS.get(key))!r} -> {current[key]!r}" for key in differ)
        hint = "; to continue in another precision on purpose, add --allow-precision-change" \
            if "precision" in differ else ""
        raise ConfigError(f"cannot resume {saved.path} with a different configuration: {listed}{hint}")


def precision_change(plan):
    """{iteration, from, to} when ``plan`` continues its checkpoint in another precision
    (--allow-precision-change), else None."""
    saved = plan.resume_from
    if saved is None:
        return None
    before = saved.meta["config"].get("precision", _DEFAULTS["precision"])
    if before == plan.config.precision:
        return None
    return {"iteration": saved.iteration, "from": before, "to": plan.config.precision}


def precision_changes(plan):
    """Every precision change of the run up to now, oldest first: what its checkpoint recorded, and
    this resumption's own (so the weights say which precisions trained them)."""
    earlier = list(plan.resume_from.meta["precision_changes"]) if plan.resume_from is not None else []
    change = precision_change(plan)
    return earlier + ([change] if change is not None else [])


PATH_FIELDS = ("out", "data", "copy_from")
# What a checkpoint written before a field existed is taken to have had.
_DEFAULTS = {"precision": precisions.DEFAULT}


def _same_value(key, stored, current):
    """Equal, or (for a path) the same file however it is spelled."""
    if key in PATH_FIELDS and stored is not None and current is not None:
        return os.path.realpath(stored) == os.path.realpath(current)
    return stored == current


def _first_difference(saved, current):
    if len(saved) != len(current):
        return f"{len(saved)} classes in the checkpoint, {len(current)} in this run's half"
    label = next(index for index, (a, b) in enumerate(zip(saved, current)) if a != b)
    return (f"label {label} is {saved[label]['wnid']!r} ({saved[label]['name']}) in the checkpoint, "
            f"{current[label]['wnid']!r} ({current[label]['name']}) here")
