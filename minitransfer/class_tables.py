"""Class tables: the classes of fc8's outputs ({index, wnid, name}), the hash naming a dataset's
table, whether a checkpoint's classes are a dataset's (a transfer within it or across datasets), and whether
the folder a checkpoint records it was trained on still holds that dataset (:func:`prepared_again_since`)."""

import hashlib
import json
import re

from minitransfer.config_checks import DataMismatch
from minitransfer.data.inputs import display_name
from minitransfer.data.shard_format import META_FILE
from minitransfer.data.wordnet import WNID
from minitransfer.left_out import UnreadableRun
from minitransfer.rundir import recorded_file


def class_table(dataset, class_indices):
    """[{index, wnid, name}] of the given original class indices, in that order."""
    by_index = {int(c["index"]): c for c in dataset.classes}
    return [{"index": int(i), "wnid": str(by_index[int(i)]["wnid"]), "name": str(by_index[int(i)]["name"])}
            for i in class_indices]


def classes_sha256(dataset):
    """sha256 of the dataset's whole class table as (index, wnid) pairs: which classes a split splits."""
    table = sorted((int(c["index"]), str(c["wnid"])) for c in dataset.classes)
    return hashlib.sha256(json.dumps(table).encode()).hexdigest()


def named_only(entry):
    """Whether a class table's ``entry`` has no id but its name: a folder's or CIFAR's class, whose
    wnid field holds its name; not an ImageNet class (a WordNet id, :data:`minitransfer.data.wordnet.WNID`,
    named or not) nor a synthetic one (an id of its own beside its name)."""
    wnid = str(entry["wnid"])
    return wnid == str(entry.get("name")) and not WNID.fullmatch(wnid)


# A folder's class named by the WordNet id it begins with: Stanford Dogs' n02085620-Chihuahua/ is ImageNet's n02085620
WNID_LED = re.compile(r"(n\d{8})(?:[-_ .,]|$)")
# What a class name's words may be joined with, one dataset's golden_retriever/ another's "golden retriever"
JOINED = re.compile(r"[\s_-]+")


def class_key(entry):
    """What tells a class table's ``entry`` apart across datasets: its wnid; for a class of a name only
    (:func:`named_only`) the WordNet id it begins with (:data:`WNID_LED`: Stanford Dogs' n02085620-Chihuahua is
    ImageNet's n02085620), else that name with its case ignored and its words however joined (folders `Cat` and
    `cat`, or `golden_retriever` and `Golden Retriever`, of two datasets are likely one class: a warning had better
    name it)."""
    wnid = _wnid_of(entry)
    return wnid if wnid is not None else JOINED.sub(" ", str(entry["wnid"])).strip().casefold()


def _wnid_of(entry):
    """The WordNet id of a class table's ``entry``: its wnid, or for a class of a name only (:func:`named_only`) the
    one its name begins with (:data:`WNID_LED`); None for a class of a name alone."""
    if not named_only(entry):
        return str(entry["wnid"])
    led = WNID_LED.match(str(entry["wnid"]))
    return led.group(1) if led else None


def shared_classes(classes, others):
    """The entries of the class table ``classes`` that ``others`` holds too (by :func:`class_key`), in
    ``classes``' order: the classes a network of ``others`` has seen, across datasets."""
    seen = {class_key(entry) for entry in others}
    return [entry for entry in classes if class_key(entry) in seen]


def matched_by(entries):
    """How :func:`shared_classes` matches the class table ``entries``, in words: "by wnid" (a folder's class named
    by the WordNet id it begins with too), "by class name" (:func:`named_only`: a folder's, CIFAR's), "by wnid or
    class name" (both kinds, or none)."""
    kinds = {_wnid_of(entry) is None for entry in entries}
    return {False: "by wnid", True: "by class name"}[kinds.pop()] if len(kinds) == 1 else "by wnid or class name"


