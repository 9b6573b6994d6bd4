"""What a researcher who gave ``prepare folder`` (:mod:`.folder`) a SOURCE other than the folder of the classes
is told: one class's folder, the folder above the classes', a folder of images not sorted yet or of archives not
unpacked is refused naming the folder to give or what to do (:func:`check_two_class_folders`); images and
archives lying beside the class folders, in no class, are warned of, and so are class folders that each look like
a dataset of their own classes (the folder of two datasets given). :mod:`.folder_tree` lists the tree."""

import collections
import itertools
import os
import stat

from minitransfer import stopping

from . import archives
from . import inputs
from .decode import may_be_image
from .schema import DatasetError, DatasetUnreadable
from .folder_tree import ONE_PER_CLASS, check_two_classes, entries, quoted, run_folders, same_text, tree_layout


def check_two_class_folders(root, folders, source):
    """:func:`.folder_tree.check_two_classes` of the class ``folders`` of ``root`` (``source`` or its train/): a
    researcher who gave one class's folder (``photos/cat``), or the folder above the classes' (``data``, holding
    only ``photos``), learns which folder to give instead."""
    hint, images = "", loose_images([root]) if len(folders) < 2 else []
    packed = archives_not_unpacked([source, root]) if len(folders) < 2 else []
    if not folders:
        loose = sum(1 for path in root.iterdir() if not inputs.hidden(path.name) and path.is_file())
        one_class = root == source and not packed  # given photos/cat
        hint = f", only {loose} file(s){' (the folder of one class?)' if one_class else ''}" if loose else ""
        if images:  # one class's folder, or 300 photos not sorted yet
            give = f"if so, give {_above_classes(root)}; else " if one_class else ""
            hint += f", {len(images)} of them images: {give}sort the images into one folder per class " \
                    f"({root}/<class>/<image files>)"
    elif len(folders) == 1:
        below, inner = folder_of_folders(folders[0])
        where = "which holds" if below == folders[0] else f"below which {below} holds"
        hint = f", {where} folders ({quoted(inner)}): give {below} if these are the classes" if len(inner) >= 2 else ""
        beside = image_folders_beside(root) if images and root == source else []
        if images:  # given photos/cat, which holds a folder too: photos/dog beside it holds images as well
            hint += (f", and {len(images)} image file(s) in no class folder, such as {inputs.path_text(images[0])}"
                     + (f" (the folder of one class? {root.parent} holds folders of images beside it, such as "
                        f"{quoted(beside)}): if so, give {_above_classes(root)}; else" if beside else ":")
                     + " move each into its class's folder")
    if packed:
        hint += f"; it holds {unpack_each(packed)}"
    hidden = hidden_image_folders(root) if len(folders) < 2 else []
    if hidden:
        hint += f"; {_passed_over_hidden(hidden)}: rename those that are classes"
    check_two_classes(root, [folder.name for folder in folders], ONE_PER_CLASS, hint)


def _above_classes(folder):
    """The SOURCE to give where ``folder`` is one class's folder: the folder above it (``photos/train`` of
    ``photos/train/oak``), or the one above that where it is the train/ or val/ of a train/ + val/ tree (``photos``,
    holding ``train/`` and ``val/``): given photos/train, the import left val/ out and held out a share of train/
    instead (and given photos/val, it trained on the validation images)."""
    classes, tree = folder.parent, folder.parent.parent
    try:
        layout = tree_layout(tree, run_folders([tree]))
    except (DatasetError, OSError):  # another tree: the import of the folder above says what it finds there
        return classes
    return tree if layout == (tree / "train", tree / "val") and classes in layout else classes


DEEPEST = 8  # folders folder_of_folders goes down through at most


def folder_of_folders(folder):
    """(the folder at or below ``folder`` that holds two or more folders, found going down through folders that each
    hold one folder alone: data/photos/photos/{cat,dog} of an archive unpacked into a folder of its name; its
    folders' names); where there is none: (the last folder looked at, its one folder's name) where that folder
    leads back up (a link), (the last folder looked at, []) where it holds no folder or cannot be listed, and
    (the folder :data:`DEEPEST` levels below ``folder``, not listed, [its own name]) past that depth."""
    seen, inner = set(), []
    for _ in range(DEEPEST):
        try:
            inner = sorted(path.name for path in folder.iterdir() if path.is_dir() and not inputs.hidden(path.name))
        except OSError:  # the import lists the tree and says so; no hint
            return folder, []
        seen.add(os.path.realpath(folder))
        if len(inner) != 1 or os.path.realpath(folder / inner[0]) in seen:
            return folder, inner
        folder = folder / inner[0]
    return folder, inner


