"""A `resume` that names a run folder (``runs/baseA.run``): the run it continues, and the options
that run recorded, taken as the defaults of the fields left unset; the fields a resumption may
change (:data:`RESUME_FREE_FIELDS`). A `copy_from` that names one: :mod:`minitransfer.run_networks`.
A config.json edited by hand before a resumption: :mod:`minitransfer.config_edits`. The record a resumption reads
(its checkpoint, or a finished run's weights), and a run resumed without its dataset's folder:
:mod:`minitransfer.resumed_records`."""

import dataclasses
import hashlib
import math
import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer import models, optim, path_kinds
from minitransfer.config_checks import ConfigError, check_fields, combination_fault
from minitransfer.data import synthetic
from minitransfer.resumed_records import finished_record, gone_refusal, run_record
from minitransfer.run_networks import checkpoint_missing, named_folder
from minitransfer.train_config import SEED_DEFAULT
from minitransfer.rundir import PATH_FIELDS, is_run_dir, recorded_name, recorded_path, run_dir_for, weights_for

# The settings a user chose for a run that do not change its numbers: a resumption may change them where they are
# given; left unset, the run's own value is kept (:func:`keep_run_settings`), whatever `resume` names (the preset's
# default replaced it: a run checkpointed every 2 iterations went on every 300, losing 23 to a kill).
RUN_SETTINGS = ("checkpoint_every", "log_every")
# Fields that may change between an interrupted run and its resumption (they do not affect the numbers): those but
# RUN_SETTINGS are about this invocation, this machine and its terminal, and left unset take their defaults.
RESUME_FREE_FIELDS = ("resume", "overwrite", "device", "workers", "progress", "quiet", *RUN_SETTINGS,
                      "allow_precision_change", "cuda_graph")
# Fields a resumption may change where they are given (an evaluation's loss may differ in its last bits: a run
# that ran out of memory evaluating is resumed with a smaller `eval_batch_size`, as it is told to); left unset,
# the run's own value is taken, with any resumption (keep_run_settings).
GIVEN_FREE_FIELDS = ("eval_batch_size",)
KEPT_SETTINGS = (*RUN_SETTINGS, *GIVEN_FREE_FIELDS)  # those keep_run_settings keeps, left unset
# How a refused resumption trains what was asked instead, from the start
START_OVER = "give another `out`, or replace this run (`overwrite=True`, without `resume`)"


def free_fields(c, *others, unset=()):
    """The fields of ``c`` a resumption may change: :data:`RESUME_FREE_FIELDS`, ``others``, those of
    :data:`GIVEN_FREE_FIELDS` given (not None, nor among ``unset``: a resolved config's defaults) and
    the precision where `allow_precision_change` is given."""
    given = {name for name in GIVEN_FREE_FIELDS if getattr(c, name) is not None and name not in unset}
    return {*RESUME_FREE_FIELDS, *others, *given, *(("precision",) if c.allow_precision_change else ())}


def take_run_folder(c, typed=()):
    """A `resume` that names a run folder, or the weights file of one (``baseA.h5`` beside
    ``baseA.run``), continues that run (:func:`resumed_run`), the options it recorded the defaults
    of the others; ConfigError for a `resume` that is neither 'auto', a run folder nor a checkpoint
    file, and for a field in ``typed`` that the run recorded otherwise (:func:`_take_recorded_options`).
    ``c`` is changed in place: its `resume` 'auto' once taken, so that a second call reads nothing, and the
    folder given kept beside it for advice (:func:`resume_given`)."""
    folder = resumed_folder(c.resume)
    if folder is not None:
        given = c.resume
        meta = _checkpoint_meta(folder)  # read once: for the weights file it names, and the options it records
        c.out, c.resume = resumed_run(given, folder, c.out, meta)
        keep_resume_given(c, given)
        _refuse_recorded_combination(c, given, *_take_recorded_options(c, typed, meta))
    kind = path_kinds.path_kind(c.resume) if c.resume not in (None, "auto") else "a file"
    if kind == "nothing":
        raise ConfigError(f"`resume` {c.resume}: no such file or run folder; give a run folder, a checkpoint file or "
                          f"'auto'")
    if kind != "a file":  # a named pipe, a socket, a device: it was "no such file or run folder", though there
        raise ConfigError(f"`resume` {c.resume} is {kind}, not a checkpoint file or run folder; give a run folder, a "
                          f"checkpoint file or 'auto'")
    _refuse_other_file(c.resume, c.out)


