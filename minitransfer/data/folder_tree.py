"""Listing a class-folder tree for :mod:`.folder`: its layout (train/ + val/, or validation held out), the class
folders and their names, every file below each, links that lead nowhere, and the folders whose names changed
while the import ran. A run folder that train wrote (:func:`minitransfer.rundir.is_run_dir`: base.run/ beside
base.h5) is no class: passed over, with a note. Every importer refuses a source of fewer than two classes
(:func:`check_two_classes`); what a SOURCE that is not the folder of the classes is told, and the images and
archives lying beside the class folders, in no class: :mod:`.folder_hints`."""

import os
import pathlib
import unicodedata

from minitransfer import fileio, rundir, stopping

from . import dataset as ds
from . import inputs
from .inputs import quoted
from .schema import DatasetUnreadable
from .shard_format import META_FILE

TWO_OR_MORE = "two or more: a classifier tells classes apart"
ONE_PER_CLASS = (f"SOURCE must hold one folder per class (SOURCE/<class>/<image files>, or SOURCE/train/<class>/...), "
                 f"{TWO_OR_MORE}")


def run_folders(folders):
    """The run folders (:func:`minitransfer.rundir.is_run_dir`: named ``*.run``, holding train's files) lying
    directly in ``folders`` (SOURCE and, in the train/ + val/ layout, train/ and val/: each once, None passed
    over): a weights file trained into the images' folder brings one, which is no class (:func:`class_folders`
    and :func:`tree_layout` are given them, to pass over)."""
    return [path for folder in dict.fromkeys(folder for folder in folders if folder is not None)
            for path in entries(folder) if not inputs.hidden(path.name) and rundir.is_run_dir(path)]


def note_run_folders(found):
    """Say, one line each, that the run folders ``found`` (:func:`run_folders`) are passed over: not classes."""
    for path in found:
        stopping.warn(f"note: {inputs.path_text(path)} is a run folder (train's {', '.join(rundir.RUN_FILES[:2])} "
                      f"...), not a class: passed over")


def warn_of_names_differing_in_case(root, folders):
    """Warn of class ``folders`` (of ``root``) whose names differ only in case ('Cat' beside 'cat': one class
    saved under two spellings, most often): each is a class of its own, which a researcher reading the class
    table may not see, and which a Mac or Windows disk cannot even hold as two folders."""
    spellings = {}
    for folder in folders:
        spellings.setdefault(class_text(folder).casefold(), []).append(folder.name)  # as class_folders reads it
    twins = [names for names in spellings.values() if len(names) > 1]
    if twins:
        stopping.warn(f"warning: {root}: {len(twins)} set(s) of class folders whose names differ only in case, such "
                      f"as {quoted(twins[0])}: each folder is a class of its own (on macOS and Windows they would "
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


def tree_layout(source, runs):
    """(folder of the training classes, folder of the validation classes or None): see the module docstring.
    ``runs``: the run folders in ``source`` (:func:`run_folders`), no class folders."""
    folders = {folder.name for folder in class_folders(source, runs)}
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
        f"also holds {quoted(others)}; a train/ (+ val/) tree must hold nothing else beside them, and a class "
        f"folder named 'train' must hold image files itself")


def class_folders(root, runs, beside=None):
    """The class folders of ``root`` (links to folders included; not one of ``runs``, the run folders
    :func:`run_folders` found there, listed once for the note that passes them over), sorted;
    ``DatasetError`` for a name that is not UTF-8 or holds a control character, and for two names that are one
    text (one composed, one decomposed: macOS writes "é" as "e" and a combining accent). ``beside``: the val/ of a
    train/ + val/ tree (``root`` its train/), whose class folders' names are checked in the same refusal: renaming
    train/'s alone, a rerun found val/'s."""
    folders = _folders_in(root, runs)
    seen = {}
    inputs.check_class_names(folders + (_folders_in(beside, runs) if beside is not None else []))
    for folder in folders:
        twin = seen.setdefault(class_text(folder), folder.name)
        if twin != folder.name:
            raise ds.DatasetError(f"{root}: the class folders {twin!r} and {folder.name!r} have one name, written in "
                                  f"two Unicode forms (composed and decomposed, as macOS writes names): merge them "
                                  f"or rename one")
    return folders


def _folders_in(root, runs):
    """The folders of ``root`` that :func:`class_folders` reads as classes, their names unchecked."""
    runs = set(runs)
    return [path for path in entries(root) if path.is_dir() and not inputs.hidden(path.name) and path not in runs]


