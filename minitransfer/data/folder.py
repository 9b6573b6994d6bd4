"""Class-folder trees (the layout torchvision's ImageFolder reads) into the shard format.

Layouts::

    SRC/train/<class>/...  and  SRC/val/<class>/...   training and validation images as given
    SRC/train/<class>/...  (no val/)                  validation images held out of train/
    SRC/<class>/...                                   SRC is the training set; validation held out

The first two are recognised only when SRC holds no folder but train/ (and val/); beside other
folders, train/ (and val/) are classes like the others (CIFAR-100 has a class "train") when
train/ holds files itself, and the tree is refused as ambiguous when it holds only folders.

Classes are the class folder names in Unicode's composed form (NFC), sorted (labels 0..C−1 in that
order): a tree copied from a Mac, whose names are decomposed, gives the labels and the held-out images
of the same tree named on Linux (a dataset prepared before keeps the names it records, unless replaced
with ``overwrite``). Every file below a class folder, in subfolders too, is tried (sorted by path;
names starting with "." and systems' files, ``__MACOSX``, Thumbs.db, desktop.ini, @eaDir ...
(:data:`.inputs.SYSTEM_NAMES`) are ignored, as are files lying directly in SRC,
train/ or val/; links to folders are followed, a folder reached twice is listed in ``skipped.txt``;
one file reached through links from two classes, or from train/ and val/, is an error, and held-out
validation keeps a file's paths on one side; a folder that cannot be listed is an ``OSError``); the
files Pillow cannot decode are listed in ``skipped.txt``, as are floating-point images (16-bit ones
keep their high byte: see :mod:`.decode`). File names need not be UTF-8 (``skipped.txt`` shows other
bytes as ``\\xNN``); class folder names, stored as class names, must be, without control characters.
A val/ folder and a families file name a class as its name reads (composed or decomposed Unicode, as macOS
writes names, alike). A class folder without files, or whose training files all fail to decode,
and a link to nothing (a folder moved, on a drive not mounted; or a loop of links) are left out of the class table and
reported (meta.json ``excluded_classes``); such a link named as a file is (README.md, a suffix of
1-4 letters or digits), or lying in val/, is listed in ``skipped.txt`` instead. A class folder in
val/ that train/ does not have is an error, as is a val/ without a file in a class folder (empty, or its class
folders empty: held-out validation needs no val/), and so is a tree left with fewer than two classes (nothing can
be trained on one): the error says which folder to give when SRC is one class's folder, or holds only
the folder of the classes.

Held-out validation: ``val_fraction`` of each class's images (rounded; at least one and never all
of a class of two or more), chosen by a generator seeded with (``seed``, the class name), so one
class's choice does not depend on the others; byte-identical copies in one class ("photo.jpg",
"photo (1).jpg") count as one file, held out or kept together, as links do. Files are held out
before they are decoded, among those that may be images (:func:`.decode.may_be_image`: their first
bytes are an image format's signature or a header Pillow identifies, whatever their name; not a LabelImg
.xml, a .txt, an HTML error page saved as cat.jpg, an empty file, nor one gone since listed): the others
train, where they are skipped as not images, so files beside the images change no pick. A class whose training files all fail to decode while a held-out one
decodes gets its held-out files back (it trains, without validation images; meta.json
``returned_to_training`` names it) rather than being left out. meta.json ``decision_inputs`` records,
for each class left out or given its files back, a digest of the files it was decided from (paths,
sizes, modification times): a rerun makes the decision again while they are unchanged (so it decodes
and writes nothing) and decides anew once one changed (a broken file repaired).

Validation never holds a training image: a validation file whose bytes a training file repeats
(a copy in val/, or one in another class's folder) is left out of validation and listed in
``skipped.txt`` naming the training file. Only files of equal size are read to compare; images
that differ in any byte (re-encoded, resized) are not found. The digests are kept in OUT
(:data:`DIGESTS_FILE`, written with meta.json when a shard was) by path, size and modification time: a rerun reads
only the files that changed.

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

import hashlib
import json
import os
import pathlib
import re
import stat
import unicodedata

import numpy as np

from minitransfer import fileio, stopping

from . import dataset as ds
from . import inputs, wordnet
from .build import COPIES_FILE, DECODER, DIGESTS_FILE, PROGRESS_EVERY, ClassesWithoutImages, build_dataset, check_out
from .decode import ImportItem, may_be_image

DEFAULT_VAL_FRACTION = 0.1
FILE_NAME = re.compile(r".+\.[A-Za-z0-9]{1,4}")  # README.md, photo.jpeg; not "St. Bernard", "n.d."
NO_TRAINING_IMAGE = "no decodable training image"  # why a class is left out (meta.json excluded_classes)
TWO_OR_MORE = "two or more: a classifier tells classes apart"
ONE_PER_CLASS = (f"SOURCE must hold one folder per class (SOURCE/<class>/<image files>, or SOURCE/train/<class>/...), "
                 f"{TWO_OR_MORE}")


def import_folder(source, out, *, val_fraction=None, seed=0, families=None, family_a=None, is_a=None, size=256,
                  workers=None, shard_length=None, progress=None, overwrite=False):
    """Import the class-folder tree ``source`` into ``out`` (see the module docstring); returns the :class:`Dataset`.

    ``val_fraction`` (default 0.1; 0 for a train-only dataset) and ``seed`` apply when there is no
    ``val/``; ``families`` a families file or ``is_a`` a WordNet is-a file record each class's
    family, ``family_a`` names the family of half A. ``DatasetError`` for a tree or families file
    that cannot be imported, ``ValueError`` for options that do not fit the tree (and for ``out``
    inside ``source`` or ``source`` inside ``out``); ``overwrite``: see :func:`.build.build_dataset`.
    ``progress(done, total)`` is called as images are decoded, and ``progress(done, total, stage)`` before,
    while the tree is listed and its files compared (``stage`` names the step: "listing training files" ...)."""
    source = inputs.absolute(source)
    inputs.check_apart(source, out)
    check_out(out)
    train_root, val_root = _layout(source)
    _check_options(val_root, val_fraction, seed, families, family_a, is_a)
    walked = {}  # {folder: [modification time in ns, names in it] as listed}: see _changed_folders
    _remember_folder(train_root, walked, listing=True)
    folders = _class_folders(train_root)
    _check_two_class_folders(train_root, folders, source)
    _warn_of_names_differing_in_case(train_root, folders)
    scan_skipped = []  # folders reached twice through links, links to nothing named as files are
    files, listed = {}, inputs.stage_progress(progress, "listing training files")
    for number, (name, folder) in enumerate(_class_names(folders, None if overwrite else out).items(), start=1):
        files[name] = _files_below(folder, scan_skipped, out, walked)
        listed(number, len(folders))
    excluded = [{"name": name, "reason": "no files"} for name, found in files.items() if not found]
    for link, reason in dangling_links(train_root):
        if FILE_NAME.fullmatch(link.name):  # README.md: a file lying beside the classes, no class left out
            scan_skipped.append({"file": inputs.display_name(link), "reason": reason})
        else:
            excluded.append({"name": inputs.display_name(link.name), "reason": reason})
    train = {name: found for name, found in files.items() if found}
    examined = inputs.stage_progress(progress, "examining files")
    val = {} if val_root is None else _validation_files(val_root, train_root, set(files), scan_skipped, out, walked,
                                                        inputs.stage_progress(progress, "listing validation files"))
    identity, sizes, modified, states = _file_identities(train, val, examined)
    listed_train = train  # each class folder's files, before any is held out
    digests = recorded_digests(out, sizes, modified)  # {path: sha256}: each file read at most once
    if val_root is None:
        identity = _same_content_in_a_class(train, identity, sizes, digests,
                                            inputs.stage_progress(progress, "finding copies in each class"))
        fraction = DEFAULT_VAL_FRACTION if val_fraction is None else val_fraction
        images = _possible_images(train, states, inputs.stage_progress(progress, "telling images from other files")) \
            if fraction else None
        train, val = _hold_out(train, fraction, seed, identity, images)
    val, copies = _without_copies_of_training(
        train, val, sizes, states, digests,
        inputs.stage_progress(progress, "finding validation copies of training images"))
    scan_skipped += copies
    across = CopiesAcrossClasses(out, {"train": listed_train, "val": val if val_root is not None else {}}, sizes,
                                 modified, digests, progress)
    layout = "train/ and val/" if val_root is not None else "held-out validation"
    known_bad = scan_skipped  # and undecodable files of the classes left out below
    returned = []  # classes whose held-out files went back to training
    decided = {}  # {class left out or given back: _decision_inputs of its files as first split}
    is_a_record = inputs.file_record(is_a, "is-a file")
    _take_recorded_decisions(out, train, val, states, excluded, returned, decided, known_bad)
    while True:
        names = sorted(train)
        if not names:
            raise ds.DatasetError(f"{train_root}: no class folder holds an image file")
        if len(names) == 1:
            left_out = ", ".join(f"{entry['name']!r} ({entry['reason']})" for entry in excluded[:10])
            raise ds.DatasetError(f"{train_root}: {names[0]!r} is the only class folder left with a training image "
                                  f"(left out: {left_out}{' ...' if len(excluded) > 10 else ''}); {ONE_PER_CLASS}")
        table, chosen_a = _class_table(names, families, family_a, is_a, set(files), train_root)
        subsets = {subset: _items(names, chosen, states) for subset, chosen in (("train", train), ("val", val))}
        try:
            built = build_dataset(
                out, source={"kind": "folder", "path": str(source), "layout": layout, "val_fraction": val_fraction,
                             "seed": seed, "families": inputs.file_record(families, "families file"),
                             "is_a": is_a_record, "family_a": chosen_a},
                classes=table, subsets=subsets, size=size, shard_length=shard_length, workers=workers,
                progress=progress, skipped=known_bad, overwrite=overwrite, caches=across.caches,
                extra_meta={"excluded_classes": excluded, "returned_to_training": returned,
                            "decision_inputs": decided, **({"family_a": chosen_a} if chosen_a else {})})
            across.report(built.meta["skipped"])
            _warn_of_changed_folders(_changed_folders(walked))
            return built
        except ClassesWithoutImages as error:  # rare: import again (the shards are rebuilt)
            without = [names[index] for index in error.indices]
            given_back = [name for name in without if val_root is None and _decoded_any(val.get(name, ()), error)]
            if not given_back and len(without) == len(names):
                raise
            decided.update({name: _decision_inputs(name, train, val, states) for name in without})
            for name in given_back:  # its held-out image was its only decodable one: it trains, unvalidated
                train[name], val[name] = sorted(train[name] + val[name]), []
                returned.append(name)
            left_out = set(without) - set(given_back)  # left out: the labels of the classes after them shift
            left_out_files = {inputs.display_name(path) for name in left_out
                              for path in train[name] + val.get(name, [])}
            known_bad += [entry for entry in error.skipped if entry["file"] in left_out_files]
            for name in sorted(left_out):
                excluded.append({"name": name, "reason": NO_TRAINING_IMAGE})
                del train[name]


def _check_two_class_folders(root, folders, source):
    """:func:`check_two_classes` of the class ``folders`` of ``root`` (``source`` or its train/): a researcher who
    gave one class's folder (``photos/cat``), or the folder above the classes' (``data``, holding only
    ``photos``), learns which folder to give instead."""
    hint = ""
    if not folders:
        loose = sum(1 for path in root.iterdir() if not inputs.hidden(path.name) and path.is_file())
        hint = f", only {loose} file(s){' (the folder of one class?)' if root == source else ''}" if loose else ""
    elif len(folders) == 1:
        inner = sorted(path.name for path in folders[0].iterdir() if path.is_dir() and not inputs.hidden(path.name))
        hint = f", which holds folders ({_listed(inner)}): give {folders[0]} if these are the classes" \
            if len(inner) >= 2 else ""
    check_two_classes(root, [folder.name for folder in folders], ONE_PER_CLASS, hint)


def _warn_of_names_differing_in_case(root, folders):
    """Warn of class ``folders`` (of ``root``) whose names differ only in case ('Cat' beside 'cat': one class
    saved under two spellings, most often): each is a class of its own, which a researcher reading the class
    table may not see, and which a Mac or Windows disk cannot even hold as two folders."""
    spellings = {}
    for folder in folders:
        spellings.setdefault(_same_text(folder.name).casefold(), []).append(folder.name)
    twins = [names for names in spellings.values() if len(names) > 1]
    if twins:
        stopping.warn(f"warning: {root}: {len(twins)} set(s) of class folders whose names differ only in case, such "
                      f"as {_listed(twins[0])}: each folder is a class of its own (on macOS and Windows they would "
                      f"be one folder); merge them and rerun if they are one class")


def check_two_classes(where, names, layout, hint="", kind="class folder"):
    """``DatasetError`` naming ``where`` (the folder of the classes, or the file that lists them) when it gives
    fewer than two classes (``names``, each a ``kind``): nothing can be trained on one class (nor split into
    halves). The message says what was found, then ``hint`` (what the researcher may have given instead), then
    ``layout``: what the source must hold. Every importer refuses such a source so, before decoding anything."""
    if len(names) >= 2:
        return
    found = f"one {kind}, {names[0]!r}" if names else f"no {kind}s"
    raise ds.DatasetError(f"{where}: {found}{hint}; {layout}")


def _take_recorded_decisions(out, train, val, states, excluded, returned, decided, known_bad):
    """Make again the decisions the meta.json in ``out`` records (classes left out as without a decodable
    training image, classes given their held-out files back) for each class whose files, split as now, are
    those they were made from (:func:`_decision_inputs`: paths, sizes, modification times): a rerun then plans
    the shards the import wrote, so it writes nothing and decodes nothing, rather than trying the first split
    again (and rebuilding every shard twice). A class whose files changed (one repaired) is decided anew."""
    try:
        meta = fileio.parse_json((pathlib.Path(out) / ds.META_FILE).read_bytes())
        recorded, skipped = dict(meta.get("decision_inputs", {})), list(meta.get("skipped", []))
        left_out = {entry["name"] for entry in meta.get("excluded_classes", [])
                    if entry.get("reason") == NO_TRAINING_IMAGE}
        given_back = set(meta.get("returned_to_training", []))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # none, or not one this version wrote
        return
    still = {name for name, inputs_digest in recorded.items()
             if name in train and inputs_digest == _decision_inputs(name, train, val, states)}
    for name in sorted(still & given_back - left_out):
        decided[name] = recorded[name]
        train[name], val[name] = sorted(train[name] + val.get(name, [])), []
        returned.append(name)
    left_out &= still
    left_out_files = {inputs.display_name(path) for name in left_out for path in train[name] + val.get(name, [])}
    known_bad += [entry for entry in skipped if isinstance(entry, dict) and entry.get("file") in left_out_files]
    for name in sorted(left_out):
        decided[name] = recorded[name]
        excluded.append({"name": name, "reason": NO_TRAINING_IMAGE})
        del train[name]


def _decision_inputs(name, train, val, states):
    """The SHA-256 of what decides whether class ``name`` has a decodable training image: its training and
    held-out files, each's path, size and modification time as listed (``states``; :meth:`.decode.ImportItem.identity`,
    as shard plans record them), and the decoder."""
    digest = hashlib.sha256(DECODER.encode() + b"\n")
    for subset, files in (("train", train.get(name, [])), ("val", val.get(name, []))):
        for path in files:
            identity = ImportItem(path=path, listed=states.get(path)).identity()
            digest.update(f"{subset}\t{identity}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _decoded_any(paths, error):
    """Whether a file of ``paths`` decoded in the import that raised the :class:`ClassesWithoutImages` ``error``."""
    undecodable = {entry["file"] for entry in error.skipped}
    return any(inputs.display_name(path) not in undecodable for path in paths)


def _layout(source):
    """(folder of the training classes, folder of the validation classes or None): see the module docstring."""
    folders = {folder.name for folder in _class_folders(source)}
    if "train" not in folders:
        return source, None
    train, val = source / "train", (source / "val" if "val" in folders else None)
    others = sorted(folders - {"train", "val"})
    if not others:
        return train, val
    if any(not inputs.hidden(path.name) and path.is_file() for path in train.iterdir()):  # not a Thumbs.db
        return source, None  # train/ holds images: a class folder like the others
    raise ds.DatasetError(
        f"{source}: ambiguous layout: {train} holds only folders, as in the train/ + val/ layout, but {source} "
        f"also holds {_listed(others)}; a train/ (+ val/) tree must hold nothing else beside them, and a class "
        f"folder named 'train' must hold image files itself")


def _check_options(val_root, val_fraction, seed, families, family_a, is_a):
    if val_root is not None and val_fraction is not None:
        raise ValueError(f"{val_root} exists, so validation images come from it: leave out --val-fraction")
    if val_fraction is not None and not 0 <= val_fraction < 1:
        raise ValueError(f"--val-fraction must lie in [0, 1), got {val_fraction}")
    if seed < 0:
        raise ValueError(f"--seed must be >= 0, got {seed}")
    if families and is_a:
        raise ValueError("give either --families or --is-a, not both")
    if family_a is not None and not (families or is_a):
        raise ValueError("--family-a needs --families (or --is-a)")


def _class_folders(root):
    """The class folders of ``root`` (links to folders included), sorted; ``DatasetError`` for a
    name that is not UTF-8 or holds a control character, and for two names that are one text
    (one composed, one decomposed: macOS writes "é" as "e" and a combining accent)."""
    folders = sorted(path for path in root.iterdir() if path.is_dir() and not inputs.hidden(path.name))
    seen = {}
    for folder in folders:
        inputs.check_class_name(folder)
        twin = seen.setdefault(_same_text(folder.name), folder.name)
        if twin != folder.name:
            raise ds.DatasetError(f"{root}: the class folders {twin!r} and {folder.name!r} have one name, written in "
                                  f"two Unicode forms (composed and decomposed, as macOS writes names): merge them "
                                  f"or rename one")
    return folders


def _class_names(folders, out):
    """{class name: folder} of the class ``folders``: each folder's name in Unicode's composed form
    (:func:`_same_text`), which orders the classes (their labels) and seeds the held-out choice, so that
    a tree copied from a Mac (names decomposed) and the same tree named on Linux give one dataset; a
    class that the meta.json in ``out`` names in the other form (a dataset this version did not
    prepare) keeps that name, so that a rerun writes nothing (``out`` None: none kept, as --overwrite)."""
    try:
        classes = [] if out is None else fileio.parse_json((pathlib.Path(out) / ds.META_FILE).read_bytes())["classes"]
        recorded = {_same_text(entry["name"]): entry["name"] for entry in classes}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # none, or not one this version wrote
        recorded = {}
    return {recorded.get(_same_text(folder.name), _same_text(folder.name)): folder for folder in folders}


def dangling_links(root):
    """[(link, why it is not imported)] for each link in ``root`` to nothing (a folder moved, a drive not
    mounted) or into a loop of links (``a -> a``): neither folder nor file, it was left out without a word."""
    return [(path, _why_nowhere(path)) for path in sorted(root.iterdir())
            if path.is_symlink() and not path.exists() and not inputs.hidden(path.name)]


def _why_nowhere(link):
    """Why the symbolic ``link`` leads nowhere: what it names does not exist, or it leads back to itself."""
    if fileio.loops(link):
        return f"a link to {inputs.display_name(os.readlink(link))}, which leads back to it (a loop of links)"
    return f"a link to {inputs.display_name(os.readlink(link))}, which does not exist (moved? on a drive not mounted?)"


def _same_text(name):
    """``name`` in Unicode's composed form (NFC): names that read the same compare equal."""
    return unicodedata.normalize("NFC", name)