def _refuse_other_file(resume, out):
    """A `resume` that is recognisably no checkpoint (:func:`minitransfer.path_kinds.not_hdf5`: a run's config.json,
    a figure): what it is, and what to give instead, its run folder where it is the run of ``out``'s; it was "not
    an HDF5 file (corrupt or not a checkpoint)", as a damaged checkpoint is, naming nothing to give. A file of
    another run is said so as its run is checked (:func:`minitransfer.resume_checks.check_own_run`)."""
    if resume in (None, "auto"):
        return
    what = path_kinds.not_hdf5(resume)
    if what is None:  # an HDF5 file, damaged too, or one under a checkpoint's name: read (and said) as one
        return
    run = path_kinds.run_folder_around(resume)
    if run is not None and (out is None or run.resolve() != run_dir_for(out).resolve()):
        return
    if run is None:
        raise ConfigError(f"`resume` {resume} is {what}, not a checkpoint; give a run folder, a checkpoint file or "
                          f"'auto'")
    raise ConfigError(f"`resume` {resume} is {what} of the run folder {run}, not a checkpoint: give the run folder "
                      f"({run}), which continues its run from its checkpoint.h5")


def resume_given(config):
    """`resume` as the user gave it to ``config``: a run folder (``runs/mine.run``), taken as 'auto' with that run's
    `out` (:func:`take_run_folder`), is kept so (:func:`keep_resume_given`; an attribute, not a field: the record
    holds what the run resolved) for the advice to rerun with it: 'auto' alone, without that `out`, continued the
    run of the default name (another network, which it then offered to replace with `overwrite=True`)."""
    return getattr(config, "_resume_given", config.resume)


def keep_resume_given(c, given):
    c._resume_given = None if given is None else str(given)  # a notebook's pathlib.Path; see resume_given


def continued_with(plan):
    """"`resume='auto'`", the `resume` a rerun continues the run of ``plan`` with (its checkpoint.h5 once it trains),
    in words; or the run folder its user gave as `resume` (:func:`resume_given`, :attr:`Plan.named`)."""
    given = plan.named.resume if plan.named is not None else None
    return f"`resume={given!r}`" if given not in (None, "auto") and plan.config.resume == "auto" else "`resume='auto'`"


def resumed_folder(resume):
    """The run folder whose run `resume` continues when it names one (as ``ls`` shows it:
    ``runs/baseA.run``; :func:`minitransfer.run_networks.named_folder`), or the weights file of one
    (the file its config.json names beside it): the run of ``baseA.h5`` writes ``baseA.h5``, and
    continues in ``baseA.run``. None for 'auto', a checkpoint file of no run folder, and what names
    nothing. A folder that is no run is a ConfigError."""
    if resume in (None, "auto"):
        return None
    if os.path.isdir(resume):
        folder = named_folder(resume)
        if not is_run_dir(folder):
            raise ConfigError(f"`resume` {resume} is a folder but no run folder (e.g. baseA.run, beside its weights "
                              f"file baseA.h5); give a run folder, a checkpoint file or 'auto'")
        return folder
    folder = run_dir_for(resume)
    weights = weights_for(folder) if is_run_dir(folder) else None
    if weights is not None and weights.is_file() and os.path.isfile(resume) and os.path.samefile(weights, resume):
        return folder
    return None


