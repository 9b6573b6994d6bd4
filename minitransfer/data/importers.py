"""Importers: ImageNet (ILSVRC2012), Tiny ImageNet and CIFAR-100 into the shard format of
:mod:`minitransfer.data.dataset`.

All importers share :func:`build_dataset`: images are decoded in worker processes (the "spawn"
context: nothing HDF5- or zip-related crosses a fork), written shard by shard, each shard
atomically; a rerun skips every shard whose file exists and was built from the same inputs
(the shard's ``plan`` attribute), so an interrupted import resumes where it stopped. Files that
cannot be decoded (truncated, not an image) are skipped and listed in ``skipped.txt`` and in
meta.json, never silently; CMYK, grayscale, palette and PNG-named-.JPEG files are converted
to RGB. Images are warped (aspect ratio not kept) to ``size × size`` with bilinear
interpolation, as the paper did for 256 × 256 (supplement A, following Donahue et al. 2013).
"""

import functools
import hashlib
import io
import json
import multiprocessing
import os
import pathlib
import pickle
import tarfile
import warnings
import zipfile

import h5py
import numpy as np
from PIL import Image

from minitransfer import fileio

from . import dataset as ds
from . import wordnet

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")
SHARD_BYTES = 192 << 20
# numpy (1.x and 2.x module names) and the str→bytes helper protocol-2 pickles use; nothing else
SAFE_PICKLE_GLOBALS = frozenset({
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
})
# CIFAR-100's 20 superclasses: the five whose classes are made by people are man-made, the rest
# (animals, plants, people, landscapes) natural: 30 man-made and 70 natural classes.
CIFAR100_MAN_MADE_SUPERCLASSES = (
    "food_containers",
    "household_electrical_devices",
    "household_furniture",
    "large_man-made_outdoor_things",
    "vehicles_1",
    "vehicles_2",
)


class ImportItem:
    """One image to import: a file, a member of a zip archive, or pixels already in memory."""

    __slots__ = ("path", "member", "pixels")

    def __init__(self, path=None, member=None, pixels=None):
        self.path, self.member, self.pixels = path, member, pixels

    def __getstate__(self):
        return (self.path, self.member, self.pixels)

    def __setstate__(self, state):
        self.path, self.member, self.pixels = state

    def describe(self):
        """What the item is, for the skipped report and the shard plan."""
        if self.pixels is not None:
            return hashlib.sha256(np.ascontiguousarray(self.pixels).tobytes()).hexdigest()
        return f"{self.path}:{self.member}" if self.member else str(self.path)