def _files_below(folder, skipped, out, walked):
    """Every file below ``folder`` whose path has no hidden part (:func:`.inputs.hidden`), sorted; each
    folder walked is remembered in ``walked`` (:func:`_remember_folder`).

    Links to folders are followed as the class folders themselves are, except a link to a folder
    that contains it (a loop, which would also bring in other classes) and a second way to a
    folder already walked; these are added to ``skipped``. A folder that cannot be listed (no read
    permission, an I/O error) raises its ``OSError`` (exit 74), naming it: its images are not left out
    without a word. A link into ``out`` is a ``ValueError`` (a usage error, as :func:`.inputs.check_apart`
    says): a rerun would import the dataset's own files."""
    files, seen, into = [], {os.path.realpath(folder)}, os.path.realpath(out)
    _remember_folder(os.fspath(folder), walked)
    for directory, subfolders, names in os.walk(folder, onerror=_raise, followlinks=True):
        kept, here = [], os.path.realpath(directory)
        if directory in walked:
            walked[directory][1] = {name for name in subfolders + names if not inputs.hidden(name)}
        if here == into or here.startswith(into + os.sep):
            raise ValueError(f"{inputs.display_name(directory)} leads into OUT {out} (a link): the import would read "
                             f"the dataset's own files; remove the link or choose another output folder")
        for name in sorted(name for name in subfolders if not inputs.hidden(name)):  # the first link wins
            real = os.path.realpath(os.path.join(directory, name))
            looped = here == real or here.startswith(real + os.sep)
            reason = ("link to a folder that contains it (a loop): not followed" if looped
                      else "folder already imported through another link" if real in seen else None)
            if reason:
                skipped.append({"file": inputs.display_name(os.path.join(directory, name)), "reason": reason})
            else:
                seen.add(real)
                kept.append(name)
                _remember_folder(os.path.join(directory, name), walked)  # before os.walk lists it
        subfolders[:] = kept
        files += [os.path.join(directory, name) for name in names if not inputs.hidden(name)]
    return sorted(files)


