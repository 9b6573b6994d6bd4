"""An import's writes: one that fails raises :class:`minitransfer.fileio.StorageError` naming its
file; on a full disk, :class:`DiskFull`, saying the space the rest of the import needs and the space free.
What an import wrote, seen from its folder before and after (:func:`folder_state`): :class:`Writes`."""

import dataclasses
import errno
import json
import os
import pathlib

from minitransfer import disk_space, fileio

from . import inputs
from .integrity import identity
from .lock import LOCK_FILE
from .same_origin import read_record, same_folder
from .shard_format import META_FILE

SHARD_HEADERS = 16 << 10  # a shard's HDF5 headers and attributes (plan, skipped list), rounded up to disk blocks
META_SHARD_ENTRY = 256  # a shard's entry in meta.json (file, count, first index, sha256), indented as written there
REBUILT_NAMED = 3  # the reasons a rerun gives for shards rebuilt, and the shards named for each (the others counted)
META_REST = 4 << 10  # the rest of meta.json (format, image size, mean, subset counts), rounded up to a disk block


class DiskFull(fileio.StorageError):
    """A write of the import failed for want of space or inodes; ``status``: :func:`minitransfer.disk_space.disk_status`
    as it failed (the import's cleanup, its lock file removed, gives an inode back: a message written later from a
    new look said "21.0 MB free" alone)."""

    def __init__(self, number, message, status=None):
        super().__init__(number, message)
        self.status = status


def write(path, needed, work):
    """``work()``; an ``OSError`` becomes a ``StorageError`` naming ``path`` and, when the disk is
    full, the space the rest of the import (``needed`` bytes) wants and the space free, and that no inodes
    are left where none are."""
    try:
        return work()
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise error if isinstance(error, fileio.StorageError) else fileio.storage_error(path, error) from error
        status = disk_space.disk_status(pathlib.Path(path).parent)
        raise DiskFull(error.errno, (
            f"cannot write {path}: {os.strerror(error.errno)}: the rest of the import needs {room(needed, status)}. "
            f"Free some space (or choose another output folder) and rerun the same command: finished shards are "
            f"kept"), status) from error


def rest_of_import(images_left, shards_left, size, meta):
    """The bytes an import still writes with ``images_left`` images in ``shards_left`` shards of
    ``size`` x ``size``: their pixels, each shard's float64 pixel sum and headers, the float32 mean image
    and meta.json (``meta`` bytes: :func:`meta_bytes`). Counting the pixels alone, a val shard that did not
    fit said it needed 9.4 kB with 16.4 kB free."""
    pixels = size * size * 3
    return images_left * pixels + shards_left * (pixels * 8 + SHARD_HEADERS) + final_files(size, meta)


def final_files(size, meta):
    """The bytes of an import's last files: the mean image (float32, with its headers) and meta.json
    (``meta`` bytes: :func:`meta_bytes`)."""
    return size * size * 3 * 4 + SHARD_HEADERS + meta


def meta_bytes(known, shards=0):
    """About the bytes of meta.json: ``known``, the entries of meta.json known so far (its class table,
    source, skipped list...), as meta.json writes them, an entry for each of ``shards`` shards not in
    ``known`` and :data:`META_REST`. A flat 1 MiB said "needs about 1.2 MB" where a dataset of ten
    classes needed 41 kB."""
    return len(json.dumps(known, indent=1, sort_keys=True)) + shards * META_SHARD_ENTRY + META_REST


def room(needed, status):
    """"about <needed>, <free> free" for a full disk's message: ``needed`` bytes, and the space free (with
    :func:`minitransfer.disk_space.inodes_note`) on the disk whose :func:`minitransfer.disk_space.disk_status`
    is ``status``, in kB below a MB, else MB, with the decimals it takes for the two to differ
    (:func:`minitransfer.disk_space.needed_and_free`), decimal units as train and report say them."""
    free = None if status is None else status.f_bavail * status.f_frsize
    needed_said, free_said = disk_space.needed_and_free(needed, free, unit=None)
    return f"about {needed_said}, {free_said} free{disk_space.inodes_note(status)}"


