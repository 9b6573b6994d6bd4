"""Paths to write that lead nowhere, found before the work rather than after it: a symbolic link on the
way that leads nowhere (:func:`link_leading_nowhere`: a loop of links, :func:`loops`, or a missing path,
:func:`dead_end` says which) and a file where a folder on the way should be (:func:`file_on_the_way`).
"""

import errno
import os
import pathlib


def loops(link):
    """Whether following the symbolic link ``link`` leads into a loop of links (``a -> a``) rather than
    to something, or to a path that does not exist."""
    try:
        os.stat(link)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def link_leading_nowhere(path, file=False):
    """The symbolic link on ``path`` to write (itself, or a folder on its way) that leads nowhere, and
    why ("a loop of links", "X does not exist"); None where there is none. With ``file``, ``path`` is a
    file to write: a link to one not written yet, in a folder that is there, leads to where it is
    written (``baseA.h5 -> /scratch/me/baseA.h5``); the folder missing (a drive not mounted) is why
    it leads nowhere."""
    path = pathlib.PurePath(path)
    for link in reversed((path, *path.parents)):
        if os.path.islink(link) and not os.path.exists(link):
            why = dead_end(link)
            if file and link == path and why != LINK_LOOP:
                folder = pathlib.Path(os.path.realpath(link)).parent
                if folder.is_dir():
                    continue
                why = f"{folder}, the folder of {os.readlink(link)}, does not exist"
            return link, why
    return None


LINK_LOOP = "a loop of links"


def file_on_the_way(path):
    """The folder on the way to ``path`` (to write) that is there but no folder (a file, a FIFO, a link to
    one), under which nothing can be written ("Not a directory", once the work is done); None where
    there is none."""
    for folder in reversed(pathlib.PurePath(path).parents):
        if os.path.exists(folder) and not os.path.isdir(folder):
            return folder
    return None


def dead_end(link):
    """Why the symbolic link ``link`` leads nowhere: a loop of links, or the missing path it names."""
    return LINK_LOOP if loops(link) else f"{os.readlink(link)} does not exist"