def decode_image(source, size):
    """An image file (path or binary file object) as uint8 (size, size, 3) RGB, warped bilinearly.

    Raises ``OSError`` (PIL's errors for truncated or unidentifiable files) or ``ValueError``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EXIF / palette warnings: the pixels are what we keep
        with Image.open(source) as image:
            image.load()
            return warp(image, size)


def warp(image, size):
    """PIL image → uint8 (size, size, 3) RGB (any mode converted; aspect ratio not kept)."""
    if image.mode != "RGB":
        image = image.convert("RGB")  # CMYK (Adobe inverted too), L, P, RGBA, ...
    if image.size != (size, size):
        image = image.resize((size, size), Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


_open_archives = {}


def load_item(item, size):
    """Decode one :class:`ImportItem` (in a worker): ``(pixels, None)`` or ``(None, reason)``."""
    try:
        if item.pixels is not None:
            pixels = np.asarray(item.pixels, dtype=np.uint8)
            if pixels.shape != (size, size, 3):
                pixels = warp(Image.fromarray(pixels), size)
            return pixels, None
        if item.member is not None:
            if item.path not in _open_archives:
                _open_archives[item.path] = zipfile.ZipFile(item.path)
            return decode_image(io.BytesIO(_open_archives[item.path].read(item.member)), size), None
        return decode_image(item.path, size), None
    except (OSError, ValueError, SyntaxError, zipfile.BadZipFile, Image.DecompressionBombError) as error:
        return None, f"{type(error).__name__}: {error}"


def images_per_shard(size):
    """Default shard length: about 192 MiB of images."""
    return max(1, SHARD_BYTES // (size * size * 3))


def _shard_plan(items, labels, extras, size):
    digest = hashlib.sha256(json.dumps({"size": size, "labels": [int(x) for x in labels]}).encode())
    for item in items:
        digest.update(item.describe().encode() + b"\n")
    for name in sorted(extras):
        digest.update(name.encode() + np.ascontiguousarray(extras[name]).tobytes())
    return digest.hexdigest()


class _Decoder:
    """Decodes items in order, in a spawn pool started on first use (or in-process for 0 workers)."""

    def __init__(self, size, workers):
        self.size, self.workers, self.pool = size, workers, None

    def decode(self, items):
        load = functools.partial(load_item, size=self.size)
        if self.workers == 0:
            return map(load, items)
        if self.pool is None:
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers)
        return self.pool.imap(load, items, chunksize=max(1, min(64, len(items) // (4 * self.workers) or 1)))

    def close(self):
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def build_dataset(out, *, source, classes, subsets, size, shard_length=None, workers=None, progress=None, extra_meta=None):
    """Write (or finish) a dataset directory ``out``; returns the opened :class:`Dataset`.

    ``classes``: list of dicts (index, wnid, name, optional family...); ``subsets``: {"train": (items,
    labels, extras), "val": ...} with ``items`` a list of :class:`ImportItem`, ``labels`` ints and
    ``extras`` {name: per-image array} stored beside ``/labels``. ``progress(done, total)`` is called
    as images are processed. ``workers`` None → all cores."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for leftover in out.glob(".*.tmp-*"):  # files an interrupted import was writing
        leftover.unlink()
    shard_length = shard_length or images_per_shard(size)
    workers = os.cpu_count() if workers is None else workers
    total = sum(len(items) for items, _, _ in subsets.values())
    done = 0
    decoder = _Decoder(size, workers)
    table, skipped, pixel_sum = {}, [], np.zeros((size, size, 3), dtype=np.float64)
    try:
        for subset in ds.SUBSETS:
            items, labels, extras = subsets.get(subset, ([], [], {}))
            labels = np.asarray(labels, dtype=np.int32)
            shards, first_index = [], 0
            for number, start in enumerate(range(0, len(items), shard_length)):
                stop = min(start + shard_length, len(items))
                part = {name: np.asarray(values)[start:stop] for name, values in extras.items()}
                plan = _shard_plan(items[start:stop], labels[start:stop], part, size)
                path = out / ds.shard_name(subset, number)
                entry = _finished_shard(path, plan, first_index)
                if entry is None:
                    entry = _write_shard(path, decoder.decode(items[start:stop]), items[start:stop],
                                         labels[start:stop], part, subset, first_index, plan)
                shard_skipped = entry.pop("skipped")
                shard_sum = entry.pop("sum")
                if subset == "train":
                    pixel_sum += shard_sum
                skipped += shard_skipped
                shards.append(entry)
                first_index += entry["count"]
                done += stop - start
                if progress:
                    progress(done, total)
            table[subset] = {"count": first_index, "shards": shards}
    finally:
        decoder.close()
    if table["train"]["count"] == 0:
        raise ds.DatasetError(f"{out}: no training image could be imported")
    mean_sha = ds.write_mean(out / ds.MEAN_FILE, pixel_sum / table["train"]["count"])
    report = "".join(f"{entry['file']}\t{entry['reason']}\n" for entry in skipped)
    fileio.write_text(out / ds.SKIPPED_FILE, report)
    meta = {
        "format": ds.FORMAT_NAME,
        "schema": ds.SCHEMA_VERSION,
        "source": source,
        "image_size": [size, size],
        "classes": classes,
        "subsets": table,
        "mean": {"file": ds.MEAN_FILE, "sha256": mean_sha, "of": "train"},
        "skipped": skipped,
        **(extra_meta or {}),
    }
    ds.write_meta(out, meta)
    return ds.open_dataset(out)


def _finished_shard(path, plan, first_index):
    """The table entry of an existing shard built from ``plan`` (None when it must be (re)built)."""
    if not path.is_file():
        return None
    try:
        with h5py.File(path, "r") as shard:
            if shard.attrs.get("plan") != plan or shard.attrs.get("first_index") != first_index:
                return None
            count = int(shard["labels"].shape[0])
            pixel_sum = shard["sum"][()]
            skipped = json.loads(shard.attrs["skipped"])
    except (OSError, KeyError, ValueError):
        return None  # unreadable leftover: rebuild it
    return {"file": path.name, "count": count, "first_index": first_index, "sha256": fileio.sha256_file(path),
            "sum": pixel_sum, "skipped": skipped}


