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
    free_bytes = status.f_bavail * status.f_frsize
    digits = next((digits for digits in range(1, 4) if not needed or
                   _megabytes(needed, digits) != _megabytes(free_bytes, digits)), None)  # 3: to the kilobyte
    if digits is None:  # both under a kilobyte (a log's line on a disk without a block left): "0.0 MB" each
        free = f"{needed} bytes needed, {free_bytes} bytes"
    else:
        free = (f"{_megabytes(needed, digits)} needed, " if needed else "") + _megabytes(free_bytes, digits)
    return f"{free} free{inodes_note(status)} there"


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
