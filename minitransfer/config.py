"""The configuration of one training run and its resolution against the data and checkpoints.

:class:`TrainConfig` (:mod:`minitransfer.train_config`, whose docstring describes every field) is
everything a run depends on; ``None`` means "the sensible default". :func:`resolve` checks it against
the dataset, the base checkpoint and the run directory and fills in every default, in named steps,
writing nothing; the result is a :class:`Plan` (the resolved configuration plus what was opened on
the way). The resolved configuration is what the run directory's ``config.json`` and every
checkpoint record.

Defaults. The solver's are the paper's (:class:`minitransfer.optim.Solver`); the schedule's come
from the preset (:mod:`minitransfer.models`), and a shorter ``max_iter`` keeps the paper's shape
(``stepsize`` = round(100000 · max_iter / 450000)). Copying from a base trained on half A trains on
half B of the same split unless ``half`` says otherwise, and takes the base's preset and mean image; copying
from a base of another dataset (another class table) trains on every class of this one, or on a half of
its random split when ``half`` or ``split_seed`` is given.

The steps' pieces live apart: the checks of the fields and the errors (:mod:`minitransfer.config_checks`,
whose :class:`ConfigError` and :class:`DataMismatch` are re-exported here), a `resume` naming a run folder
(:mod:`minitransfer.resume_options`), the seed and solver taken from the checkpoints a run goes on from
(:mod:`minitransfer.config_records`, whose :class:`ScheduleRefused` is re-exported here), the mean image
(:mod:`minitransfer.mean_image`), class tables (:mod:`minitransfer.class_tables`), and the fields in the
user's words (:mod:`minitransfer.config_wording`).
"""

import dataclasses
import os
import pathlib
import sys

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer import checkpoint_check
from minitransfer import models, optim
from minitransfer.class_tables import check_classes_exist, class_table, same_dataset
from minitransfer.config_checks import (ConfigError, DataMismatch, TooFewClasses, check_combinations, check_fields,
                                        n_out_of_range, resolve_device, weight_layers_counted)
from minitransfer.config_records import ScheduleRefused, seed_of, solver_of
from minitransfer.data import dataset as datasets
from minitransfer.data import splits, synthetic
from minitransfer.data.mistaken_paths import GIVE_A_DATASET
from minitransfer.mean_image import mean_image
from minitransfer.progress import draws_bar
from minitransfer.recorded_config import fingerprint_before, recorded_change, resumed_on_prepared_again
from minitransfer.resume_options import START_OVER, keep_resume_given, resume_given, take_run_folder
from minitransfer.resumed_records import at_end, refuse_dataset_gone, resumed_record
from minitransfer.run_networks import copied_weights
from minitransfer.rundir import recorded_path, run_dir_for
from minitransfer.train_config import TrainConfig, default_out

__all__ = ["TrainConfig", "Plan", "ConfigError", "DataMismatch", "check_config", "checked", "resolve",
           "evaluates_after", "weight_layers_counted", "default_out", "ScheduleRefused"]


@dataclasses.dataclass
class Plan:
    """A resolved run: the configuration with every default filled in, and what it opened."""

    config: TrainConfig
    dataset: datasets.Dataset
    task: splits.Half                # the classes and images trained on (one half of a split, or all)
    preset: models.Preset
    solver: optim.Solver
    device: str                      # "cpu" or "cuda"
    mean: np.ndarray                 # the mean image subtracted from every crop
    mean_source: dict                # where it came from (the dataset, or the base checkpoint)
    parent: checkpoints.Checkpoint   # the base copied from, or None
    resume_from: checkpoints.Checkpoint  # the checkpoint continued from (set by resume.resume_point), or None
    run_dir: pathlib.Path
    classes: list                    # the class table of fc8's outputs
    cross_dataset: bool = False      # the base was trained on another dataset (another class table)
    unset: frozenset = frozenset()   # the fields the user left unset (None), whose defaults resolve filled in
    named: TrainConfig = None        # `config` with its paths and `resume` as the user gave them: messages name them so


def check_config(config):
    """ConfigError unless ``config`` is a :class:`TrainConfig` (a notebook's dict of options, or None,
    failed with an AttributeError from inside the run's set-up)."""
    if not isinstance(config, TrainConfig):
        hint = ": give TrainConfig(**options)" if isinstance(config, dict) else ""
        raise ConfigError(f"`config` must be a TrainConfig, got {type(config).__name__}{hint}")


