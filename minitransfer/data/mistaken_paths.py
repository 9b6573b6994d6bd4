"""What a path given as a dataset folder is instead, in words that say what to give
(:func:`not_a_dataset`, the words of :class:`.schema.NotADataset`): a network's file or run folder, an
experiment's or a report's folder, a folder above prepared datasets, images not prepared yet; and an
unfinished import, with the command that finishes it (:func:`unfinished_import`); and a prepared dataset given
as the images to import (:func:`check_not_prepared`).
:func:`.dataset.open_dataset` and the command line's ``--data`` ask it before they refuse a path."""

import os
import pathlib
import shlex
import typing

from . import same_origin
from .schema import ImportUsageError
from .shard_format import META_FILE

__all__ = ["not_a_dataset", "images_to_prepare", "unfinished_import", "empty_folder", "check_not_prepared",
           "GIVE_A_DATASET"]

GIVE_A_DATASET = f"give the folder `minitransfer prepare` wrote (it holds {META_FILE})"


def not_a_dataset(path):
    """What ``path``, given as a dataset, is instead, with what to give (the words of :class:`NotADataset`);
    None where it holds a meta.json, is not there, or is a folder not told apart from an unfinished import.

    Told from what it holds: a file (a network's, a file of a dataset: the folder is named); a run folder
    (``baseA.run``, which eval and info take for its network), an experiment's folder or another folder of
    run folders, a report's folder; a folder one level above prepared datasets (they are named); the
    images a dataset is prepared from, in class folders or not yet sorted (how to prepare them). Such a
    folder was said to be "an unfinished import: rerun prepare", and a run folder training now "being
    prepared by another minitransfer process" (its lock file is the one prepare holds)."""
    path = pathlib.Path(path)
    if (path / META_FILE).is_file() or not path.exists():
        return None
    if not path.is_dir():
        return _not_a_dataset_file(path)
    what = _folder_finding(path).words
    return None if what is None else f"{path}: {what}"


def _not_a_dataset_file(path):
    """:func:`not_a_dataset` of a file: the words begin as a file's always did (a notebook matches them)."""
    from minitransfer import checkpoint  # which imports the data package
    refused = f"{path}: a file, not a dataset folder"
    if checkpoint.is_checkpoint(path):
        return (f"{refused}: {GIVE_A_DATASET}; this one is a network's (weights or a checkpoint), which eval "
                f"scores and train --copy-from copies")
    if (path.parent / META_FILE).is_file():
        return f"{refused}: give {path.parent}, the dataset folder it is a file of"
    return f"{refused}: {GIVE_A_DATASET}"


class _FolderFinding(typing.NamedTuple):
    """What :func:`_folder_finding` found a folder to be: the words of :func:`not_a_dataset` (None: none found),
    and whether it holds images to prepare (:func:`images_to_prepare`), told from the same look at it."""
    words: typing.Optional[str] = None
    images: bool = False


def _folder_finding(path):
    """What the folder ``path`` is instead of a dataset and what to give (:func:`not_a_dataset`), or no words:
    told as a network's folder is (:func:`minitransfer.path_kinds.folder_kind`), once the cases of a dataset's
    own are told (the files of an import, prepared datasets in it, images not prepared yet)."""
    from minitransfer import path_kinds, rundir  # which import the data package
    from .build import DATASET_FILES, SHARD_NAME
    from .inputs import display_name, hidden
    if rundir.is_run_dir(path):  # before a look at its lock, which one training there holds
        return _FolderFinding(f"{path_kinds.RUN_FOLDER}, not a dataset folder: {GIVE_A_DATASET}")
    try:
        with os.scandir(path) as entries:
            children = [entry for entry in entries if not hidden(entry.name)]
        if any(child.name in DATASET_FILES or SHARD_NAME.fullmatch(child.name) for child in children):
            return _FolderFinding()  # an import under way or unfinished, or a dataset whose meta.json was removed
        datasets = path_kinds.datasets_in(path)
    except OSError:
        return _FolderFinding()
    prepared = [folder for folder in datasets if not hidden(folder.name)]
    if prepared:
        return _FolderFinding(f"not a dataset folder, but it holds {', '.join(str(folder) for folder in prepared[:3])}"
                              f"{' ...' if len(prepared) > 3 else ''}: give that folder")
    results = path_kinds.results_folder(path)
    if results is not None:
        return _FolderFinding(f"{results}, not a dataset folder: {GIVE_A_DATASET}")
    held = unprepared_images(path)
    source = held is not None and not datasets  # one holding a hidden dataset (.cache/) is offered as no SOURCE
    if held == FOLDERS_OF_IMAGES:
        return _FolderFinding(f"a folder of folders, not a prepared dataset: if they are class folders of images, "
                              f"prepare it first, {_prepare_it(path)}", source)
    if held is not None:
        return _FolderFinding(f"a folder of image files (such as {display_name(held.name)}), not a prepared dataset: "
                              f"sort them into one folder per class ({path}/<class>/<image files>), then prepare it, "
                              f"{_prepare_it(path)}", source)
    return _FolderFinding()


