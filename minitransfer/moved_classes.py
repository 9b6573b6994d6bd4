"""A network's classes scored on a dataset that lacks some of them and numbers some of the others otherwise,
another class of its own at the first index that differs (a class removed from the middle of a folder dataset and
another renamed): :func:`lost_and_moved`, the words ``eval`` refuses it with. Before, it named that index alone
("class 2 is 'coal' in the checkpoint, 'dune' in the dataset"), as though one class had been renamed in place,
of a dataset that lacked two and had moved a third.
"""

from minitransfer.class_tables import class_key, described_class
from minitransfer.name_lists import some_names


def lost_and_moved(classes, others):
    """Where the class table ``others`` (a dataset's) lacks some of ``classes`` (a checkpoint's; by
    :func:`minitransfer.class_tables.class_key`), numbers some of those it has otherwise, and holds a class not
    among ``classes`` at the first index where they differ by index and wnid (as
    :func:`minitransfer.class_tables.check_classes_exist` tells them; where it holds another of ``classes`` there
    it names the classes lacked itself), what a user needs: the classes it lacks, those it numbers otherwise and
    where, those it holds besides, and how many each holds (a long list as its first few and how many more). ""
    otherwise."""
    by_key = {class_key(entry): entry for entry in others}
    ours = {class_key(entry) for entry in classes}
    by_index = {int(entry["index"]): entry for entry in others}
    found = [(entry, by_index.get(int(entry["index"]))) for entry in classes]
    # what the dataset holds at the first index that differs (by index and wnid, as check_classes_exist reads them)
    there = next((at for entry, at in found if at is None or str(at["wnid"]) != str(entry["wnid"])), None)
    lacked = [entry for entry in classes if class_key(entry) not in by_key]
    moved = [(entry, by_key[class_key(entry)]) for entry in classes
             if class_key(entry) in by_key and int(by_key[class_key(entry)]["index"]) != int(entry["index"])]
    if not (lacked and moved and there is not None and class_key(there) not in ours):
        return ""
    besides = [entry for entry in others if class_key(entry) not in ours]
    return (f"the dataset lacks {_listed(lacked)} and numbers {len(moved)} of the others otherwise: "
            + some_names([f"{described_class(entry)} (class {entry['index']} in the checkpoint, {found['index']} in "
                          f"the dataset)" for entry, found in moved])
            + f"; it holds {len(besides)} class{'es' * (len(besides) > 1)} besides: {_listed(besides)} "
            f"({len(classes)} classes in the checkpoint, {len(others)} in the dataset)")


def _listed(entries):
    return some_names([described_class(entry) for entry in entries])
