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
    paths as the user gave them: :attr:`minitransfer.config.Plan.named`), else as their ``path``, and how the
    dataset's classes differ, in the words :func:`minitransfer.moved_classes.differences` gives eval and train
    alike: the first class that differs, and how many classes each holds ("class 0 is 'cls0' in the checkpoint,
    'synthetic-000' in the dataset" alone did not tell a network of 3 classes scored on another dataset of 4 from
    one class renamed); where the dataset holds every class, numbered otherwise, where; where it lacks some and
    numbers others otherwise, which and where."""
    from minitransfer.moved_classes import differences  # here: it imports this module

    by_index = {int(c["index"]): c for c in dataset.classes}
    for entry in checkpoint.classes:
        there = by_index.get(int(entry["index"]))
        if there is None or str(there["wnid"]) != entry["wnid"]:
            raise DataMismatch(f"{what} {named or checkpoint.path} was trained on classes this dataset "
                               f"({data_named or dataset.path}) "
                               f"{differences(checkpoint.classes, dataset.classes, entry, there)}")


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
