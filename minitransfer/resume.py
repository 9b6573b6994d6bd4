"""Whether a run continues from a checkpoint, and which: the same configuration, classes and network, whatever
the spelling of its paths, and wherever its run directory has been moved or copied to.

:func:`resume_point` reads the run directory's state, so :func:`minitransfer.train.train` calls it
under the run's lock (:class:`minitransfer.run_lock.RunLock`); a fresh run refuses to overwrite a
finished or started one unless asked to (:func:`refuse_to_overwrite`); a run whose checkpoint cannot be read is
told how to start over (:func:`starting_over`); the base a run copies is read, or, where it is not there, taken
from what the run recorded of it (:func:`read_base`). The checks that a checkpoint continues this run, and that
its run directory is this run's (never another weights file's), are :mod:`minitransfer.resume_checks`. Where a
run may write its weights at all, looked at before anything is written, is
:mod:`minitransfer.run_destination`; how a checkpoint's recorded configuration compares with the
one given is :mod:`minitransfer.recorded_config`; a finished run resumed where its dataset is gone or
at fault, :mod:`minitransfer.resume_finished`.
"""

import os
import pathlib
import shlex

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_check
from minitransfer import fileio
from minitransfer.bad_checkpoint import grid_run_again
from minitransfer.checkpoint_remake import TRAIN_FIELDS, train_command
from minitransfer.config_checks import ConfigError, check_fields
from minitransfer.left_out import UnreadableRun
from minitransfer.recorded_config import DEFAULTS, check_configuration, differences, network_differences
from minitransfer.resume_checks import check_own_run, check_owner, check_resumable
from minitransfer.resume_options import resume_given, take_run_folder
from minitransfer.resumed_records import finished_record
from minitransfer.run_destination import linked_out
from minitransfer.run_file_readers import read_json
from minitransfer.run_networks import base_not_written, unwritten_weights
from minitransfer.train_config import TrainConfig
from minitransfer.treatments import CONFIG_FILE
from minitransfer.train_finished import result_missing
from minitransfer.rundir import RESULT_FILE, divergence, is_run_dir, recorded_path, recorded_sha256, run_dir_for


def resume_point(plan):
    """The checkpoint ``plan`` continues from (``resume`` "auto" or a path), or None for a fresh run,
    which may not overwrite a finished or started one unless ``overwrite``; with ``resume`` "auto",
    the weights of a run finished without its checkpoint (:func:`_finished_weights`). It reads the run
    directory's state: call it under the run's lock (:class:`minitransfer.run_lock.RunLock`). A run
    whose base is not there (:func:`read_base`) takes its mean image's record from the checkpoint. The
    run's own settings left unset are its caller's to keep before (:func:`minitransfer.train.train`, from
    the record read before the lock: :func:`minitransfer.resume_options.keep_run_settings`), as the
    configuration compared with the checkpoint's record here holds them."""
    c = plan.config
    check_owner(plan)
    run_checkpoint = plan.run_dir / "checkpoint.h5"
    resume_from = None
    if c.resume == "auto" and run_checkpoint.exists():
        resume_from = _load_run_checkpoint(c)
    elif c.resume not in (None, "auto"):
        check_own_run(pathlib.Path(c.resume), plan.run_dir)
        resume_from = checkpoints.load(c.resume)
    recorded_base = plan.parent is not None and plan.parent.recorded_in is not None
    if resume_from is not None:
        check_resumable(resume_from, plan)
        if recorded_base:  # as the base gave it (its size, if it was resized), not as the record rebuilt it
            plan.mean_source = resume_from.meta["mean_source"]
    elif recorded_base:
        finished = _finished_weights(plan)  # read_base read the base's record in them: a run with nothing to train
        if finished is None:  # the checkpoint read for the base went meanwhile: nothing may copy from its copy
            raise ConfigError(f"`copy_from` {os.fspath(plan.named.copy_from)!r} does not exist and there is no "
                              f"checkpoint {run_checkpoint} to continue from; give the base's file")
        return finished
    elif not c.overwrite:
        return _finished_weights(plan) or refuse_to_overwrite(pathlib.Path(c.out), run_checkpoint, plan)
    return resume_from


