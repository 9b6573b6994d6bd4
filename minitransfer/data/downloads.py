"""Which download a file or folder given to an importer is: CIFAR-10's, CIFAR-100's (python versions), Tiny
ImageNet's, or ImageNet's (ILSVRC2012), told by its name, an archive's members' names, or a folder's files.
One recogniser for every importer's refusal: a download given to the wrong command is told the command that
imports it (``prepare cifar10 tiny-imagenet-200.zip`` said "not a tar archive", ``prepare folder
cifar-10-python.tar.gz`` to unpack it into a folder of images it does not hold).
"""

import os
import re
from typing import NamedTuple

from . import archives
from . import dataset as ds

LOOK = 200  # names of an archive's first members looked at to tell it (its first ones name its folder)


class Download(NamedTuple):
    """One download an importer reads, and what tells it."""

    title: str  # "Tiny ImageNet"
    command: str  # the 'minitransfer prepare' command that imports it
    names: tuple  # its archives' and folders' names (lower case)
    files: tuple  # names of files that only it holds, together, in its top folder (or of members, anywhere)
    packed: bool  # whether its importer reads the archive itself (ImageNet's tars are unpacked first)
    images: bool  # whether it holds image files (CIFAR's python versions hold pickles)


CIFAR_10 = Download("CIFAR-10", "cifar10", ("cifar-10-python.tar.gz", "cifar-10-batches-py"),
                    ("batches.meta", "data_batch_1"), True, False)
CIFAR_100 = Download("CIFAR-100", "cifar100", ("cifar-100-python.tar.gz", "cifar-100-python"),
                     ("meta", "train", "test"), True, False)
TINY_IMAGENET = Download("Tiny ImageNet", "tiny-imagenet", ("tiny-imagenet-200.zip", "tiny-imagenet-200"),
                         ("wnids.txt", "val_annotations.txt"), True, True)
IMAGENET = Download("ImageNet (ILSVRC2012)", "imagenet", ("ilsvrc2012_img_train.tar", "ilsvrc2012_img_val.tar"), (),
                    False, True)
DOWNLOADS = (CIFAR_10, CIFAR_100, TINY_IMAGENET, IMAGENET)
CLASS_TAR = re.compile(r"n\d{8}\.tar")  # a member of ILSVRC2012_img_train.tar


def which_download(path):
    """The :data:`DOWNLOADS` entry the file or folder ``path`` is (or, a folder, holds at its top), else None."""
    name = os.path.basename(os.path.normpath(path)).lower()
    named = next((download for download in DOWNLOADS if name in download.names), None)
    if named is not None:
        return named
    if os.path.isdir(path):
        # a name that is no folder there is passed over by _by_files, as one it cannot list
        return _by_files(path, *(os.path.join(path, folder) for download in DOWNLOADS for folder in download.names[1:]))
    return _by_members(_member_names(path)) if os.path.isfile(path) else None


def refusal(path, command, instead=""):
    """The words refusing ``path`` given to ``minitransfer prepare command`` when it is another command's
    download (:func:`which_download`), said after its name: "is the CIFAR-10 download<instead>: import it with
    'minitransfer prepare cifar10'" (``instead`` said of a download of no image files alone: Tiny ImageNet's
    holds JPEGs); None otherwise."""
    download = which_download(path)
    if download is None or download.command == command:
        return None
    unpack = "" if download.packed or os.path.isdir(path) else "unpack it and "
    said = "" if download.images else instead  # `instead`: what it is not, said of a download of no images alone
    return (f"is the {download.title} download{said}: {unpack}import it with 'minitransfer prepare "
            f"{download.command}'")


def refuse_another(path, command):
    """``DatasetError`` when ``path``, which ``minitransfer prepare command`` cannot import, is another command's
    download (:func:`refusal`): called where the importer refuses it, before its own words (which blamed the
    download: "not a tar archive", "class folder(s) without an image file")."""
    other = refusal(path, command)
    if other:
        raise ds.DatasetError(f"{path} {other}")


def _by_files(*folders):
    for folder in folders:
        try:
            held = set(os.listdir(folder))
        except OSError:  # this one cannot be listed: the others may tell it
            continue
        found = next((download for download in DOWNLOADS if download.files and set(download.files) <= held
                      and all(os.path.isfile(os.path.join(folder, name)) for name in download.files)), None)
        if found is None and "wnids.txt" in held and os.path.isdir(os.path.join(folder, "train")):
            found = TINY_IMAGENET  # without val/val_annotations.txt at its top: train/<wnid>/images/
        if found is not None:
            return found
    return None


def _by_members(names):
    """The download whose top folder, or files, the archive member ``names`` name."""
    parts = [name.replace("\\", "/").lstrip("./").split("/") for name in names]
    for download in DOWNLOADS:
        if any(part[0].lower() in download.names for part in parts if len(part) > 1):
            return download
    bases = {part[-1] for part in parts}
    if any(CLASS_TAR.fullmatch(base) for base in bases):
        return IMAGENET
    return next((download for download in DOWNLOADS if download.files and set(download.files) <= bases), None)


def _member_names(path):
    """The names of the first members of the zip or tar ``path`` (none when it is neither, or unreadable), as
    :func:`.archives.member_names` lists them (once a process: a refusal also asks for its top folder)."""
    return archives.member_names(path)[0][:LOOK]
