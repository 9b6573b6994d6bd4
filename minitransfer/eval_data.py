"""The images a checkpoint is scored on (:func:`minitransfer.evaluate.evaluate_checkpoint`): the dataset it was
trained on (:func:`trained_on`), the half it was trained on rebuilt there, its classes checked (:func:`task_of`),
the mean its first layers saw (:func:`own_mean`); and what eval says where a dataset cannot give them: too small for
its crop, no image of its classes, other classes, the folder prepared again since it trained.
"""

import os
import pathlib
import shlex

from minitransfer import checkpoint_check, models
from minitransfer.class_advice import transfer_of
from minitransfer.class_tables import check_classes_exist, class_table, described_class, prepared_again_since
from minitransfer.config_checks import ConfigError, DataMismatch
from minitransfer.data import dataset as datasets
from minitransfer.data import splits, synthetic
from minitransfer.mean_image import mean_seen
from minitransfer.moved_classes import renumbered_half
from minitransfer.own_presets import pasted, preset_of
from minitransfer.rundir import recorded_path
from minitransfer.validation_advice import with_validation


def nothing_to_score(path, dataset, subset, task):
    """Why checkpoint ``path`` has no images of ``subset`` to be scored on in ``dataset`` (its half
    ``task`` holds none): a dataset imported without a validation set was said to "hold none of the
    classes it was trained on", of the very classes it holds, and to have nothing to score it on; told to re-import it
    with the option of the prepare command that made it (:func:`minitransfer.validation_advice.with_validation`),
    where it was "prepare folder --val-fraction 0.1, or prepare imagenet --devkit DIR" whatever made it."""
    if subset == "val" and dataset.num_images("val") == 0:
        return (f"checkpoint {path}: {dataset.path} has no validation images (imported without a validation set), "
                f"so nothing to score it on; score it on its half's training images instead (eval --subset train; "
                f"subset='train'), the images it trained on where this is its dataset, or "
                f"{with_validation(dataset.meta.get('source'))}")
    return (f"checkpoint {path}: the {subset} images of {dataset.path} hold none of the {task.num_classes} classes it "
            f"was trained on; nothing to score it on")


def prepare_to_fit(saved, preset):
    """What to do where the images are smaller than the network's crop: prepare them at the size it was
    trained on (its mean image's), or, where it holds no mean, at the size its preset is meant for."""
    if saved.mean is not None:
        return f"prepare them at {saved.mean.shape[0]} px (prepare's --size), the size of the images it was trained on"
    return f"prepare them at {models.prepared_size(preset)} px (prepare's --size)"


def own_mean(saved, dataset, data):
    """The mean image of a checkpoint that holds none (its /mean missing): ``dataset``'s, where that is
    the mean its first layers saw (the mean of this dataset, as its record says, or, recording none,
    scored on its own dataset); a DataMismatch otherwise: another dataset's mean, or its base's, would
    be subtracted in place of the one it was trained with, and nothing would say so."""
    source = saved.meta.get("mean_source") or {}
    if source.get("kind") == "dataset" and source.get("fingerprint") == dataset.fingerprint or \
            not source and data is None:
        return dataset.mean()
    raise DataMismatch(f"checkpoint {saved.path} holds no /mean image (the file is incomplete): its first layers "
                       f"saw {mean_seen(saved.meta)}, not the mean of {dataset.path}, which scoring it there would "
                       f"subtract")


def trained_on(saved):
    """The folder of the dataset ``saved`` was trained on. The built-in benchmark's (the demo's) is a
    cache, deleted or moved ($MINITRANSFER_CACHE) at will, and no folder of the user's holds it: it is
    built again in the cache (the same files: the fingerprint check that follows holds). Another one gone is
    refused, pointing to info, which names the command that prepares it again."""
    recorded = saved.meta.get("config", {}).get("data")
    folder = recorded_path(recorded)
    if recorded and pathlib.Path(folder).is_dir():
        return folder
    if not recorded or synthetic.is_builtin(recorded):
        return synthetic.builtin_dataset()
    info = pasted(f"info {shlex.quote(str(saved.path))}", preset_of(saved.meta.get("config")))
    # a usage error (2), as train --copy-from's (config._data_of) and a --data not there: an option (`data`) is wanted
    raise ConfigError(f"checkpoint {saved.path} was trained on {recorded}, which is not there any more; give the "
                      f"folder where that dataset is now as `data`, or prepare it again "
                      f"(`{info}` names the command, where its run recorded the dataset's source)")


