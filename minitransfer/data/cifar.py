"""CIFAR-100 (the python version) into the shard format of :mod:`minitransfer.data.dataset`.

The archive's pickles are read with a restricted unpickler (plain containers and numpy arrays
only: an archive can never run code), and everything declared is size-checked before it is
read or converted: a tar member by its header (at most :data:`~.decode.MAX_MEMBER_BYTES`), the
pickled ``data`` must already be a uint8 array (N, 3072) and the labels N integers, so a small
pickle cannot make a huge array out of repeated references.
"""

import io
import pathlib
import pickle
import tarfile

import numpy as np

from . import archives
from . import dataset as ds
from . import inputs, wordnet
from .build import build_dataset
from .decode import MAX_MEMBER_BYTES, ImportItem

# numpy (1.x and 2.x module names) and the str→bytes helper protocol-2 pickles use; nothing else
SAFE_PICKLE_GLOBALS = frozenset({
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
})
# CIFAR-100's 20 superclasses: the six whose classes are made by people are man-made, the rest
# (animals, plants, people, landscapes) natural: 30 man-made and 70 natural classes.
CIFAR100_MAN_MADE_SUPERCLASSES = (
    "food_containers",
    "household_electrical_devices",
    "household_furniture",
    "large_man-made_outdoor_things",
    "vehicles_1",
    "vehicles_2",
)
CIFAR_FILES = ("meta", "train", "test")
IMAGE_BYTES = 3072  # 32 x 32 x 3, stored as 1024 R, G, B planes


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


def _read_cifar_files(source):
    """{name: bytes} of ``cifar-100-python/`` meta, train and test, from a tar archive (gzip, bz2, xz
    or none) or a folder, each refused from its declared size (the tar header, the file's size)
    before it is read when above MAX_MEMBER_BYTES."""
    source = pathlib.Path(source)
    if source.is_file():
        files = _read_archive(source)
        missing = "member (expected the CIFAR-100 python archive)"
    else:
        files = _read_folder(source)
        missing = "file (expected the cifar-100-python folder)"
    for name in CIFAR_FILES:
        if name not in files:
            raise ds.DatasetError(f"{source}: no {name} {missing}")
    return files


def _read_archive(source):
    """One pass through the archive, to the end of its compressed stream: gzip and bz2 check their
    CRC only there, and damage in the data already read would pass unnoticed otherwise."""
    files = {}
    with archives.reading_archive(source), tarfile.open(source) as archive:
        for member in archive:
            name = pathlib.PurePosixPath(member.name).name
            if member.isfile() and name in CIFAR_FILES and name not in files:
                _check_size(f"{source}:{member.name}", member.size)
                with archives.reading_archive(f"{source}:{member.name}"):
                    files[name] = archive.extractfile(member).read()
        while archive.fileobj.read(1 << 20):
            pass
    return files


def _read_folder(source):
    files = {}
    for folder in (source, source / "cifar-100-python"):
        for name in CIFAR_FILES:
            if name not in files and (folder / name).is_file():
                _check_size(folder / name, (folder / name).stat().st_size)
                files[name] = (folder / name).read_bytes()
    return files


def _check_size(origin, size):
    if size > MAX_MEMBER_BYTES:
        raise ds.DatasetError(f"{origin}: {size} bytes, more than the {MAX_MEMBER_BYTES} a CIFAR-100 file may have "
                              f"(the training set is 155 MB)")


def _cifar_part(data, origin, fine_classes, coarse_classes):
    """(images N,32,32,3, fine labels, coarse labels) of a batch, each label checked against its class table."""
    part = _decode_keys(restricted_load(data, origin))
    if not isinstance(part, dict):
        raise ds.DatasetError(f"{origin}: not a CIFAR-100 batch (a {type(part).__name__}, not a dict)")
    data = part.get("data")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != IMAGE_BYTES:
        raise ds.DatasetError(f"{origin}: 'data' must be a uint8 array (N, {IMAGE_BYTES}), got {_describe(data)}")
    fine, coarse = (_labels(part.get(key), len(data), classes, f"{origin}: '{key}'")
                    for key, classes in (("fine_labels", fine_classes), ("coarse_labels", coarse_classes)))
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # N,32,32,3
    return images, fine, coarse


