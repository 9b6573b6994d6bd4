"""Building a dataset directory from a list of images: what every importer and the synthetic set share.

:func:`build_dataset` decodes images in worker processes (:mod:`.decoder_pool`: nothing HDF5- or
zip-related crosses a fork), writes them shard by shard, each shard atomically, then
``skipped.txt`` (none where every file was imported), the mean image and ``meta.json``. A rerun
skips every shard whose file exists, was built from the same inputs (its ``plan`` attribute: their
names, and each file's size and modification time, each zip member's size and CRC-32) and whose
arrays still hash to its stored ``content_sha256``, so an interrupted import resumes where it
stopped and a corrupt shard is rebuilt (:mod:`.shard_builder`). Files that cannot be decoded
(empty, truncated, not an image, too large) are skipped and listed in ``skipped.txt`` (one
``name<TAB>reason`` line each, names escaped as :func:`.inputs.display_name` says) and in
meta.json, never silently; CMYK, grayscale, palette and PNG-named-.JPEG files are converted to RGB
and warped to ``size × size`` as :mod:`.decode` says.

Images are stored at most :data:`MAX_IMAGE_SIZE` pixels square (--size), checked before anything
is allocated.

A finished dataset, or the shards of an unfinished import (its ``importing.json`` naming the source
and size), is replaced only with ``overwrite`` (--overwrite) when it was prepared from another source
or with other options (:mod:`.same_origin`); a rerun that changes nothing writes nothing (so it also
succeeds on a read-only copy, and while trainings read the dataset: it then holds the lock shared, as they
do, for its check, and is refused only where it finds something to write). With ``overwrite`` every image is
decoded again and every shard built anew from them, whatever the shards on disk hold (one written since with
other images, consistent in itself, passes every check a rerun makes); a shard that holds what it would be
written with stays as it is.

Housekeeping: temporaries (``.NAME.tmp-HOST-PID``) of this machine's processes that no longer run, and
another machine's untouched for a day (:func:`minitransfer.fileio.remove_stale_temporaries`), are removed
when an import starts; once meta.json is written, shards it does not list (left by an import with another
``--shard-size``) are removed; a write that fails (full disk, read-only folder) raises
:class:`minitransfer.fileio.StorageError` naming the file and the space the rest of the import needs
(:mod:`.import_writes`).
"""

import functools
import numbers
import os
import pathlib

import numpy as np

from minitransfer import fileio, run_lock
from minitransfer.cpus import usable_cpus
from minitransfer.name_lists import some_names

from . import dataset as ds
from . import image_files, inputs, lock
from .decode import load_item, warn_of_notes
from .decoder_pool import MAX_WORKERS, DecoderPool, refuse_in_script_rerun
from .import_lock import import_lock
from .import_writes import final_files, meta_bytes, state_before, write, writes_since
from .same_origin import check_same_origin, record_import
from .schema import ImportUsageError
from .shard_builder import Builder, WouldWrite, held_subsets
from .shard_format import (COPIES_FILE, FORMAT_NAME, IMPORTING_FILE, MEAN_FILE, META_FILE, SCHEMA_VERSION, SHARD_NAME,
                           SKIPPED_FILE, SUBSETS, held_mean, meta_text, write_mean, write_meta)
from .skipped_file import write_skipped

MAX_IMAGE_SIZE = 4096          # --size: 48 MiB an image, its float64 pixel sum 384 MiB (CaffeNet uses 256)
SHARD_BYTES = 192 << 20
# in OUT: {"files": {path: [size, mtime in ns, sha256 or null, image verdict or null]}, "verdicts_told_by": ...}
# of the files read to find copies and told images by their first bytes (data/copies.py)
DIGESTS_FILE = "source-digests.json"
# What an import writes into OUT besides its shards (and temporaries, hidden: .<name>.tmp-<host>-<pid>)
DATASET_FILES = frozenset((META_FILE, MEAN_FILE, SKIPPED_FILE, lock.LOCK_FILE, DIGESTS_FILE, COPIES_FILE,
                           IMPORTING_FILE, image_files.FILE))


