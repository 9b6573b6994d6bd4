"""What is free on a disk, for the messages of a write that ran out of space: the space needed and free
(:func:`space_left`, which :func:`minitransfer.fileio.storage_error` puts in its message), and that no
inodes are left where none are (:func:`inodes_note`), read from the file system where a path is or would
be (:func:`disk_status`, :func:`nearest_existing`). Every size the tool prints goes through :func:`size_said`:
a file's or a disk's in decimal units (1 MB = 10**6 bytes, as ``df -H`` and disk makers count), memory in binary
ones (1 MiB = 2**20 bytes, as SLURM's --mem, cgroups and nvidia-smi count it).
"""

import functools
import os
import pathlib


def space_left(folder, needed=None, status=None):
    """What is left where ``folder`` is (or would be), for a message: the bytes ``needed`` (when known)
    and the free bytes, in as many decimals as it takes (up to kilobytes) for the two to read differently
    (a file of 0.52 MB on a disk with 0.48 MB free read "0.5 MB needed, 0.5 MB free"), and that no inodes are
    left when none are (a disk full of small files says ENOSPC with megabytes free): :func:`inodes_note`.
    ``status``: the folder's :func:`disk_status`, where the caller has read it (None: read now)."""
    status = disk_status(folder) if status is None else status
    needed_said, free_said = needed_and_free(needed, None if status is None else status.f_bavail * status.f_frsize)
    return (f"{needed_said} needed, " if needed else "") + f"{free_said} free{inodes_note(status)} there"


def needed_and_free(needed, *free, unit="MB"):
    """The bytes ``needed`` and each of the ``free`` ones as read in a message, in megabytes with as many
    decimals as it takes (up to kilobytes) for the needed to read differently from every free one, else in
    bytes (all under a kilobyte: a log's line on a disk without a block left read "0.0 MB" each). A report of
    0.32 MB on a disk with 0.31 MB free said "(0.3 MB needed, 0.3 MB free there)", which reads as though it fitted.
    A needed that would read as none beside more free (a result.json's 1.6 kB on a disk with megabytes free but no
    inodes left, or a quota used up, said "0.0 MB needed") is said in the unit its size reaches ("1.6 kB").
    ``unit``: :func:`size_said`'s."""
    said = functools.partial(size_said, unit=unit)
    digits = next((digits for digits in range(1, 4) if not needed or
                   all(said(needed, digits) != said(size, digits) for size in free)), None)  # 3: kB
    if digits is None:
        return tuple(f"{size} bytes" for size in (needed, *free))
    if needed and said(needed, digits) == said(0, digits):  # a few kB beside megabytes free: in a unit of its own
        units = BINARY if unit in (*BINARY, BINARY) else DECIMAL
        return (size_said(needed, unit=units), *(said(size, digits) for size in free))
    return tuple(said(size, digits) for size in (needed, *free))


def inodes_note(status):
    """" but no inodes (file entries) left" where the ``os.statvfs`` result ``status`` (of :func:`disk_status`;
    None: unknown) has none left (:func:`no_inodes_left`), else "": an ENOSPC with megabytes free is a disk full of
    small files."""
    return " but no inodes (file entries) left" if no_inodes_left(status) else ""


def no_inodes_left(status):
    """Whether the ``os.statvfs`` result ``status`` (None: unknown) has no inodes left: no new file fits there,
    whatever space it has free, until files are deleted."""
    return status is not None and bool(status.f_files) and not status.f_favail  # f_files 0: counts none (btrfs)


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


# The unit printed is the divisor used: never MiB's 2**20 said MB, nor 10**6 said MiB.
UNITS = {"kB": 10**3, "MB": 10**6, "GB": 10**9,  # files and disks
         "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}  # memory
# The units :func:`size_said` picks from by the size (its ``unit``), smallest first.
DECIMAL = ("kB", "MB", "GB")
BINARY = ("KiB", "MiB", "GiB")


def size_said(size, digits=1, unit="MB", rounding=None):
    """``size`` bytes as a message says them, in ``unit`` with ``digits`` decimals: "236.2 MB", "51,234.5 MB",
    "20.4 kB", "1.5 GiB"; "unknown space" for None. ``unit``: a key of :data:`UNITS`, or a tuple of them
    (:data:`DECIMAL`, :data:`BINARY`), of which the largest the size reaches, in bytes below the smallest ("512
    bytes"): a mini grid's 6.1 MB said "0.0 GB", a mini run's weights file "0 MB", each caller picking its unit
    its own way. None: kB below a MB, else MB (prepare's full disk, :func:`minitransfer.data.import_writes.room`,
    whose tests read no bytes). ``rounding`` (``math.ceil``, ``math.floor``): the figure rounded that way to
    ``digits`` decimals (a memory need up, what is available down), where it is otherwise rounded to the nearest.
    prepare said KiB and MiB where train and report said MB; each memory message had its own formatter."""
    if size is None:
        return "unknown space"
    if unit is None:
        unit = "kB" if size < UNITS["MB"] else "MB"
    elif not isinstance(unit, str):
        reached = [each for each in unit if size >= UNITS[each]]
        if not reached:
            return f"{size:,.0f} bytes"
        unit = reached[-1]
    figure = size / UNITS[unit]
    if rounding is not None:
        figure = rounding(figure * 10**digits) / 10**digits
    return f"{figure:,.{digits}f} {unit}"
