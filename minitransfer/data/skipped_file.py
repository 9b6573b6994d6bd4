"""An import's ``skipped.txt`` (:func:`write_skipped`): each file it could not import, with why, one
``name<TAB>reason`` line each; none where every file was imported."""

import contextlib

from minitransfer import fileio

from .import_writes import write
from .shard_builder import WouldWrite
from .shard_format import SKIPPED_FILE


def write_skipped(out, skipped, final_bytes, checking=False):
    """``out``'s skipped.txt, listing ``skipped``; where nothing was skipped, none: a list an earlier
    import left (naming files imported now) is removed, as is the empty file earlier versions wrote,
    where the folder can be written (on a read-only copy it says nothing untrue: it stays).
    ``final_bytes``: what the import writes after it (:func:`.import_writes.final_files`); ``checking``:
    nothing is written, :class:`.shard_builder.WouldWrite` where a list would be (an empty file stays)."""
    path = out / SKIPPED_FILE
    report = "".join(f"{entry['file']}\t{entry['reason']}\n" for entry in skipped)
    if checking:
        if not fileio.holds(path, report.encode("utf-8")) and (report or path.is_file() and path.stat().st_size):
            raise WouldWrite(f"{SKIPPED_FILE} to write")
        return
    if report:
        write(path, len(report) + final_bytes, lambda: fileio.write_text(path, report, keep_same=True))
        return
    try:
        listed = path.stat().st_size
    except FileNotFoundError:
        return
    if listed:
        write(path, 0, lambda: fileio.remove(path))
    else:
        with contextlib.suppress(fileio.StorageError):
            fileio.remove(path)