def datasets_of_classes(folders):
    """({folder: its folders' names}, [the names, case aside, that two or more of them hold]) when every one of the
    class ``folders`` looks like a dataset of classes (the folder of two datasets given, or classes whose images are
    sorted into folders named uniquely: cat/cat_001/, dog/dog_001/): it holds no image itself
    (:func:`first_loose_image`) but two or more folders that each do (or a train/, and maybe a val/, holding such
    folders: a dataset of the train/ + val/ layout, named train/<class>, its val/ otherwise imported as training
    images without a word), at most half of them named as a folder of another of ``folders`` is (case aside); else
    ({}, []). A class's images sorted into sub-folders (session1/,
    session2/) name them alike from class to class; two datasets' classes do not, but for the few classes both hold
    (X/cat/ and Y/Cat/: a transfer across them is measured on datasets sharing those), which left the folder of
    two such datasets imported as two classes without a word. Looked at until one folder is not so: in a tree of
    classes, one folder listed."""
    found, names = {}, {}
    for folder in folders:
        inner, below = _sub_folders(folder), ""
        if inner and {path.name for path in inner} <= {"train", "val"} and inner[0].name == "train":
            inner, below = _sub_folders(inner[0]), "train/"  # a dataset of the train/ + val/ layout: train/'s classes
        if len(inner) < 2 or first_loose_image(folder) is not None \
                or any(first_loose_image(path) is None for path in inner):
            return {}, []
        found[folder] = [below + path.name for path in inner]
        names[folder] = {same_text(path.name).casefold(): path.name for path in inner}  # name (case aside): spelling
    held = collections.Counter(name for folder_names in names.values() for name in folder_names)
    shared = {name for name, count in held.items() if count > 1}
    if any(2 * len(folder_names.keys() & shared) > len(folder_names) for folder_names in names.values()):
        return {}, []  # sessions named alike from class to class
    alike = sorted({name: spelled for folder_names in names.values() for name, spelled in folder_names.items()
                    if name in shared}.values())  # one spelling of each (case aside)
    return found, alike


def _sub_folders(folder):
    """The folders in ``folder`` that are not hidden, sorted."""
    return [path for path in entries(folder) if path.is_dir() and not inputs.hidden(path.name)]


def warn_of_datasets_of_classes(root, folders):
    """Warn, before the import starts, when the class ``folders`` of ``root`` each look like a dataset of their
    own classes (:func:`datasets_of_classes`): the folder of two datasets given (two/photosA/{cat,dog},
    two/photosB/{bus,car}) would be imported as two classes, each holding the other classes' images, without a
    word. Not refused: classes whose images are sorted into folders named uniquely (cat/cat_001/, or by date) look
    the same, and import as they are. Folders named alike in two of them are named (three at most)."""
    datasets, alike = datasets_of_classes(folders)
    if datasets:
        shown = "; ".join(f"{folder.name}: {quoted(names, 3)}"
                          for folder, names in list(datasets.items())[:3])
        held, alike_shown = ("that no other holds", "") if not alike else \
            ("most named as no other's", f"; named alike in two or more, case aside: {quoted(alike, 3)}")
        stopping.warn(f"warning: {root}: {len(datasets)} class folders each look like a dataset of classes, "
                      f"holding no image itself but folders of images {held} ({shown}"
                      f"{' ...' if len(datasets) > 3 else ''}{alike_shown}), and are imported as {len(datasets)} "
                      f"classes whose "
                      f"images lie in sub-folders. If you meant one dataset, stop (Ctrl-C) and give that folder "
                      f"({' or '.join(str(folder) for folder in list(datasets)[:2])}"
                      f"{' ...' if len(datasets) > 2 else ''}).")


def image_folders_beside(folder):
    """The names of the folders beside ``folder`` (in its parent) that hold an image themselves
    (:func:`first_loose_image`), three at most: ``folder`` may be one class's folder among them."""
    try:
        return [path.name for path in itertools.islice((path for path in entries(folder.parent) if path != folder and
                                                        path.is_dir() and not inputs.hidden(path.name)
                                                        and first_loose_image(path)), 3)]
    except OSError:  # a parent (or a folder there) this user may not list: no more said
        return []


def loose_images(folders):
    """The files lying directly in ``folders`` (SOURCE and, in the train/ + val/ layout, train/ and val/: each
    once, None passed over) that may be images (:func:`.decode.may_be_image`, told by their first bytes: not a
    README.txt nor a web page saved as .jpg; hidden and systems' files are passed over): they are in no class, so
    not imported (:func:`warn_of_loose_images`)."""
    return list(_loose_images(folders))


def first_loose_image(folder):
    """The first file in ``folder`` that may be an image (:func:`loose_images`), None where there is none: each file
    looked at (its first bytes read) until one is found, not all of a folder of 100,000 photos on a network disk."""
    return next(_loose_images([folder]), None)


def _loose_images(folders):
    """:func:`loose_images`, one at a time."""
    for folder in dict.fromkeys(folder for folder in folders if folder is not None):
        for path in entries(folder):
            # one gone since listed, or a link to nothing (of which the import says more), is no image
            if not inputs.hidden(path.name) and may_be_image(path, _listed(path)):
                yield path


