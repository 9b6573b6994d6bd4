"""How a dataset's class table differs from the one a network was trained on, in the words its refusal gives:
:func:`differences`, one account for ``eval`` and ``train --copy-from`` alike (both refuse through
:func:`minitransfer.class_tables.check_classes_exist`). Where the dataset lacks some of the network's classes and
numbers others otherwise (a class removed from the middle of a folder dataset, another renamed), it names the
classes lacked, those numbered otherwise and where, and those it holds besides (:func:`lost_and_moved`). Before, it
named the first index that differs alone ("class 2 is 'coal' in the checkpoint, 'dune' in the dataset"), as though
one class had been renamed in place, or the classes lacked without those numbered otherwise ("the dataset lacks
'coal', 'sky'", of a dataset that numbers 'grass' 2, not 3); and train's refusal said less than eval's.
A dataset of the network's very classes and no other, numbered otherwise, ``eval`` scores all the same
(:func:`renumbered_half`).
"""

import numpy as np

from minitransfer.class_tables import class_key, described_class
from minitransfer.data import splits
from minitransfer.name_lists import some_names


def renumbered_half(saved, dataset):
    """The images of ``dataset`` to score checkpoint ``saved`` on where the dataset holds its classes and no other,
    each by its very wnid, some numbered otherwise (a test set of a half's classes, prepared from their folders
    alone): a :class:`minitransfer.data.splits.Half` of every class, each image labelled with the network's output
    for its class; None otherwise (a class lacked or besides, a wnid twice). Such a set was refused, advising a
    transfer of the network's layers "to these classes": its own."""
    classes, by_wnid = saved.classes, {}
    for entry in dataset.classes:
        by_wnid.setdefault(str(entry["wnid"]), []).append(entry)
    found = [by_wnid.get(str(entry["wnid"]), [None, None]) for entry in classes]
    if len(dataset.classes) != len(classes) or any(len(there) != 1 for there in found):
        return None
    indices = [int(there[0]["index"]) for there in found]  # of each output of the network, its class's there
    stored = saved.meta.get("config", {})
    per_class = stored.get("per_class")  # N per class of this dataset's training images, chosen as train chooses
    half = splits.Half(dataset, "all", None, None, sorted(indices), per_class,
                       stored.get("seed") if per_class else None)
    output = np.argsort(indices).astype(np.int32)  # Half's label k, the k-th of its indices: that class's output
    half.train_labels, half.val_labels = output[half.train_labels], output[half.val_labels]
    half.class_indices = np.asarray(indices, dtype=np.int64)
    half.classes = [there[0] for there in found]
    return half


def renumbered(classes, others):
    """How many of the class table ``classes`` (a checkpoint's) ``others`` (a dataset's) holds under another
    index."""
    return len(_moved(classes, others))


def differences(classes, others, entry, there):
    """How the class table ``others`` (a dataset's) differs from ``classes`` (a checkpoint's), whose ``entry`` is
    the first not at its index and wnid there (``there``: the class ``others`` holds at that index, None for
    none), in words that follow "this dataset": "numbers otherwise: ..." where it holds every one of ``classes``
    (:func:`_numbered_otherwise`); "does not have: the dataset lacks ..." where it lacks some of them and numbers
    some otherwise (:func:`lost_and_moved`); else "does not have: " and that index (a class renamed in place, the
    last gone): "class 2 is 'coal' in the checkpoint, 'dune' in the dataset"; each with how many classes each
    holds."""
    elsewhere = _numbered_otherwise(classes, others)
    if elsewhere:  # every class there: "does not have" said of classes it has
        return f"numbers otherwise: {elsewhere}"
    moved = lost_and_moved(classes, others)
    if moved:
        return f"does not have: {moved}"
    return (f"does not have: class {entry['index']} is {described_class(entry)} in the checkpoint, "
            f"{'absent' if there is None else described_class(there)} in the dataset {_counts(classes, others)}")


