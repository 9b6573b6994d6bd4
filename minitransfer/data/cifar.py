"""CIFAR-10 and CIFAR-100 (the python versions) into the shard format of :mod:`minitransfer.data.shard_format`.

The archive's pickles are read with a restricted unpickler (:mod:`.restricted_pickle`: plain containers
and numpy arrays only: an archive can never run code), and everything declared is size-checked before it is
read or converted: a tar member by its header (at most :data:`~.decode.MAX_MEMBER_BYTES`), the
pickled ``data`` must already be a uint8 array (N, 3072) and the labels N integers, so a small
pickle cannot make a huge array out of repeated references; an array is rebuilt only as numpy
pickles it, empty and then filled from the bytes the pickle holds, so it cannot declare more. The two differ
only in their :class:`~.cifar_files.CifarLayout` (file names) and their class tables; an archive of the one
given to the other's importer is named as such, with the command that imports it, and so is a download of
CIFAR's binary or MATLAB version (:data:`~.cifar_files.OTHER_VERSIONS`), with the python download to get
instead (:mod:`.cifar_files`: the files, read from the archive or the folder).
"""

import numpy as np


from . import dataset as ds
from . import inputs, wordnet
from .build import build_dataset
from .cifar_files import CIFAR10, CIFAR100, read_cifar_files
from .decode import ImportItem
from .import_opening import open_import
from .restricted_pickle import restricted_load

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
# CIFAR-10's classes in its label order; the vehicles are man-made, the six animals natural.
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR10_VEHICLES = ("airplane", "automobile", "ship", "truck")
IMAGE_BYTES = 3072  # 32 x 32 x 3, stored as 1024 R, G, B planes


def _unpickled(files, name):
    """(what file ``name`` of the :class:`~.cifar_files.CifarFiles` ``files`` holds, where messages name it); its
    bytes are let go. A dict's keys must be text (bytes are decoded as latin1)."""
    origin = files.origins[name]
    return _decode_keys(restricted_load(files.contents.pop(name), origin, files.again), origin), origin


def _decode_keys(value, origin):
    if not isinstance(value, dict):
        return value
    return {_text(key, origin, "key", "latin1"): item for key, item in value.items()}


def _text(value, origin, what, encoding="utf-8"):
    """``value`` (bytes, decoded as ``encoding``, or str) as str; ``DatasetError`` naming ``origin`` for anything
    else (a number, a list: its str could be anything, its nesting is the pickle's to choose)."""
    if isinstance(value, bytes):
        return value.decode(encoding)
    if isinstance(value, str):
        return value
    raise ds.DatasetError(f"{origin}: a {what} is a {type(value).__name__}, not text: an edited or another dataset's "
                          f"file")


def _read_meta(files, layout, keys):
    """(the metadata dict of ``files`` (:class:`~.cifar_files.CifarFiles`), the lists of class names under
    ``keys``, where messages name it): UTF-8 names, those of the first key (the classes) distinct, as each is
    its class's wnid in meta.json; ``DatasetError`` naming the file otherwise."""
    meta, origin = _unpickled(files, layout.meta)
    if not isinstance(meta, dict):
        raise ds.DatasetError(f"{origin}: not {layout.title} metadata (a {type(meta).__name__}, not a dict)")
    try:
        names = [[_text(name, origin, "class name") for name in meta[key]] for key in keys]
    except UnicodeDecodeError as error:
        raise ds.DatasetError(f"{origin}: a class name is not UTF-8 ({error.object!r})") from error
    except (KeyError, TypeError) as error:
        raise ds.DatasetError(f"{origin}: not {layout.title} metadata ({error})") from error
    first = {}
    for index, name in enumerate(names[0]):
        if first.setdefault(name, index) != index:
            raise ds.DatasetError(f"{origin}: the class name {name!r} is given twice (classes {first[name]} and "
                                  f"{index})")
    return meta, names, origin


