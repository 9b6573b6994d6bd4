"""What the ImageNet importers (:mod:`.imagenet`, ILSVRC2012; :mod:`.tiny_imagenet`) share: class names
and the meta.json class table, checks of validation label lists, the items' listed states and paths by
class, and how messages list names."""

import pathlib

from . import dataset as ds
from . import inputs, wordnet

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


def read_class_names(text, where, wnids):
    """{wnid: name} of the lines of ``text``, a ``wnid<whitespace>names`` file (ImageNet's or Tiny ImageNet's
    words.txt, Caffe's synset_words.txt) named ``where`` in messages, that name one of ``wnids``.

    A name is stored in meta.json and printed by later commands: one holding a control character (an
    ESC would recolour the terminal, a tab split a line of 'splits') is a ``DatasetError`` naming the
    line, as a class folder named so is. Lines are split at line feeds only, so that no other control
    character moves the line numbers."""
    names = {}
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.strip().split(None, 1)
        if len(fields) == 2 and fields[0] in wnids:
            names[fields[0]] = checked_name(fields[1].strip(), f"{where}:{number}", fields[0])
    return names


def checked_name(name, where, wnid):
    """``name``, the class ``wnid``'s name read from ``where``; ``DatasetError`` when it holds a control character."""
    char = inputs.control_character(name)
    if char:
        raise ds.DatasetError(f"{where}: the name of class {wnid} holds a control character "
                              f"({inputs.display_name(char)}): remove it")
    return name


def class_table(wnids, names, is_a=None):
    """The meta.json class table of ``wnids`` (in label order): names from ``names`` ({wnid: name}),
    each class's man-made / natural family from the WordNet is-a file ``is_a`` when given."""
    families = wordnet.families_from_file(wnids, is_a) if is_a else [None] * len(wnids)
    table = []
    for index, (wnid, family) in enumerate(zip(wnids, families)):
        entry = {"index": index, "wnid": wnid, "name": names.get(wnid, wnid)}
        if family:
            entry["family"] = family
        table.append(entry)
    return table


def note_listed_states(subsets, states):
    """Give each file item of ``subsets`` its state as listed (``states``: {path: (size, modification time)},
    :func:`.folder.examine`), as :mod:`.folder` does: a file changed or removed while the import runs is skipped
    as such (:data:`.decode.CHANGED`, :data:`.decode.VANISHED`) and decoded again by the rerun; one moved away
    during the import and back before the rerun was skipped for good ("FileNotFoundError"), its shard's plan
    taken from the file as it had been."""
    for items, _, _ in subsets.values():
        for item in items:
            if item.member is None:
                item.listed = states.get(item.path)


def paths_by_class(subsets, wnids):
    """{subset: {wnid: descriptions of its items}} of ``subsets`` as :func:`.build.build_dataset` takes them."""
    by_class = {}
    for subset, (items, labels, _) in subsets.items():
        by_class[subset] = {}
        for item, label in zip(items, labels):
            by_class[subset].setdefault(wnids[label], []).append(item.describe())
    return by_class


def check_labelled_once(line_of, name, labels_file, number):
    """Record that line ``number`` of ``labels_file`` labels ``name``; ``DatasetError`` when an earlier line did
    (the image would be imported twice, perhaps under two classes)."""
    if name in line_of:
        raise ds.DatasetError(f"{labels_file}:{number}: {inputs.display_name(name)} is labelled on line "
                              f"{line_of[name]} already")
    line_of[name] = number


def check_labelled(named, present, labelled_by, folder):
    """``DatasetError`` unless the validation files ``named`` by the labels file ``labelled_by`` are the image files
    among ``present`` (the names of the files in ``folder``), checked before anything is decoded: a labelled file
    missing there (an archive unpacked in part, names with a folder in front) would be skipped only after hours of
    decoding, an image without a label dropped without a word."""
    present_set = set(present)
    missing = [name for name in named if name not in present_set]
    if missing:
        raise ds.DatasetError(f"{labelled_by} labels {len(missing)} file(s) that {folder} lacks: "
                              f"{inputs.a_few(missing)} (names are of files directly in that folder)")
    unlabelled = sorted({name for name in present if pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES}
                        - set(named))
    if unlabelled:
        raise ds.DatasetError(f"{folder}: {len(unlabelled)} image file(s) without a label in {labelled_by}: "
                              f"{inputs.a_few(unlabelled)} (they would be left out of validation: label them, or move "
                              f"them out of {folder})")
