"""Class-folder trees (the layout torchvision's ImageFolder reads) into the shard format.

Layouts::

    SRC/train/<class>/...  and  SRC/val/<class>/...   training and validation images as given
    SRC/train/<class>/...  (no val/)                  validation images held out of train/
    SRC/<class>/...                                   SRC is the training set; validation held out

The first two are recognised only when SRC holds no folder but train/ (and val/); beside other
folders, train/ (and val/) are classes like the others (CIFAR-100 has a class "train") when
train/ holds files itself, and the tree is refused as ambiguous when it holds only folders.

Classes are the class folder names in Unicode's composed form (NFC), sorted (labels 0..C−1 in that
order): a tree copied from a Mac, whose names are decomposed, gives the labels and the held-out
images of the same tree named on Linux (a dataset prepared before keeps the names it records, unless
replaced with ``overwrite``). Every file below a class folder, in subfolders too, is tried (sorted
by path; names starting with "." and systems' files, ``__MACOSX``, Thumbs.db, desktop.ini, @eaDir
... (:data:`.inputs.SYSTEM_NAMES`) are ignored, as are files lying directly in SRC, train/ or val/
(in no class: those that may be images are warned of, and so are archives there not unpacked into a
folder of their name, and an archive in a class folder is skipped saying how to unpack it), and so
are run folders there (``base.run/``, holding train's files: no class, passed over with a note); links to
folders are followed: a folder reached twice is imported once, through its first path; a link to a folder that
contains it (a loop) is warned of and not followed; one file reached through links from two classes, or from
train/ and val/, is an error, and held-out validation keeps a file's paths on one side; a folder that cannot be
listed is an ``OSError``); the files Pillow cannot decode are listed in ``skipped.txt``, as are floating-point
images (16-bit ones keep their high byte: see :mod:`.decode`). File names need not be UTF-8 (``skipped.txt``
shows other bytes as ``\\xNN``); class folder names, stored as class names, must be, without control
characters. A val/ folder and a families file name a class as its name reads (composed or decomposed
Unicode, as macOS writes names, alike). A class folder without files, or whose training files all fail to
decode, and a link to nothing (a folder moved, on a drive not mounted; or a loop of links) are left out of the
class table and reported (meta.json ``excluded_classes``); such a link named as a file is (README.md, a suffix
of 1-4 letters or digits), or lying in val/, is listed in ``skipped.txt`` instead. A class folder in
val/ that train/ does not have is an error, as is a val/ without a file in a class folder (empty, or
its class folders empty: held-out validation needs no val/), and so is a tree left with fewer than
two classes (nothing can be trained on one): the error says which folder to give when SRC is one
class's folder, or holds only the folder of the classes. Class folders that each hold no image but
folders of images named as no other's (the folders of two datasets given together; or classes whose
images are sorted into folders named uniquely, cat/cat_001/) are warned of before the import, naming
the folder to give if one dataset was meant, and imported as classes (sub-folders named alike from
class to class, session1/ session2/, are not warned of).

Held-out validation: ``val_fraction`` of each class's images (rounded; at least one and never all of
a class of two or more), chosen by a generator seeded with (``seed``, the class name), so one
class's choice does not depend on the others (:mod:`.held_out`; a tree of small classes holds out more than
the fraction: the import says so); byte-identical copies in one class ("photo.jpg", "photo (1).jpg") count as
one file, held out or kept together, as links do, and a file whose bytes lie in another class's folder is
passed over for the class's next (it trains, with each label: below). Files are held out
before they are decoded, among those that may be images (:func:`.decode.may_be_image`: their first
bytes are an image format's signature or a header Pillow identifies, whatever their name; not a
LabelImg .xml, a .txt, an HTML error page saved as cat.jpg, an empty file, nor one gone since
listed): the others train, where they are skipped as not images, so files beside the images change
no pick. A class whose training files all fail to decode while a held-out one decodes gets its
held-out files back (it trains, without validation images; meta.json ``returned_to_training`` names
it) rather than being left out. meta.json ``decision_inputs`` records, for each class left out or
given its files back, a digest of the files it was decided from (paths, sizes, modification times):
a rerun makes the decision again while they are unchanged (so it decodes and writes nothing) and
decides anew once one changed (a broken file repaired).

Validation never holds a training image: a validation file whose bytes a training file repeats (a
copy in val/ of a file of train/) is left out of validation and listed in
``skipped.txt`` naming the training file. Only files of equal size are read to compare; images that
differ in any byte (re-encoded, resized) are not found. The digests are kept in OUT
(:data:`DIGESTS_FILE`, written with meta.json when a shard was) by path, size and modification time,
with whether each file's first bytes made it one that may be an image: a rerun reads only the files that
changed.

One image in two classes (files of equal bytes in two or more class folders of train/, or of val/; a
photo scraped under two queries) is imported with each label, not refused nor dropped, but listed in
:data:`COPIES_FILE` in OUT (``group<TAB>subset<TAB>class<TAB>file`` lines, one group per image) and warned
of on stderr: delete each copy from the classes it does not belong to and rerun (the file then goes). They
are found once the images are decoded, with the digests the decoder takes of the bytes it reads: no file is
read twice (:class:`CopiesAcrossClasses`, which the ImageNet and Tiny ImageNet importers use too).

The tree imported is the tree as listed: what is decided from the listing (held-out files, copies) holds for
those files only. A file read in another state (size, modification time) than it was listed in, or gone,
is listed in ``skipped.txt`` (:data:`.decode.CHANGED`, :data:`.decode.VANISHED`; shard plans record the
state listed, so the rerun decodes it again), and a folder holding other names at the end than when
listed (files added, removed, renamed, moved to another class) is warned of; the rerun imports the tree
as it is then.

Families, for the "natural" (dissimilar) split: a families file has one ``CLASS FAMILY`` line per
class (the family is the line's last word, so class names may contain spaces; blank lines and
lines starting with ``#`` are ignored), with any two or more family names, each spelled one way (not
"Animal" on one line, "animal" on another). Half A of the split is
the family ``family_a`` (default: the first family the file names), half B every other class.
Class names that are WordNet ids may use the WordNet is-a file instead (A natural, B man-made).

Example::

    import_folder("photos", "photos-64", size=64, families="families.txt")
    # families.txt:
    #   golden retriever   animal
    #   tabby cat          animal
    #   bicycle            vehicle
"""

