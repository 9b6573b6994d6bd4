"""Building a dataset directory from a list of images: what every importer and the synthetic set share.

:func:`build_dataset` decodes images in worker processes (:mod:`.decoder_pool`: nothing HDF5- or
zip-related crosses a fork), writes them shard by shard, each shard atomically, then
``skipped.txt``, the mean image and ``meta.json``. A rerun skips every shard whose file exists, was
built from the same inputs (its ``plan`` attribute: their names, and each file's size and
modification time, each zip member's size and CRC-32) and whose arrays still hash to its stored
``content_sha256``, so an interrupted import resumes where it stopped and a corrupt shard is
rebuilt. Files that cannot be decoded (empty, truncated, not an image, too large) are skipped and listed
in ``skipped.txt`` (one ``name<TAB>reason`` line each, names escaped as :func:`.inputs.display_name`
says) and in meta.json, never silently; CMYK, grayscale, palette and PNG-named-.JPEG files are
converted to RGB and warped to ``size × size`` as :mod:`.decode` says.

Images are stored at most :data:`MAX_IMAGE_SIZE` pixels square (--size), checked before anything
is allocated.

A finished dataset is replaced only with ``overwrite`` (--overwrite) when it was prepared from
another source or with other options; a rerun that changes nothing writes nothing (so it also
succeeds on a read-only copy).

Housekeeping: temporaries (``.NAME.tmp-PID``) of processes that no longer run are removed when an
import starts; once meta.json is written, shards it does not list (left by an import with another
``--shard-size``) are removed; a write that fails (full disk, read-only folder) raises
:class:`minitransfer.fileio.StorageError` naming the file and the space the rest of the import needs.
"""

import contextlib
import errno
import functools
import hashlib
import json
import os
import pathlib
import re

import h5py
import numpy as np

from minitransfer import fileio
from minitransfer.cpus import usable_cpus

from . import dataset as ds
from . import inputs, lock
from .decode import load_item, readable_now, warn_of_notes
from .decoder_pool import MAX_WORKERS, DecoderPool

MAX_IMAGE_SIZE = 4096          # --size: 48 MiB an image, its float64 pixel sum 384 MiB (CaffeNet uses 256)
SHARD_BYTES = 192 << 20
DECODER = "pillow-draft"       # in every shard plan: shards decoded another way are rebuilt, not mixed
SHARD_NAME = re.compile(r"(train|val)-\d{5}\.h5")
DIGESTS_FILE = "source-digests.json"  # in OUT: {path: [size, mtime in ns, sha256]} of the files read to find copies
COPIES_FILE = "copies-across-classes.txt"  # in OUT: files whose bytes lie in two or more classes of a subset
# What an import writes into OUT besides its shards (and temporaries, hidden: .<name>.tmp-<pid>)
DATASET_FILES = frozenset((ds.META_FILE, ds.MEAN_FILE, ds.SKIPPED_FILE, lock.LOCK_FILE, DIGESTS_FILE, COPIES_FILE))
PROGRESS_EVERY = 1000          # images decoded between two progress calls inside a shard (of small images: 262,144)


class DiskFull(fileio.StorageError):
    """A write of the import failed for want of space or inodes; ``status``: :func:`minitransfer.fileio.disk_status`
    as it failed (the import's cleanup, its lock file removed, gives an inode back: a message written later from a
    new look said "21.0 MB free" alone)."""

    def __init__(self, number, message, status=None):
        super().__init__(number, message)
        self.status = status

    def __reduce__(self):
        return type(self), (self.errno, self.strerror, self.status)


class ClassesWithoutImages(ds.DatasetError):
    """No training image of some classes could be imported; ``indices`` lists them (class table
    order), ``skipped`` every input that could not be decoded (dicts with ``file`` and ``reason``)."""

    def __init__(self, message, indices, skipped):
        super().__init__(message)
        self.indices, self.skipped = indices, skipped

    def __reduce__(self):  # with its fields: a process pool (concurrent.futures) sends it back pickled
        return type(self), (*self.args, self.indices, self.skipped)