def checked(config):
    """A copy of ``config`` with its fields checked, a `resume` that names a run folder taken
    (:func:`minitransfer.resume_options.take_run_folder`), a `copy_from` that names one taken for
    its weights (:func:`minitransfer.run_networks.copied_weights`), then their combinations: what
    :func:`resolve` resolves, before it reads any dataset or base."""
    check_config(config)
    c = dataclasses.replace(config)
    keep_resume_given(c, resume_given(config))  # a copy keeps no attribute but the fields
    check_fields(c)
    take_run_folder(c)
    c.copy_from = copied_weights(c.copy_from)
    check_combinations(c)
    c.out, c.resume = (None if path is None else str(path) for path in (c.out, c.resume))  # a notebook's pathlib.Path
    if c.out is not None and not pathlib.Path(c.out).name:  # "." or "/": no name to take its run directory's from
        raise folder_as_out(f"`out` {c.out}", c.out)
    return c


def folder_as_out(given, out):
    """The refusal of an ``out`` that is a folder (``given``: the words that name it)."""
    return ConfigError(f"{given} is a directory; name a weights file, e.g. {pathlib.Path(out) / 'net.h5'}")


def resolve(config, checksums=True, read_base=None, dataset_gone=None, resumed=None):
    """Check ``config`` against the data and checkpoints and fill in every default; writes nothing
    (except building the built-in synthetic dataset on first use). Returns a :class:`Plan`; whether
    it resumes is decided under the run's lock by :func:`minitransfer.resume.resume_point`.
    ``checksums``: also check every shard of the dataset against meta.json (reads all of it).
    ``read_base(config)``: the base checkpoint of a transfer (default: its `copy_from` file; train
    passes :func:`minitransfer.resume.read_base`, which lets a resumed run go on without it).
    ``dataset_gone(config)``: the record of a run resumed without `data` whose dataset folder is not
    there now, refused, or None (default: :func:`minitransfer.resumed_records.dataset_gone`, which
    reads the run's record; train passes what it read of it already). ``resumed``: (record, meta) of that
    record as train read it (:func:`~minitransfer.resumed_records.resumed_record`), or None: read where needed."""
    c = checked(config)
    unset = frozenset(field.name for field in dataclasses.fields(c) if getattr(c, field.name) is None)
    named = dataclasses.replace(c, resume=resume_given(c))  # `copy_from`, `data` and `resume` as given; `c` holds
    # them absolute (read and recorded), `resume` 'auto' where the user named a run folder
    refuse_dataset_gone(c, dataset_gone)
    device = resolve_device(c.device)
    read_base = read_base or (lambda c: checkpoints.load(c.copy_from, solver=False))
    parent = read_base(c) if c.copy_from is not None else None  # read as given: its faults are named so
    if c.copy_from is not None:  # recorded absolute, as data is: the record must not depend on train's folder
        c.copy_from = str(pathlib.Path(c.copy_from).resolve())
    if parent is not None and parent.recorded_in is None:  # a base's file: an emptied class table copied 0 classes
        parent.path = pathlib.Path(c.copy_from)
        checkpoint_check.check_classes(parent.meta, checkpoint_check.Faults(named.copy_from))
    if c.data is None:
        c.data = named.data = _data_of(parent, named) if parent is not None else synthetic.builtin_dataset()
    dataset = _open_as_given(c.data)
    c.data = str(dataset.path)
    if checksums:
        dataset.check_checksums()  # every shard against meta.json before the first iteration (unless unchanged since)
    cross_dataset = parent is not None and not same_dataset(parent, dataset)
    given_split_seed = c.split_seed
    if parent is not None and not cross_dataset:
        resumed = _refuse_resumed_on_another_dataset(c, parent, dataset, named, resumed)  # read once: for the seed too
        _refuse_base_prepared_again(parent, dataset, named)
        _inherit_from_parent(c, parent, dataset, named)
    elif cross_dataset and c.split is None:  # the target's own classes: all of them, unless a half is chosen
        c.split = "random" if c.half is not None or given_split_seed is not None else "all"
    _check_split_seed(c.split or "random", given_split_seed, parent if not cross_dataset else None)
    _fill_split(c)
    c.seed = seed_of(c, parent, resumed)
    task = _chosen_task(c, dataset, named, lambda: dataclasses.replace(c, out=c.out or default_out(c, parent)),
                        resumed)
    preset = _choose_preset(c, parent, dataset, task, named)
    _fill_schedule(c, preset)
    solver = solver_of(c, parent, resumed)
    mean, mean_source = mean_image(c, parent, dataset, named)
    c.out = c.out or default_out(c, parent)
    return Plan(config=c, dataset=dataset, task=task, preset=preset, solver=solver, device=device, mean=mean,
                mean_source=mean_source, parent=parent, resume_from=None, run_dir=run_dir_for(c.out),
                classes=class_table(dataset, task.class_indices), cross_dataset=cross_dataset, unset=unset,
                named=named)