import re

from . import dataset as ds
from . import import_writes, inputs, text_files
from .build import COPIES_FILE, DIGESTS_FILE, ClassesWithoutImages, build_dataset, check_origin
from .copies import (CopiesAcrossClasses, file_identities, in_other_classes, same_content_in_a_class,
                     without_copies_of_training, examine, recorded_digests)
from .decode import NOT_READABLE, ImportItem, image_by_first_bytes
from .families import family_class_table, read_families
from .folder_decisions import NO_TRAINING_IMAGE, decision_inputs, take_recorded_decisions
from .folder_hints import (archives_not_unpacked, check_two_class_folders, hidden_image_folders, loose_images,
                           warn_of_archives, warn_of_datasets_of_classes, warn_of_hidden, warn_of_loose_images)
from .folder_tree import (ONE_PER_CLASS, TWO_OR_MORE, changed_folders, class_folders, class_names, files_below,
                          same_text, tree_layout, remember_folder, val_files_listed, warn_of_changed_folders,
                          warn_of_names_differing_in_case, check_two_classes, dangling_links, note_run_folders,
                          run_folders)
from .held_out import DEFAULT_VAL_FRACTION, HELD_OUT, hold_out
from .import_opening import open_import
from .mistaken_paths import check_not_prepared
from .schema import ImportUsageError
from .splits import TRAIN_AND_VAL_LAYOUT

__all__ = ["import_folder", "read_families", "check_two_classes", "dangling_links", "examine", "recorded_digests",
           "CopiesAcrossClasses", "COPIES_FILE", "DIGESTS_FILE", "DEFAULT_VAL_FRACTION", "FILE_NAME",
           "NO_TRAINING_IMAGE", "TWO_OR_MORE", "ONE_PER_CLASS"]

FILE_NAME = re.compile(r".+\.[A-Za-z0-9]{1,4}")  # README.md, photo.jpeg; not "St. Bernard", "n.d."
NO_FILES = "no files"  # why an empty class folder is left out (one with validation files: _name_validation_left_out)