def check_classes_exist(checkpoint, dataset, what, named=None, data_named=None):
    """Every class the checkpoint was trained on must be in the dataset under the same index and wnid.
    The refusal names the checkpoint as ``named`` and the dataset as ``data_named`` give them (their
    paths as the user gave them: :attr:`minitransfer.config.Plan.named`), else as their ``path``, the
    first class that differs, and how many classes each holds: "class 0 is 'cls0' in the checkpoint,
    'synthetic-000' in the dataset" alone did not tell a network of 3 classes scored on another dataset
    of 4 (a transfer across datasets scored on its base's) from one class renamed. Where the dataset holds every
    class numbered otherwise, it says where (:func:`_numbered_otherwise`); where it lacks some and holds the first
    that differs at another index, which it lacks (:func:`_lacked`)."""
    by_index = {int(c["index"]): c for c in dataset.classes}
    for entry in checkpoint.classes:
        there = by_index.get(int(entry["index"]))
        if there is None or str(there["wnid"]) != entry["wnid"]:
            elsewhere = _numbered_otherwise(checkpoint.classes, dataset.classes)
            if elsewhere:  # every class there, "does not have" said of classes it has
                raise DataMismatch(f"{what} {named or checkpoint.path} was trained on classes this dataset "
                                   f"({data_named or dataset.path}) numbers otherwise: {elsewhere}")
            differs = _lacked(checkpoint.classes, dataset.classes, entry, there) or (
                f"class {entry['index']} is {described_class(entry)} in the checkpoint, "
                f"{'absent' if there is None else described_class(there)} in the dataset")
            raise DataMismatch(
                f"{what} {named or checkpoint.path} was trained on classes this dataset "
                f"({data_named or dataset.path}) does not have: {differs} "
                f"{_counts(checkpoint.classes, dataset.classes)}"
            )


def _numbered_otherwise(classes, others):
    """Where every class of the class table ``classes`` (a checkpoint's) is in ``others`` (a dataset's) by
    :func:`class_key`, some under another index: the first so numbered and what ``others`` holds besides, in
    words ("class 1 'grass' in the checkpoint is class 2 in the dataset; it holds 1 class besides: 'coal'
    (4 classes in the checkpoint, 5 in the dataset)"); "" where one is not there. A superset of a network's
    classes, or its classes in another order, was said not to have the class it holds at another index."""
    by_key = {class_key(entry): entry for entry in others}
    if not all(class_key(entry) in by_key for entry in classes):
        return ""
    entry = next((entry for entry in classes if int(by_key[class_key(entry)]["index"]) != int(entry["index"])), None)
    if entry is None:  # at their own indices, a wnid spelt otherwise (folder `Cat` for `cat`): not numbered otherwise
        return ""
    return (f"class {entry['index']} {described_class(entry)} in the checkpoint is class "
            f"{by_key[class_key(entry)]['index']} in the dataset{_besides(classes, others)} {_counts(classes, others)}")


def _lacked(classes, others, entry, there):
    """The classes of the class table ``classes`` (a checkpoint's) that ``others`` (a dataset's) lacks by
    :func:`class_key`, and what it holds besides, in words ("the dataset lacks 'coal'"), where ``there``, its
    class at the index of ``entry``, the first of ``classes`` that differs, is another of ``classes``: a network of
    5 classes scored on a dataset of 4 of them was refused as "class 2 is 'coal' in the checkpoint, 'grass' in the
    dataset", 'grass' the checkpoint's class 3 and 'coal' nowhere in the dataset.
    "" otherwise (none lacked; nothing there; a class the checkpoint lacks there: that one is named instead)."""
    keys = {class_key(other) for other in others}
    lacked = [each for each in classes if class_key(each) not in keys]
    shifted = there is not None and class_key(there) != class_key(entry) \
        and class_key(there) in {class_key(each) for each in classes}
    return f"the dataset lacks {_some_of(lacked)}{_besides(classes, others)}" if lacked and shifted else ""