def _raise(error):
    raise error


def _remember_folder(folder, walked, listing=False):
    """Note in ``walked`` the modification time of ``folder``, before it is listed (its names are noted as it is,
    or here with ``listing``): a file added, removed or renamed there afterwards changes it."""
    try:
        walked[os.fspath(folder)] = [os.stat(folder).st_mtime_ns, _names_in(folder) if listing else None]
    except OSError:  # listing it says why
        pass


def _names_in(folder):
    return {name for name in os.listdir(folder) if not inputs.hidden(name)}


def _changed_folders(walked):
    """The folders of ``walked`` that now hold other names than when they were listed (files added, removed,
    renamed or moved to another class while the import ran: what it imported is the tree as it was listed, and
    a rerun imports it as it is); a folder whose time changed while its names did not (a .DS_Store written) is not
    one."""
    changed = []
    for folder, (time, names) in walked.items():
        try:
            if os.stat(folder).st_mtime_ns == time:
                continue
            now = _names_in(folder)
        except OSError:  # gone, or unreadable now
            now = None
        if now != names:
            changed.append(folder)
    return changed


def _warn_of_changed_folders(changed):
    if changed:
        stopping.warn(f"warning: {len(changed)} folder(s) of the source had files added, removed or renamed while "
                      f"the import ran, such as {inputs.display_name(changed[0])}: the dataset holds the files as "
                      f"they were listed (those changed or gone since are listed in skipped.txt); rerun the same "
                      f"command to import them as they are now")