def class_names(folders, out):
    """{class name: folder} of the class ``folders``: each folder's name in Unicode's composed form
    (:func:`same_text`), which orders the classes (their labels) and seeds the held-out choice, so that
    a tree copied from a Mac (names decomposed) and the same tree named on Linux give one dataset; a
    class that the meta.json in ``out`` names in the other form (a dataset this version did not
    prepare) keeps that name, so that a rerun writes nothing (``out`` None: none kept, as --overwrite)."""
    try:
        classes = [] if out is None else fileio.parse_json((pathlib.Path(out) / META_FILE).read_bytes())["classes"]
        recorded = {same_text(entry["name"]): entry["name"] for entry in classes}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # none, or not one this version wrote
        recorded = {}
    return {recorded.get(name, name): folder for folder in folders for name in (class_text(folder),)}


def dangling_links(root):
    """[(link, why it is not imported)] for each link in ``root`` to nothing (a folder moved, a drive not
    mounted) or into a loop of links (``a -> a``): neither folder nor file, it was left out without a word."""
    return links_to_nothing(entries(root))


def links_to_nothing(paths):
    """:func:`dangling_links` among ``paths`` (a folder's entries, listed already)."""
    from .skip_reasons import link_to_nothing  # here, not at the top: it brings in Pillow, which only an import needs
    return [(path, link_to_nothing(path)) for path in paths
            if path.is_symlink() and not path.exists() and not inputs.hidden(path.name)]


def same_text(name):
    """``name`` in Unicode's composed form (NFC): names that read the same compare equal."""
    return unicodedata.normalize("NFC", name)


def class_text(folder):
    """The class name of ``folder``: its name's bytes read as UTF-8 whatever the locale (:func:`.inputs.name_text`),
    in the composed form (:func:`same_text`)."""
    return same_text(inputs.name_text(folder.name))


def files_below(folder, out, walked, hidden=None, hidden_folders=None):
    """Every file below ``folder`` whose path has no hidden part (:func:`.inputs.hidden`), sorted; each
    folder walked is remembered in ``walked`` (:func:`remember_folder`). Files passed over for a name starting
    with "." are added to the list ``hidden`` where given (:func:`.folder_hints.warn_of_hidden` counts the images),
    the folders passed over for a hidden name (.git, .thumbnails, @eaDir: not walked) to ``hidden_folders``.

    Links to folders are followed as the class folders themselves are, except a link to a folder
    that contains it (a loop, which would also bring in other classes: warned of) and a second way to a
    folder already walked (its files are imported once, through the first: nothing to say). Neither is a file,
    so neither is listed in skipped.txt (where they counted as skipped files). A folder that cannot be listed (no read
    permission: :func:`unlistable`; an I/O error) raises an ``OSError`` (exit 74), naming it: its images
    are not left out without a word. A link into ``out`` is a ``ValueError`` (a usage error, as
    :func:`.inputs.check_apart` says): a rerun would import the dataset's own files."""
    files, seen, into = [], {os.path.realpath(folder)}, os.path.realpath(out)
    remember_folder(os.fspath(folder), walked)
    for directory, subfolders, names in os.walk(folder, onerror=_raise, followlinks=True):
        kept, here = [], os.path.realpath(directory)
        if directory in walked:
            walked[directory][1] = {name for name in subfolders + names if not inputs.hidden(name)}
        if here == into or here.startswith(into + os.sep):
            raise ValueError(f"{inputs.path_text(directory)} leads into OUT {out} (a link): the import would read "
                             f"the dataset's own files; remove the link or choose another output folder")
        if hidden_folders is not None:
            hidden_folders += [os.path.join(directory, name) for name in sorted(subfolders) if inputs.hidden(name)]
        for name in sorted(name for name in subfolders if not inputs.hidden(name)):  # the first link wins
            real = os.path.realpath(os.path.join(directory, name))
            looped = here == real or here.startswith(real + os.sep)
            if looped:
                stopping.warn(f"warning: {inputs.path_text(os.path.join(directory, name))}: a link to a folder "
                              f"that contains it (a loop): not followed")
            elif real not in seen:
                seen.add(real)
                kept.append(name)
                remember_folder(os.path.join(directory, name), walked)  # before os.walk lists it
        subfolders[:] = kept
        files += [os.path.join(directory, name) for name in names if not inputs.hidden(name)]
        if hidden is not None:
            hidden += [os.path.join(directory, name) for name in names if name.startswith(".")]
    return sorted(files)