def refuse_typed_otherwise(c, typed):
    """`resume` naming a run folder (or its weights file) takes the value the run recorded for every
    field of ``c`` left at its default (:func:`minitransfer.resume_options.take_run_folder`), which
    cannot tell a field left so from one the user gave at the default's value (``train --resume
    int.run --seed 0`` of a run of seed 5): ``typed``, the fields the user gave (the command line's
    options typed), is what tells them apart. One of them at its default's value that the run
    recorded otherwise is refused (:class:`ConfigError`), as any other value than the run's is,
    rather than silently replaced by the run's. The run folder is taken into ``c`` here, its fields
    checked first as :func:`minitransfer.config.checked` checks them, so that its options are
    taken once: train, given ``c``, finds its `resume` 'auto' and its options taken (the record is
    read again only where the dataset is gone, and as the run resumes from it)."""
    check_fields(c)
    take_run_folder(c, typed)


def read_base(c):
    """The base checkpoint that ``c`` (a :class:`minitransfer.config.TrainConfig` being resolved)
    copies from: its `copy_from` file, or, when that is not there (moved, deleted, or on another
    machine) and the run resumes, what the run's checkpoint holds of it, which the rest of the run
    needs: the copied layers (restored from the checkpoint anyway), the mean image, the base's
    sha256 (so a base that is there must still be the same network) and its provenance (the base's
    dataset and split, for the defaults and for the weights' record); for a finished run whose
    checkpoint was deleted, what its weights hold of it (the run ends at once, as it does with its
    base). Anything else is refused."""
    if os.path.exists(c.copy_from):
        base = checkpoints.load(c.copy_from, solver=False)
        # imported here: checkpoint_info reads run files as report does (results, run_file_readers), which the
        # command line's error table (cli/_errors, importing this module) need not load for --help
        from minitransfer.checkpoint_info import warn_left_out
        warn_left_out(c.copy_from, "its layers are copied all the same", base.meta)  # report will not count it
        return base
    missing = f"`copy_from` {os.fspath(c.copy_from)!r} does not exist"  # a notebook's Path as its str: no PosixPath()
    if c.resume is None:
        run_checkpoint = run_dir_for(c.out) / "checkpoint.h5" if c.out is not None else None
        if run_checkpoint is not None and run_checkpoint.exists():
            raise ConfigError(f"{missing}{_continue_instead(c.copy_from, run_checkpoint)}")
        unwritten = _base_unwritten(c)
        raise ConfigError(unwritten) if unwritten else PathMissing("copy_from", c.copy_from)
    if c.resume != "auto":  # the base's record, not the solver state, which resume_point reads under the lock
        saved = checkpoints.load(c.resume, solver=False)
    elif c.out is None:
        raise ConfigError(f"{missing}; to continue a run from its checkpoint without it, name the run's weights "
                          f"file with `out`")
    elif (run_dir_for(c.out) / "checkpoint.h5").exists():
        saved = _load_run_checkpoint(c, solver=False)
    elif (run_dir_for(c.out) / "result.json").exists() and os.path.exists(c.out):
        saved = checkpoints.load(c.out, solver=False)  # finished, its checkpoint deleted: its weights record the base
    else:  # nothing of this run yet (a grid's or a script's --resume auto): its base not written yet, or gone
        raise ConfigError(_base_unwritten(c) or
                          f"{missing}, and {run_dir_for(c.out) / 'checkpoint.h5'} has no run to continue from it")
    return _recorded_base(saved, missing)


class PathMissing(ConfigError):
    """The path a field (``field``: `copy_from`) names does not exist, and nothing else (a run to continue, the
    base's run folder) says more: the command line says it as click says any other missing path."""

    def __init__(self, field, path):
        super().__init__(f"`{field}` {os.fspath(path)!r} does not exist")
        self.field, self.path = field, path


def _continue_instead(copy_from, run_checkpoint):
    """"; to continue the run from RUN/checkpoint.h5, which holds the layers copied from BASE, add
    `resume='auto'`": how to go on where `copy_from` is not there and the run's checkpoint is, BASE
    being the base it records (the layers were copied from another file than a mistyped
    `copy_from`: "copied from it" named that one); "" where it records none (a base's run, one
    cannot be read), which a resume could not continue."""
    try:
        source = checkpoints.read_meta(run_checkpoint)["source"]
    except (checkpoints.CheckpointError, OSError):
        return ""
    base = source.get("checkpoint") if isinstance(source, dict) else None
    if not isinstance(base, str):
        return ""
    copied = "it" if os.path.abspath(copy_from) == os.path.abspath(recorded_path(base)) else base
    return (f"; to continue the run from {run_checkpoint}, which holds the layers copied from {copied}, add "
            f"`resume='auto'`")


def _base_unwritten(c):
    """What became of the base `copy_from` names where its run folder says (training now, stopped
    before its end, or finished and its weights moved away: :func:`unwritten_weights`), with what a
    transfer is to do; None where it has no run folder beside it."""
    unwritten = unwritten_weights(c.copy_from)
    return None if unwritten is None else f"`copy_from` {unwritten.situation()}; {base_not_written(unwritten)}"