def _open_as_given(data):
    """The dataset at ``data``, opened as the user gave it, so that its faults name it so (a
    relative `data` was named absolute), and then named absolute: the run reads it, and records it,
    wherever the process's working folder is meanwhile."""
    check_data_there(data)
    dataset = datasets.open_dataset(data)
    dataset.path = pathlib.Path(data).resolve()
    return dataset


def check_data_there(data):
    """A :class:`~minitransfer.data.dataset.DatasetError` where `data` (a folder's path, as given) is not there:
    train's words and evaluate_checkpoint's, which said "mcro/meta.json: missing (not a prepared dataset...)"."""
    if not os.path.exists(data):
        raise datasets.DatasetError(f"`data` {os.fspath(data)}: no such folder; {GIVE_A_DATASET}")


def evaluates_after(config, done):
    """Whether a run of the resolved ``config`` evaluates after its iteration ``done``: every
    `eval_every`, and at its end (`max_iter`), so that its last weights are measured too."""
    return done % config.eval_every == 0 or done == config.max_iter


def _data_of(parent, named):
    """The dataset of a transfer given no `data`: the one base ``parent`` was trained on (its
    recorded folder, or the built-in set), so that `copy_from` and `half` alone mean the other half
    of the base's dataset, not a transfer to the built-in set; a ConfigError when neither holds the
    base's class table (the folder moved or prepared again: `data` says which dataset is meant),
    naming the base as ``named`` (:attr:`Plan.named`) gives it. A recorded folder that holds a meta.json
    but fails to open is that dataset damaged: its :class:`~minitransfer.data.schema.DatasetError`, naming
    the file and what to do, goes up as it is (no other dataset is wanted)."""
    recorded = parent.meta["config"].get("data")
    where = "a dataset it does not record"
    if isinstance(recorded, str) and recorded:
        folder = recorded_path(recorded)  # to open; ``recorded`` as the record says it, for the message
        try:
            if same_dataset(parent, datasets.open_dataset(folder)):
                return folder
            where = f"{recorded}, which holds other classes now"
        except datasets.DatasetError:
            if (pathlib.Path(folder) / datasets.META_FILE).is_file():
                raise  # the base's dataset is there, a file of it damaged or unreadable: the error names it
            where = f"{recorded}, not a prepared dataset now"
    builtin = synthetic.builtin_dataset()
    if same_dataset(parent, datasets.open_dataset(builtin)):
        return builtin
    raise ConfigError(f"`copy_from` {named.copy_from} was trained on {where}; "
                      f"give `data`: that dataset (moved or prepared again) for a transfer within it, or another "
                      f"dataset for a transfer across datasets")


def _refuse_resumed_on_another_dataset(c, parent, dataset, named, resumed):
    """A :class:`ConfigError` for a run resumed (``resumed``: its record as train read it, or None: read here;
    ``parent``: its base, or what the run recorded of a base not there, :func:`minitransfer.resume.read_base`) on
    another dataset than the one it records: its record is compared first, as
    :func:`minitransfer.recorded_config.check_configuration` compares it, so that a transfer's run given its base's
    dataset as `data` is told that dataset is not its own, not that its base was trained before that folder was
    prepared again (bad data, nothing the user asked about). A finished run whose checkpoint was deleted is
    compared by its weights' record, as resume_point compares it. The run's own dataset, moved or copied, passes,
    and so does its folder prepared again (refused as such once resolved). Returns ``resumed``, else the record
    read here, for :func:`seed_of` and :func:`solver_of` (which read it again otherwise); None where none was."""
    if c.resume is None:
        return resumed
    recorded = parent.recorded_in  # the run's file read_base read already (its base not there): not read again
    resumed = resumed or (resumed_record(c) if recorded is None else None)
    found = resumed or ((recorded.path, recorded.meta) if recorded is not None else None)
    if found is None:
        return resumed
    record, meta = found
    change = recorded_change("data", (meta.get("config") or {}).get("data"), c.data, meta,
                             lambda _: dataset.fingerprint, named.data)
    if not change or fingerprint_before(meta, dataset) is not None:
        return resumed
    shown = c.resume if c.resume != "auto" else record
    go_on = "" if at_end(meta) else "to continue the run, give the dataset it was trained on as `data`; "
    raise ConfigError(f"cannot resume {shown} with a different configuration: `data` {change}; {go_on}to train the "
                      f"new configuration from the start, {START_OVER}")


