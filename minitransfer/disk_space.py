"""What is free on a disk, for the messages of a write that ran out of space: the space needed and free
(:func:`space_left`, which :func:`minitransfer.fileio.storage_error` puts in its message), and that no
inodes are left where none are (:func:`inodes_note`), read from the file system where a path is or would
be (:func:`disk_status`, :func:`nearest_existing`).
"""

import os
import pathlib


def space_left(folder, needed=None):
    """What is left where ``folder`` is (or would be), for a message: the bytes ``needed`` (when known)
    and the free bytes, in as many decimals as it takes (up to kilobytes) for the two to read differently
    (a file of 0.52 MB on a disk with 0.48 MB free read "0.5 MB needed, 0.5 MB free"), and that no inodes are
    left when none are (a disk full of small files says ENOSPC with megabytes free): :func:`inodes_note`."""
    status = disk_status(folder)
    if status is None:
        return (f"{_megabytes(needed)} needed, " if needed else "") + f"{_megabytes(None)} free there"
    needed_said, free_said = needed_and_free(needed, status.f_bavail * status.f_frsize)
    return (f"{needed_said} needed, " if needed else "") + f"{free_said} free{inodes_note(status)} there"


def needed_and_free(needed, *free):
    """The bytes ``needed`` and each of the ``free`` ones as read in a message, in megabytes with as many
    decimals as it takes (up to kilobytes) for the needed to read differently from every free one, else in
    bytes (all under a kilobyte: a log's line on a disk without a block left read "0.0 MB" each). A report of
    0.32 MB on a disk with 0.31 MB free said "(0.3 MB needed, 0.3 MB free there)", which reads as though it fitted."""
    digits = next((digits for digits in range(1, 4) if not needed or
                   all(_megabytes(needed, digits) != _megabytes(size, digits) for size in free)), None)  # 3: kB
    if digits is None:
        return tuple(f"{size} bytes" for size in (needed, *free))
    return tuple(_megabytes(size, digits) for size in (needed, *free))


def inodes_note(status):
    """" but no inodes (file entries) left" where the ``os.statvfs`` result ``status`` (of :func:`disk_status`;
    None: unknown) has none left, else "": an ENOSPC with megabytes free is a disk full of small files."""
    if status is not None and status.f_files and not status.f_favail:  # f_files 0: counts no inodes (btrfs)
        return " but no inodes (file entries) left"
    return ""


def disk_status(folder):
    """``os.statvfs`` of the file system where ``folder`` is (or would be: its nearest existing parent);
    None where it cannot be read."""
    try:
        return os.statvfs(nearest_existing(folder))
    except OSError:
        return None


def nearest_existing(path):
    """``path``, or where it is not there, the nearest folder above it that is: where it would be made."""
    path = pathlib.Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _megabytes(size, digits=1):
    return "unknown space" if size is None else f"{size / 1e6:.{digits}f} MB"