@dataclasses.dataclass(frozen=True)
class Writes:
    """What an import changed in its folder: ``shards_written`` and ``shards_reused`` (kept as they were) of
    the shards its meta.json lists, ``others``, the names of the other files it wrote or removed
    (meta.json, mean.h5, importing.json, shards of another --shard-size ...), ``rebuilt``, (name, why)
    of the shards written over one that was there and could not be kept (:attr:`.shard_builder.Builder.rebuilt`),
    and ``classes_before``, the class names (wnids) of the dataset the folder held before, in label order (None:
    it held none, or none readable), which prepare compares with the new ones (a class folder added or removed
    since gives labels other meanings: :func:`.prepared_notes.notes`), ``counts_before``, ((subset, images), ...)
    of that dataset (None likewise), which :meth:`counts_said` compares with the new counts, and ``source_before``,
    the source its meta.json records (None likewise)."""
    shards_written: int
    shards_reused: int
    others: tuple
    rebuilt: tuple = ()
    classes_before: tuple = None
    counts_before: tuple = None
    source_before: dict = None

    @property
    def nothing_written(self):
        """Whether the import left every file of its folder as it found it (a rerun with nothing to do)."""
        return not (self.shards_written or self.others)

    def said(self, source=None):
        """What ``prepare`` says of these writes before its summary line: "already prepared from SOURCE, nothing
        written", "3 shards reused, 1 written (train-00002.h5 rebuilt: its sha256 differs from meta.json's)",
        naming the shards rebuilt, grouped by why (:func:`_rebuilt_said`); "" where no shard was reused (a fresh
        import, or a rerun that rebuilt every shard for changed options). ``source``: as given."""
        if self.nothing_written:
            return f"already prepared{f' from {inputs.display_name(source)}' if source else ''}, nothing written"
        if not self.shards_reused:
            return ""
        reused = self.shards_reused
        said = f"{reused} shard{'' if reused == 1 else 's'} reused, {self.shards_written} written"
        if self.rebuilt:
            return f"{said} ({_rebuilt_said(self.rebuilt)})"
        return said if self.shards_written else f"{said} (only {inputs.a_few(self.others, 3)} changed)"

    def counts_said(self, out, meta):
        """The note a rerun gives where the images it imported (:func:`subset_counts` of ``meta``, the meta.json it
        wrote) number otherwise than those the folder ``out`` held: "note: photos-36 held train 540, val 60 images
        before this import; now train 541, val 60 (images added to or removed from its source since, or files that
        decode now and did not before, or the reverse)", the words in brackets where the images in all number
        otherwise and the dataset held and this import's (``meta``'s source) are both of one class-folder tree
        (:func:`.same_origin.same_folder`): not where only the split between the subsets changed (another
        --val-fraction), nor where they were generated or unpacked from one download (another --train-per-class),
        nor where --overwrite replaced a dataset of another source (a synthetic set, another folder), which the
        words sent one to look for images added to a folder never imported there before; None where the counts
        are the same, or it held none. Without it, a rerun after photos were added to a class of a dataset of one
        shard a subset said what a first import says: that it took them in was seen only by remembering the counts
        (its shards are all rebuilt, none "reused")."""
        counts, source = subset_counts(meta["subsets"]), meta.get("source")
        if self.counts_before is None or tuple(counts) == tuple(self.counts_before):
            return None
        why = (" (images added to or removed from its source since, or files that decode now and did not before, or "
               "the reverse)") if same_folder(self.source_before, source) and \
            _total(counts) != _total(self.counts_before) else ""
        return (f"note: {inputs.display_name(out)} held {_counts_text(self.counts_before)} images before this import; "
                f"now {_counts_text(counts)}{why}")

    @classmethod
    def between(cls, before, after, shards, rebuilt=(), classes_before=None, counts_before=None, source_before=None):
        """The writes that turned :func:`folder_state` ``before`` into ``after``; ``shards``: the names
        of the shards the import's table lists; ``rebuilt``: (name, why) of those written over one that
        was there (those written and listed kept); ``classes_before``, ``counts_before``, ``source_before``: see the
        class."""
        changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
        written = sum(name in changed for name in shards)
        rebuilt = tuple((name, why) for name, why in rebuilt if name in shards)  # written atomically: changed
        return cls(written, len(shards) - written, tuple(sorted(changed - set(shards))), rebuilt, classes_before,
                   counts_before, source_before)


