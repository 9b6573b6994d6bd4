"""The shards of an import, subset by subset: a shard is kept when it exists, was built from the same
inputs (its ``plan``) and is intact, else its images are decoded and it is written (:class:`Builder`).
With --overwrite every shard's images are decoded again, a shard that holds what they give kept as it is."""

import hashlib
import json
import time

import h5py
import numpy as np

from minitransfer import fileio, hdf5_files
from minitransfer.errors import MinitransferError

from . import inputs
from .decode import ImportItem, readable_now
from .import_writes import rest_of_import, write
from .shard_format import (IMPORTING_FILE, META_FILE, SCHEMA_VERSION, SHARD_NAME, DatasetError, checked_dataset,
                           content_sha256, shard_name, stored_dataset, write_shard)

DECODER = "pillow-draft"       # in every shard plan: shards decoded another way are rebuilt, not mixed
PROGRESS_EVERY = 1000          # images decoded between two progress calls inside a shard (of small images: 262,144)
PROGRESS_SECONDS = 1           # ... or seconds, whichever comes first: 1000 large JPEGs took 36 s, a silent log
_clock = time.monotonic        # what PROGRESS_SECONDS is measured with (a test's fake clock replaces it)
_SHA256_DIFFERS = "its sha256 differs from meta.json's"  # why a shard damaged since its import is rebuilt
# why a shard of another plan (_shard_plan: its files as listed, labels, --size, the decoder; --shard-size
# draws its bounds) is rebuilt
_OTHER_PLAN = "built from other files (or files changed since), labels or options (--size, --shard-size) than now"


def _shard_plan(items, labels, extras, size):
    plan = {"size": size, "decoder": DECODER, "labels": [int(x) for x in labels]}
    if any(item.pixels is None for item in items):  # files are turned upright (pixels.upright) since this key:
        plan["orientation"] = "exif"                # shards of files decoded before are rebuilt, not mixed
    digest = hashlib.sha256(json.dumps(plan).encode())
    for item in items:
        digest.update(item.identity_text().encode("utf-8", "surrogateescape") + b"\n")
    for name in sorted(extras):
        digest.update(name.encode() + np.ascontiguousarray(extras[name]).tobytes())
    return digest.hexdigest()


class WouldWrite(MinitransferError):
    """A rerun that may only check (it holds the dataset's lock shared: others read the dataset) has something to
    write: ``str()`` says what (a shard to build, meta.json or mean.h5 to change, an unfinished import's file).
    :func:`.build.build_dataset` catches it (it then asks for the lock exclusively); it never reaches the user."""