def _validation_files(val_root, train_root, known, skipped, out, walked, listed):
    _remember_folder(val_root, walked, listing=True)
    folders = _class_folders(val_root)
    if not folders and any(path.is_file() and not inputs.hidden(path.name) for path in val_root.iterdir()):
        raise ds.DatasetError(f"{val_root}: image files but no class folders: validation images must lie in "
                              f"{val_root}/<class>/ (for ImageNet's unsorted val/ use 'prepare imagenet --devkit')")
    train_name = {_same_text(name): name for name in known}  # a val/ copied from a Mac may spell names decomposed
    unknown = [folder.name for folder in folders if _same_text(folder.name) not in train_name]
    if unknown:
        like = {_same_text(name).casefold(): name for name in train_name.values()}  # val/Dog beside train/dog
        shown = [inputs.display_name(name) + (f" (the folder {like[_same_text(name).casefold()]!r}?)"
                                              if _same_text(name).casefold() in like else "") for name in unknown]
        raise ds.DatasetError(f"{val_root}: {len(unknown)} class folder(s) that {train_root} does not have: "
                              f"{', '.join(shown[:10])}{' ...' if len(shown) > 10 else ''}")
    skipped += [{"file": inputs.display_name(link), "reason": reason} for link, reason in dangling_links(val_root)]
    files = {}
    for number, folder in enumerate(folders, start=1):
        files[train_name[_same_text(folder.name)]] = _files_below(folder, skipped, out, walked)
        listed(number, len(folders))
    if not any(files.values()):  # made a dataset that train refuses, whose note's advice (--val-fraction) is refused
        raise ds.DatasetError(f"{val_root}: no file in a class folder ({val_root}/<class>/): put each class's "
                              f"validation images there, or remove {val_root} so that --val-fraction of each "
                              f"class's training images is held out")
    return files