def resumed_run(given, folder, out, meta=None):
    """(``out``, "auto") that continue the run in run folder ``folder``, which `resume` ``given``
    names (:func:`resumed_folder`): its weights file (:func:`_recorded_weights`; ``meta``: its
    checkpoint's root attributes, None where it has none to read) is the default ``out``, and the
    options it was trained with the defaults of the others (:func:`_take_recorded_options`). An
    ``out`` of another run, or a run with nothing to continue (no checkpoint, no weights) is a
    ConfigError: one whose checkpoint.h5 its logs show written is said to be missing
    (:func:`minitransfer.run_networks.checkpoint_missing`; it was said to have stopped before writing its
    first)."""
    weights = _recorded_weights(folder, meta)
    out = str(weights) if out is None else out
    if run_dir_for(pathlib.Path(out).resolve()) != folder.resolve():
        named = "is the run folder" if os.path.isdir(given) else "names the run"
        copy = (f"; to train a new network from its weights, give {weights} as `copy_from` (with `n`, the layers to "
                f"copy)") if weights.is_file() else ""
        raise ConfigError(f"`resume` {given} {named} of {weights}, which writes {weights}, not `out` {out}: to "
                          f"continue that run, leave `out` unset (or give `out` {weights}){copy}")
    if not (folder / "checkpoint.h5").is_file() and not weights.is_file():
        why = (checkpoint_missing(folder)
               or "its training stopped before writing its first one, or has not written it yet")
        raise ConfigError(f"`resume` {given} holds no checkpoint to continue from: {why}; to train it from the start, "
                          f"leave `resume` unset")
    return out, "auto"


def _checkpoint_meta(folder):
    """The root attributes of the checkpoint of run folder ``folder``; None where it has none that
    can be read (a finished run's weights alone; a damaged one, which the resumption refuses). One there
    that cannot be read for I/O (removed as it is opened, a disk error) is that I/O error, as
    :func:`minitransfer.checkpoint.load` says of it, not a run without a checkpoint."""
    path = folder / "checkpoint.h5"
    if not path.is_file():
        return None
    try:
        return checkpoints.read_meta(path)
    except checkpoints.CheckpointError:
        return None


def _recorded_weights(folder, meta):
    """The weights file of the run in ``folder`` as its checkpoint (root attributes ``meta``, or None)
    records it, the record a resumption continues (its config.json is a copy, which a hand may have
    edited: its `out` ``baseA.weights`` was taken, and the resumption refused as of a folder renamed,
    "rename it back to baseA.run"); :func:`minitransfer.rundir.weights_for` where the checkpoint
    names none of this folder's."""
    recorded = meta["config"].get("out") if meta is not None else None
    name = recorded_name(recorded) if isinstance(recorded, str) else ""
    weights = folder.with_name(name) if name else None
    return weights if weights is not None and run_dir_for(weights) == folder else weights_for(folder)


def _take_recorded_options(c, typed, meta=None):
    """Naming a run folder means "continue that run": each field of ``c`` left at its default takes
    the value the run recorded, in the checkpoint that :func:`minitransfer.resume.resume_point`
    compares the configuration with (the run's checkpoint.h5, else its finished weights), so only an
    option given otherwise is refused. Kept as given: `out`, the fields a resumption may change
    (:data:`RESUME_FREE_FIELDS`; `precision` with `allow_precision_change`), and a `data` whose recorded
    folder is gone, unless the built-in set, a cache, is the dataset recorded (rebuilt elsewhere);
    a user's moved dataset is refused at once, asking for its new folder (:func:`gone_refusal`),
    unless the run is finished and ends without it (:func:`finished_record`). A recorded `copy_from`
    that is gone is taken too: the run's checkpoint holds what the run needs of its base
    (:func:`minitransfer.resume.read_base`). The record is read once, here, for all of this
    (:func:`_refuse_typed_otherwise` too; ``meta``: the root attributes of the run's checkpoint,
    where they were read already). Returns the record and the fields taken from it where the run
    recorded another value than the default."""
    record = run_record(c.out)
    try:
        meta = meta if meta is not None and record.name == "checkpoint.h5" else checkpoints.read_meta(record)
    except checkpoints.CheckpointError:
        return record, ()  # resume_point reads it again and says what is wrong with it, and how to start over
    recorded = meta["config"]
    _refuse_typed_otherwise(c, typed, recorded, record)
    # the fields left unset take the run's value; RUN_SETTINGS left unset take the run's recorded value
    # (keep_run_settings), not the preset's
    kept = free_fields(c, "out") - set(RUN_SETTINGS)
    trained_on = recorded_path(recorded.get("data"))
    if c.data is None and not (isinstance(trained_on, str) and os.path.isdir(trained_on)):
        if isinstance(trained_on, str) and synthetic.is_builtin(trained_on):  # a cache: built again (its fingerprint
            c.data = str(synthetic.builtin_dataset())                            # is checked as the run resumes)
        elif isinstance(trained_on, str) and not finished_record(c.out, meta):
            raise gone_refusal(record, meta)  # its moved folder is asked for
        else:  # no field the dataset sets taken meanwhile (fc8 told to have another width)
            kept |= {"data", "fc8_outputs", "preset"}
    elif _prepared_again(trained_on if c.data is None else c.data, meta):  # fc8's width, the preset: the dataset's,
        kept |= {"fc8_outputs", "preset"}  # not the user's, who gave neither; resume_point names the dataset
    taken, values = [], {}
    for field in dataclasses.fields(c):
        if field.name not in kept and field.name in recorded and getattr(c, field.name) == field.default:
            values[field.name] = recorded[field.name]
            setattr(c, field.name, recorded_path(recorded[field.name]) if field.name in PATH_FIELDS
                    else recorded[field.name])
            if recorded[field.name] != field.default:
                taken.append(field.name)
    refuse_damaged_record(record, values, c)  # an option given instead is the user's, checked as such
    return record, taken