def _refuse_base_prepared_again(parent, dataset, named):
    """A :class:`DataMismatch` (bad data) for a transfer within the dataset folder its base ``parent``
    was trained on, prepared again there since (its class table the same, its fingerprint, the sha256
    of its meta.json, not the one the base recorded): the copied layers learned other images of these
    classes, and the run would record the images there now, on which report counts it, as the
    transfers of bases trained on them. A run resumed on such a folder is refused so
    (:func:`minitransfer.recorded_config.check_configuration`), and so is a grid's run
    (:class:`minitransfer.grid_check.DatasetPreparedAgain`); a SLURM task's transfer is trained by
    train alone. Another folder of the same classes is a dataset chosen: warned of
    (:func:`minitransfer.preflight.warnings_for`), as a base of another dataset is told apart."""
    before = fingerprint_before(parent.meta, dataset)
    if before is None:
        return
    raise DataMismatch(f"`copy_from` {named.copy_from} was trained on {named.data} before that folder was prepared "
                       f"again (sha256 of its meta.json {before[:12]}, now {dataset.fingerprint[:12]}): its layers "
                       f"learned other images of these classes than the ones there now, which this run would "
                       f"record (report would count it a transfer on them, as those of bases trained on them); to "
                       f"transfer from it, give the dataset it trained on (a copy, or prepared again as it was) as "
                       f"`data`; to transfer on the images {named.data} holds now, train the base again on them "
                       f"first")


def _inherit_from_parent(c, parent, dataset, named):
    """A transfer within the base's dataset splits it as the base did: the base's split and seed,
    the other half (the base and the dataset named as ``named``, :attr:`Plan.named`, gives them)."""
    check_classes_exist(parent, dataset, "base checkpoint", named=named.copy_from, data_named=named.data)
    c.split = c.split or parent.meta["split_kind"] or "random"
    c.split_seed = c.split_seed if c.split_seed is not None else int(parent.meta["split_seed"])
    if c.half is None and c.split != "all":
        parent_half = parent.meta["split_half"] if parent.meta["split_kind"] == c.split else ""
        c.half = {"A": "B", "B": "A"}.get(parent_half, "A")


def _check_split_seed(split, given, parent):
    """ConfigError for a split seed ``given`` to a split that has none (natural, all: the same classes
    for every seed), rather than recording a seed that changed nothing; 0 (the default) and, for a
    transfer, its base's own seed (what it inherits) pass."""
    inherited = int(parent.meta["split_seed"]) if parent is not None else None
    if split != "random" and given and given != inherited:
        raise ConfigError(f"`split_seed` applies to the random split; the {split} split takes the same classes for "
                          f"every seed: leave `split_seed` unset (got {given})")


def _fill_split(c):
    """The split's defaults: random, split seed 0, half A (the "all" split has none)."""
    c.split = c.split or "random"
    c.split_seed = 0 if c.split_seed is None else c.split_seed
    if c.split == "all":
        if c.half is not None:
            raise ConfigError("`split` 'all' has no halves; leave `half` unset")
    else:
        c.half = c.half or "A"


def _select_task(c, dataset):
    """The half of the split trained on (or all classes), with the reduced-data selection."""
    try:
        return splits.make_half(dataset, c.split, seed=c.split_seed, half=c.half, per_class=c.per_class,
                                per_class_seed=c.seed if c.per_class else None)
    except datasets.DatasetError:  # a ValueError too, but bad data rather than a bad configuration
        raise
    except ValueError as error:
        raise ConfigError(str(error)) from error


def _chosen_task(c, dataset, named, resumption, resumed):
    """The classes and images trained on (:func:`_select_task`), refused where a half holds too few classes or
    no validation images. A resumption refused so (``resumption()``: ``c`` with its `out`) on its dataset folder
    prepared again since, with fewer classes, is refused for that as every other resumption there is
    (:func:`minitransfer.recorded_config.resumed_on_prepared_again`; ``resumed``: the run's record as train read
    it, or None), not advised to prepare it with more: its classes are chosen before its record is compared."""
    try:
        task = _select_task(c, dataset)
        if task.too_few_classes:
            raise TooFewClasses(f"{_classes_trained(c)} of {named.data} holds {task.num_classes} class; a "
                                f"classifier needs at least {splits.MIN_CLASSES} to tell apart",
                                splits.too_few_classes_remedy(dataset, task))
        if task.without_validation:
            raise DataMismatch(f"{named.data} has no validation images of this run's classes, so nothing would "
                               f"measure it; {splits.without_validation_remedy(dataset, task)}")
    except (ConfigError, DataMismatch):
        refusal = resumed_on_prepared_again(resumption(), dataset, named.data, resumed) if c.resume else None
        if refusal is None:
            raise
        raise refusal from None
    return task