def _total(counts):
    """The images of ((subset, images), ...) in all."""
    return sum(images for _, images in counts)


def _counts_text(counts):
    """((subset, images), ...) as "train 540, val 60"."""
    return ", ".join(f"{subset} {images}" for subset, images in counts)


def state_before(out):
    """OUT's files (:func:`folder_state`, its lock file left out), classes (:func:`_classes_held`), images a subset
    (:func:`subset_counts`) and source (meta.json's; None as for the classes) as an import into it begins: what
    :func:`writes_since` compares with. Its meta.json is read once (ImageNet's, listing every file skipped, is
    megabytes)."""
    meta = read_record(pathlib.Path(out) / META_FILE)  # None: none readable
    source = meta.get("source") if isinstance(meta, dict) and isinstance(meta.get("source"), dict) else None
    return folder_state(out, ignored=(LOCK_FILE,)), _classes_held(meta), _counts_held(meta), source


def writes_since(out, before, table, rebuilt=()):
    """The :class:`Writes` of the import into ``out`` since its :func:`state_before` ``before``: ``table``, the
    shard table it lists now (meta.json's ``subsets``); ``rebuilt``: see :meth:`Writes.between`."""
    state, classes_before, counts_before, source_before = before
    shards = [shard["file"] for part in table.values() for shard in part["shards"]]
    return Writes.between(state, folder_state(out, ignored=(LOCK_FILE,)), shards, rebuilt, classes_before,
                          counts_before, source_before)


def subset_counts(table):
    """((subset, images), ...) of a shard table (meta.json's ``subsets``), in the order it lists them."""
    return tuple((str(subset), int(part["count"])) for subset, part in table.items())


def _counts_held(meta):
    """:func:`subset_counts` of the dataset whose meta.json holds ``meta``, or None (none readable)."""
    try:
        return subset_counts(meta["subsets"])
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def _classes_held(meta):
    """The class names (wnids) of the dataset whose meta.json holds ``meta``, in label order, or None (no meta.json,
    or none readable: a first import, an interrupted one)."""
    try:
        return tuple(str(entry["wnid"]) for entry in meta["classes"])
    except (TypeError, KeyError):
        return None


def _rebuilt_said(rebuilt):
    """"train-00000.h5, train-00001.h5, train-00002.h5 and 2 more rebuilt: WHY; val-00000.h5 rebuilt: WHY2":
    the shards of ``rebuilt`` ((name, why), in order) grouped by why, one clause per reason in the order first
    met, each naming its first :data:`REBUILT_NAMED` shards; past :data:`REBUILT_NAMED` clauses, the shards
    of the other reasons counted ("; and 4 more rebuilt")."""
    groups = {}
    for name, why in rebuilt:
        groups.setdefault(why, []).append(name)
    clauses = []
    for why, names in list(groups.items())[:REBUILT_NAMED]:
        more = len(names) - REBUILT_NAMED
        shown = [", ".join(names[:REBUILT_NAMED]), f"{more} more"] if more > 0 else [", ".join(names[:-1]), names[-1]]
        clauses.append(f"{' and '.join(filter(None, shown))} rebuilt: {why}")
    more = sum(len(names) for names in list(groups.values())[REBUILT_NAMED:])
    return "; ".join(clauses) + (f"; and {more} more rebuilt" if more else "")


def folder_state(folder, ignored=()):
    """{name: its :func:`.integrity.identity`} of the files in ``folder`` but hidden ones (temporaries:
    .NAME.tmp-HOST-PID) and the ``ignored`` names (its lock file); a file written again (atomically: a new
    inode) or touched reads differently. {} where ``folder`` cannot be listed."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return {}
    state = {}
    for entry in entries:
        if entry.name in ignored or inputs.hidden(entry.name):
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        state[entry.name] = identity(stat)
    return state