def _file_identities(train, val, examined):
    """({path: (device, inode)}, {path: size in bytes}, {path: modification time in ns}, {path: (size, time)})
    of every file of ``train`` and ``val`` ({class: paths}); the identity is the path itself, and the size and
    time missing, where a file cannot be examined (the decoder then says why); empty files and others than
    regular ones have no size or time in the second and third (those compared to find copies), every regular
    file its state as listed in the fourth (:class:`.decode.ImportItem`'s ``listed``).

    A file reached by two paths (a symbolic or hard link) must keep one label in one subset:
    ``DatasetError`` naming both paths when it lies in two classes (a class folder linked to
    another) or in both ``train`` and ``val`` (a val/ linked to train/). Two paths in one class
    and subset are kept (a link imported like the image): :func:`_hold_out` keeps them together.
    ``examined(done, total)`` is called after each class folder."""
    identity, sizes, modified, states, first = {}, {}, {}, {}, {}
    done, total = 0, len(train) + len(val)
    for subset, classes in (("train", train), ("val", val)):
        for name, files in sorted(classes.items()):
            done += 1
            examined(done, total)
            for path in files:
                try:
                    found = os.stat(path)
                except OSError:
                    identity[path] = path
                    continue
                key = identity[path] = (found.st_dev, found.st_ino)
                _note_state(path, found, sizes, modified, states)
                other_path, other_subset, other_name = first.setdefault(key, (path, subset, name))
                if other_name != name:
                    raise ds.DatasetError(
                        f"{inputs.display_name(path)} (class {name!r}) is the same file as "
                        f"{inputs.display_name(other_path)} (class {other_name!r}), through a link: an image has one "
                        f"class; remove the link")
                if other_subset != subset:
                    raise ds.DatasetError(
                        f"{inputs.display_name(path)} (validation) is the same file as "
                        f"{inputs.display_name(other_path)} (training), through a link: a validation image must not "
                        f"be a training image; remove the link")
    return identity, sizes, modified, states