def task_of(saved, dataset):
    """The half a checkpoint was trained on, rebuilt from its recorded split; its classes checked. A dataset of
    its very classes and no other, numbered otherwise: every image, labelled as the network numbers its class
    (:func:`minitransfer.moved_classes.renumbered_half`)."""
    checkpoint_check.check_classes(saved.meta, checkpoint_check.Faults(saved.path))
    try:
        check_classes_exist(saved, dataset, "checkpoint")
    except DataMismatch as error:
        task = renumbered_half(saved, dataset)  # its very classes, numbered otherwise: each image as its class's
        if task is None:
            raise DataMismatch(f"{error}: {_its_own_classes(saved, dataset)}") from None
        return task
    kind = saved.meta.get("split_kind") or "all"
    stored = saved.meta.get("config", {})
    per_class = stored.get("per_class")  # a reduced-data run's training images, chosen as train did
    half = saved.meta.get("split_half") or None
    try:
        task = splits.make_half(dataset, kind, seed=int(saved.meta.get("split_seed", 0)), half=half,
                                per_class=per_class, per_class_seed=stored.get("seed") if per_class else None)
    except datasets.DatasetError:  # a ValueError too, raised as it is
        raise
    except ValueError as error:  # a split this dataset cannot make (no families), or one the checkpoint misrecords
        raise DataMismatch(f"checkpoint {saved.path} was trained on split {kind} half {half or '-'}, which "
                           f"{dataset.path} cannot give: {error}") from error
    table = class_table(dataset, task.class_indices)
    which = "every class" if task.half is None else f"half {task.half} of the {kind} split"
    if len(table) != len(saved.classes):
        raise DataMismatch(f"checkpoint {saved.path} was trained on {len(saved.classes)} classes; {which} of "
                           f"{dataset.path} is {task.num_classes} classes, not those {len(saved.classes)}: a network "
                           f"is scored on the classes it was trained on; to score its layers on these, "
                           f"{transfer_of(saved, dataset)}")
    if table != saved.classes:  # as many, but in another order or named otherwise: fc8's outputs would be misread
        label = next(label for label, (ours, theirs) in enumerate(zip(saved.classes, table)) if ours != theirs)
        ours, theirs = saved.classes[label], table[label]
        raise DataMismatch(f"checkpoint {saved.path} was trained on other classes than {which} of {dataset.path}: "
                           f"its output {label} is class {ours['index']} {described_class(ours)}, "
                           f"there class {theirs['index']} {described_class(theirs)}: "
                           f"{_its_own_classes(saved, dataset)}")
    return task


def _its_own_classes(saved, dataset):
    """What to do where ``dataset`` lacks the classes checkpoint ``saved`` was trained on: score it on
    its own dataset, or transfer its layers to these classes. Where ``dataset`` is the very folder it
    was trained on, prepared again since (:func:`_prepared_again`), that is said: "give the dataset it
    was trained on (S)" named the folder just refused; so it is where another ``dataset`` is given and that
    folder was prepared again (:func:`minitransfer.class_tables.prepared_again_since`), which "give S" named."""
    recorded, fingerprint = saved.meta.get("config", {}).get("data"), saved.meta.get("dataset_fingerprint")
    again = _prepared_again(saved, dataset)
    if again:
        own = (f"it {again}, so that folder no longer holds its dataset: prepare that again as it was, or give a "
               f"copy of it")
    elif prepared_again_since(recorded, fingerprint):
        own = (f"it was trained on {recorded} before that folder was prepared again (sha256 of its meta.json "
               f"{fingerprint[:12]} then), so it no longer holds its dataset: prepare that again as it was, or give "
               f"a copy of it")
    else:
        own = f"give the dataset it was trained on{f' ({recorded})' if recorded else ''}"
    return f"{own} as `data`; to score its layers on these classes, {transfer_of(saved, dataset)}"


def _prepared_again(saved, dataset):
    """:func:`trained_before` where ``dataset``, given as ``data``, is the folder checkpoint ``saved``
    records it was trained on, holding another dataset now (its meta.json's sha256 not the one
    recorded); "" otherwise."""
    recorded, fingerprint = saved.meta.get("config", {}).get("data"), saved.meta.get("dataset_fingerprint")
    if not (recorded and fingerprint) or fingerprint == dataset.fingerprint:
        return ""
    try:
        return trained_before(dataset, fingerprint) if os.path.samefile(recorded_path(recorded), dataset.path) else ""
    except OSError:  # the recorded folder gone: not this one
        return ""


def trained_before(dataset, fingerprint):
    """How ``eval`` says, with ``data`` or without, that a checkpoint's dataset folder was prepared again
    since it trained (``fingerprint``: the sha256 of its meta.json then)."""
    return (f"was trained on {dataset.path} before it was prepared again (sha256 of its meta.json {fingerprint[:12]}, "
            f"now {dataset.fingerprint[:12]})")