def _classes_trained(c):
    """The classes a run of the resolved split trains on, in words: "every class", "half A of the random split"."""
    return "every class" if c.split == "all" else f"half {c.half} of the {c.split} split"


def _choose_preset(c, parent, dataset, task, named):
    """The base's preset when copying, else the one for the dataset's image size; checks n against
    the preset's copyable layers, the base's layer shapes, the crop and fc8's width (naming the
    base and the dataset as ``named``, :attr:`Plan.named`, gives them)."""
    origin = ""
    if c.preset is None:
        c.preset = parent.preset if parent is not None else models.preset_for_image_size(dataset.image_size).name
        origin = f" (the preset of {named.copy_from}, whose layers are copied)" if parent is not None else ""
    preset = models.get(c.preset)
    for name in ("n", "random_frozen"):  # an integer >= 1 (check_fields): above, fc8 asked for, most likely
        value = getattr(c, name)
        if value is not None and value > preset.copyable:
            raise n_out_of_range(name, value, preset)
    if parent is not None:  # first: preparing images for a preset that cannot take the base's layers helps no one
        probe = preset.build(task.num_classes)
        try:
            checkpoints.check_architecture(parent, probe, layers=probe.weight_layer_names[: c.n],
                                           named=named.copy_from)
        except checkpoint_check.CheckpointError as error:  # the base and the preset given disagree: the option's fault
            if c.preset == parent.preset:
                raise
            raise ConfigError(str(error)) from None
    if min(dataset.image_size) < preset.crop:
        # with a base, its preset is the only one that takes its layers: the base and the images do not fit; the
        # images, smaller, are prepared again from larger originals (enlarged, they add nothing), or a new base trained
        others = [f"`preset={name!r}`" for name in models.presets_fitting(dataset.image_size)]
        if parent is None:
            fault, instead = ConfigError, "".join(f", or choose {name}" for name in others)
        else:
            fault, instead = DataMismatch, " from original images at least that large" + (
                f", or train a new base with {' or '.join(others)}, whose crops fit them (a transfer takes its "
                f"base's preset)" if others else "")
        raise fault(f"preset {preset.name}{origin} takes {preset.crop}x{preset.crop} crops but the images of "
                    f"{named.data} are {dataset.image_size[0]}x{dataset.image_size[1]}: prepare them at "
                    f"{models.prepared_size(preset)} px (prepare's --size){instead}")
    c.fc8_outputs = c.fc8_outputs or task.num_classes
    if c.fc8_outputs > checkpoint_check.MAX_OUTPUTS:  # the half's classes, as many: its weights could not be read back
        raise ConfigError(f"the {task.num_classes} classes of the half need more outputs than the "
                          f"{checkpoint_check.MAX_OUTPUTS} a checkpoint holds: train on fewer classes "
                          f"(`split`, `half`)")
    if c.fc8_outputs < task.num_classes:
        raise ConfigError(f"`fc8_outputs` {c.fc8_outputs} is fewer than the {task.num_classes} classes this run "
                          f"trains on ({_classes_trained(c)} of {named.data}): leave it unset (one output per "
                          f"class), or give {task.num_classes} or more")
    return preset


def _fill_schedule(c, preset):
    """The preset's schedule; a reduced-data run (``per_class``) takes the paper's reduced-data solver
    (base_lr 0.0125, a step at 64,000 of 200,000 iterations), scaled to the preset like the rest."""
    schedule = optim.REDUCED if c.per_class is not None else optim.PAPER
    c.base_lr = c.base_lr if c.base_lr is not None else schedule.base_lr
    c.max_iter = c.max_iter or max(1, round(preset.max_iter * schedule.max_iter / optim.PAPER_MAX_ITER))
    c.stepsize = c.stepsize or schedule.scaled(c.max_iter)
    c.batch_size = c.batch_size or preset.batch_size
    c.eval_batch_size = c.eval_batch_size or c.batch_size
    c.eval_every = c.eval_every or preset.eval_every
    c.checkpoint_every = c.checkpoint_every or preset.checkpoint_every
    c.log_every = c.log_every or preset.log_every
    if c.progress is None:
        c.progress = draws_bar(sys.stderr) and not c.quiet