def _cifar_part(files, name, layout, label_keys):
    """(images N,32,32,3, [labels of each of ``label_keys``]) of the batch ``name`` of ``files``
    (:class:`~.cifar_files.CifarFiles`): ``label_keys`` is {key: the number of classes its labels index},
    each checked against it."""
    part, origin = _unpickled(files, name)
    if not isinstance(part, dict):
        raise ds.DatasetError(f"{origin}: not a {layout.title} batch (a {type(part).__name__}, not a dict)")
    missing = [key for key in ("data", *label_keys) if key not in part]  # was "must be ..., got a NoneType"
    if missing:
        raise ds.DatasetError(f"{origin}: the key(s) {', '.join(map(repr, missing))} missing from this {layout.title} "
                              f"batch (it holds {', '.join(map(repr, sorted(map(str, part))[:6]))}): an edited "
                              f"or another dataset's file")
    data = part["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != IMAGE_BYTES:
        raise ds.DatasetError(f"{origin}: 'data' must be a uint8 array (N, {IMAGE_BYTES}), got {_describe(data)}")
    labels = [_labels(part.get(key), len(data), classes, f"{origin}: '{key}'") for key, classes in label_keys.items()]
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # N,32,32,3
    return images, labels


def _labels(values, count, classes, origin):
    """``values`` as int32 (count,) once it is known to be ``count`` integers in 0..``classes`` - 1 (a list or a
    1-D integer array): checked before the conversion, which would wrap 2**32 + 1 to 1."""
    if isinstance(values, np.ndarray) and values.shape == (count,) and values.dtype.kind in "iu":
        inside = not values.size or (values.min() >= 0 and values.max() < classes)
    elif isinstance(values, list) and len(values) == count and all(type(value) is int for value in values):
        inside = all(0 <= value < classes for value in values)
    else:
        raise ds.DatasetError(f"{origin} must be {count} integers, got {_describe(values)}: one label per image, "
                              f"and 'data' holds {count} images (a batch cut short or edited?)")
    if not inside:
        raise ds.DatasetError(f"{origin} holds labels outside the class table (0..{classes - 1})")
    return np.asarray(values, dtype=np.int32)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def _check_every_class_seen(source, names, seen):
    """``DatasetError`` naming the classes of ``names`` whose labels are not in ``seen`` (no image has them)."""
    empty = [name for index, name in enumerate(names) if index not in seen]
    if empty:
        raise ds.DatasetError(f"{source}: {len(empty)} of its {len(names)} classes have no image: "
                              f"{', '.join(empty[:10])}{' ...' if len(empty) > 10 else ''}")


def _build(layout, source, out, classes, subsets, options, extra_meta=None):
    """:func:`.build.build_dataset` of a CIFAR import; ``options``: the importer's keyword arguments."""
    path = inputs.fs_text(str(inputs.absolute(source)))  # UTF-8 text in every locale: meta.json is the fingerprint
    return build_dataset(out, source={"kind": layout.command, "path": path}, classes=classes, subsets=subsets,
                         extra_meta=extra_meta, **options)


def import_cifar100(source, out, *, size=32, workers=0, shard_length=None, progress=None, overwrite=False):
    """Import CIFAR-100 (the python version: ``cifar-100-python.tar.gz`` or its folder) into ``out``.

    Pickles are read with a restricted unpickler (plain containers and numpy arrays only). The 100
    fine classes keep CIFAR's label order; each class records its ``superclass`` and ``family``
    (:data:`CIFAR100_MAN_MADE_SUPERCLASSES` are man-made, the other 14 superclasses natural); shards
    also hold ``/coarse_labels``. ``train`` is CIFAR's training set, ``val`` its test set. Stored at
    the native 32 × 32 unless ``size`` says otherwise. Class names must be UTF-8 and distinct (``DatasetError``).
    CIFAR-10 given here is a ``ValueError`` that names ``prepare cifar10``. ``overwrite`` and ``out``
    beside ``source``: as :func:`.imagenet.import_imagenet`.

    Example: ``import_cifar100("cifar-100-python.tar.gz", "cifar100")``
    """
    source, out = open_import("import_cifar100", source, out, size=size, workers=workers, resolved=False)
    files = read_cifar_files(source, CIFAR100)
    _, (fine_names, coarse_names), _ = _read_meta(files, CIFAR100, ("fine_label_names", "coarse_label_names"))
    subsets, superclass_of = {}, {}
    for subset, name in (("train", "train"), ("val", "test")):
        origin = files.origins[name]
        images, (fine, coarse) = _cifar_part(files, name, CIFAR100,
                                             {"fine_labels": len(fine_names), "coarse_labels": len(coarse_names)})
        for fine_label, coarse_label in zip(fine.tolist(), coarse.tolist()):
            if superclass_of.setdefault(fine_label, coarse_label) != coarse_label:
                raise ds.DatasetError(f"{origin}: class {fine_names[fine_label]} under two superclasses")
        subsets[subset] = ([ImportItem(pixels=image) for image in images], fine, {"coarse_labels": coarse})
    _check_every_class_seen(source, fine_names, superclass_of)

    def family(coarse_label):
        return wordnet.MAN_MADE if coarse_names[coarse_label] in CIFAR100_MAN_MADE_SUPERCLASSES else wordnet.NATURAL

    classes = [
        {"index": index, "wnid": name, "name": name, "superclass": coarse_names[superclass_of[index]],
         "family": family(superclass_of[index])}
        for index, name in enumerate(fine_names)
    ]
    coarse_classes = [{"index": index, "name": name, "family": family(index)}
                      for index, name in enumerate(coarse_names)]
    options = dict(size=size, workers=workers, shard_length=shard_length, progress=progress, overwrite=overwrite)
    return _build(CIFAR100, source, out, classes, subsets, options, extra_meta={"coarse_classes": coarse_classes})


def import_cifar10(source, out, *, size=32, workers=0, shard_length=None, progress=None, overwrite=False):
    """Import CIFAR-10 (the python version: ``cifar-10-python.tar.gz`` or its ``cifar-10-batches-py``
    folder) into ``out``.

    ``train`` is ``data_batch_1`` .. ``data_batch_5`` in that order, ``val`` is ``test_batch``. The
    classes are ``batches.meta``'s ``label_names`` in its label order, which must be CIFAR-10's ten
    (:data:`CIFAR10_CLASSES`, distinct, each with an image); each records its ``family``: the
    vehicles (:data:`CIFAR10_VEHICLES`) man-made, the six animals natural, so the natural split's
    half A is the animals and half B the vehicles. Each batch must hold ``num_cases_per_batch``
    images and ``num_vis`` must be 3072 where the metadata gives them (``DatasetError`` otherwise,
    as for CIFAR-100). CIFAR-100 given here is a ``ValueError`` that names ``prepare cifar100``.
    Stored at the native 32 × 32 unless ``size`` says otherwise; ``overwrite`` and ``out`` beside
    ``source``: as :func:`.imagenet.import_imagenet`.

    Example: ``import_cifar10("cifar-10-python.tar.gz", "cifar10")``
    """
    source, out = open_import("import_cifar10", source, out, size=size, workers=workers, resolved=False)
    files = read_cifar_files(source, CIFAR10)
    meta, (names,), origin = _read_meta(files, CIFAR10, ("label_names",))
    _check_cifar10_meta(meta, names, origin)
    subsets, seen = {}, set()
    for subset, batches in (("train", CIFAR10.train), ("val", (CIFAR10.test,))):
        items, labels = [], []
        for batch in batches:
            batch_origin = files.origins[batch]
            images, (batch_labels,) = _cifar_part(files, batch, CIFAR10, {"labels": len(names)})
            if meta.get("num_cases_per_batch", len(images)) != len(images):
                raise ds.DatasetError(f"{batch_origin}: {len(images)} images, but {CIFAR10.meta} says a batch holds "
                                      f"{meta['num_cases_per_batch']} (a batch cut short or replaced?)")
            items += [ImportItem(pixels=image) for image in images]
            labels.append(batch_labels)
        subsets[subset] = (items, np.concatenate(labels), {})
        seen.update(subsets[subset][1].tolist())
    _check_every_class_seen(source, names, seen)
    classes = [{"index": index, "wnid": name, "name": name,
                "family": wordnet.MAN_MADE if name in CIFAR10_VEHICLES else wordnet.NATURAL}
               for index, name in enumerate(names)]
    options = dict(size=size, workers=workers, shard_length=shard_length, progress=progress, overwrite=overwrite)
    return _build(CIFAR10, source, out, classes, subsets, options)


def _check_cifar10_meta(meta, names, origin):
    """``DatasetError`` unless ``names`` are CIFAR-10's ten classes (in any order: the labels follow
    them) and the declared ``num_vis`` and ``num_cases_per_batch`` are what the batches can hold."""
    unknown = [name for name in names if name not in CIFAR10_CLASSES]
    absent = [name for name in CIFAR10_CLASSES if name not in names]
    if unknown or absent:
        found = "; ".join(part for part in (f"unknown {', '.join(map(repr, unknown))}" if unknown else "",
                                            f"missing {', '.join(absent)}" if absent else "") if part)
        raise ds.DatasetError(f"{origin}: 'label_names' must be CIFAR-10's ten classes ({', '.join(CIFAR10_CLASSES)}), "
                              f"each of which is an animal or a vehicle for the natural split: {found}")
    if meta.get("num_vis", IMAGE_BYTES) != IMAGE_BYTES:
        raise ds.DatasetError(f"{origin}: 'num_vis' is {meta['num_vis']!r}, not the {IMAGE_BYTES} values of a "
                              f"32 x 32 colour image")
    per_batch = meta.get("num_cases_per_batch")
    if per_batch is not None and (type(per_batch) is not int or per_batch < 1):
        raise ds.DatasetError(f"{origin}: 'num_cases_per_batch' must be a positive integer, got {per_batch!r}")