def _prepared_again(trained_on, meta):
    """Whether the dataset folder ``trained_on`` holds another meta.json now than the one the run recorded
    (``meta``: its checkpoint's root attributes): prepared again since, or another dataset given as `data`.
    With a class added, the run's fc8 width taken from its record was refused as "--fc8-outputs 11 is fewer
    than the 12 classes", and at a smaller size its preset as "preset mini takes 32x32 crops but the images
    are 16x16", options the user never gave (exit 2), where `resume auto` named the dataset prepared again
    (65), or the `data` given otherwise than the run's (2). A copy of the run's dataset, moved, is the same."""
    recorded = meta.get("dataset_fingerprint")
    path = pathlib.Path(trained_on) / "meta.json" if isinstance(trained_on, str) and recorded else None
    try:  # a named pipe there (not a file: open_dataset says so) would be waited on for ever
        return path is not None and path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != recorded
    except OSError:
        return False


def refuse_damaged_record(record, recorded, taken_into=None):
    """A run's ``record`` (its checkpoint, or finished weights) whose configuration ``recorded`` (those of
    its fields a resumption takes) holds a solver no run could have trained with (a base_lr NaN: the file
    edited or damaged) is refused as bad data naming it (:class:`minitransfer.checkpoint.CheckpointError`),
    before the value taken is checked as an option the user gave ("--base-lr must be a finite number",
    exit 2, of a command that gave none). ``taken_into``: the configuration those fields were taken into,
    its own fields checked already: checked again (:func:`minitransfer.config_checks.check_fields`), a fault
    is the record's (a max_iter of 10**100 was "--max-iter must be an integer 1..2147483647", exit 2). A rate
    float32 cannot hold (a weight_decay of 1e-40), which versions before 0.8.0 trained with, is refused as what
    it is, not as damage: the record may well be intact (:func:`_float32_refused`). A preset not known here, which
    one's own is in a new shell without the environment that notes it, is said to be that (:func:`_unknown_preset`),
    where it was "damaged: preset must be one of caffenet, mini, micro"."""
    unknown = _unknown_preset(recorded.get("preset"))
    if unknown is not None:
        raise checkpoints.CheckpointError(f"checkpoint {record}: the configuration it records (its run folder's "
                                          f"config.json is a copy) names {unknown}")
    fault = optim.solver_fault(recorded)
    if fault is None and taken_into is not None:
        try:
            check_fields(dataclasses.replace(taken_into))
        except ConfigError as error:
            fault = str(error)
    refused = _float32_refused(recorded) if fault is not None else None
    if refused is not None and refused in fault:  # not damage: a value this version refuses
        raise checkpoints.CheckpointError(
            f"checkpoint {record}: the configuration it records (its run folder's config.json is a copy) holds "
            f"{refused} {recorded[refused]!r}, which this version refuses: "
            f"{fault.removeprefix('solver: ').replace('`', '')}. Versions before 0.8.0 trained with such a value, so "
            f"the record need not be damaged, but this version does not continue the run: continue it with the "
            f"version that trained it, or train it again with a `{refused}` float32 holds")
    if fault is not None:
        raise checkpoints.CheckpointError(
            f"checkpoint {record}: the configuration it records (its run folder's config.json is a copy) is "
            f"damaged: {fault.replace('`', '')}; the run cannot be continued: copy its run folder again, or train "
            f"it again")