def import_folder(source, out, *, val_fraction=None, seed=0, families=None, family_a=None, is_a=None, size=256,
                  workers=None, shard_length=None, progress=None, overwrite=False):
    """Import the class-folder tree ``source`` into ``out`` (see the module docstring); returns the :class:`Dataset`.

    ``val_fraction`` (default 0.1; 0 for a train-only dataset) and ``seed`` apply when there is no
    ``val/``; ``families`` a families file or ``is_a`` a WordNet is-a file record each class's
    family, ``family_a`` names the family of half A. ``DatasetError`` for a tree or families file
    that cannot be imported, ``ImportUsageError`` (a ValueError) for options that do not fit the tree or each other (and
    for ``out`` inside ``source`` or ``source`` inside ``out``); ``overwrite``: see :func:`.build.build_dataset`.
    ``progress(done, total)`` is called as images are decoded, and ``progress(done, total, stage)`` before,
    while the tree is listed and its files compared (``stage`` names the step: "listing training files" ...)."""
    source, out, families, is_a = open_import(
        "import_folder", source, out, families, is_a, size=size, workers=workers, source_check=check_not_prepared,
        options=lambda: _check_options(val_fraction, seed, families, family_a, is_a))
    runs = run_folders([source])  # each folder's run folders found once: no class, said so (note_run_folders)
    train_root, val_root = tree_layout(source, runs)
    runs += run_folders([train_root, val_root]) if train_root != source else []
    if val_root is not None and val_fraction is not None:
        raise ImportUsageError(f"{val_root} exists, so validation images come from it: leave out --val-fraction")
    layout = TRAIN_AND_VAL_LAYOUT if val_root is not None else HELD_OUT
    # paths as UTF-8 text in every locale: meta.json's bytes are the dataset's fingerprint
    given = {"kind": "folder", "path": inputs.fs_text(str(source)), "layout": layout, "val_fraction": val_fraction,
             "seed": seed, "families": text_files.file_record(families, "families file"),
             "is_a": text_files.file_record(is_a, "is-a file")}
    # else the first family's; recorded composed, as a families file's names are read (same_text)
    known_a = {} if family_a is None and (families or is_a) else {"family_a": family_a and same_text(family_a)}
    check_origin(out, {**given, **known_a}, size, shard_length, overwrite)  # before the listing: minutes on a tree
    walked = {}  # {folder: [modification time in ns, names in it] as listed}: see changed_folders
    remember_folder(train_root, walked, listing=True)
    folders = class_folders(train_root, runs, beside=val_root)
    check_two_class_folders(train_root, folders, source)
    warn_of_names_differing_in_case(train_root, folders)
    warn_of_datasets_of_classes(train_root, folders)
    warn_of_loose_images(loose_images([source, train_root, val_root]))
    warn_of_archives(archives_not_unpacked([source, train_root, val_root]))
    note_run_folders(runs)
    scan_skipped = []  # links to nothing named as files, copies of training images in val/ are
    files, hidden, hidden_inside, listed = {}, [], [], inputs.stage_progress(progress, "listing training files")
    recorded = None if overwrite else out  # what OUT records, trusted by a rerun; --overwrite trusts none of it
    for number, (name, folder) in enumerate(class_names(folders, recorded).items(), start=1):
        files[name] = files_below(folder, out, walked, hidden, hidden_inside)
        listed(number, len(folders))
    excluded = [{"name": name, "reason": NO_FILES} for name, found in files.items() if not found]
    for link, reason in dangling_links(train_root):
        if FILE_NAME.fullmatch(link.name):  # README.md: a file lying beside the classes, no class left out
            scan_skipped.append({"file": inputs.path_text(link), "reason": reason})
        else:
            excluded.append({"name": inputs.path_text(link.name), "reason": reason})
    train = {name: found for name, found in files.items() if found}
    examined = inputs.stage_progress(progress, "examining files")
    val = {} if val_root is None else val_files_listed(val_root, train_root, set(files), scan_skipped, out, walked,
                                                        inputs.stage_progress(progress, "listing validation files"),
                                                        runs, hidden, hidden_inside)
    _name_validation_left_out(excluded, val, val_root)
    warn_of_hidden([*hidden_image_folders(train_root), *(hidden_image_folders(val_root) if val_root else [])], hidden,
                   hidden_inside)
    identity, sizes, modified, states = file_identities(train, val, examined)
    # each class folder's files, before any is held out (a file another class also holds is never held out:
    # held_out.hold_out)
    listed_train = train
    verdicts = {}  # {path: whether it may be an image}: each file's first bytes told once, while it is unchanged
    digests = recorded_digests(recorded, sizes, modified, verdicts)  # {path: sha256}: each file read at most once
    if val_root is None:
        identity = same_content_in_a_class(train, identity, sizes, digests,
                                            inputs.stage_progress(progress, "finding copies in each class"))
        fraction = DEFAULT_VAL_FRACTION if val_fraction is None else val_fraction
        images, unreadable = _possible_images(train, states, verdicts, inputs.stage_progress(
            progress, "telling images from other files")) if fraction else (None, None)
        _check_some_image(train_root, train, states, verdicts, images, unreadable)
        train, val = hold_out(train, fraction, seed, identity, images, in_other_classes(train, sizes, digests))
    else:
        _check_some_image(train_root, train, states, verdicts)
    val, copies = without_copies_of_training(
        train, val, sizes, states, digests,
        inputs.stage_progress(progress, "finding validation copies of training images"))
    scan_skipped += copies
    across = CopiesAcrossClasses(out, {"train": listed_train, "val": val if val_root is not None else {}}, sizes,
                                 modified, digests, progress, verdicts=verdicts)
    known_bad = scan_skipped  # and undecodable files of the classes left out below
    returned = []  # classes whose held-out files went back to training
    decided = {}  # {class left out or given back: decision_inputs of its files as first split}
    take_recorded_decisions(recorded, train, val, states, excluded, returned, decided, known_bad)
    before = import_writes.state_before(out)
    while True:
        names = sorted(train)
        if not names:
            raise ds.DatasetError(f"{train_root}: no class folder holds an image file")
        if len(names) == 1:
            left_out = ", ".join(f"{entry['name']!r} ({entry['reason']})" for entry in excluded[:10])
            raise ds.DatasetError(f"{train_root}: {names[0]!r} is the only class folder left with a training image "
                                  f"(left out: {left_out}{' ...' if len(excluded) > 10 else ''}); {ONE_PER_CLASS}")
        table, chosen_a = family_class_table(names, families, family_a, is_a, set(files), train_root)
        subsets = {subset: _items(names, chosen, states) for subset, chosen in (("train", train), ("val", val))}
        try:
            built = build_dataset(
                out, source={**given, "family_a": chosen_a},
                classes=table, subsets=subsets, size=size, shard_length=shard_length, workers=workers,
                progress=progress, skipped=known_bad, overwrite=overwrite, caches=across.caches,
                file_root=given["path"],
                extra_meta={"excluded_classes": excluded, "returned_to_training": returned,
                            "decision_inputs": decided, **({"family_a": chosen_a} if chosen_a else {})})
            built.writes = _writes_since(built, before) if decided else built.writes
            across.report(built.meta["skipped"])
            warn_of_changed_folders(changed_folders(walked))
            return built
        except ClassesWithoutImages as error:  # rare: import again (the shards are rebuilt)
            without = [names[index] for index in error.indices]
            given_back = [name for name in without if val_root is None and _decoded_any(val.get(name, ()), error)]
            if not given_back and len(without) == len(names):
                raise
            decided.update({name: decision_inputs(name, train, val, states) for name in without})
            for name in given_back:  # its held-out image was its only decodable one: it trains, unvalidated
                train[name], val[name] = sorted(train[name] + val[name]), []
                returned.append(name)
            left_out = set(without) - set(given_back)  # left out: the labels of the classes after them shift
            left_out_files = {inputs.path_text(path) for name in left_out
                              for path in train[name] + val.get(name, [])}
            known_bad += [entry for entry in error.skipped if entry["file"] in left_out_files]
            for name in sorted(left_out):
                excluded.append({"name": name, "reason": NO_TRAINING_IMAGE})
                del train[name]


