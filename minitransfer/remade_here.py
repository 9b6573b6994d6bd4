"""The configuration whose train command (:func:`minitransfer.checkpoint_remake.train_command`) makes a network
again where its run folder is now (:func:`where_now`), for ``info``'s "made again by" line: a grid folder copied
(``cp -r grid grid2``) or moved holds its runs' records as they trained, naming the first folder's weights file and
base, and that command trained into the first folder again, from a base there (or refused: that folder moved away).
"""

import os
import pathlib

from minitransfer import fileio
from minitransfer.rundir import record_path, recorded_file


def where_now(config, run, parent_sha256):
    """The recorded ``config`` (a checkpoint's "config") of a network whose run folder is described by ``run``
    (:func:`minitransfer.checkpoint_info.describe`'s: its ``weights_file``, absolute; None without a run folder),
    its "out" that weights file where the run folder lies elsewhere than it trained, and its "copy_from" the base
    that lay as near to it then lies near it now (the grid's baseA.h5 beside its A1B.h5), where that one is the base
    it copied (of file sha256 ``parent_sha256``); ``config`` itself where nothing else is known (no run folder, one
    not moved: the recorded original is named)."""
    out = config.get("out")
    if run is None or not isinstance(out, str) or not out:
        return config
    trained, now = _absolute(recorded_file(out)), _absolute(run["weights_file"])
    if trained == now or trained.resolve() == now.resolve():  # not moved, or named through a link
        return config
    here = dict(config, out=record_path(str(now)))
    base = config.get("copy_from")
    if isinstance(base, str) and base:
        near = _absolute(now.parent / os.path.relpath(_absolute(recorded_file(base)), trained.parent))
        if near != _absolute(recorded_file(base)) and _file_sha256(near) == parent_sha256:
            here["copy_from"] = record_path(str(near))
    return here


def _absolute(path):
    """``path`` made absolute, its ``..`` taken out, links kept (as a command names it)."""
    return pathlib.Path(os.path.normpath(os.path.abspath(path)))


def _file_sha256(path):
    """The sha256 of the file at ``path`` (a base's, as a transfer records it: parent_sha256); None where it cannot
    be read (not there, a folder)."""
    try:
        return fileio.sha256_file(path)
    except OSError:
        return None
