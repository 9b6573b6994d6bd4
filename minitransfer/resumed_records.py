"""What a resumption reads before it resumes: the record of the run it continues (:func:`run_record`: its
checkpoint, else a finished run's weights; :func:`resumed_record`, with its root attributes), whether that run is
finished (:func:`finished_record`; its record at its last iteration, :func:`at_end`, the one rule), and a run
resumed without `data` whose recorded dataset folder is gone (:func:`dataset_gone`, refused by :func:`gone_refusal`
unless it is finished). The options it recorded, taken as a resumption's defaults:
:mod:`minitransfer.resume_options`."""

import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer.config_checks import ConfigError
from minitransfer.data import synthetic
from minitransfer.rundir import RESULT_FILE, recorded_path, run_dir_for


def dataset_gone(c):
    """(record, meta) of a run resumed without `data` whose recorded dataset folder is not there now
    (moved or deleted; the built-in set, a cache, is built again instead): the checkpoint (or
    finished weights) it continues from, and their root attributes; else None."""
    return dataset_gone_in(None if c.data is not None else resumed_record(c))


def dataset_gone_in(found):
    """:func:`dataset_gone` of ``found``, what :func:`resumed_record` read of a run resumed without `data`."""
    trained_on = None if found is None else recorded_path(found[1]["config"].get("data"))
    if not isinstance(trained_on, str) or synthetic.is_builtin(trained_on) or os.path.isdir(trained_on):
        return None
    return found


def resumed_record(c, weights=True):
    """(record, meta) of what ``c`` resumes (`resume` 'auto': the run's :func:`run_record`, its finished
    weights only where ``weights``; or a checkpoint file) and its root attributes; None for a fresh run,
    and where there is nothing to resume (a fresh run with `resume='auto'`) or it cannot be read
    (:func:`minitransfer.resume.resume_point` reads it again and says what is wrong with it)."""
    if c.resume is None or (c.resume == "auto" and c.out is None):
        return None
    record = run_record(c.out, weights) if c.resume == "auto" else pathlib.Path(c.resume)
    if not record.is_file():
        return None
    try:
        return record, checkpoints.read_meta(record)
    except (checkpoints.CheckpointError, OSError):
        return None


def refuse_dataset_gone(c, find=None):
    """A run resumed without `data` whose recorded dataset folder is not there now (``find(c)``;
    default :func:`dataset_gone`, which reads the run's record: a caller that read it passes what it
    found) is refused (:func:`gone_refusal`). A finished run that needs nothing of its dataset has
    ended before this (:func:`minitransfer.resume_finished.finished_without_dataset`); one that does (its
    result.json unreadable) is said to be finished."""
    gone = (find or dataset_gone)(c)
    if gone is not None:
        raise gone_refusal(*gone)


def gone_refusal(record, meta):
    """The :class:`ConfigError` of a run resumed without `data` from ``record`` (``meta``, its root
    attributes) whose recorded dataset folder is not there now: it names that folder and asks for
    its new one (compared with the default's dataset instead, the built-in set or a transfer's
    base's, the refusal listed differences nobody asked for: `data` -> the built-in set,
    `fc8_outputs` 2 -> 10)."""
    missing = f"the dataset it was trained on, {meta['config']['data']}, is not there now (moved or deleted)"
    ask = "give its folder where it is now as `data`"
    if at_end(meta):
        return ConfigError(f"the run of {record} is finished (nothing is left to train), but a resumption checks it "
                           f"against its dataset, and {missing}: {ask}")
    return ConfigError(f"cannot resume {record}: {missing}; {ask}")


def at_end(meta):
    """Whether the record (a checkpoint, or a finished run's weights) whose root attributes are ``meta`` is at its
    run's last iteration, the max_iter it records: nothing is left to train. The one rule of a resumption's
    refusals (:func:`gone_refusal`, :func:`minitransfer.config.resolve`'s of another dataset), of
    :func:`finished_record` and of a grid's run to finish again (:func:`minitransfer.grid_status.run_status`).
    Before, each said it its own way (``==``, ``>=``, a missing max_iter as infinite or as the next iteration):
    they agreed on every record :func:`minitransfer.checkpoint.read_meta` passes (it refuses an iteration past its
    max_iter), and a record without a max_iter or its config (one of another program) raised a KeyError in two."""
    config = meta.get("config")
    max_iter = config.get("max_iter") if isinstance(config, dict) else None
    iteration = meta.get("iteration")
    return type(max_iter) is int and type(iteration) is int and iteration >= max_iter


def finished_record(out, meta):
    """Whether the run of weights file ``out``, whose record (its checkpoint or weights) has the root
    attributes ``meta``, is finished, so that a resumption ends at once without its dataset: its
    record at max_iter (:func:`at_end`), its weights and result.json written (whether report can read that
    result.json is :func:`minitransfer.train_finished.reported`'s to say: one it cannot has the run finished
    again from its checkpoint, which needs the dataset)."""
    return at_end(meta) and os.path.isfile(out) and (run_dir_for(out) / RESULT_FILE).is_file()


def run_record(out, weights=True):
    """What a run whose weights file is ``out`` records its configuration in, as a resumption reads it:
    its run folder's checkpoint.h5, else (a finished run whose checkpoint was deleted) its weights, where
    ``weights``."""
    checkpoint = run_dir_for(pathlib.Path(out).resolve()) / "checkpoint.h5"
    return checkpoint if checkpoint.is_file() or not weights else pathlib.Path(out)