def _unknown_preset(preset):
    """Why the preset ``preset`` a run records is not known here, in the words of
    :func:`minitransfer.checkpoint.load`'s (:func:`minitransfer.models.unknown_preset`: a preset of one's own whose
    registering code this process has not run, or whose code, noted in the environment, fails here); None where it
    is known, or not a name (damage, said as such)."""
    if not isinstance(preset, str):
        return None
    return models.unknown_preset(preset, "continue the run through the script that registers it, as it was trained",
                                 joined=",")


def _float32_refused(recorded):
    """The first of the solver's rates that ``recorded`` (a run's configuration) holds as a finite number that float32
    cannot hold (below its smallest normal number, 0 aside, or beyond its largest), which versions before 0.8.0
    trained with (:func:`minitransfer.optim.number_fault`); None where it holds none such."""
    for name in optim.RATES:
        value = recorded.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and optim.number_fault(name, value, zero=True) is not None:
            return name
    return None


def keep_run_settings(config, unset, recorded):
    """The :data:`RUN_SETTINGS` and :data:`GIVEN_FREE_FIELDS` of ``config`` left ``unset`` (resolved to
    the preset's defaults) set to the run's own, as its checkpoint ``recorded`` them (its configuration),
    where a resumption (`resume='auto'` or a checkpoint) continues it: a rerun of its command line goes on
    with them, as `resume` naming its run folder does (:func:`_take_recorded_options`). Called once, by
    :func:`minitransfer.train.train` before its memory check (which measures `eval_batch_size`), and so
    before :func:`minitransfer.resume.resume_point` compares the configuration with the record: a run given
    `eval_batch_size` 4, its command rerun without it, was refused ("`eval_batch_size` 4 -> 8"), the
    preset's default taken for the user's."""
    for name in KEPT_SETTINGS:
        value = recorded.get(name)
        if name in unset and type(value) is int and value >= 1:
            setattr(config, name, value)


def _refuse_recorded_combination(c, given, record, taken):
    """A field given that excludes (or needs another than) one the run recorded, and ``c`` took from
    its ``record`` (``taken``: :func:`_take_recorded_options`), is refused naming where that one came
    from: ``TrainConfig(resume="A2B.run", random_frozen=2)`` said "`random_frozen` and `copy_from`
    exclude each other", of a `copy_from` the user never gave. ``given``: the `resume` given."""
    fault = combination_fault(c)
    if fault is None or not set(fault[1]) & set(taken):
        return  # none, or the user's own: check_combinations says it
    message, names = fault
    recorded = [name for name in names if name in taken]
    own = " and ".join(f"`{name}`" for name in names if name not in taken and getattr(c, name) is not None)
    values = ", ".join(f"`{name}` {getattr(c, name)!r}" for name in recorded)
    continued = f"; to continue that run, leave {own} unset" if own else ""
    raise ConfigError(f"{message}: {values} {'is' if len(recorded) == 1 else 'are'} the run's own, recorded in "
                      f"{record}, which `resume` {given} continues{continued}; to train the new configuration from "
                      f"the start, {START_OVER}")


def _refuse_typed_otherwise(c, typed, recorded, record):
    """Taking the value the run recorded for every field left at its default cannot tell a field
    left so from one the user gave at the default's value (``train --resume int.run --seed 0`` of a
    run of seed 5): ``typed``, the fields the user gave (the command line's options typed), tells
    them apart. One of them at its default's value that the run (``recorded``, its configuration in
    ``record``) recorded otherwise is refused (:class:`ConfigError`), as any other value than the
    run's is, rather than silently replaced by the run's."""
    free = free_fields(c, "out", "data")
    # the seed's default is None (a copy's is derived), the value typed at it 0 (--seed's default)
    defaults = {field.name: SEED_DEFAULT if field.name == "seed" else field.default for field in dataclasses.fields(c)}
    at_default = [name for name in defaults if name in typed and name not in free and name in recorded
                  and getattr(c, name) == defaults[name]]
    differ = [f"`{name}` {recorded[name]!r} -> {getattr(c, name)!r}" for name in at_default
              if recorded[name] != getattr(c, name)]
    if differ:
        raise ConfigError(f"cannot resume {record} with a different configuration: {', '.join(differ)}; to train "
                          f"the new configuration from the start, {START_OVER}")