def _labels(values, count, classes, origin):
    """``values`` as int32 (count,) once it is known to be ``count`` integers in 0..``classes`` - 1 (a list or a
    1-D integer array): checked before the conversion, which would wrap 2**32 + 1 to 1."""
    if isinstance(values, np.ndarray) and values.shape == (count,) and values.dtype.kind in "iu":
        inside = not values.size or (values.min() >= 0 and values.max() < classes)
    elif isinstance(values, list) and len(values) == count and all(type(value) is int for value in values):
        inside = all(0 <= value < classes for value in values)
    else:
        raise ds.DatasetError(f"{origin} must be {count} integers, got {_describe(values)}")
    if not inside:
        raise ds.DatasetError(f"{origin} holds labels outside the class table (0..{classes - 1})")
    return np.asarray(values, dtype=np.int32)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def import_cifar100(source, out, *, size=32, workers=0, shard_length=None, progress=None, overwrite=False):
    """Import CIFAR-100 (the python version: ``cifar-100-python.tar.gz`` or its folder) into ``out``.

    Pickles are read with a restricted unpickler (plain containers and numpy arrays only). The 100
    fine classes keep CIFAR's label order; each class records its ``superclass`` and ``family``
    (:data:`CIFAR100_MAN_MADE_SUPERCLASSES` are man-made, the other 14 superclasses natural); shards
    also hold ``/coarse_labels``. ``train`` is CIFAR's training set, ``val`` its test set. Stored at
    the native 32 × 32 unless ``size`` says otherwise. Class names must be UTF-8 and distinct (``DatasetError``).
    ``overwrite`` and ``out`` beside ``source``: as :func:`.importers.import_imagenet`.

    Example: ``import_cifar100("cifar-100-python.tar.gz", "cifar100")``
    """
    inputs.check_apart(source, out)
    files = _read_cifar_files(source)
    meta = _decode_keys(restricted_load(files["meta"], f"{source}:meta"))
    if not isinstance(meta, dict):
        raise ds.DatasetError(f"{source}:meta: not CIFAR-100 metadata (a {type(meta).__name__}, not a dict)")
    try:
        fine_names = [name.decode() if isinstance(name, bytes) else str(name) for name in meta["fine_label_names"]]
        coarse_names = [name.decode() if isinstance(name, bytes) else str(name) for name in meta["coarse_label_names"]]
    except UnicodeDecodeError as error:
        raise ds.DatasetError(f"{source}:meta: a class name is not UTF-8 ({error.object!r})") from error
    except (KeyError, TypeError) as error:
        raise ds.DatasetError(f"{source}:meta: not CIFAR-100 metadata ({error})") from error
    first = {}
    for index, name in enumerate(fine_names):  # a class's name is its wnid in meta.json, which must be distinct
        if first.setdefault(name, index) != index:
            raise ds.DatasetError(f"{source}:meta: the class name {name!r} is given twice (classes {first[name]} and "
                                  f"{index})")
    subsets, superclass_of = {}, {}
    for subset, name in (("train", "train"), ("val", "test")):
        images, fine, coarse = _cifar_part(files[name], f"{source}:{name}", len(fine_names), len(coarse_names))
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
        empty = [name for index, name in enumerate(fine_names) if index not in superclass_of]
        raise ds.DatasetError(f"{source}: {len(empty)} of its {len(fine_names)} classes have no image: "
                              f"{', '.join(empty[:10])}{' ...' if len(empty) > 10 else ''}")
    coarse_classes = [{"index": index, "name": name, "family": family(index)} for index, name in enumerate(coarse_names)]
    return build_dataset(
        out, source={"kind": "cifar100", "path": str(source)}, classes=classes, subsets=subsets, size=size,
        shard_length=shard_length, workers=workers, progress=progress, extra_meta={"coarse_classes": coarse_classes},
        overwrite=overwrite,
    )
