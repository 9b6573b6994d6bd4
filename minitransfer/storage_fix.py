"""What fixes a file that could not be written, said after its error: :func:`storage_fix` ("free some space",
"make it writable") and :func:`fix_then_rerun`, the error with that fix and what a rerun then does (the grid's end,
the demo's report). Apart from :mod:`minitransfer.grid_outcome`, how a grid ended, which these are no part of."""

import errno

from minitransfer import fileio


def storage_fix(code, error=None):
    """What to do about a file that could not be written, by its error ``code``: "free some space"
    (a full disk or quota; "delete some files" where ``error`` says no inodes are left: :func:`.fileio.room_fix`),
    "make it writable" (read-only, another user's), else "fix that"."""
    if code in (errno.ENOSPC, errno.EDQUOT):
        return fileio.room_fix(error)
    return "make it writable" if code in fileio.UNWRITABLE else "fix that"


def fix_then_rerun(error, then, code=None, kept=""):
    """``error`` (a file that could not be written) saying what fixes it (:func:`storage_fix` of
    ``code``, its errno unless given), after ``kept`` (what is kept, e.g. "every network is finished
    (kept): "), and ``then`` what rerunning does, in place of its own "free some space (or delete some files) and
    rerun" (:func:`.fileio.without_rerun`): "...; free some space, then rerun the same command to ..."."""
    code = error.errno if code is None else code
    return fileio.StorageError(code, f"{fileio.without_rerun(error)}; {kept}{storage_fix(code, error)}, "
                                     f"then {then}")