def examine(paths, progress=None):
    """({path: size in bytes}, {path: modification time in ns}) of the regular files among ``paths`` that are not
    empty (those :class:`CopiesAcrossClasses` compares), and {path: (size, modification time)} of every regular
    file (its state as listed: :class:`.decode.ImportItem`'s ``listed``); ``progress(done, total, "examining
    files")`` is called every :data:`.build.PROGRESS_EVERY` files (ILSVRC2012's 1.3 million take a while)."""
    sizes, modified, states, examined = {}, {}, {}, inputs.stage_progress(progress, "examining files")
    for number, path in enumerate(paths, start=1):
        if number % PROGRESS_EVERY == 0 or number == len(paths):
            examined(number, len(paths))
        try:
            found = os.stat(path)
        except OSError:  # the decoder says why
            continue
        _note_state(path, found, sizes, modified, states)
    return sizes, modified, states


def _note_state(path, found, sizes, modified, states):
    """Record the state of ``path`` (``found``: its ``os.stat``) where it is a regular file: (size, modification
    time in ns) in ``states``, and where it is not empty, the size and time in ``sizes`` and ``modified``: a FIFO
    or a device is never read to find copies, and an empty file is not "a copy"."""
    if stat.S_ISREG(found.st_mode):
        states[path] = (found.st_size, found.st_mtime_ns)
        if found.st_size:
            sizes[path], modified[path] = found.st_size, found.st_mtime_ns


def recorded_digests(out, sizes, modified):
    """{path: sha256} that :data:`DIGESTS_FILE` in ``out`` records of files whose size and modification time
    (``sizes``, ``modified``: :func:`_file_identities`) are still those recorded, as shard plans trust them:
    a rerun reads no file to find copies again but those that changed."""
    try:
        recorded = fileio.parse_json((pathlib.Path(out) / DIGESTS_FILE).read_bytes())
        return {path: digest for path, (size, time, digest) in recorded.items()
                if isinstance(digest, str) and sizes.get(path) == size and modified.get(path) == time}
    except (OSError, ValueError, TypeError, AttributeError):  # none yet, or damaged: files are read again
        return {}


def _content_digest(path, digests, read=None):
    """The SHA-256 of the bytes of ``path`` (``read(path)``, by default the file's), remembered in ``digests``;
    None when it cannot be read (the decoder then says why)."""
    if path not in digests:
        try:
            digests[path] = (read or fileio.sha256_file)(path)
        except (OSError, ValueError):  # ValueError: a damaged archive member (DatasetError)
            digests[path] = None
    return digests[path]


def _twins(paths, identity, sizes, digests):
    """{path: sha256} of each of ``paths`` whose bytes another distinct file among them (not a
    link to it) repeats; only files of a size another has are read."""
    by_size = {}
    for path in paths:
        if path in sizes:
            by_size.setdefault(sizes[path], {}).setdefault(identity[path], path)
    twins = {}
    for files in by_size.values():
        if len(files) < 2:
            continue
        by_digest = {}
        for path in files.values():
            digest = _content_digest(path, digests)
            if digest is not None:
                by_digest.setdefault(digest, []).append(path)
        twins.update({path: digest for digest, same in by_digest.items() if len(same) > 1 for path in same})
    return twins


def _same_content_in_a_class(train, identity, sizes, digests, compared):
    """``identity`` with byte-identical copies within one class (``photo.jpg`` and ``photo (1).jpg``)
    made one file, as links are: :func:`_hold_out` keeps them on one side, so that validation never
    holds a copy of a training image of its class. ``compared(done, total)`` is called after each class."""
    identity = dict(identity)
    for number, files in enumerate(train.values(), start=1):
        twins = _twins(files, identity, sizes, digests)
        for path in files:
            if path in twins:
                identity[path] = ("content", twins[path])
        compared(number, len(train))
    return identity


def _without_copies_of_training(train, val, sizes, states, digests, compared):
    """(val less every file whose bytes a training file repeats, a skipped.txt entry for each):
    a validation image that is also a training image (a copy in val/, or in another class's
    folder) would measure memory, not generalisation. A file that is no image (:func:`.decode.may_be_image`,
    ``states`` as :func:`_file_identities` gives them: the same notes.txt in train/ and val/) is left to the
    decoder, which says so, rather than called a copy of a training image. Only files of a size a training file has are
    read, each once; each validation file is looked up by its digest, not compared with every training
    file of its size (files of one format and dimensions, BMP or random-noise PNG, often share one size).
    ``compared(done, total)`` is called after each class."""
    training = {}  # {size: training files of that size}
    for name in sorted(train):
        for path in train[name]:
            if path in sizes:
                training.setdefault(sizes[path], []).append(path)
    originals = {}  # {size: {digest: the first training file of that size with those bytes}}, filled as needed
    kept, skipped = {}, []
    for number, (name, files) in enumerate(val.items(), start=1):
        kept[name] = []
        for path in files:
            size = sizes.get(path)
            if size in training and size not in originals:
                originals[size] = {}
                for other in training[size]:
                    digest = _content_digest(other, digests)
                    if digest is not None:
                        originals[size].setdefault(digest, other)
            digest = _content_digest(path, digests) if size in training else None
            original = originals[size].get(digest) if digest is not None else None
            if original is None or not may_be_image(path, states.get(path)):
                kept[name].append(path)
            else:
                skipped.append({"file": inputs.display_name(path),
                                "reason": f"a copy of the training image {inputs.display_name(original)}: left out "
                                          f"of validation", "subset": "val", "class": name})
        compared(number, len(val))
    return kept, skipped