def _write_shard(path, decoded, items, labels, extras, subset, first_index, plan):
    images, kept, skipped = [], [], []
    for position, (pixels, reason) in enumerate(decoded):
        if pixels is None:
            skipped.append({"file": items[position].describe(), "reason": reason})
        else:
            images.append(pixels)
            kept.append(position)
    if not images:
        raise ds.DatasetError(f"{path}: none of the {len(items)} images of this shard could be decoded")
    images = np.stack(images)
    kept = np.asarray(kept)
    pixel_sum = images.sum(axis=0, dtype=np.float64)  # H,W,3
    sha = ds.write_shard(path, images, labels[kept], subset, first_index, plan, skipped=skipped, pixel_sum=pixel_sum,
                         extra={name: values[kept] for name, values in extras.items()})
    return {"file": path.name, "count": len(kept), "first_index": first_index, "sha256": sha,
            "sum": pixel_sum, "skipped": skipped}


def _image_files(folder):
    return sorted(path for path in folder.iterdir() if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES)


def read_class_names(path):
    """{wnid: name} from a ``wnid<whitespace>names`` file (ImageNet's words.txt or Caffe's synset_words.txt)."""
    names = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        fields = line.strip().split(None, 1)
        if fields:
            names[fields[0]] = fields[1].strip() if len(fields) > 1 else fields[0]
    return names


def _class_table(wnids, names, is_a):
    families = wordnet.families(wnids, wordnet.read_is_a(is_a)) if is_a else [None] * len(wnids)
    table = []
    for index, (wnid, family) in enumerate(zip(wnids, families)):
        entry = {"index": index, "wnid": wnid, "name": names.get(wnid, wnid)}
        if family:
            entry["family"] = family
        table.append(entry)
    return table


def import_imagenet(source, out, *, val_labels=None, words=None, is_a=None, size=256, workers=None, shard_length=None, progress=None):
    """Import ILSVRC2012 from ``source`` (``train/<wnid>/*.JPEG``, ``val/*.JPEG``) into ``out``.

    Class order is the sorted wnids (Caffe's order). Validation labels come from ``val_labels``,
    a ``<file> <label>`` list with labels in that order (Caffe's ``val.txt``); without it the
    dataset is train-only. ``words``: a ``wnid names`` file for readable names; ``is_a``: a WordNet
    ``parent child`` file, to record each class's man-made / natural family (the natural split).
    The devkit's ``meta.mat`` is not read: give ``val_labels`` and ``is_a`` instead.

    Example: ``import_imagenet("/data/ILSVRC2012", "imagenet-256", val_labels="val.txt")``
    """
    source = pathlib.Path(source)
    train = source / "train"
    if not train.is_dir():
        raise ds.DatasetError(f"{train}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG)")
    wnids = sorted(path.name for path in train.iterdir() if path.is_dir())
    if not wnids:
        raise ds.DatasetError(f"{train}: no class folders")
    train_items, train_labels = [], []
    for label, wnid in enumerate(wnids):
        for path in _image_files(train / wnid):
            train_items.append(ImportItem(path=str(path)))
            train_labels.append(label)
    val_items, val_labels_list = [], []
    if val_labels:
        for number, line in enumerate(pathlib.Path(val_labels).read_text().splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].lstrip("-").isdigit() or not 0 <= int(fields[1]) < len(wnids):
                raise ds.DatasetError(f"{val_labels}:{number}: expected '<file> <label in 0..{len(wnids) - 1}>', got {line!r}")
            val_items.append(ImportItem(path=str(source / "val" / fields[0])))
            val_labels_list.append(int(fields[1]))
    names = read_class_names(words) if words else {}
    return build_dataset(
        out,
        source={"kind": "imagenet", "path": str(source), "val_labels": str(val_labels) if val_labels else None},
        classes=_class_table(wnids, names, is_a),
        subsets={"train": (train_items, train_labels, {}), "val": (val_items, val_labels_list, {})},
        size=size, shard_length=shard_length, workers=workers, progress=progress,
    )


