"""A finished run resumed where its dataset is gone or at fault: it ends at once, as a finished
run does, and needs nothing of its dataset.

:func:`finished_without_dataset` gives the recorded configuration of a finished run resumed without
its dataset folder (the options given compared with those recorded as far as they go without it);
:func:`finished_despite` says of a dataset's error that the run it stops is finished. Whether a run
continues from a checkpoint at all is :mod:`minitransfer.resume`.
"""

import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio
from minitransfer.config_checks import ConfigError
from minitransfer.errors import reworded
from minitransfer.recorded_config import DEFAULTS, recorded_change
from minitransfer.resume_options import free_fields
from minitransfer.resumed_records import finished_record, gone_refusal, run_record
from minitransfer.rundir import recorded_name, run_dir_for


def finished_without_dataset(c, gone):
    """The recorded configuration of a finished run that ``c`` (checked, a run folder taken:
    :func:`minitransfer.config.checked`) resumes (`resume='auto'`, or its own checkpoint) without
    `data`, whose dataset folder is not there now (``gone``: what
    :func:`minitransfer.resumed_records.dataset_gone` found of ``c``, read once by the caller):
    its weights and result.json written, it ends at once as a finished run does, needing nothing of
    the dataset, which was asked for all the same. None where the dataset is there, or not asked
    for. A run that needs more (not finished, its weights or result.json missing; resumed from
    another run's checkpoint) is refused, asking for the dataset
    (:func:`minitransfer.resumed_records.gone_refusal`), as :func:`minitransfer.config.resolve`
    refuses it, given ``gone`` too. The options given are
    compared with those recorded as far as they go without the dataset (one left unset is not: the
    dataset would resolve it); one given otherwise is refused, as it is where the dataset is there."""
    if gone is None:
        return None
    record, meta = gone
    recorded = meta["config"]
    if not _finished_own_run(c, record, meta):  # another run's checkpoint, or one with more to train
        raise gone_refusal(record, meta)
    free = free_fields(c, "data")
    given = {key: value for key, value in c.to_dict().items() if key not in free and value is not None}
    differ = [f"`{key}` {change}" for key, value in given.items()
              for change in [_recorded_change(key, recorded.get(key, DEFAULTS.get(key)), value, meta)] if change]
    if differ:
        raise ConfigError(f"cannot resume {record} with a different configuration: {', '.join(differ)}; the run is "
                          f"finished (nothing is left to train): to train the new configuration, give another `out` "
                          f"(and the dataset as `data`)")
    return recorded


def finished_despite(c, error):
    """``error``, a ``DatasetError`` reading the dataset of the run that ``c`` (checked:
    :func:`minitransfer.config.checked`) resumes (its meta.json garbled, a shard made a folder), as
    it is said of a finished run (its own checkpoint at max_iter, its weights and result.json
    written): the run is finished, but a resumption checks it against its dataset, which is at fault
    (the error alone read as if the run were lost, where a resumption ends at once on a finished
    run); the same kind of error, for its exit code. ``error`` itself for any other run."""
    if c.resume is None or c.out is None:
        return error
    record = run_record(c.out) if c.resume == "auto" else pathlib.Path(c.resume)
    try:
        finished = _finished_own_run(c, record, checkpoints.read_meta(record))
    except (checkpoints.CheckpointError, OSError):
        return error  # resume_point would say what is wrong with the record
    if not finished:
        return error
    return reworded(error, f"the run of {c.out} is finished ({run_dir_for(c.out) / 'result.json'} written: nothing "
                           f"is left to train), but a resumption checks it against its dataset, and {error}")


def _finished_own_run(c, record, meta):
    """Whether ``record``, the checkpoint or weights file that ``c`` resumes (root attributes
    ``meta``), is its run's own (`resume='auto'`, or the run folder's checkpoint) and finished
    (:func:`minitransfer.resumed_records.finished_record`): a resumption of it ends at once."""
    run_checkpoint = run_dir_for(c.out) / "checkpoint.h5" if c.out is not None else None
    own = c.resume == "auto" or (run_checkpoint is not None and run_checkpoint.is_file()
                                 and os.path.samefile(record, run_checkpoint))
    return own and finished_record(c.out, meta)


def _recorded_change(key, stored, current, meta):
    """:func:`minitransfer.recorded_config.recorded_change` without the dataset: a base that is there
    is known by its sha256; `out` by its name, as a run folder moved whole continues where it is."""
    if key == "out":
        same = stored is None or recorded_name(stored) == pathlib.PurePath(current).name
        return "" if same else f"{stored!r} -> {current!r}"
    return recorded_change(key, stored, current, meta,
                           lambda path: fileio.sha256_file(path) if os.path.isfile(path) else None)
