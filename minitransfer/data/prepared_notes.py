"""What ``prepare`` says of a dataset it prepared (or verified): its summary line (:func:`summary`) and
its notes (:func:`notes`): classes left out, files skipped, plugins missing, classes without validation."""

import numpy as np

from . import image_formats, inputs, shard_format
from .held_out import PICKED_BEFORE_DECODING, is_held_out, share_note
from .copies import COPY_OF_TRAINING
from .no_validation import copied_throughout, where_looked
from .shard_format import COPIES_FILE
from .splits import MIN_CLASSES, natural_split_notes

# A class with more than this many times the training (or validation) images of another is noted: always
# answering the largest (learning nothing) then scores well above 1/classes on unbalanced validation, and the
# report judges accuracy against its share (minitransfer.run_facts.bases_against_chance). Twice: 2 to 1 in a
# half of 2 classes is chance 67%, not 50%.
IMBALANCE = 2
MEAN_RECORDS = "mean.h5 recorded its digest"  # the words of a dataset whose meta.json verify cannot check


def summary(built, verified, said=""):
    """The line that reports the :class:`.dataset.Dataset` ``built``: its classes, images and size, after
    ``said`` where given (what the import reused: :meth:`.import_writes.Writes.said`)."""
    counts = ", ".join(f"{subset} {built.num_images(subset)}" for subset in shard_format.SUBSETS)
    return (f"{inputs.display_name(built.path)}: {f'{said}: ' if said else ''}{built.num_classes} "
            f"class{'' if built.num_classes == 1 else 'es'}, {counts} images of {built.image_size[0]}x"
            f"{built.image_size[1]}{' (verified)' if verified else ''}")


def notes(built):
    """The notes on ``built``, one a line, each as soon as it is found (a generator: a shard that turns out
    unreadable fails after the notes before it are out)."""
    yield from _classes_replaced(built)
    if built.meta_checked is False:  # verified, but prepared before mean.h5 recorded meta.json's digest
        yield (f"note: {shard_format.META_FILE} itself is unchecked: this dataset was prepared before {MEAN_RECORDS}; "
               f"its shards, mean image and class table are checked. A rerun of its prepare command leaves it as it is "
               f"(the runs on it go on); prepared into a new folder, it is checked")
    if built.num_classes < MIN_CLASSES:  # a dataset an older version prepared: nothing can be trained on it
        yield f"note: 1 class: 'train' refuses it (a classifier needs {MIN_CLASSES} or more classes)"
    elif built.num_classes < 2 * MIN_CLASSES:  # a half of fewer (random split of 2 or 3 classes) is refused
        yield (f"note: {built.num_classes} classes: a half of the random split holds fewer than the {MIN_CLASSES} "
               f"classes 'train' needs, so train with --split all (the random and natural splits need {MIN_CLASSES} "
               f"classes in each half)")
    yield from natural_split_notes(built)
    for entry in built.meta.get("excluded_classes", []):
        yield f"left out class {entry['name']!r}: {entry['reason']}"
    skipped = built.meta.get("skipped", [])
    if skipped:
        yield f"skipped {len(skipped)} file(s), listed in {built.path / shard_format.SKIPPED_FILE}:"
        for entry in skipped[:20]:
            yield f"  {entry['file']}: {entry['reason']}"
    formats = image_formats.needing_plugins(skipped)
    if formats:  # a phone's photos: without this line, hundreds of "skipped" lines that read like damaged files
        yield (f"note: {sum(formats.values())} skipped file(s) are "
               f"{', '.join(f'{count} {name}' for name, count in formats.items())} images, which Pillow reads "
               f"only with a plugin: pip install {' '.join(image_formats.PLUGINS[name][0] for name in formats)}, "
               f"then rerun the same command (the shards holding them are decoded again)")
    val_skipped = [entry for entry in skipped if entry.get("subset") == "val"]
    held_out = is_held_out(built.meta.get("source"))
    listed_in = built.path / shard_format.SKIPPED_FILE
    if built.num_images("val") == 0:
        if val_skipped and held_out:  # each class's picks were damaged photos
            names = sorted({repr(entry.get("class")) for entry in val_skipped})
            yield (f"note: no validation images, so 'train' will refuse this dataset: the {len(val_skipped)} "
                   f"file(s) picked for validation could not be decoded (classes {', '.join(names[:10])}"
                   f"{' ...' if len(names) > 10 else ''}; {PICKED_BEFORE_DECODING}; listed in {listed_in})")
        elif val_skipped:  # a val/ given (--val-fraction is refused beside it): its files are at fault
            yield (f"note: no validation images, so 'train' will refuse this dataset: all {len(val_skipped)} "
                   f"validation file(s) were skipped, listed with why in {listed_in}: "
                   f"{_remedy(val_skipped)} and rerun the same command")
        else:  # nothing skipped: where the importer looked, and what gives it validation images
            looked = where_looked(built.meta.get("source"))
            yield ("note: no validation images, so 'train' will refuse this dataset" + (
                f": {looked}" if looked else " (prepare folder holds out --val-fraction of each class; prepare "
                                             "imagenet reads val/ with --devkit or --val-labels)"))
        return
    undecoded = sum(not entry["reason"].startswith(COPY_OF_TRAINING) for entry in val_skipped)
    share = share_note(built.meta.get("source"), built.labels("train"), built.labels("val"), built.num_classes,
                       undecoded, listed_in)
    if share:
        yield share
    counts = np.bincount(built.labels("val"), minlength=built.num_classes)
    unseen = [entry for entry, count in zip(built.classes, counts) if count == 0]
    returned = set(built.meta.get("returned_to_training", []))
    yield from _without_validation([entry for entry in unseen if entry["name"] in returned],
                                   "their only decodable images had been held out for validation: they went back "
                                   "to training")
    unseen = [entry for entry in unseen if entry["name"] not in returned]
    skipped_for = {entry.get("class") for entry in val_skipped}
    why = (f"the files picked for validation could not be decoded ({PICKED_BEFORE_DECODING}; listed in {listed_in})"
           if held_out else f"their validation images could not be imported: they are listed in {listed_in}")
    yield from _without_validation([entry for entry in unseen if entry["wnid"] in skipped_for], why)
    unseen = [entry for entry in unseen if entry["wnid"] not in skipped_for]
    copied = copied_throughout(built, unseen) if held_out else set()
    yield from _without_validation([entry for entry in unseen if entry["name"] in copied],
                                   f"each of their images lies in another class too, listed in "
                                   f"{built.path / COPIES_FILE}, and held-out validation takes no such copy, a "
                                   f"training image of the other class: delete the copies from the classes they do "
                                   f"not belong to and rerun the same command")
    yield from _without_validation([entry for entry in unseen if entry["name"] not in copied],
                                   "held-out validation takes images only from classes of two or more; a val/ "
                                   "folder needs an image of each")
    yield from _imbalance(built, counts)