class _TinyImageNetSource:
    """The tiny-imagenet-200 tree, in a folder or a zip: lists files, reads text, makes items."""

    def __init__(self, source):
        self.source = pathlib.Path(source)
        if self.source.is_file():
            self.archive = zipfile.ZipFile(self.source)
            names = self.archive.namelist()
            roots = [name[: -len("wnids.txt")] for name in names if name.endswith("wnids.txt")]
            if not roots:
                raise ds.DatasetError(f"{self.source}: no wnids.txt in the archive (not tiny-imagenet-200)")
            self.root = min(roots, key=len)
            self.files = [name[len(self.root):] for name in names if name.startswith(self.root) and not name.endswith("/")]
        else:
            self.archive = None
            candidates = [self.source, self.source / "tiny-imagenet-200"]
            roots = [folder for folder in candidates if (folder / "wnids.txt").is_file()]
            if not roots:
                raise ds.DatasetError(f"{self.source}: no wnids.txt (not a tiny-imagenet-200 folder)")
            self.root = roots[0]
            self.files = None

    def text(self, name, required=True):
        """The text of file ``name`` ("" when missing and not ``required``)."""
        if self.archive:
            try:
                return self.archive.read(self.root + name).decode("utf-8")
            except KeyError as error:
                if required:
                    raise ds.DatasetError(f"{self.source}: missing {name}") from error
                return ""
        path = self.root / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
        if required:
            raise ds.DatasetError(f"{path}: missing")
        return ""

    def images(self, folder):
        """Relative names of the image files directly in ``folder`` (sorted)."""
        if self.archive:
            prefix = folder.rstrip("/") + "/"
            return sorted(name for name in self.files if name.startswith(prefix) and "/" not in name[len(prefix):]
                          and pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES)
        path = self.root / folder
        return [f"{folder}/{file.name}" for file in _image_files(path)] if path.is_dir() else []

    def item(self, name):
        if self.archive:
            return ImportItem(path=str(self.source), member=self.root + name)
        return ImportItem(path=str(self.root / name))


def import_tiny_imagenet(source, out, *, is_a=None, size=256, workers=None, shard_length=None, progress=None):
    """Import Tiny ImageNet (the ``tiny-imagenet-200`` zip or folder) into ``out``.

    Classes are the sorted wnids of ``wnids.txt`` with names from ``words.txt``; training images
    from ``train/<wnid>/images/``, validation images labelled by ``val/val_annotations.txt`` (the
    unlabelled test set is not imported). Images are 64 × 64, grayscale ones converted to RGB;
    ``size`` 256 (default) warps them like ImageNet, ``size=64`` keeps them native.

    Example: ``import_tiny_imagenet("tiny-imagenet-200.zip", "tiny-64", size=64)``
    """
    tree = _TinyImageNetSource(source)
    wnids = sorted(set(tree.text("wnids.txt").split()))
    label_of = {wnid: label for label, wnid in enumerate(wnids)}
    names = {}
    for line in tree.text("words.txt", required=False).splitlines():
        fields = line.split("\t", 1)
        if len(fields) == 2 and fields[0] in label_of:
            names[fields[0]] = fields[1].strip()
    train_items, train_labels = [], []
    for wnid in wnids:
        for name in tree.images(f"train/{wnid}/images"):
            train_items.append(tree.item(name))
            train_labels.append(label_of[wnid])
    val_items, val_labels = [], []
    for number, line in enumerate(tree.text("val/val_annotations.txt").splitlines(), start=1):
        fields = line.split("\t")
        if not fields[0].strip():
            continue
        if len(fields) < 2 or fields[1] not in label_of:
            raise ds.DatasetError(f"{source}: val/val_annotations.txt:{number}: unknown class in {line!r}")
        val_items.append(tree.item(f"val/images/{fields[0]}"))
        val_labels.append(label_of[fields[1]])
    return build_dataset(
        out,
        source={"kind": "tiny-imagenet", "path": str(source)},
        classes=_class_table(wnids, names, is_a),
        subsets={"train": (train_items, train_labels, {}), "val": (val_items, val_labels, {})},
        size=size, shard_length=shard_length, workers=workers, progress=progress,
    )


class _RestrictedUnpickler(pickle.Unpickler):
    """Admits plain containers and numpy arrays only: any other global (os.system, eval, ...) is
    refused before it can be called, so an archive can never run code."""

    def find_class(self, module, name):
        if (module, name) in SAFE_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: only containers and numpy arrays are allowed")


def restricted_load(data, origin):
    """Unpickle ``data`` (bytes) with :class:`_RestrictedUnpickler`; ``DatasetError`` naming ``origin``."""
    try:
        return _RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError) as error:
        raise ds.DatasetError(f"{origin}: unsafe or corrupt pickle ({error})") from error


def _decode_keys(value):
    if isinstance(value, dict):
        return {key.decode("latin1") if isinstance(key, bytes) else key: item for key, item in value.items()}
    return value