class CopiesAcrossClasses:
    """One image in two classes: the files whose bytes a file of another class of the same subset repeats
    (``subsets``: {subset: {class: paths}}). Such an image is imported with two labels, which is most often a
    mistake (a scraped photo saved under two queries; ILSVRC2012 has some): :meth:`report` lists them in
    :data:`COPIES_FILE` and warns. Found once the images are decoded (:meth:`caches`, given to
    :func:`.build.build_dataset`), from the digests the decoder took of the bytes it read, so that no file is read
    twice; a file it did not read (in a shard kept from an interrupted import) is read, and only when its size
    (``sizes``: {path: bytes}, :func:`examine`) is one that a file of another class has. ``digests`` ({path:
    sha256}, filled as files are read: :func:`recorded_digests`) is kept in :data:`DIGESTS_FILE` in ``out`` with
    the sizes and ``modified`` times: a rerun reads none. ``progress(done, total, "finding copies across
    classes")`` is called after each class. ``read(path)`` gives a file's sha256 (zip members: another reader)."""

    def __init__(self, out, subsets, sizes, modified, digests, progress, read=None):
        self.out, self.subsets, self.sizes, self.modified, self.digests = out, subsets, sizes, modified, digests
        self.compared, self.read = inputs.stage_progress(progress, "finding copies across classes"), read
        self.groups = []

    def caches(self, decoded):
        """{:data:`DIGESTS_FILE`: its text}, once the copies are found with ``decoded`` ({path: sha256} of the
        files the import decoded), recording those it compared."""
        self.groups = self._find(decoded)
        return {DIGESTS_FILE: json.dumps({path: [self.sizes[path], self.modified[path], digest]
                                          for path, digest in self.digests.items() if digest is not None},
                                         sort_keys=True, separators=(",", ":")) + "\n"}

    def _find(self, decoded):
        """[[(subset, class, path), ...]: one list per content]."""
        classes_of_size = {}  # {(subset, size): classes holding a file of that size}
        for subset, classes in self.subsets.items():
            for name, files in classes.items():
                for path in files:
                    if path in self.sizes:
                        classes_of_size.setdefault((subset, self.sizes[path]), set()).add(name)
        same, done, total = {}, 0, sum(len(classes) for classes in self.subsets.values())  # {(subset, sha256): files}
        for subset, classes in self.subsets.items():
            for name, files in sorted(classes.items()):
                for path in files:
                    if len(classes_of_size.get((subset, self.sizes.get(path)), ())) > 1:
                        if path in decoded:  # what an interrupted import's rerun did not decode is read
                            self.digests.setdefault(path, decoded[path])
                        digest = _content_digest(path, self.digests, self.read)
                        if digest is not None:
                            same.setdefault((subset, digest), []).append((subset, name, path))
                done += 1
                self.compared(done, total)
        return sorted(files for files in same.values() if len({name for _, name, _ in files}) > 1)

    def report(self, skipped=()):
        """List the copies in :data:`COPIES_FILE` in ``out`` (the file removed when there are none) and warn on
        stderr: the researcher decides which label each image keeps. A file that holds this list already is not
        written again (a rerun writes nothing). Bytes of which no file was imported (each one in ``skipped``,
        meta.json's entries) are no image: the same notes.txt or annotation stub in every class folder."""
        path = pathlib.Path(self.out) / COPIES_FILE
        left_out = {entry.get("file") for entry in skipped}
        self.groups = [files for files in self.groups
                       if any(inputs.display_name(file) not in left_out for _, _, file in files)]
        if not self.groups:
            if os.path.lexists(path):  # asked first: a read-only file system refuses even to unlink nothing
                try:
                    path.unlink()
                except OSError as error:
                    raise fileio.storage_error(path, error) from error
            return
        fileio.write_text(path, "".join(f"{number}\t{subset}\t{name}\t{inputs.display_name(file)}\n"
                                        for number, files in enumerate(self.groups, start=1)
                                        for subset, name, file in files), keep_same=True)
        stopping.warn(f"warning: {len(self.groups)} image(s) lie in two or more classes, as "
                      f"{sum(map(len, self.groups))} files with the same bytes, so each is imported with two or more "
                      f"labels (a scraping mistake?); listed in {path} (group, subset, class, file): delete each copy "
                      f"from the classes it does not belong to and rerun, or keep them where an image belongs to "
                      f"several")


def _possible_images(train, states, told):
    """The files of ``train`` ({class: paths}) that may be images (:func:`.decode.may_be_image`, ``states``: as
    :func:`_file_identities` gives them); ``told(done, total)`` is called after each class."""
    images = set()
    for number, files in enumerate(train.values(), start=1):
        images.update(path for path in files if may_be_image(path, states.get(path)))
        told(number, len(train))
    return images