def lost_and_moved(classes, others):
    """Where the class table ``others`` (a dataset's) lacks some of ``classes`` (a checkpoint's; by
    :func:`minitransfer.class_tables.class_key`) and numbers some of those it has otherwise, what a user needs: the
    classes it lacks, those it numbers otherwise and where, those it holds besides ("no class besides" where
    none: a class removed, the others numbered on), and how many each holds (a long list as its first few and how
    many more). "" otherwise: nothing lacked (:func:`_numbered_otherwise`), or nothing moved (a class renamed in
    place, the last one gone: :func:`differences` names that index)."""
    lacked = _lacked(classes, others)
    moved = _moved(classes, others)
    if not (lacked and moved):
        return ""
    return (f"the dataset lacks {_listed(lacked)} and numbers {len(moved)} of the others otherwise: "
            + some_names([f"{described_class(entry)} (class {entry['index']} in the checkpoint, {found['index']} in "
                          f"the dataset)" for entry, found in moved])
            + f"{_besides(classes, others) or '; it holds no class besides'} {_counts(classes, others)}")


def _numbered_otherwise(classes, others):
    """Where every class of the class table ``classes`` (a checkpoint's) is in ``others`` (a dataset's) by
    :func:`minitransfer.class_tables.class_key`, some under another index: the first so numbered and what
    ``others`` holds besides, in words ("class 1 'grass' in the checkpoint is class 2 in the dataset; it holds 1
    class besides: 'coal' (4 classes in the checkpoint, 5 in the dataset)"); "" where one is not there, or where
    each is at its own index (a wnid spelt otherwise there: folder `Cat` for `cat`). A superset of a network's
    classes, or its classes in another order, was said not to have the class it holds at another index."""
    moved = _moved(classes, others)
    if not moved or _lacked(classes, others):
        return ""
    entry, found = moved[0]
    return (f"class {entry['index']} {described_class(entry)} in the checkpoint is class {found['index']} in the "
            f"dataset{_besides(classes, others)} {_counts(classes, others)}")


def _moved(classes, others):
    """[(entry, found)]: each entry of the class table ``classes`` (a checkpoint's) that ``others`` (a dataset's)
    holds (:func:`_matched`) at another index, with its entry there."""
    return [(entry, found) for entry, found in _matched(classes, others)
            if found is not None and int(found["index"]) != int(entry["index"])]


def _lacked(classes, others):
    """The entries of the class table ``classes`` (a checkpoint's) that ``others`` (a dataset's) lacks
    (:func:`_matched`)."""
    return [entry for entry, found in _matched(classes, others) if found is None]


def _matched(classes, others):
    """[(entry, found)]: each entry of the class table ``classes`` (a checkpoint's) with the entry of ``others`` (a
    dataset's) that is its class, None where none: the one of its very wnid, else one of its
    :func:`minitransfer.class_tables.class_key` (a wnid spelt otherwise: folder `Cat` for `cat`) that no class of
    ``classes`` has by its very wnid and none before it took. Each of ``others`` is one class's at most: folders
    `Cat` and `cat` are two classes of one key, and `cat` removed, 'cat' was said to be numbered 0 there, where
    the dataset holds 'Cat'."""
    exact = {}
    for entry in others:
        exact.setdefault(str(entry["wnid"]), entry)
    taken = {str(entry["wnid"]) for entry in classes} & exact.keys()
    loose = {}
    for entry in others:
        if str(entry["wnid"]) not in taken:
            loose.setdefault(class_key(entry), []).append(entry)
    matched = []
    for entry in classes:
        spelt = loose.get(class_key(entry)) if str(entry["wnid"]) not in exact else None
        matched.append((entry, exact.get(str(entry["wnid"])) or (spelt.pop(0) if spelt else None)))
    return matched


def _besides(classes, others):
    """What the class table ``others`` (a dataset's) holds besides ``classes`` (a checkpoint's), by
    :func:`minitransfer.class_tables.class_key`, in words: "; it holds 1 class besides: 'ant'"; "" where nothing."""
    seen = {id(found) for _, found in _matched(classes, others)}
    besides = [entry for entry in others if id(entry) not in seen]
    return f"; it holds {len(besides)} class{'es' * (len(besides) > 1)} besides: {_listed(besides)}" if besides else ""


def _listed(entries):
    """The class table's ``entries`` as a message names them (:func:`minitransfer.class_tables.described_class`),
    a long list as its first few and how many more (:func:`minitransfer.name_lists.some_names`)."""
    return some_names([described_class(entry) for entry in entries])


def _counts(classes, others):
    """How many classes the checkpoint's table ``classes`` and the dataset's ``others`` hold, in words."""
    return f"({len(classes)} classes in the checkpoint, {len(others)} in the dataset)"