def _recorded_base(saved, missing):
    """The base of the run checkpoint ``saved`` as it recorded it (:func:`read_base`)."""
    source = saved.meta["source"]
    if not (saved.meta["parent_sha256"] and source.get("checkpoint")):
        copied = "records no base it copied from" if not saved.meta["parent_sha256"] else "predates its base's record"
        raise ConfigError(f"{missing}, and checkpoint {saved.path} {copied}: give the base's file")
    # precision_history() of this record gives back the one the checkpoint recorded, changes included
    meta = {"config": {"data": source.get("dataset", ""), "precision": source.get("precision", DEFAULTS["precision"])},
            "precision_changes": [], "mean_source": saved.meta["mean_source"].get("from", {}),
            **{key: source.get(key, checkpoint_check.DEFAULT_META[key]) for key in
               ("dataset_fingerprint", "dataset_classes_sha256", "split_kind", "split_seed", "split_half")}}
    return checkpoints.Checkpoint(preset=saved.preset, weights=saved.weights, frozen=saved.frozen, meta=meta,
                                  mean=saved.mean, path=pathlib.Path(recorded_path(source["checkpoint"])),
                                  sha256=saved.meta["parent_sha256"], recorded_in=saved)


def _load_run_checkpoint(c, solver=True):
    """The checkpoint of the run of ``c``'s weights file `out` (without its solver state unless
    ``solver``); one that cannot be read says how to start over (:func:`starting_over`), unless its error says
    the grid's remedy already (a grid's run's checkpoint cut short, without its weights file: with them, the
    reader's says to give those; a run of no grid is told train's own way, with its options, besides the
    reader's). Where the run finished (:func:`_finished_beside`), it says instead that the run needs no
    checkpoint: the way to start over deleted the result of a finished run with it."""
    out = c.out
    path = run_dir_for(out) / "checkpoint.h5"
    try:
        return checkpoints.load(path, solver=solver)
    except checkpoints.CheckpointError as error:
        finished = _finished_beside(out)
        remedy = None if finished else grid_run_again(path.parent)
        if remedy is not None and remedy in str(error):
            raise  # a grid's run's checkpoint cut short: the error says the grid's remedy already
        advice = (f"the run is finished all the same (its weights {out} and result.json are there): delete "
                  f"{path}, which a finished run does not need, and rerun to report it" if finished else
                  f"the run cannot continue from it: {starting_over(path, resume_given(c))}")
        raise checkpoints.CheckpointError(f"{error}; {advice}") from None


def starting_over(path, given=None):
    """How the run whose checkpoint ``path`` cannot be read is started over, as its caller can (``given``: the
    `resume` the caller gave, :func:`minitransfer.resume_options.resume_given`; info and eval, the run folder): a
    grid's run (its treatment.json there), by the grid, which reruns it with `resume='auto'` alone and has no
    `overwrite` to give ("rerun without --resume, with --overwrite" was no advice for `experiment`); a run folder
    given as `resume`, by its recorded options, which the caller did not give (train's command, each option
    given, from its config.json); else without `resume`, with `overwrite=True` (`overwrite` with
    `resume='auto'` continues a checkpoint rather than replacing it), or its run folder deleted."""
    again = grid_run_again(path.parent)
    if again:
        return again
    if given not in (None, "auto"):  # the options are the run's, not given: the command that gives them
        command = _recorded_command(path.parent)
        command = f" ({shlex.join(command)} --overwrite)" if command else ""
        return f"to start it over, train it anew without `resume`, with its options and `overwrite=True`{command}"
    return f"to start it over, rerun without `resume`, with `overwrite=True`, or delete {path.parent}"


def _recorded_command(run_dir):
    """The train command of the options the config.json of ``run_dir`` records (the checkpoint's record,
    unread, gave none), every option given; None where it cannot be read, or records an option train refuses
    (a max_iter of 10**100: the damage the checkpoint's record was refused for, in its copy)."""
    try:
        recorded = read_json(run_dir / CONFIG_FILE, dict)
        check_fields(TrainConfig(**{name: value for name, value in recorded.items() if name in TRAIN_FIELDS}))
    except (UnreadableRun, OSError, ConfigError, TypeError, ValueError):
        return None
    return train_command(recorded)


def _finished_beside(out):
    """Whether the run of weights file ``out`` finished: its weights (their root attributes read)
    and result.json there (:func:`minitransfer.resumed_records.finished_record`)."""
    try:
        return finished_record(out, checkpoints.read_meta(out))
    except (checkpoints.CheckpointError, OSError):
        return False