def _classes_replaced(built):
    """A note where the folder held a dataset of other classes, or of its classes in another label order,
    before this import (a class folder added or removed since the last prepare into it): a label now means
    another class, so the networks trained on what it held no longer fit it, and a random split seed draws other
    halves; without a word, the folder's old dataset was replaced."""
    before = built.writes.classes_before if built.writes is not None else None
    now = tuple(entry["wnid"] for entry in built.classes)
    if before is None or before == now:
        return
    gone, new = [wnid for wnid in before if wnid not in now], [wnid for wnid in now if wnid not in before]
    moved = [label for label, wnid in enumerate(now) if label < len(before) and before[label] != wnid]
    changes = [f"{len(gone)} gone ({_listed(gone)})" if gone else "", f"{len(new)} new ({_listed(new)})" if new else "",
               f"{len(moved)} label(s) now name another class (label {moved[0]}: {_listed(now[moved[0]:][:1])}, "
               f"was {_listed(before[moved[0]:][:1])})" if moved else ""]
    yield (f"note: {inputs.display_name(built.path)} held a dataset of other classes before this import: "
           f"{'; '.join(filter(None, changes))}: networks trained on the dataset it held no longer fit it (eval "
           f"and train --copy-from refuse or warn of them), and a random split seed draws other halves; to keep "
           f"an earlier dataset beside a new one, prepare into another OUT")


def _listed(wnids, shown=5):
    """The first ``shown`` class names (wnids) of ``wnids``, quoted, and "..." where there are more."""
    from minitransfer.class_tables import described_wnid  # imported here: class_tables' imports reach this package
    return ", ".join(described_wnid(wnid) for wnid in wnids[:shown]) + (" ..." if len(wnids) > shown else "")


def _imbalance(built, val_counts):
    """A note where the largest class holds more than :data:`IMBALANCE` times the training images of the
    smallest, or the validation images (``val_counts``: of each class) of the smallest holding any. It says the
    two apart: the training counts, then the largest validation class's share, what a network answering it
    alone scores on every class, which is chance in place of 1/classes only where it exceeds 1/classes."""
    train_counts = np.bincount(built.labels("train"), minlength=built.num_classes)
    largest, smallest = int(np.argmax(train_counts)), int(np.argmin(train_counts))
    unbalanced = train_counts[largest] > IMBALANCE * train_counts[smallest]
    held = val_counts[val_counts > 0]
    if not (unbalanced or held.max() > IMBALANCE * held.min()):
        return
    names = [_named(entry) for entry in built.classes]
    beyond = "more than" if unbalanced else "at most"
    training = (f"{names[largest]} has {train_counts[largest]} training images, {names[smallest]} "
                f"{train_counts[smallest]} ({beyond} {IMBALANCE}x)")
    top, total = int(np.argmax(val_counts)), int(val_counts.sum())
    if val_counts[top] * built.num_classes > total:
        validation = (f"{names[top]} holds {val_counts[top]} of the {total} validation images "
                      f"({val_counts[top] / total:.1%}), what a network that always answers it scores, learning "
                      f"nothing, so report judges accuracy against that share (chance), not 1/classes")
    else:
        images = "image" if val_counts[top] == 1 else "images"
        validation = (f"validation holds {val_counts[top]} {images} of each class, so chance stays 1/classes "
                      f"({1 / built.num_classes:.1%})")
    yield f"note: unbalanced classes: {training}; {validation}"


def _remedy(val_skipped):
    """What to do about the validation files ``val_skipped``, all skipped: those that do not decode replaced,
    copies of training images (left out, else validation would score images trained on) replaced by others."""
    copies = sum(entry["reason"].startswith(COPY_OF_TRAINING) for entry in val_skipped)
    if copies == len(val_skipped):
        return "they are copies of training images: put images in val/ that are not in train/"
    if copies:
        return (f"{copies} of them are copies of training images, the others do not decode: put images in val/ "
                f"that decode and are not in train/")
    return "replace them with images that decode"


def _without_validation(classes, why):
    if classes:
        names = [_named(entry) for entry in classes]
        yield (f"note: {len(names)} class(es) have no validation image, so validation accuracy says nothing "
               f"about them: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''} ({why})")


def _named(entry):
    """A class's name as a note shows it: quoted, escaped and cut (:func:`minitransfer.class_tables.described_wnid`)."""
    from minitransfer.class_tables import described_wnid  # imported here: class_tables' imports reach this package
    return described_wnid(entry["name"])