def _read_cifar_file(source, name):
    """The bytes of ``cifar-100-python/<name>`` from a tar archive or a folder."""
    source = pathlib.Path(source)
    if source.is_file():
        try:
            with tarfile.open(source) as archive:
                for member in archive.getmembers():
                    if member.isfile() and pathlib.PurePosixPath(member.name).name == name:
                        return archive.extractfile(member).read()
        except (tarfile.TarError, OSError, EOFError) as error:
            raise ds.DatasetError(f"{source}: unreadable archive ({error})") from error
        raise ds.DatasetError(f"{source}: no {name} member (expected the CIFAR-100 python archive)")
    for folder in (source, source / "cifar-100-python"):
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    raise ds.DatasetError(f"{source}: no {name} file (expected the cifar-100-python folder)")


def _cifar_part(source, name):
    origin = f"{source}:{name}"
    part = _decode_keys(restricted_load(_read_cifar_file(source, name), origin))
    try:
        data = np.asarray(part["data"], dtype=np.uint8)
        fine = np.asarray(part["fine_labels"], dtype=np.int32)
        coarse = np.asarray(part["coarse_labels"], dtype=np.int32)
    except (KeyError, TypeError, ValueError) as error:
        raise ds.DatasetError(f"{origin}: not a CIFAR-100 batch ({error})") from error
    if data.ndim != 2 or data.shape[1] != 3072 or fine.shape != (len(data),) or coarse.shape != fine.shape:
        raise ds.DatasetError(f"{origin}: expected data (N, 3072) and N labels, got {data.shape}, {fine.shape}, {coarse.shape}")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # N,32,32,3 (stored as 1024 R, G, B planes)
    return images, fine, coarse


def import_cifar100(source, out, *, size=32, workers=0, shard_length=None, progress=None):
    """Import CIFAR-100 (the python version: ``cifar-100-python.tar.gz`` or its folder) into ``out``.

    Pickles are read with a restricted unpickler (plain containers and numpy arrays only). The 100
    fine classes keep CIFAR's label order; each class records its ``superclass`` and ``family``
    (:data:`CIFAR100_MAN_MADE_SUPERCLASSES` are man-made, the other 14 superclasses natural); shards
    also hold ``/coarse_labels``. ``train`` is CIFAR's training set, ``val`` its test set. Stored at
    the native 32 × 32 unless ``size`` says otherwise.

    Example: ``import_cifar100("cifar-100-python.tar.gz", "cifar100")``
    """
    meta = _decode_keys(restricted_load(_read_cifar_file(source, "meta"), f"{source}:meta"))
    try:
        fine_names = [name.decode() if isinstance(name, bytes) else str(name) for name in meta["fine_label_names"]]
        coarse_names = [name.decode() if isinstance(name, bytes) else str(name) for name in meta["coarse_label_names"]]
    except (KeyError, TypeError) as error:
        raise ds.DatasetError(f"{source}:meta: not CIFAR-100 metadata ({error})") from error
    subsets, superclass_of = {}, {}
    for subset, name in (("train", "train"), ("val", "test")):
        images, fine, coarse = _cifar_part(source, name)
        if fine.size and (fine.max() >= len(fine_names) or coarse.max() >= len(coarse_names) or min(fine.min(), coarse.min()) < 0):
            raise ds.DatasetError(f"{source}:{name}: labels outside the class tables")
        for fine_label, coarse_label in zip(fine.tolist(), coarse.tolist()):
            if superclass_of.setdefault(fine_label, coarse_label) != coarse_label:
                raise ds.DatasetError(f"{source}:{name}: class {fine_names[fine_label]} under two superclasses")
        subsets[subset] = ([ImportItem(pixels=image) for image in images], fine, {"coarse_labels": coarse})

    def family(coarse_label):
        return wordnet.MAN_MADE if coarse_names[coarse_label] in CIFAR100_MAN_MADE_SUPERCLASSES else wordnet.NATURAL

    classes = [
        {"index": index, "wnid": name, "name": name, "superclass": coarse_names[superclass_of[index]],
         "family": family(superclass_of[index])}
        for index, name in enumerate(fine_names) if index in superclass_of
    ]
    if len(classes) != len(fine_names):
        raise ds.DatasetError(f"{source}: some classes have no image")
    coarse_classes = [{"index": index, "name": name, "family": family(index)} for index, name in enumerate(coarse_names)]
    return build_dataset(
        out, source={"kind": "cifar100", "path": str(source)}, classes=classes, subsets=subsets, size=size,
        shard_length=shard_length, workers=workers, progress=progress, extra_meta={"coarse_classes": coarse_classes},
    )