def _finished_weights(plan):
    """With `resume='auto'`, the weights of a run that finished (its result.json written) and whose
    checkpoint was deleted to save space, read without their solver state: a run to report, not to
    train. Their configuration must be this run's, as a checkpoint's must; weights that say the run
    did not reach max_iter, or cannot be read, give None (a fresh run over them is refused). Those at max_iter in
    their run folder without its result.json: :func:`minitransfer.train_finished.result_missing` (exit 65, kept)."""
    c, out = plan.config, pathlib.Path(plan.config.out)
    written = (plan.run_dir / RESULT_FILE).exists()
    # its result.json not there, in its run folder: not "delete them" (exit 2), as still without the folder; a grid's
    # run too, which its grid counts lost (grid_status.missing_result)
    lost = not written and is_run_dir(plan.run_dir)
    if c.resume != "auto" or not (out.exists() and (written or lost)):
        return None
    try:
        saved = _read_already(plan, out) or checkpoints.load(out, solver=False)
    except (checkpoints.CheckpointError, fileio.StorageError):
        return None
    if not written:  # another network, or one not trained to its end: refused as any weights in the way
        if saved.iteration == c.max_iter and not differences(saved, plan):
            raise result_missing(c.out, plan.run_dir, c.max_iter, c.preset)
        return None
    check_configuration(saved, plan)
    return saved if saved.iteration == c.max_iter else None


def _read_already(plan, out):
    """The weights ``out`` as :func:`read_base` read them, for the record of a base not there
    (``plan.parent.recorded_in``), where ``out`` is still that file: its result.json records the
    sha256 they were read with, and ``out`` has the size and modification time it was written with
    (:func:`minitransfer.rundir.recorded_sha256`); else None, and they are read again."""
    record = plan.parent.recorded_in if plan.parent is not None else None
    if record is None or record.sha256 is None:
        return None
    try:
        unchanged = recorded_sha256(out, os.stat(out)) == record.sha256
    except OSError:
        return None
    return record if unchanged else None


class WouldReplace(ConfigError):
    """A fresh run would replace a run's weights or checkpoint (:func:`refuse_to_overwrite`). Its remedies (delete
    or move the weights, `overwrite=True`) write in the run's folder: where train cannot write there, or lacks the
    memory to train, it names that fault instead of this refusal (``minitransfer.train._finished_unlocked``)."""


def refuse_to_overwrite(out, run_checkpoint, plan=None):
    """A fresh run may not replace weights or a started run's checkpoint (:class:`WouldReplace`); say
    which rerun works, also where there is no ``overwrite`` to pass (an experiment's grid reruns its
    runs as they are). Where they hold another network than ``plan`` trains (another configuration:
    a replicate of another `seed`, a run given that `out` by hand), resuming them cannot train it: say
    how they differ, and to give this run another `out`."""
    other = _other_network(out if out.exists() else run_checkpoint, plan) if plan is not None else ""
    if other:
        raise WouldReplace(f"{other}: to train this run, give it another `out`, or replace that one "
                           f"(`overwrite=True`)")
    if out.exists() and not run_checkpoint.exists():
        raise WouldReplace(f"{out} exists but there is nothing to resume from ({run_checkpoint} is missing); "
                           f"to train it again, delete or move away {out}, or start over with `overwrite=True`")
    diverged = divergence(run_checkpoint.parent / "metrics.jsonl")
    for existing in (out, run_checkpoint):
        if existing.exists() and diverged:  # resumed, it would diverge again: only a lower rate trains it
            raise WouldReplace(f"{existing} exists, of a run that ended so: {diverged}; resumed, it would diverge "
                               f"again: start over with a lower `base_lr` (`overwrite=True`)")
        if existing.exists():
            raise WouldReplace(f"{existing} exists; continue its run (`resume='auto'`; nothing to do if it "
                               f"finished) or start over (`overwrite=True`)")


def _other_network(path, plan):
    """"``path`` holds another network than this run trains (how their configurations differ)" where
    the checkpoint or weights at ``path`` record another configuration than ``plan``'s, else "": also
    for a file that cannot be read or records none (the refusal says what to do with it as it is),
    and for another precision alone, which `allow_precision_change` continues, or another `out` alone
    (weights copied to that name)."""
    differ, _ = network_differences(path, plan)
    if not differ:
        return ""
    named = linked_out(plan) if path == pathlib.Path(plan.config.out) else None
    return f"{named or path} holds another network than this run trains ({', '.join(differ.values())})"