def _writes_since(built, before):
    """``built``'s writes said against OUT's :func:`.import_writes.state_before` ``before`` the first pass, not the
    last pass's (a first import reuses nothing; a rerun changing the labels says so, though its first pass removed
    meta.json)."""
    rebuilt = [(name, why) for name, why in built.writes.rebuilt if name in before[0]]
    return import_writes.writes_since(built.path, before, built.meta["subsets"], rebuilt)


def _name_validation_left_out(excluded, val, val_root):
    """Reword each class of ``excluded`` left out for an empty training folder whose folder in ``val_root`` has
    files (``val``: by class): its validation images go with it, which said "no files" and nothing of them."""
    for entry in excluded:
        count = len(val.get(entry["name"], ())) if entry["reason"] == NO_FILES else 0
        if count:
            entry["reason"] = (f"no training images ({count} validation image{'s' if count > 1 else ''} in "
                               f"{val_root.name}/{entry['name']} left out)")


def _decoded_any(paths, error):
    """Whether a file of ``paths`` decoded in the import that raised the :class:`ClassesWithoutImages` ``error``."""
    undecodable = {entry["file"] for entry in error.skipped}
    return any(inputs.path_text(path) not in undecodable for path in paths)


def _check_some_image(train_root, train, states, verdicts, images=None, unreadable=None):
    """``DatasetError`` before anything is decoded or written when no file of any class folder of ``train``
    ({class: paths}) may be an image (:func:`.decode.may_be_image`): ``images`` and ``unreadable`` are those that
    may be and those this user may not read, as :func:`_possible_images` gives them to hold validation out, or,
    where None (no validation held out, or a val/ given), the files are looked at until one may be (``states``:
    :func:`file_identities`'; ``verdicts``: :func:`_tell_images`'). Without it, the import wrote importing.json and
    skipped.txt, then said only that no training image could be imported. A file this user may not read is not
    known not to be an image: the refusal says to give read access to it, not that it is no image."""
    if not train:
        return  # no file at all: said once the classes without files are left out
    paths = [path for files in train.values() for path in files]
    if images is None:
        images, unreadable = set(), []
        _tell_images(paths, states, verdicts, images, unreadable, until_one=True)
    if images:
        return
    if unreadable:
        others = len(paths) - len(unreadable)
        cannot = f"{len(unreadable)} cannot be read" if others else "none can be read"
        rest = f"; the other {others} file(s) are not images (told by their first bytes)" if others else ""
        raise ds.DatasetError(f"{train_root}: no class folder holds a file this user may read that may be an image: "
                              f"of its {len(paths)} file(s), {cannot}, such as {inputs.path_text(unreadable[0])}: "
                              f"{NOT_READABLE}{rest}")
    raise ds.DatasetError(f"{train_root}: no class folder holds an image file: its {len(paths)} file(s), such as "
                          f"{inputs.path_text(paths[0])}, are not images (told by their first bytes); "
                          f"{ONE_PER_CLASS}")