def warn_of_loose_images(images):
    """Warn of the ``images`` lying beside the class folders (:func:`loose_images`), not imported: a researcher
    who saved photos in SOURCE by mistake would otherwise train without them and never know."""
    if images:
        where = list(dict.fromkeys(inputs.path_text(path.parent) for path in images))
        shown = ", ".join(inputs.path_text(path) for path in images[:2])
        stopping.warn(f"warning: {len(images)} image file(s) lie in no class folder (directly in {', '.join(where)}), "
                      f"such as {shown}{' ...' if len(images) > 2 else ''}: they are not imported; move each into "
                      f"its class's folder and rerun")


def hidden_image_folders(root):
    """The folders lying directly in ``root`` whose names start with "." (:func:`.inputs.hidden`: passed over) and
    that hold a file that may be an image (:func:`first_loose_image`): a class folder ".hiddenclass" was left out
    without a word. A .git, an .ipynb_checkpoints (no image in it) is not one; nor is a folder that cannot be listed."""
    found = []
    for path in entries(root):
        try:
            if path.name.startswith(".") and path.is_dir() and first_loose_image(path) is not None:
                found.append(path)
        except (OSError, DatasetUnreadable):  # gone, or not listable: it is passed over all the same
            continue
    return found


def _passed_over_hidden(folders):
    return (f"passed over {len(folders)} hidden folder(s) holding images: {quoted([path.name for path in folders])} "
            f"(names starting with '.' are passed over)")


def warn_of_hidden(folders, files, inside=()):
    """Warn once of the hidden ``folders`` holding images beside the class folders (:func:`hidden_image_folders`)
    and of the images among the hidden ``files`` of the class folders (:func:`.folder_tree.files_below`'s; macOS's
    ._ files are no images): passed over, as .DS_Store is, they were left out without a word. The hidden folders
    ``inside`` class folders (``files_below``'s: ant/.git, ant/.thumbnails), passed over unlisted, are noted in one
    line, counted by name."""
    images = [path for path in files if may_be_image(path, _listed(path))]
    if folders:
        stopping.warn(f"warning: {_passed_over_hidden(folders)}; rename those that are classes")
    if inside:
        names = collections.Counter(inputs.display_name(os.path.basename(path)) for path in inside)
        counted = [f"{name} ({count})" for name, count in sorted(names.items(), key=lambda item: (-item[1], item[0]))]
        stopping.warn(f"note: passed over {len(inside)} hidden folder(s) inside class folders, not looked into: "
                      f"{', '.join(counted[:5])}{' ...' if len(counted) > 5 else ''} (names starting with '.', and "
                      f"system folders such as @eaDir, are passed over): rename those that hold images to import them")
    if images:
        shown = ", ".join(inputs.path_text(path) for path in images[:2])
        stopping.warn(f"warning: passed over {len(images)} hidden image file(s) in class folders, such as {shown}"
                      f"{' ...' if len(images) > 2 else ''} (names starting with '.' are passed over): rename them "
                      f"to import them")


def _listed(path):
    """(size, modification time in ns) of the regular file ``path``, as :func:`.decode.may_be_image` takes them;
    None where it is no regular file or is gone (a link to nothing, a FIFO: no image)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns) if stat.S_ISREG(found.st_mode) else None


def archives_not_unpacked(folders):
    """The archives (by suffix: :func:`.archives.archive_stem`) lying directly in ``folders`` (SOURCE and, in the
    train/ + val/ layout, train/ and val/: each once, None passed over) beside no folder of their name (cat.zip
    beside cat/ was unpacked): a class's images left packed, in no class folder, so not imported."""
    found = []
    for folder in dict.fromkeys(folder for folder in folders if folder is not None):
        for path in entries(folder):
            stem = archives.archive_stem(path.name)
            if stem and not inputs.hidden(path.name) and path.is_file() and not (folder / stem).is_dir() \
                    and not archives.single_compressed_file(path):  # notes.txt.gz: one file, no class's folder
                found.append(path)
    return found


def unpack_each(packed):
    """"N archive(s) not unpacked (...): unpack each ... (command)": what to do about ``packed``
    (:func:`archives_not_unpacked`), the command for the first."""
    first = packed[0]
    command = archives.unpack_command(inputs.path_text(first),
                                      inputs.path_text(first.parent / archives.archive_stem(first.name)))
    shown = " ".join(inputs.path_text(path.name) for path in packed[:3]) + (" ..." if len(packed) > 3 else "")
    return (f"{len(packed)} archive(s) not unpacked ({shown}): unpack each into a class folder of its own, named as "
            f"its class ({command}{', and so on' if len(packed) > 1 else ''})")


def warn_of_archives(packed):
    """Warn of the archives lying beside the class folders (:func:`archives_not_unpacked`): a researcher who
    unpacked nine classes' downloads of ten would otherwise train without the tenth and never know."""
    if packed:
        stopping.warn(f"warning: {unpack_each(packed)}, and rerun: they lie in no class folder, so the images they "
                      f"hold are not imported (move them away if they hold none of this dataset's)")