def _besides(classes, others):
    """What the class table ``others`` (a dataset's) holds besides ``classes`` (a checkpoint's), by
    :func:`class_key`, in words: "; it holds 1 class besides: 'ant'"; "" where nothing."""
    seen = {class_key(entry) for entry in classes}
    besides = [entry for entry in others if class_key(entry) not in seen]
    return (f"; it holds {len(besides)} class{'es' if len(besides) > 1 else ''} besides: {_some_of(besides)}"
            if besides else "")


def _some_of(entries):
    """The first three of the class table's ``entries`` as a message names them (:func:`described_class`), "…"
    after them where there are more."""
    return f"{', '.join(described_class(entry) for entry in entries[:3])}{', …' if len(entries) > 3 else ''}"


def _counts(classes, others):
    """How many classes the checkpoint's table ``classes`` and the dataset's ``others`` hold, in words."""
    return f"({len(classes)} classes in the checkpoint, {len(others)} in the dataset)"


# A class's wnid or name shown in a message: at most this many characters of it (a meta.json or checkpoint
# naming a class in 200 MB wrote all of it to stderr).
NAME_SHOWN = 80


def described_class(entry):
    """A class table's ``entry`` as a message names it: its wnid quoted, and its name where that says more
    (an ImageNet class: 'n02123045' (tabby cat); a folder's class, whose wnid is its name: 'tabby cat').
    Both come from files anyone may have written: each is cut to :data:`NAME_SHOWN` characters (with "…")
    and its control characters escaped (the wnid by ``repr``, the name by
    :func:`minitransfer.data.inputs.display_name`), so that a name
    holding a terminal's escape sequences is shown, not obeyed."""
    wnid, name = str(entry["wnid"]), str(entry["name"])
    return described_wnid(wnid) if name == wnid else f"{described_wnid(wnid)} ({display_name(cut_name(name))})"


def described_wnid(wnid):
    """A class's ``wnid`` (or a name) as a message names it, quoted: cut and escaped as :func:`described_class`'s."""
    return repr(cut_name(str(wnid)))


def cut_name(text):
    """``text`` (a class's wnid or name) cut to :data:`NAME_SHOWN` characters, the last "…" where it was longer."""
    return text[:NAME_SHOWN - 1] + "…" if len(text) > NAME_SHOWN else text


def same_dataset(parent, dataset):
    """Whether checkpoint ``parent`` was trained on ``dataset``'s class table (a transfer within one
    dataset, as the paper's halves) rather than on another dataset's."""
    recorded = parent.meta.get("dataset_classes_sha256")
    if recorded:
        return recorded == classes_sha256(dataset)
    try:  # a checkpoint without the record: the same dataset if its classes are there
        check_classes_exist(parent, dataset, "base checkpoint")
    except DataMismatch:
        return False
    return True


def prepared_again_since(folder, fingerprint):
    """Whether the dataset ``folder`` a record names (a checkpoint's `data`) holds another dataset now than the one
    of ``fingerprint`` (the sha256 of its meta.json as train recorded it): prepared again in its place since, a
    copy of the old dataset needed to score or report it as it was. False where it still holds that dataset, where
    either is not recorded, and where its meta.json is gone or unreadable (the folder moved or deleted, not
    prepared again)."""
    if not (isinstance(folder, str) and folder and isinstance(fingerprint, str) and fingerprint):
        return False
    from minitransfer.run_file_readers import file_bytes  # here: it imports config, which imports this module

    try:  # read once inside run_file_readers.reads_shared: info's checkpoint_remake.dataset_meta read it first
        meta = file_bytes(recorded_file(folder) / META_FILE)
    except (OSError, UnreadableRun):  # UnreadableRun: its folder cannot be looked into (run_file_readers.stamp)
        return False
    return hashlib.sha256(meta).hexdigest() != fingerprint