def _raise(error):
    """os.walk's ``onerror``: a folder of SOURCE that could not be listed. One this user may not read (chmod 000, a
    colleague's folder) is :func:`unlistable`, exit 74; other faults as the system words them."""
    if isinstance(error, PermissionError):  # EACCES, EPERM
        raise unlistable(error.filename) from error
    raise error


def entries(folder):
    """The paths in ``folder``, sorted; one this user may not list is :func:`unlistable`."""
    try:
        return sorted(folder.iterdir())
    except PermissionError as error:
        raise unlistable(error.filename) from error


def unlistable(folder, source=False):
    """The :class:`DatasetUnreadable` (exit 74) for ``folder``, a folder of SOURCE (or SOURCE itself, with
    ``source``) that this user may not list: named, with what to do."""
    what, elsewhere = ("SOURCE, a folder", "") if source else ("a folder of SOURCE", " or move it out of SOURCE")
    return DatasetUnreadable(f"{inputs.path_text(folder)}: {what} that this user may not list (permission "
                             f"denied), so its images cannot be imported: give read access to it (chmod -R a+rX)"
                             f"{elsewhere}, and rerun")


def remember_folder(folder, walked, listing=False):
    """Note in ``walked`` the modification time of ``folder``, before it is listed (its names are noted as it is,
    or here with ``listing``): a file added, removed or renamed there afterwards changes it."""
    try:
        walked[os.fspath(folder)] = [os.stat(folder).st_mtime_ns, _names_in(folder) if listing else None]
    except OSError:  # listing it says why
        pass


def _names_in(folder):
    return {name for name in os.listdir(folder) if not inputs.hidden(name)}


def changed_folders(walked):
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


def warn_of_changed_folders(changed):
    if changed:
        stopping.warn(f"warning: {len(changed)} folder(s) of the source had files added, removed or renamed while "
                      f"the import ran, such as {inputs.path_text(changed[0])}: the dataset holds the files as "
                      f"they were listed (those changed or gone since are listed in skipped.txt); rerun the same "
                      f"command to import them as they are now")


def val_files_listed(val_root, train_root, known, skipped, out, walked, listed, runs, hidden,
                     hidden_folders=None):
    """The files of each class folder of ``val_root`` (val/ of the train/ + val/ layout), by the name of its
    training class in ``known``; links to nothing are added to ``skipped``, hidden files to ``hidden``, hidden
    folders to ``hidden_folders`` (:func:`files_below`), and ``listed(done, total)`` is called after each class
    folder."""
    remember_folder(val_root, walked, listing=True)
    folders = class_folders(val_root, runs)
    if not folders and any(path.is_file() and not inputs.hidden(path.name) for path in val_root.iterdir()):
        raise ds.DatasetError(f"{val_root}: image files but no class folders: validation images must lie in "
                              f"{val_root}/<class>/ (for ImageNet's unsorted val/ use 'prepare imagenet --devkit')")
    train_name = {same_text(name): name for name in known}  # a val/ copied from a Mac may spell names decomposed
    unknown = [inputs.name_text(folder.name) for folder in folders if class_text(folder) not in train_name]
    if unknown:
        like = {same_text(name).casefold(): name for name in train_name.values()}  # val/Dog beside train/dog
        shown = [inputs.display_name(name) + (f" (the folder {like[same_text(name).casefold()]!r}?)"
                                              if same_text(name).casefold() in like else "") for name in unknown]
        raise ds.DatasetError(f"{val_root}: {len(unknown)} class folder(s) that {train_root} does not have: "
                              f"{', '.join(shown[:10])}{' ...' if len(shown) > 10 else ''}")
    skipped += [{"file": inputs.path_text(link), "reason": reason} for link, reason in dangling_links(val_root)]
    files = {}
    for number, folder in enumerate(folders, start=1):
        files[train_name[class_text(folder)]] = files_below(folder, out, walked, hidden, hidden_folders)
        listed(number, len(folders))
    if not any(files.values()):  # made a dataset that train refuses, whose note's advice (--val-fraction) is refused
        raise ds.DatasetError(f"{val_root}: no file in a class folder ({val_root}/<class>/): put each class's "
                              f"validation images there, or remove {val_root} so that --val-fraction of each "
                              f"class's training images is held out")
    return files
