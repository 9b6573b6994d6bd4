"""The limit of files a process may hold open (``ulimit -n``) or the whole system may (``fs.file-max``), in words,
where a file, a pipe or a process could not be opened for it: EMFILE and ENFILE were said as "a fault of the disk or
file system" (a shard), "the system is out of processes or memory" (a loader's workers) or the bare "[Errno 24] Too
many open files" (a loader's queue), sending the user to a disk, a memory or a dataset that were sound.
"""

import errno
import re
import resource

LIMITS = (errno.EMFILE, errno.ENFILE)
# h5py says the errno of a file it could not open in its message only: "... errno = 24, error message = ..."
_HDF5_ERRNO = re.compile(r"\berrno = (\d+)")


def limit_reached(error):
    """What to do where the ``OSError`` ``error`` (Python's, or h5py's, whose errno is in its text) is a limit of
    open files reached: raise it (or, ``ulimit -n`` in the shell the command runs from); None for any other."""
    number = getattr(error, "errno", None)
    if number is None:
        found = _HDF5_ERRNO.search(str(error))
        number = int(found.group(1)) if found else None
    if number == errno.ENFILE:
        return ("the system's table of open files is full (its limit, fs.file-max, reached by all its processes "
                "together): end what holds many files open, or raise fs.file-max, and rerun")
    if number != errno.EMFILE:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    raised = 4096 if hard == resource.RLIM_INFINITY else min(hard, max(4096, 4 * soft))
    if raised <= soft:
        return (f"this process reached its limit of {soft} open files, the most the system allows it (ulimit -Hn): "
                f"ask the system's administrator for a higher one")
    return (f"this process reached its limit of {soft} open files (ulimit -n): raise it in the shell that runs "
            f"the command (ulimit -n {raised}) and rerun")