class ClassesWithoutImages(ds.DatasetError):
    """No training image of some classes could be imported; ``indices`` lists them (class table
    order), ``skipped`` every input that could not be decoded (dicts with ``file`` and ``reason``)."""

    def __init__(self, message, indices, skipped):
        super().__init__(message)
        self.indices, self.skipped = indices, skipped


def images_per_shard(size):
    """Default shard length: about 192 MiB of images."""
    return max(1, SHARD_BYTES // (size * size * 3))


def remove_unlisted_shards(folder, table):
    """Remove files named like shards (``train-00012.h5``) that the shard ``table`` does not list."""
    for path in _unlisted_shards(folder, table):
        path.unlink()


def _unlisted_shards(folder, table):
    """The files in ``folder`` named like shards that the shard ``table`` does not list, sorted."""
    listed = {shard["file"] for subset in table.values() for shard in subset["shards"]}
    return [path for path in sorted(pathlib.Path(folder).iterdir())
            if SHARD_NAME.fullmatch(path.name) and path.name not in listed and path.is_file()]


def check_out(out):
    """``ImportUsageError`` (a ValueError, a usage error) when ``out`` is a folder of other files than a
    dataset's: without meta.json (a finished dataset, whose rerun checks its source), every entry must be one an import
    writes, as an interrupted import leaves them (hidden names, such as .DS_Store, aside). An import into
    a home folder or a folder of images wrote its dataset among their files, and removed those named like
    shards (train-00007.h5). :func:`build_dataset` checks it; importers first, before listing their source
    (minutes for ImageNet)."""
    out = pathlib.Path(out)
    if (out / META_FILE).is_file():
        return
    try:
        others = sorted(name for name in os.listdir(out)
                        if not (name in DATASET_FILES or SHARD_NAME.fullmatch(name) or inputs.hidden(name)))
    except OSError:  # not there yet (made by the import), or not a folder: said where it is written
        return
    if others:
        shown = ", ".join(repr(inputs.display_name(name)) for name in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        raise ImportUsageError(f"OUT {out} holds files that are not a dataset's ({shown}{more}): an import writes "
                               f"its shards, meta.json and mean.h5 into OUT; choose a new or empty folder")


def check_origin(out, source, size, shard_length=None, overwrite=False):
    """Before an importer lists its source (minutes for ImageNet): ``ImportUsageError`` when ``out`` holds a
    dataset, or the shards of an unfinished import, from another source or with other options, as far as
    ``source`` tells (what is known before the listing: the kind, the path, the options given), the
    refusal :func:`build_dataset` would give after it (:func:`.same_origin.check_same_origin`). Nothing
    with ``overwrite``, nor while another process prepares into ``out`` (refused, naming it, once the
    lock is taken)."""
    if not overwrite and run_lock.holder(out) is None:
        check_same_origin(pathlib.Path(out), source, size, shard_length or images_per_shard(size))


def build_dataset(out, *, source, classes, subsets, size, shard_length=None, workers=None, progress=None,
                  extra_meta=None, skipped=(), overwrite=False, caches=None, reproducible=None, file_root=None):
    """Write (or finish) a dataset directory ``out``; returns the opened :class:`Dataset`, its ``writes``
    attribute the :class:`.import_writes.Writes` of this import (shards written and reused, other files
    written: none on a rerun with nothing to do).

    ``classes``: list of dicts (index, wnid, name, optional family...); ``subsets``: {"train": (items,
    labels, extras), "val": ...} with ``items`` a list of :class:`.decode.ImportItem`, ``labels`` ints and
    ``extras`` {name: per-image array} stored beside ``/labels``; or a function returning them, called (once)
    only where they are needed, under ``out``'s lock. ``reproducible``: for a source whose images are a function
    of ``source`` alone (the synthetic set), {subset: its labels}: where ``out`` holds a finished dataset whose
    meta.json records that very ``source``, a rerun checks it against the images its own shards hold
    (:func:`.shard_builder.held_subsets`) before ``subsets`` is called, and says "already prepared" without
    generating them (minutes at a large --size) where it would write nothing; anything else (a damaged shard, other
    options, --overwrite) goes on as without it. ``progress(done, total)`` is called
    as images are processed. ``workers`` None → one per usable core (:func:`minitransfer.cpus.usable_cpus`;
    at most :data:`.decoder_pool.MAX_WORKERS`).
    ``skipped``: inputs already found undecodable (dicts with ``file`` and ``reason``, and where known
    the ``subset`` and the ``class`` (wnid) it was for, as the decoder's are recorded), reported with
    the others. ``caches``: a function called once every image is decoded, given {:meth:`.decode.ImportItem.describe`:
    sha256 of its bytes} of the files this import decoded (not those of shards kept from before), and returning
    {file name: text}: what an importer keeps in ``out`` to spare work on a rerun, written
    unless it holds that text already, so that a rerun that changes nothing writes nothing: with a new
    meta.json when a shard was written (or by an import that had been interrupted); else when its text
    changed (the cache of a dataset an older version prepared lacked what its rerun read; a source file
    touched), where it can be (a read-only dataset keeps its cache, and its reruns read those files again).
    ``file_root``: the folder the items lie in (text), whose file names relative to it are then recorded as such a
    cache (:mod:`.image_files`).
    Raises
    :class:`ClassesWithoutImages` when some class ends up without a training image,
    ``StorageError`` when a file cannot be written, ``RunBusy`` (exit 2) while another process
    writes into ``out``, but for another prepare with the same options, which is waited for
    (:func:`.lock.wait_for_prepare`: then the dataset it left checked, "already prepared" where it finished)
    (:class:`.lock.DatasetBusy` while a training, an evaluation or a verify reads it and the import has something
    to write: one that finds the dataset as it would write it succeeds, see :func:`.import_lock.import_lock`),
    ``ImportUsageError`` (a ValueError) for a ``size`` outside 1..:data:`MAX_IMAGE_SIZE`, ``workers`` above
    :data:`.decoder_pool.MAX_WORKERS`, or unless ``overwrite``, when ``out`` holds a dataset (or the
    shards of an unfinished import) prepared from another ``source`` or at another size; with ``overwrite``
    every shard is built again from its images (see the module). Files that would not change are not
    rewritten.
    Called again at the top level of a script that a decoding process runs again as it starts, it
    exits that process at once (:func:`.decoder_pool.refuse_in_script_rerun`; each importer checks so
    first, naming itself, before it lists its source)."""
    refuse_in_script_rerun("build_dataset()")
    out = pathlib.Path(out)
    check_arguments(size, workers)
    check_out(out)
    shard_length = shard_length or images_per_shard(size)
    caches = caches or (lambda decoded: {})
    progress = lock.marking_progress(out, progress)  # seen by a prepare that waits for this one, from any host
    images = functools.cache(subsets) if callable(subsets) else lambda: subsets

    def attempt(may_check):
        with import_lock(out, may_check) as checking:  # two imports into out would mix their shards
            try:
                recorded = source if overwrite else check_same_origin(out, source, size, shard_length)
                if reproducible is not None and not overwrite:
                    built = _unchanged(out, source, classes, size, shard_length, progress, extra_meta, skipped,
                                       caches, reproducible, checking)
                    if built is not None:
                        return built
                return _build(out, recorded, source, classes, images(), size, shard_length, workers, progress,
                              extra_meta, skipped, caches, overwrite, checking, file_root)
            except (WouldWrite, ValueError):  # other options, a shard to rebuild...: as where it may not check
                if not checking:
                    raise
        return None

    def same_import():  # what another prepare holding out's lock has left there so far: this import's options?
        try:
            check_same_origin(out, source, size, shard_length)
        except ValueError:
            return False
        return True

    since = lock.clock()
    while True:
        try:
            built = attempt(may_check=not overwrite)
            # else readers hold it, and a check found something to write: taken exclusively now, or refused naming them
            return built if built is not None else attempt(may_check=False)
        except lock.BeingPrepared as busy:  # another prepare: waited for where it is this one's (not --overwrite)
            if overwrite:
                raise
            lock.wait_for_prepare(out, busy, same_import, since)


def _unchanged(out, source, classes, size, shard_length, progress, extra_meta, skipped, caches, labels, checking):
    """The finished dataset ``out`` holds, opened, where its meta.json records ``source`` and a rerun with the images
    its shards hold, with ``labels`` ({subset: labels}), would write nothing there (:func:`_build`'s check, as
    while readers hold the lock): a source whose images are a function of ``source`` alone needs them generated only
    where something is to be written. None otherwise (a damaged shard, another import's meta.json...): the import
    then goes on with its own images, as it would have (its ``progress`` counted from 0 again)."""
    try:
        _, meta = ds.read_meta(out / META_FILE)
        if meta.get("source") != source:
            return None
        held = held_subsets(out, meta, size, labels)
        if held is None:
            return None
        if not checking:  # what the rerun does first, also where it writes nothing else
            write(out, 0, lambda: fileio.remove_stale_temporaries(out))
        return _build(out, source, source, classes, held, size, shard_length, 0, progress, extra_meta, skipped,
                      caches, False, checking=True)
    except (WouldWrite, ValueError, OSError, ds.DatasetError):
        return None


def _build(out, source, given, classes, subsets, size, shard_length, workers, progress, extra_meta, skipped,
           caches, overwrite, checking=False, file_root=None):
    """The import into ``out`` (:func:`build_dataset`); ``checking``: nothing may be written (others read the
    dataset), :class:`.shard_builder.WouldWrite` where something would be."""
    before = state_before(out)
    if checking and (out / IMPORTING_FILE).exists():
        raise WouldWrite(f"the unfinished import to finish ({IMPORTING_FILE})")
    if not checking:
        write(out, 0, lambda: fileio.remove_stale_temporaries(out))
    # meta.json's entries known before any shard is built (its size is part of the room checked)
    known = {"format": FORMAT_NAME, "schema": SCHEMA_VERSION, "source": source, "image_size": [size, size],
             "classes": classes, "skipped": list(skipped), **(extra_meta or {})}
    meta_estimate = meta_bytes(known, sum(-(-len(items) // shard_length) for items, _, _ in subsets.values()))
    builder = Builder(out, size, shard_length, [entry["wnid"] for entry in classes], progress,
                      sum(len(items) for items, _, _ in subsets.values()),
                      functools.partial(record_import, out, source, size, given, shard_length), meta_estimate,
                      overwrite, checking)
    builder.skipped += list(skipped)
    if checking:  # a shard damaged or gone is found before any is hashed
        builder.check_headers(subsets)
    workers = min(usable_cpus(), MAX_WORKERS) if workers is None else workers
    decoder = DecoderPool(functools.partial(load_item, size=size), workers)
    try:
        table = {subset: builder.build_subset(subset, *subsets.get(subset, ([], [], {})), decoder)
                 for subset in SUBSETS}
    finally:
        decoder.close()
    shards = sum(len(part["shards"]) for part in table.values())
    meta_estimate = meta_bytes({**known, "skipped": builder.skipped}, shards)
    write_skipped(out, builder.skipped, final_files(size, meta_estimate), checking)
    _check_every_class_has_images(out, classes, builder.train_counts, builder.skipped)
    mean = builder.pixel_sum / table["train"]["count"]
    meta = {**known, "subsets": table, "mean": {"file": MEAN_FILE, "of": "train"}, "skipped": builder.skipped,
            **(extra_meta or {})}
    if checking:  # what a cache's finder found (copies across classes: reported next) is kept, its text left as is
        caches(builder.digests)
        return _checked(out, meta, mean, classes, table, before, builder.notes)
    # mean.h5 records meta.json's digest but for its own sha256 (shard_format.meta_sha256), which meta.json records;
    # where it changes (the classes, the source or skipped list changed, no shard), the old meta.json goes first
    needed = final_files(size, meta_estimate)
    meta["mean"]["sha256"] = write(out / MEAN_FILE, needed, lambda: write_mean(
        out / MEAN_FILE, mean, classes, meta, before_change=lambda: builder.begin_writing(needed)))
    rebuilt = not (out / META_FILE).is_file()  # removed when a shard or the mean image changed
    meta_size = meta_bytes(meta)  # serialised once: its skipped list is long on ImageNet
    listed = {} if file_root is None else image_files.listing(table, subsets, builder.skipped, file_root)
    for name, text in {**caches(builder.digests), **listed}.items():
        if rebuilt:
            write(out / name, len(text) + meta_size,
                  functools.partial(fileio.write_text, out / name, text, keep_same=True))
        else:  # a cache that changed (an older version's lacked entries): worth a write, not a failed rerun
            try:
                fileio.write_text(out / name, text, keep_same=True)
            except OSError as error:  # the file list's loss is said: overlap would name images by number, unsaid
                if name in listed:
                    image_files.not_written(error)
    write(out / META_FILE, meta_size, lambda: write_meta(out, meta))
    if (out / IMPORTING_FILE).exists():  # meta.json records the source now (a read-only copy has none to remove)
        write(out / IMPORTING_FILE, 0, lambda: (out / IMPORTING_FILE).unlink(missing_ok=True))
    write(out, 0, lambda: remove_unlisted_shards(out, table))
    warn_of_notes(builder.notes)
    built = ds.open_dataset(out)
    built.writes = writes_since(out, before, table, builder.rebuilt)
    return built


def _checked(out, meta, mean, classes, table, before, notes):
    """The dataset ``out`` holds, opened, where a rerun (its ``meta``, ``mean`` image, ``classes`` and shard
    ``table``; ``before``: :func:`.import_writes.state_before`, as it began,
    ``notes``: its images' caveats, warned of) would write nothing there:
    mean.h5 and meta.json hold what it would write, and no shard it does not list is there to remove;
    :class:`.shard_builder.WouldWrite` otherwise. What it would change in source-digests.json, a cache, is left
    as on a read-only copy."""
    meta["mean"]["sha256"] = held_mean(out / MEAN_FILE, mean, classes, meta)
    if meta["mean"]["sha256"] is None:
        raise WouldWrite(f"{MEAN_FILE} to write")
    if not fileio.holds(out / META_FILE, meta_text(meta).encode("utf-8")):
        raise WouldWrite(f"{META_FILE} to write")
    unlisted = _unlisted_shards(out, table)
    if unlisted:
        raise WouldWrite(f"{unlisted[0].name} to remove")
    warn_of_notes(notes)
    built = ds.open_dataset(out)
    built.writes = writes_since(out, before, table)
    return built


def check_image_size(size):
    """``ImportUsageError`` (a ValueError, a usage error) unless ``size`` is an integer 1..:data:`MAX_IMAGE_SIZE`."""
    if not _integer(size) or not 1 <= size <= MAX_IMAGE_SIZE:
        raise ImportUsageError(f"--size must lie in 1..{MAX_IMAGE_SIZE}, got {size}")


def check_arguments(size, workers):
    """:func:`check_image_size` and :func:`check_workers`: what an importer checks first, before it reads its
    source or OUT (a ``size`` of 0 was a ZeroDivisionError as :func:`check_origin` reckoned the shard length)."""
    check_image_size(size)
    check_workers(workers)


def _integer(value):
    """Whether ``value`` is an integer (NumPy's too), not a bool, a float nor a string (which compared with an int
    was a TypeError)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_workers(workers):
    """``ImportUsageError`` (a ValueError, a usage error) unless ``workers`` is None (one per usable core) or an integer
    0..``MAX_WORKERS``."""
    if workers is not None and (not _integer(workers) or not 0 <= workers <= MAX_WORKERS):
        raise ImportUsageError(f"--workers must lie in 0..{MAX_WORKERS}, got {workers}")


def _check_every_class_has_images(out, classes, train_counts, skipped):
    """:class:`ClassesWithoutImages` where some class of ``classes`` has no training image (``train_counts``):
    naming them as every list is (:func:`minitransfer.name_lists.some_names`), or saying none has one."""
    empty = np.flatnonzero(train_counts == 0).tolist()
    if len(empty) == len(classes):
        raise ClassesWithoutImages(f"{out}: no training image could be imported (see {out / SKIPPED_FILE})", empty,
                                   skipped)
    if empty:
        names = some_names([inputs.display_name(classes[index]["name"]) for index in empty], shown=20)
        raise ClassesWithoutImages(f"{out}: no training image of {len(empty)} class(es) could be imported: {names} "
                                   f"(undecodable files are listed in {out / SKIPPED_FILE})", empty, skipped)