class Builder:
    """Writes or reuses the shards of each subset, keeping the totals the mean and meta.json need;
    ``record_import()`` writes what tells this import's shards from another's (:func:`.same_origin.record_import`)
    before the first shard is written; ``meta_bytes``: about the size of the meta.json written last
    (:func:`.import_writes.meta_bytes`); ``overwrite`` (--overwrite): every shard is built again from its
    images, a shard that holds what they give kept as it is (so that nothing is written), any other written;
    ``checking``: nothing may be written (readers hold the folder), a shard that cannot be kept raises
    :class:`WouldWrite` before any image is decoded."""

    def __init__(self, out, size, shard_length, wnids, progress, total, record_import, meta_bytes, overwrite=False,
                 checking=False):
        self.out, self.size, self.shard_length, self.progress = out, size, shard_length, progress
        self.record_import, self.meta_bytes, self.overwrite = record_import, meta_bytes, overwrite
        self.checking = checking
        self.total, self.done = total, 0
        self.skipped, self.pixel_sum = [], np.zeros((size, size, 3), dtype=np.float64)
        self.notes = []  # {"file", "note"} of the images imported with a caveat (decode.load_item), kept shards' too
        self.digests = {}  # {item described: sha256 of the bytes decoded}
        self.rebuilt = []  # (file name, why) of the shards that were there and were written again, in order
        self.train_counts = np.zeros(len(wnids), dtype=np.int64)
        self.wnids, self.num_classes = wnids, len(wnids)
        self.writing = False
        self.recorded = _recorded_digests(out)
        self.plans = {}  # {(subset, shard number): plan}: check_headers's, reused by build_subset (_planned)

    def build_subset(self, subset, items, labels, extras, decoder):
        """The shard table of ``subset``: {"count", "shards"}, writing the shards that need it."""
        labels = np.asarray(labels, dtype=np.int32)
        if len(labels) != len(items) or (labels.size and not 0 <= labels.min() <= labels.max() < self.num_classes):
            raise ValueError(f"build_dataset: {subset} needs one label in 0..{self.num_classes - 1} per item")
        shards, first_index = [], 0
        for number, start, stop, part, plan in self._planned(subset, items, labels, extras):
            path = self.out / shard_name(subset, number)
            entry, why = _judged_shard(path, plan, first_index, self.size, stop - start, sorted(part),
                                       self.recorded.get(path.name))
            if (entry is None or self.overwrite) and self.checking:
                raise WouldWrite(f"{path.name} to {'build' if why is None else 'rebuild'}")
            if entry is None or self.overwrite:
                entry = self._built_shard(path, entry, decoder, items[start:stop], labels[start:stop], part, subset,
                                          first_index, plan, why)
            entry.pop("content_sha256", None)
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

    def _planned(self, subset, items, labels, extras):
        """(number, start, stop, its ``extras``, plan) of each shard of ``subset``, of ``items``; a plan made before
        (:meth:`check_headers`'s) is not made again: it digests every item (an image's pixels hashed)."""
        for number, start in enumerate(range(0, len(items), self.shard_length)):
            stop = min(start + self.shard_length, len(items))
            part = {name: np.asarray(values)[start:stop] for name, values in extras.items()}
            plan = self.plans.get((subset, number))
            if plan is None:
                plan = self.plans[subset, number] = _shard_plan(items[start:stop], labels[start:stop], part, self.size)
            yield number, start, stop, part, plan

    def check_headers(self, subsets):
        """Where only checking: :class:`WouldWrite` before any shard is hashed where the file or attributes of one
        of ``subsets`` ({subset: (items, labels, extras)}) already tell it cannot be kept (gone, truncated, of
        another plan): a damaged last shard was found after every shard before it was hashed (ImageNet's: minutes),
        the readers' refusal coming only then. A shard that passes is judged in full as it comes."""
        for subset, (items, labels, extras) in subsets.items():
            for number, _, _, part, plan in self._planned(subset, items, labels, extras):
                path = self.out / shard_name(subset, number)
                if not path.is_file():
                    raise WouldWrite(f"{path.name} to build")
                if _header_fault(path, plan, sorted(part)) is not None:
                    raise WouldWrite(f"{path.name} to rebuild")

    def _built_shard(self, path, kept, decoder, items, labels, extras, subset, first_index, plan, why=None):
        """The table entry of the shard at ``path`` built from ``items``: written, or where the shard is
        ``kept`` (the entry of an intact one, :func:`_judged_shard`'s, with --overwrite) and holds what they
        decode to now, that entry. ``why``: why the shard there was not kept (:func:`_judged_shard`; None
        where there is none, or it is ``kept``); a shard written over one that was there is recorded in
        ``rebuilt`` with why (what ``prepare`` says of a rerun: "train-00002.h5 rebuilt: ...")."""
        images_left = self.total - self.done  # a subset's last shard may be short: one more shard
        needed = rest_of_import(images_left, -(-images_left // self.shard_length) + 1, self.size, self.meta_bytes)
        if kept is None:
            self.begin_writing(needed)
        built = _decoded_shard(self._reported(decoder.map(items)), items, labels, extras, subset, self.wnids)
        if kept is not None and _same_content(kept, built):
            return {**kept, "digests": built["digests"]}
        self.begin_writing(needed)
        entry = write(path, needed, lambda: _write_shard(path, built, subset, first_index, plan))
        if kept is not None:
            why = "its images decode to other contents now (--overwrite)"
        if why is not None:
            self.rebuilt.append((path.name, why))
        return entry

    def _reported(self, decoded):
        """``decoded``, calling ``progress`` every :data:`PROGRESS_EVERY` images or :data:`PROGRESS_SECONDS`,
        whichever comes first: at ``--size 16`` a shard holds 262,144 images, and an import of fewer was silent
        from its start to its end; by count alone, 1000 large JPEGs went 36 s without a line in a log, where the
        display (:class:`minitransfer.progress.StageProgress`) promises one at least every 30 s."""
        last = _clock()
        for position, result in enumerate(decoded, start=1):
            yield result
            now = _clock()
            if self.progress and (position % PROGRESS_EVERY == 0 or now - last >= PROGRESS_SECONDS):
                last = now
                self.progress(self.done + position, self.total)

    def begin_writing(self, needed):
        """Before the first shard (or the mean image) changes, record this import (another one is then refused,
        not mixed in) and remove meta.json: until the new one is written the directory reads as an unfinished
        import, never as a dataset whose checksums lie. ``needed``: the bytes the rest of the import writes."""
        if not self.writing:
            write(self.out / IMPORTING_FILE, needed, self.record_import)
            meta_path = self.out / META_FILE
            write(meta_path, 0, lambda: meta_path.unlink(missing_ok=True))
            self.writing = True


def held_subsets(out, meta, size, labels):
    """{subset: (items, labels, {})} of the images the shards of ``out``'s dataset hold, as its ``meta`` (meta.json's
    object) lists them, where they hold ``labels`` ({subset: labels}) in that order and no other array, else None:
    what :func:`.build.build_dataset` checks a finished dataset of a reproducible source with (the synthetic set's)
    without generating its images. The shards are then judged as any rerun judges them (plan, sha256, content); what
    is taken on trust is only that images meta.json says that source made, their files hashing as it records, are
    what it makes (as :func:`.synthetic.builtin_dataset` reuses its cache)."""
    try:
        return _held_subsets(out, meta, size, labels)
    except (OSError, KeyError, TypeError, ValueError, RuntimeError, DatasetError):  # RuntimeError: h5py's
        return None


def _held_subsets(out, meta, size, labels):
    subsets = {}
    for subset, wanted in labels.items():
        parts, held = [], []
        for shard in meta["subsets"][subset]["shards"]:
            path = out / str(shard["file"])
            if not SHARD_NAME.fullmatch(str(shard["file"])) or not path.is_file():
                return None  # not a shard of this folder's (a path elsewhere, a named pipe)
            with hdf5_files.open_hdf5(path) as handle:
                if set(handle) != {"images", "labels", "sum"}:
                    return None
                count = (stored_dataset(handle, path, "labels").shape or (-1,))[0]
                held.append(checked_dataset(handle, path, "labels", (count,), np.int32)[()])
                checked_dataset(handle, path, "images", (count, size, size, 3), np.uint8)
            parts.append((path, count))
        held = np.concatenate(held) if held else np.zeros(0, np.int32)
        if not np.array_equal(held, np.asarray(wanted, dtype=np.int32)):
            return None
        subsets[subset] = (HeldImages(parts, size), held, {})
    return subsets


class HeldImages:
    """The images that shards hold (``parts``: [(path, count)] in order), as the items :class:`Builder` takes: a
    slice read from the shards as it is asked for (the check of each shard's plan), so that :func:`held_subsets`'s
    check holds about one shard's images at once; it held every image of the dataset (a rerun of a synthetic set of
    20 GB asked for 20 GB). A shard that cannot be read now is a ``DatasetError``, the check then given up."""

    def __init__(self, parts, size):
        self.parts, self.size = parts, size
        self.starts = np.cumsum([0] + [count for _, count in parts])

    def __len__(self):
        return int(self.starts[-1])

    def __getitem__(self, where):
        start, stop, _ = where.indices(len(self))  # a slice: Builder's shards
        items = []
        for (path, count), first in zip(self.parts, self.starts):
            low, high = max(start, first) - first, min(stop, first + count) - first
            if low < high:
                try:
                    with hdf5_files.open_hdf5(path) as handle:
                        images = checked_dataset(handle, path, "images", (count, self.size, self.size, 3),
                                                 np.uint8)[low:high]
                except (OSError, KeyError, TypeError, ValueError, RuntimeError) as error:  # RuntimeError: h5py's
                    raise DatasetError(f"{path}: cannot be read again ({error})") from error
                items += [ImportItem(pixels=image) for image in images]
        return items


def _recorded_digests(out):
    """{shard file name: sha256} of the meta.json a finished import left in ``out`` ({} without one)."""
    try:
        meta = fileio.parse_json((out / META_FILE).read_bytes())
        return {shard["file"]: shard["sha256"] for subset in meta["subsets"].values() for shard in subset["shards"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _text_in_global_heap(handle, names):
    """Whether one of the attributes ``names`` is variable-length (its text in HDF5's global heap, as
    shards written before :func:`minitransfer.hdf5_files.text_attribute` keep it). Only the attribute's
    type, in its object header, is read: reading the text of a damaged heap entry hangs the HDF5
    library for good or crashes the process."""
    for name in names:
        if name in handle.attrs:
            kind = handle.attrs.get_id(name).get_type()
            if isinstance(kind, h5py.h5t.TypeVlenID) or (isinstance(kind, h5py.h5t.TypeStringID)
                                                         and kind.is_variable_str()):
                return True
    return False


def _judged_shard(path, plan, first_index, size, planned, extra_names, recorded_sha256=None):
    """(the table entry of an existing, intact shard built from ``plan``, None), or (None, why it must be
    rebuilt, in words: "its sha256 differs from meta.json's"), or (None, None) where there is no shard.

    Intact: its attributes say it was built from ``plan`` (first index, schema, its subset the one its name
    says, no array but /images, /labels, /sum and the ``extra_names``), checked first, so that a shard of
    another plan is rebuilt without being read in full; then the file still hashes to ``recorded_sha256``,
    the digest the finished import's meta.json recorded (where it records one: a changed file is rebuilt,
    never given a new digest in meta.json); then declared shapes checked before reading (at most
    ``planned`` images), the arrays still hashing to the shard's ``content_sha256`` and /sum the sum of its
    images (a rerun kept a shard whose /sum was damaged and built the mean image from it). A shard whose
    text attributes are variable-length (written by an older minitransfer) is read only when the whole
    file hashes to ``recorded_sha256``: otherwise a damaged heap entry would hang the rerun for good;
    without that proof it is rebuilt."""
    if not path.is_file():
        return None, None
    try:
        with hdf5_files.open_hdf5(path) as shard:
            sha256 = None
            if _text_in_global_heap(shard, ("plan", "skipped", "content_sha256", "notes", "subset")):
                sha256 = fileio.sha256_file(path)
                if sha256 != recorded_sha256:
                    return None, (_SHA256_DIFFERS if recorded_sha256 else "written by an older minitransfer, and "
                                  "meta.json records no sha256 to prove it intact")
            why = _attributes_fault(shard, path, plan, extra_names, first_index)
            if why is not None:
                return None, why
            if recorded_sha256 is not None:  # before its arrays are read: a damaged shard costs no more reads
                sha256 = sha256 or fileio.sha256_file(path)
                if sha256 != recorded_sha256:
                    return None, _SHA256_DIFFERS
            found = stored_dataset(shard, path, "labels").shape  # not a link followed, nor external storage read
            count = found[0] if found else -1
            if not 0 < count <= planned:
                return None, f"its /labels count {count} images, not 1..{planned}"
            labels = checked_dataset(shard, path, "labels", (count,), np.int32)[()]
            images = checked_dataset(shard, path, "images", (count, size, size, 3), np.uint8)[()]
            extras = {name: checked_dataset(shard, path, name, (count,), _number_type(shard, path, name))[()]
                      for name in extra_names}
            content = content_sha256(images, labels, extras)
            if content != hdf5_files.plain_attribute(shard.attrs.get("content_sha256")):
                return None, "its arrays no longer hash to its content_sha256"
            pixel_sum = checked_dataset(shard, path, "sum", (size, size, 3), np.float64)[()]
            if not np.array_equal(pixel_sum, images.sum(axis=0, dtype=np.float64)):  # as write_shard stores it
                return None, "its /sum is not the sum of its images"
            skipped = fileio.parse_json(hdf5_files.plain_attribute(shard.attrs["skipped"]))
            notes = (fileio.parse_json(hdf5_files.plain_attribute(shard.attrs["notes"])) if "notes" in shard.attrs
                     else [])
            if any(readable_now(entry.get("reason"), entry.get("file")) for entry in skipped):  # mended since
                return None, "a file it skipped as undecodable decodes now"
            sha256 = sha256 or fileio.sha256_file(path)  # nothing recorded to compare: hashed once it is kept
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:  # RuntimeError: h5py, a damaged header
        return None, f"unreadable ({str(error).removeprefix(f'{path}: ')})"  # corrupt or stale leftover: rebuilt
    return {"file": path.name, "count": count, "first_index": first_index, "sha256": sha256,
            "sum": pixel_sum, "labels": labels, "skipped": skipped, "notes": notes,
            "content_sha256": content}, None


def _attributes_fault(shard, path, plan, extra_names, first_index=None):
    """Why the open ``shard`` at ``path`` is not one built from ``plan`` (:func:`_judged_shard`), told from its
    attributes and the names of its arrays (``first_index`` where given), or None."""
    if hdf5_files.plain_attribute(shard.attrs.get("plan")) != plan:
        return _OTHER_PLAN
    if ((first_index is not None and shard.attrs.get("first_index") != first_index)
            or shard.attrs.get("schema") != SCHEMA_VERSION
            or hdf5_files.plain_attribute(shard.attrs.get("subset")) != path.name.partition("-")[0]
            or set(shard) != {"images", "labels", "sum", *extra_names}):
        return "its attributes or arrays are not those of this import's shard"
    return None


def _header_fault(path, plan, extra_names):
    """Why the shard file ``path`` cannot be kept, told cheaply (opened, its attributes read: nothing hashed), or
    None where that passes or cannot be told so (text attributes in HDF5's global heap are read only once the file
    hashes as recorded: :func:`_judged_shard`)."""
    try:
        with hdf5_files.open_hdf5(path) as shard:
            if _text_in_global_heap(shard, ("plan", "subset")):
                return None
            return _attributes_fault(shard, path, plan, extra_names)
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:  # as _judged_shard's
        return f"unreadable ({error})"


def _number_type(shard, path, name):
    """The dtype of the per-image array ``name``: numbers only (a variable-length one, a hand-made
    file's, keeps its values in the global heap, see :func:`_text_in_global_heap`)."""
    dtype = stored_dataset(shard, path, name).dtype
    if dtype.kind not in "biuf":
        raise ValueError(f"/{name} is not an array of numbers")
    return dtype


def _decoded_shard(decoded, items, labels, extras, subset, wnids):
    """What a shard of ``items`` holds, from their ``decoded`` images: {"images" (None where no file
    decoded), "labels", "extras" (of the images kept), "skipped", "digests", "notes"}. Each file skipped is
    recorded with its subset and the wnid of its class (what 'prepare' needs to say why a class has no
    validation image)."""
    images, kept, skipped, digests, notes = [], [], [], {}, []
    for position, (pixels, reason, digest) in enumerate(decoded):
        if digest is not None:
            digests[items[position].describe()] = digest
        if pixels is None:
            skipped.append({"file": inputs.display_name(items[position].text()),
                            "reason": inputs.display_name(reason), "subset": subset,
                            "class": wnids[labels[position]]})
        else:
            images.append(pixels)
            kept.append(position)
            if reason is not None:  # a caveat: pixels.DIM_16_BIT
                notes.append({"file": inputs.display_name(items[position].text()), "note": reason})
    kept = np.asarray(kept, dtype=np.int64)
    return {"images": np.stack(images) if images else None, "labels": labels[kept],
            "extras": {name: values[kept] for name, values in extras.items()}, "skipped": skipped,
            "digests": digests, "notes": notes}


def _same_content(entry, built):
    """Whether the intact shard of table ``entry`` (:func:`_judged_shard`'s) holds the arrays, skipped
    files and notes of ``built`` (:func:`_decoded_shard`): written again, it would be the same."""
    return (built["images"] is not None and entry["skipped"] == built["skipped"] and entry["notes"] == built["notes"]
            and entry["content_sha256"] == content_sha256(built["images"], built["labels"], built["extras"]))


def _write_shard(path, built, subset, first_index, plan):
    """Write the shard ``built`` (:func:`_decoded_shard`); returns its table entry. A shard of no image is
    left out of the table (and decoded again by a rerun)."""
    images, labels, skipped, digests, notes = (built[key] for key in ("images", "labels", "skipped", "digests",
                                                                       "notes"))
    if images is None:
        return {"file": path.name, "count": 0, "first_index": first_index, "sum": 0.0,
                "labels": np.zeros(0, np.int32), "skipped": skipped, "digests": digests, "notes": notes}
    pixel_sum = images.sum(axis=0, dtype=np.float64)  # H,W,3
    sha = write_shard(path, images, labels, subset, first_index, plan, skipped=skipped, pixel_sum=pixel_sum,
                      extra=built["extras"], notes=notes)
    return {"file": path.name, "count": len(labels), "first_index": first_index, "sha256": sha,
            "sum": pixel_sum, "labels": labels, "skipped": skipped, "digests": digests, "notes": notes}