FOLDERS_OF_IMAGES = "folders of images"


def unprepared_images(path):
    """What images the folder ``path`` holds to prepare (hidden files and folders passed over):
    :data:`FOLDERS_OF_IMAGES` where a folder in it holds an image, or a folder in one of those does (train/ + val/:
    train/cat/1.jpg), told by its first (:func:`.folder_hints.first_loose_image`); else the first image lying in
    it, or None (a folder of empty folders holds none; one that cannot be listed, none known)."""
    from .folder_hints import first_loose_image
    try:
        for folder in _folders_in(path):
            if first_loose_image(folder) is not None or any(first_loose_image(each) is not None
                                                             for each in _folders_in(folder)):
                return FOLDERS_OF_IMAGES
        return first_loose_image(pathlib.Path(path))  # a str given too (a usage hint's argument as typed)
    except OSError:  # a folder this user may not list (DatasetUnreadable too): the import says so
        return None


def _folders_in(path):
    """The folders in ``path``, hidden ones passed over; none where it cannot be listed."""
    from .inputs import hidden
    try:
        with os.scandir(path) as entries:
            return [pathlib.Path(entry.path) for entry in entries if entry.is_dir() and not hidden(entry.name)]
    except OSError:
        return []


def _prepare_it(path):
    """How the images in the folder ``path`` are prepared, the end of :func:`not_a_dataset`'s words for one."""
    return f"`minitransfer prepare folder {shlex.quote(str(path))} OUT --size SIZE`, and give OUT"


def images_to_prepare(path):
    """Whether the folder ``path`` holds images not prepared yet (:func:`unprepared_images`: class folders
    holding an image, or image files to sort into them; no dataset's, run's or report's folder): a SOURCE of
    `prepare folder`. Told by :func:`not_a_dataset`'s own look at the folder (:func:`_folder_finding`): one look
    at it says both what it is and whether it holds images to prepare."""
    path = pathlib.Path(path)
    return os.path.isdir(path) and not (path / META_FILE).is_file() and _folder_finding(path).images


def unfinished_import(path):
    """Words for the folder ``path`` where an import began and did not finish (interrupted, failed: its
    ``importing.json``, :func:`.same_origin.record_import`, and no meta.json), with the prepare command
    that finishes it as recorded there (:func:`.same_origin.finishing_command`); None for another
    folder. Readers of the folder name that command with it: only the import that began it knew it."""
    recorded = same_origin.recorded_import(pathlib.Path(path))
    if recorded is None:
        return None
    return (f"an unfinished import (no {META_FILE} yet: the prepare that began it was interrupted or failed), not "
            f"a dataset yet: finish it with the command that began it, {same_origin.finishing_command(path, recorded)}"
            f"{'' if 'shard_size' in recorded else ' (and its --shard-size, if one was given)'}, which keeps the "
            f"shards built")


def empty_folder(path):
    """Words for the folder ``path`` where it holds nothing (hidden files aside: .DS_Store), a bad dataset
    (exit 65) as before: which command prepares one into it; None for another folder (or one that cannot be
    listed). It was refused as any folder without meta.json, "missing (not a prepared dataset, or an unfinished
    import: run the prepare command that builds it)", though nothing was begun there."""
    from .inputs import hidden
    try:
        with os.scandir(path) as entries:
            if any(not hidden(entry.name) for entry in entries):
                return None
    except OSError:
        return None
    return (f"missing (not a prepared dataset: {path} is an empty folder): prepare a dataset into it first, "
            f"`minitransfer prepare KIND [SOURCE] {shlex.quote(str(path))}` (`minitransfer prepare --help` lists "
            f"the kinds), or {GIVE_A_DATASET}")


def check_not_prepared(source):
    """``ImportUsageError`` (a ValueError, a usage error) when ``source`` is a dataset folder (its meta.json): prepared
    already, it holds shards, not class folders of images; the error names the source it was imported from, as
    recorded."""
    meta = pathlib.Path(source, META_FILE)
    if not meta.is_file():  # the source of a class-folder tree
        return
    imported = (same_origin.read_record(meta) or {}).get("source")  # unreadable, damaged: a dataset all the same
    path = imported.get("path") if isinstance(imported, dict) else None
    origin = f", imported from {path}" if isinstance(path, str) else ""
    raise ImportUsageError(f"SOURCE {source} is a dataset minitransfer prepared already (its {META_FILE}"
                           f"{origin}), not a folder of class folders of images: train on it as it is (--data "
                           f"{source}), or give the image folder it was imported from")