def _hold_out(train, fraction, seed, identity, images=None):
    """(train, val): ``fraction`` of each class's files moved to val, chosen with (seed, class name).

    The choice is over distinct files (``identity``: :func:`_file_identities`), so two paths of one
    file (a link) stay on one side; without links it is a choice over the paths. Only files among
    ``images`` (None: every file) are chosen and counted: a LabelImg .xml beside each photo took
    validation places, and left classes without a validation image; the others train (and are skipped
    when they do not decode), so a tree of images alone is split as before."""
    kept, held = {}, {}
    for name, files in train.items():
        distinct = list(dict.fromkeys(identity.get(file, file) for file in files
                                      if images is None or file in images))
        count = len(distinct)
        chosen = 0 if count < 2 or fraction == 0 else min(max(int(count * fraction + 0.5), 1), count - 1)
        name_seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
        order = np.random.default_rng([seed, name_seed]).permutation(count)
        held_out = {distinct[position] for position in order[:chosen]}
        kept[name] = [file for file in files if identity.get(file, file) not in held_out]
        held[name] = [file for file in files if identity.get(file, file) in held_out]
    return kept, held


def _items(names, files, states):
    items, labels = [], []
    for label, name in enumerate(names):
        for path in files.get(name, ()):
            items.append(ImportItem(path=path, listed=states.get(path)))
            labels.append(label)
    return items, labels, {}


def _class_table(names, families, family_a, is_a, known, root):
    """(class table, family of half A or None) for the classes ``names``."""
    if families:
        family_of, order = read_families(families, names, known, root)
        chosen = [family_of[name] for name in names]
        family_a = _same_text(family_a) if family_a else order[0]
    elif is_a:
        chosen = wordnet.families_from_file(names, is_a)
        family_a = family_a or wordnet.NATURAL
    else:
        return [{"index": index, "wnid": name, "name": name} for index, name in enumerate(names)], None
    if family_a not in chosen:
        raise ValueError(f"--family-a {family_a!r} is not a family of these classes ({', '.join(sorted(set(chosen)))})")
    table = [{"index": index, "wnid": name, "name": name, "family": family}
             for index, (name, family) in enumerate(zip(names, chosen))]
    return table, family_a


def read_families(path, names, known, root):
    """({class: family}, family names in order of appearance) from the families file ``path``.

    Every class of ``names`` must have a family, every class named must be one of ``known`` (the
    class folders under ``root``), two or more families are needed, and a family is spelled one way
    ("Animal" beside "animal" is refused); ``DatasetError`` naming the file and the classes (or lines) at
    fault otherwise. A line names a folder as its name reads: spaces at
    its ends (which a line cannot keep) and the Unicode form (composed or decomposed, as macOS
    writes names) do not matter."""
    folder_of, twins = {}, {}
    for folder in sorted(known):
        key = _same_text(folder).strip()
        if folder_of.setdefault(key, folder) != folder:
            twins.setdefault(key, [folder_of[key]]).append(folder)
    family_of, order, unknown, spelled = {}, [], set(), {}  # spelled: {casefolded family: (family, line)}
    lines = inputs.read_text(path, "families file").splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = text.rsplit(None, 1)
        if len(fields) != 2:
            raise ds.DatasetError(f"{path}:{number}: expected 'CLASS FAMILY', got {line!r}")
        name, family = _same_text(fields[0]).strip(), _same_text(fields[1])
        if name in twins:
            raise ds.DatasetError(f"{path}:{number}: {name!r} names the class folders {_listed(twins[name])}, which "
                                  f"differ only in spaces at their ends: rename one")
        if name not in folder_of:
            unknown.add(name)
            continue
        if family_of.setdefault(folder_of[name], family) != family:
            raise ds.DatasetError(f"{path}:{number}: class {name!r} is given a second family "
                                  f"({family_of[folder_of[name]]}, {family})")
        if family not in order:
            first = spelled.setdefault(family.casefold(), (family, number))
            if first[0] != family:  # "Animal" beside "animal" would put its classes in another half, unsaid
                raise ds.DatasetError(f"{path}:{number}: family {family!r} differs only in case from {first[0]!r} "
                                      f"(line {first[1]}): spell one family one way")
            order.append(family)
    if unknown:
        like = {key.casefold(): folder for key, folder in folder_of.items()}
        shown = [f"{name!r} (the folder {like[name.casefold()]!r}?)" if name.casefold() in like else repr(name)
                 for name in sorted(unknown)]
        raise ds.DatasetError(f"{path}: {len(unknown)} class(es) that are not class folders of {root}: "
                              f"{', '.join(shown[:10])}{' ...' if len(shown) > 10 else ''}")
    missing = [name for name in names if name not in family_of]
    if missing:
        comment = [name for name in missing if name.lstrip().startswith("#")]  # its line would be a comment
        hint = f" (a line starting with '#' is a comment: rename the folder {_listed(comment)})" if comment else ""
        raise ds.DatasetError(f"{path}: no family for {len(missing)} class(es): {_listed(missing)}{hint}")
    if len({family_of[name] for name in names}) < 2:
        dropped = sorted(set(known) - set(names))
        because = f" once the class(es) without a decodable image are left out ({_listed(dropped)})" if dropped else ""
        raise ds.DatasetError(f"{path}: every class is in one family{because}; the natural split needs two or more")
    return family_of, [family for family in order if family in {family_of[name] for name in names}]


def _listed(names):
    return ", ".join(repr(name) for name in names[:10]) + (" ..." if len(names) > 10 else "")