def _check_options(val_fraction, seed, families, family_a, is_a):
    """``ImportUsageError`` (a ValueError, exit code 2) for options out of range or excluding each other: checked first,
    before the source is read (a val/ folder beside ``val_fraction`` once it is)."""
    if val_fraction is not None and not 0 <= val_fraction < 1:
        raise ImportUsageError(f"--val-fraction must lie in [0, 1), got {val_fraction}")
    if seed < 0:
        raise ImportUsageError(f"--seed must be >= 0, got {seed}")
    if families and is_a:
        raise ImportUsageError("give either --families or --is-a, not both")
    if family_a is not None and not (families or is_a):
        raise ImportUsageError("--family-a needs --families (or --is-a)")


def _possible_images(train, states, verdicts, told):
    """(images, unreadable): the set of the files of ``train`` ({class: paths}) that may be images
    (:func:`.decode.may_be_image`, ``states``: as :func:`file_identities` gives them), and the list of those this
    user may not read (:func:`.decode.image_by_first_bytes`; ``verdicts``: :func:`_tell_images`');
    ``told(done, total)`` is called after each class."""
    images, unreadable = set(), []
    for number, files in enumerate(train.values(), start=1):
        _tell_images(files, states, verdicts, images, unreadable)
        told(number, len(train))
    return images, unreadable


def _tell_images(paths, states, verdicts, images, unreadable, until_one=False):
    """Adds each of ``paths`` that may be an image (:func:`.decode.image_by_first_bytes`) to the set ``images``,
    each this user may not read to the list ``unreadable``; stops at the first image where ``until_one``.
    ``verdicts`` ({path: whether it may be an image}: those recorded of files in the state listed, by
    :func:`.copies.recorded_digests`) is used rather than opening a file, and given what the files opened tell."""
    for path in paths:
        image = verdicts[path] if path in verdicts else image_by_first_bytes(path, states.get(path), verdicts)
        if image:
            images.add(path)
            if until_one:
                return
        elif image is None:
            unreadable.append(path)


def _items(names, files, states):
    items, labels = [], []
    for label, name in enumerate(names):
        for path in files.get(name, ()):
            items.append(ImportItem(path=path, listed=states.get(path)))
            labels.append(label)
    return items, labels, {}