def images_per_shard(size):
    """Default shard length: about 192 MiB of images."""
    return max(1, SHARD_BYTES // (size * size * 3))


def remove_unlisted_shards(folder, table):
    """Remove files named like shards (``train-00012.h5``) that the shard ``table`` does not list."""
    listed = {shard["file"] for subset in table.values() for shard in subset["shards"]}
    for path in sorted(pathlib.Path(folder).iterdir()):
        if SHARD_NAME.fullmatch(path.name) and path.name not in listed and path.is_file():
            path.unlink()


def check_out(out):
    """``ValueError`` (a usage error) when ``out`` is a folder of other files than a dataset's: without
    meta.json (a finished dataset, whose rerun checks its source), every entry must be one an import
    writes, as an interrupted import leaves them (hidden names, such as .DS_Store, aside). An import into
    a home folder or a folder of images wrote its dataset among their files, and removed those named like
    shards (train-00007.h5). :func:`build_dataset` checks it; importers first, before listing their source
    (minutes for ImageNet)."""
    out = pathlib.Path(out)
    if (out / ds.META_FILE).is_file():
        return
    try:
        others = sorted(name for name in os.listdir(out)
                        if not (name in DATASET_FILES or SHARD_NAME.fullmatch(name) or inputs.hidden(name)))
    except OSError:  # not there yet (made by the import), or not a folder: said where it is written
        return
    if others:
        shown = ", ".join(repr(inputs.display_name(name)) for name in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        raise ValueError(f"OUT {out} holds files that are not a dataset's ({shown}{more}): an import writes "
                         f"its shards, meta.json and mean.h5 into OUT; choose a new or empty folder")


def _shard_plan(items, labels, extras, size):
    plan = {"size": size, "decoder": DECODER, "labels": [int(x) for x in labels]}
    if any(item.pixels is None for item in items):  # files are turned upright (decode.upright) since this key:
        plan["orientation"] = "exif"                # shards of files decoded before are rebuilt, not mixed
    digest = hashlib.sha256(json.dumps(plan).encode())
    for item in items:
        digest.update(item.identity().encode("utf-8", "surrogateescape") + b"\n")  # names need not be UTF-8
    for name in sorted(extras):
        digest.update(name.encode() + np.ascontiguousarray(extras[name]).tobytes())
    return digest.hexdigest()


def build_dataset(out, *, source, classes, subsets, size, shard_length=None, workers=None, progress=None,
                  extra_meta=None, skipped=(), overwrite=False, caches=None):
    """Write (or finish) a dataset directory ``out``; returns the opened :class:`Dataset`.

    ``classes``: list of dicts (index, wnid, name, optional family...); ``subsets``: {"train": (items,
    labels, extras), "val": ...} with ``items`` a list of :class:`.decode.ImportItem`, ``labels`` ints and
    ``extras`` {name: per-image array} stored beside ``/labels``. ``progress(done, total)`` is called
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
    Raises
    :class:`ClassesWithoutImages` when some class ends up without a training image,
    ``StorageError`` when a file cannot be written, ``RunBusy`` (exit 2) while another process
    writes into ``out`` (:class:`.lock.DatasetBusy` while a training, an evaluation or a verify reads it),
    ``ValueError`` for a ``size`` above :data:`MAX_IMAGE_SIZE`, ``workers`` above
    :data:`.decoder_pool.MAX_WORKERS` or, unless ``overwrite``, when ``out`` holds a dataset prepared
    from another ``source`` or at another size. Files that would not change are not rewritten."""
    out = pathlib.Path(out)
    check_image_size(size)
    check_workers(workers)
    check_out(out)
    with _import_lock(out):  # two imports into out would mix their shards
        if not overwrite:
            source = _check_same_origin(out, source, size)
        return _build(out, source, classes, subsets, size, shard_length, workers, progress, extra_meta, skipped,
                      caches or (lambda decoded: {}))


@contextlib.contextmanager
def _import_lock(out):
    """Hold ``out``'s lock exclusively (:func:`.lock.writing`, which creates ``out``): refused while
    another import writes there or a training reads the dataset. On a read-only file system there
    is no lock to take and nobody can write: a finished dataset is checked there without one, and
    anything left to write fails as usual (exit 74)."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(lock.writing(out))
        except fileio.StorageError:
            if not _read_only(out):
                raise
        yield


def _read_only(folder):
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _build(out, source, classes, subsets, size, shard_length, workers, progress, extra_meta, skipped, caches):
    _write(out, 0, lambda: fileio.remove_stale_temporaries(out))
    builder = _Builder(out, size, shard_length or images_per_shard(size), [entry["wnid"] for entry in classes],
                       progress, sum(len(items) for items, _, _ in subsets.values()))
    builder.skipped += list(skipped)
    workers = min(usable_cpus(), MAX_WORKERS) if workers is None else workers
    decoder = DecoderPool(functools.partial(load_item, size=size), workers)
    try:
        table = {subset: builder.build_subset(subset, *subsets.get(subset, ([], [], {})), decoder)
                 for subset in ds.SUBSETS}
    finally:
        decoder.close()
    report = "".join(f"{entry['file']}\t{entry['reason']}\n" for entry in builder.skipped)
    _write(out / ds.SKIPPED_FILE, len(report), lambda: fileio.write_text(out / ds.SKIPPED_FILE, report, keep_same=True))
    _check_every_class_has_images(out, classes, builder.train_counts, builder.skipped)
    mean = builder.pixel_sum / table["train"]["count"]
    mean_sha = _write(out / ds.MEAN_FILE, mean.nbytes // 2, lambda: ds.write_mean(out / ds.MEAN_FILE, mean, classes))
    meta = {
        "format": ds.FORMAT_NAME,
        "schema": ds.SCHEMA_VERSION,
        "source": source,
        "image_size": [size, size],
        "classes": classes,
        "subsets": table,
        "mean": {"file": ds.MEAN_FILE, "sha256": mean_sha, "of": "train"},
        "skipped": builder.skipped,
        **(extra_meta or {}),
    }
    rebuilt = not (out / ds.META_FILE).is_file()  # removed when a shard changed
    for name, text in caches(builder.digests).items():
        if rebuilt:
            _write(out / name, len(text), functools.partial(fileio.write_text, out / name, text, keep_same=True))
        else:  # a cache that changed (an older version's lacked entries): worth a write, not a failed rerun
            with contextlib.suppress(OSError):
                fileio.write_text(out / name, text, keep_same=True)
    _write(out / ds.META_FILE, 1 << 20, lambda: ds.write_meta(out, meta))
    _write(out, 0, lambda: remove_unlisted_shards(out, table))
    warn_of_notes(builder.notes)
    return ds.open_dataset(out)


def check_image_size(size):
    """``ValueError`` (a usage error) unless 1 <= ``size`` <= :data:`MAX_IMAGE_SIZE`."""
    if not 1 <= size <= MAX_IMAGE_SIZE:
        raise ValueError(f"--size must lie in 1..{MAX_IMAGE_SIZE}, got {size}")


def check_workers(workers):
    """``ValueError`` (a usage error) unless ``workers`` is None (one per usable core) or 0..``MAX_WORKERS``."""
    if workers is not None and not 0 <= workers <= MAX_WORKERS:
        raise ValueError(f"--workers must lie in 0..{MAX_WORKERS}, got {workers}")


def _check_same_origin(out, source, size):
    """``ValueError`` naming what differs, as the options that set it, when ``out`` holds a finished
    dataset prepared from another source or at another size (replacing it needs --overwrite); else the
    ``source`` to record. Only what both record is compared: a dataset prepared before an option was
    recorded (--is-a, --words, --family-a) reruns as it did. The source recorded is kept (without such an
    option; naming a file moved since by its former path), so that a rerun writes nothing: meta.json's
    sha256 is the fingerprint runs trained on the dataset check."""
    try:
        old = fileio.parse_json((out / ds.META_FILE).read_bytes())
    except (OSError, ValueError):
        return source  # no finished dataset there (or no readable one): nothing to lose
    old = old if isinstance(old, dict) else {}
    old_source = old.get("source") if isinstance(old.get("source"), dict) else {}
    if old_source.get("kind") != source.get("kind"):
        differences = [f"made by 'prepare {old_source.get('kind')}', now 'prepare {source.get('kind')}'"]
    else:
        differing = [key for key in sorted(old_source.keys() & source.keys())
                     if not _same_value(old_source.get(key), source.get(key))]
        differences = [f"{_SOURCE_WORDS.get(key, '--' + key.replace('_', '-'))} {_given(old_source.get(key))}, "
                       f"now {_given(source.get(key))}" for key in differing]
        old_size = old.get("image_size")
        if old_size != [size, size] and "size" not in differing:  # synthetic sets record --size in their source
            square = isinstance(old_size, list) and len(old_size) == 2 and old_size[0] == old_size[1]
            differences.append(f"--size {old_size[0] if square else repr(old_size)}, now {size}")
    if differences:
        raise ValueError(f"{out} holds a dataset prepared from another source or with other options "
                         f"({'; '.join(differences)}): pass --overwrite to replace it, or choose another output folder")
    return {key: old_source[key] for key in source if key in old_source}  # the same: a file moved is not rewritten


_SOURCE_WORDS = {"path": "SOURCE", "layout": "SOURCE's layout", "generator_version": "generator version",
                 "words_txt": "SOURCE's words.txt"}


def _given(value):
    """An option's recorded value as the command line gives it (None: the option was left out; a file
    recorded by :func:`.inputs.file_record`: its path and the start of its sha256)."""
    if _is_file_record(value):
        return f"{value['path']!r} (sha256 {str(value['sha256'])[:12]})"
    return "not given" if value is None else repr(value) if isinstance(value, str) else str(value)


def _is_file_record(value):
    return isinstance(value, dict) and {"path", "sha256"} <= value.keys()


def _same_value(old, new):
    """Equal values, two names of one existing file (a source given by another relative path), or two
    records of files (:func:`.inputs.file_record`) with the same bytes, wherever they lie; a file
    recorded by its path alone (--families, before its bytes were recorded) is the file of that path."""
    if old == new:
        return True
    if _is_file_record(old) and _is_file_record(new):
        return old["sha256"] == new["sha256"]
    new = new["path"] if isinstance(old, str) and _is_file_record(new) else new
    try:
        return isinstance(old, str) and isinstance(new, str) and os.path.samefile(old, new)
    except OSError:
        return False


def _check_every_class_has_images(out, classes, train_counts, skipped):
    empty = np.flatnonzero(train_counts == 0).tolist()
    if len(empty) == len(classes):
        raise ClassesWithoutImages(f"{out}: no training image could be imported (see {out / ds.SKIPPED_FILE})", empty,
                                   skipped)
    if empty:
        names = ", ".join(inputs.display_name(classes[index]["name"]) for index in empty[:20])
        names += " ..." if len(empty) > 20 else ""
        raise ClassesWithoutImages(f"{out}: no training image of {len(empty)} class(es) could be imported: {names} "
                                   f"(undecodable files are listed in {out / ds.SKIPPED_FILE})", empty, skipped)


class _Builder:
    """Writes or reuses the shards of each subset, keeping the totals the mean and meta.json need."""

    def __init__(self, out, size, shard_length, wnids, progress, total):
        self.out, self.size, self.shard_length, self.progress = out, size, shard_length, progress
        self.total, self.done = total, 0
        self.skipped, self.pixel_sum = [], np.zeros((size, size, 3), dtype=np.float64)
        self.notes = []  # {"file", "note"} of the images imported with a caveat (decode.load_item), kept shards' too
        self.digests = {}  # {item described: sha256 of the bytes decoded}
        self.train_counts = np.zeros(len(wnids), dtype=np.int64)
        self.wnids, self.num_classes = wnids, len(wnids)
        self.meta_removed = False
        self.recorded = _recorded_digests(out)

    def build_subset(self, subset, items, labels, extras, decoder):
        """The shard table of ``subset``: {"count", "shards"}, writing the shards that need it."""
        labels = np.asarray(labels, dtype=np.int32)
        if len(labels) != len(items) or (labels.size and not 0 <= labels.min() <= labels.max() < self.num_classes):
            raise ValueError(f"build_dataset: {subset} needs one label in 0..{self.num_classes - 1} per item")
        shards, first_index = [], 0
        for number, start in enumerate(range(0, len(items), self.shard_length)):
            stop = min(start + self.shard_length, len(items))
            part = {name: np.asarray(values)[start:stop] for name, values in extras.items()}
            plan = _shard_plan(items[start:stop], labels[start:stop], part, self.size)
            path = self.out / ds.shard_name(subset, number)
            entry = _finished_shard(path, plan, first_index, self.size, stop - start, sorted(part),
                                    self.recorded.get(path.name))
            if entry is None:
                self._invalidate_meta()
                decoded = self._reported(decoder.map(items[start:stop]))
                entry = _write(path, (self.total - self.done) * self.size * self.size * 3,
                               lambda: _write_shard(path, decoded, items[start:stop], labels[start:stop], part, subset,
                                                    first_index, plan, self.wnids))
            self.skipped += entry.pop("skipped")
            self.notes += entry.pop("notes", [])
            self.digests.update(entry.pop("digests", {}))
            shard_sum, kept_labels = entry.pop("sum"), entry.pop("labels")
            if subset == "train":
                self.pixel_sum += shard_sum
                self.train_counts += np.bincount(kept_labels, minlength=self.num_classes)
            if entry["count"]:
                shards.append(entry)
            first_index += entry["count"]
            self.done += stop - start
            if self.progress:
                self.progress(self.done, self.total)
        return {"count": first_index, "shards": shards}

    def _reported(self, decoded):
        """``decoded``, calling ``progress`` every :data:`PROGRESS_EVERY` images: at ``--size 16`` a shard holds
        262,144 images, and an import of fewer was silent from its start to its end."""
        for position, result in enumerate(decoded, start=1):
            yield result
            if self.progress and position % PROGRESS_EVERY == 0:
                self.progress(self.done + position, self.total)

    def _invalidate_meta(self):
        """Before the first shard changes, remove meta.json: until the new one is written the
        directory reads as an unfinished import, never as a dataset whose checksums lie."""
        if not self.meta_removed:
            meta_path = self.out / ds.META_FILE
            _write(meta_path, 0, lambda: meta_path.unlink(missing_ok=True))
            self.meta_removed = True


def _write(path, needed, work):
    """``work()``; an ``OSError`` becomes a ``StorageError`` naming ``path`` and, when the disk is
    full, the space the rest of the import (``needed`` bytes) wants and the space free, and that no inodes
    are left where none are."""
    try:
        return work()
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise error if isinstance(error, fileio.StorageError) else fileio.storage_error(path, error) from error
        status = fileio.disk_status(pathlib.Path(path).parent)
        raise DiskFull(error.errno, (
            f"cannot write {path}: {os.strerror(error.errno)}: the rest of the import needs {room(needed, status)}. "
            f"Free some space (or choose another output folder) and rerun the same command: finished shards are "
            f"kept"), status) from error


def room(needed, status):
    """"about <needed>, <free> free" for a full disk's message: ``needed`` bytes, and the space free (with
    :func:`minitransfer.fileio.inodes_note`) on the disk whose :func:`minitransfer.fileio.disk_status` is ``status``."""
    free = None if status is None else status.f_bavail * status.f_frsize
    return f"about {_amount(needed)}, {_amount(free)} free{fileio.inodes_note(status)}"


def _amount(count):
    """A byte count in KiB below 1 MiB (the mean image, meta.json), else in MiB."""
    if count is None:
        return "unknown space"
    return f"{count / 1024:.1f} KiB" if count < 1 << 20 else f"{count / (1 << 20):.1f} MiB"


def _recorded_digests(out):
    """{shard file name: sha256} of the meta.json a finished import left in ``out`` ({} without one)."""
    try:
        meta = fileio.parse_json((out / ds.META_FILE).read_bytes())
        return {shard["file"]: shard["sha256"] for subset in meta["subsets"].values() for shard in subset["shards"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _text_in_global_heap(handle, names):
    """Whether one of the attributes ``names`` is variable-length (its text in HDF5's global heap, as
    shards written before :func:`minitransfer.fileio.text_attribute` keep it). Only the attribute's
    type, in its object header, is read: reading the text of a damaged heap entry hangs the HDF5
    library for good or crashes the process."""
    for name in names:
        if name in handle.attrs:
            kind = handle.attrs.get_id(name).get_type()
            if isinstance(kind, h5py.h5t.TypeVlenID) or (isinstance(kind, h5py.h5t.TypeStringID)
                                                         and kind.is_variable_str()):
                return True
    return False


def _finished_shard(path, plan, first_index, size, planned, extra_names, recorded_sha256=None):
    """The table entry of an existing, intact shard built from ``plan`` (None when it must be (re)built).

    Declared shapes are checked before reading (at most ``planned`` images), and the arrays must
    still hash to the shard's ``content_sha256``. A shard whose text attributes are variable-length
    (written by an older minitransfer) is read only when the whole file hashes to
    ``recorded_sha256``, the digest the finished import's meta.json recorded: otherwise a damaged
    heap entry would hang the rerun for good; without that proof it is rebuilt."""
    if not path.is_file():
        return None
    try:
        with fileio.open_hdf5(path) as shard:
            if (_text_in_global_heap(shard, ("plan", "skipped", "content_sha256", "notes"))
                    and fileio.sha256_file(path) != recorded_sha256):
                return None
            if fileio.plain_attribute(shard.attrs.get("plan")) != plan or shard.attrs.get("first_index") != first_index:
                return None
            count = shard["labels"].shape[0] if isinstance(shard.get("labels"), h5py.Dataset) else -1
            if not 0 < count <= planned:
                return None
            labels = ds.checked_dataset(shard, path, "labels", (count,), np.int32)[()]
            images = ds.checked_dataset(shard, path, "images", (count, size, size, 3), np.uint8)[()]
            extras = {name: ds.checked_dataset(shard, path, name, (count,), _number_type(shard, name))[()]
                      for name in extra_names}
            if ds.content_sha256(images, labels, extras) != fileio.plain_attribute(shard.attrs.get("content_sha256")):
                return None
            pixel_sum = ds.checked_dataset(shard, path, "sum", (size, size, 3), np.float64)[()]
            skipped = fileio.parse_json(fileio.plain_attribute(shard.attrs["skipped"]))
            notes = fileio.parse_json(fileio.plain_attribute(shard.attrs["notes"])) if "notes" in shard.attrs else []
            if any(readable_now(entry.get("reason")) for entry in skipped):  # its plugin installed since
                return None
    except (OSError, KeyError, ValueError, TypeError, RuntimeError):  # RuntimeError: h5py on a damaged header
        return None  # unreadable, corrupt or stale leftover: rebuild it
    return {"file": path.name, "count": count, "first_index": first_index, "sha256": fileio.sha256_file(path),
            "sum": pixel_sum, "labels": labels, "skipped": skipped, "notes": notes}


def _number_type(shard, name):
    """The dtype of the per-image array ``name``: numbers only (a variable-length one, a hand-made
    file's, keeps its values in the global heap, see :func:`_text_in_global_heap`)."""
    dtype = shard[name].dtype if isinstance(shard.get(name), h5py.Dataset) else None
    if dtype is None or dtype.kind not in "biuf":
        raise ValueError(f"/{name} is not an array of numbers")
    return dtype


def _write_shard(path, decoded, items, labels, extras, subset, first_index, plan, wnids):
    """Write the decoded images of a shard; each file skipped is recorded with its subset and the wnid of
    its class (what 'prepare' needs to say why a class has no validation image)."""
    images, kept, skipped, digests, notes = [], [], [], {}, []
    for position, (pixels, reason, digest) in enumerate(decoded):
        if digest is not None:
            digests[items[position].describe()] = digest
        if pixels is None:
            skipped.append({"file": inputs.display_name(items[position].describe()),
                            "reason": inputs.display_name(reason), "subset": subset,
                            "class": wnids[labels[position]]})
        else:
            images.append(pixels)
            kept.append(position)
            if reason is not None:  # a caveat: decode.DIM_16_BIT
                notes.append({"file": inputs.display_name(items[position].describe()), "note": reason})
    if not images:  # no file: the shard is left out of the table (and decoded again by a rerun)
        return {"file": path.name, "count": 0, "first_index": first_index, "sum": 0.0,
                "labels": np.zeros(0, np.int32), "skipped": skipped, "digests": digests, "notes": notes}
    images = np.stack(images)
    kept = np.asarray(kept)
    pixel_sum = images.sum(axis=0, dtype=np.float64)  # H,W,3
    sha = ds.write_shard(path, images, labels[kept], subset, first_index, plan, skipped=skipped, pixel_sum=pixel_sum,
                         extra={name: values[kept] for name, values in extras.items()}, notes=notes)
    return {"file": path.name, "count": len(kept), "first_index": first_index, "sha256": sha,
            "sum": pixel_sum, "labels": labels[kept], "skipped": skipped, "digests": digests, "notes": notes}
