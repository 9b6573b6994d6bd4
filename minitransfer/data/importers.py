"""Importers: ImageNet (ILSVRC2012) and Tiny ImageNet into the shard format of
:mod:`minitransfer.data.dataset`, through :func:`~.build.build_dataset` (decoding, limits,
resuming, skipped files). CIFAR-100 is in :mod:`.cifar`, class-folder trees in :mod:`.folder`.
"""

import pathlib
import zipfile

from . import dataset as ds
from . import devkit as ilsvrc_devkit
from . import inputs, wordnet
from .build import build_dataset
from .decode import ImportItem, read_member

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


def _image_files(folder):
    """The image files directly in ``folder``, sorted; hidden ones (macOS's ._ files) are not images."""
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not inputs.hidden(path.name))


def read_class_names(path):
    """{wnid: name} from a ``wnid<whitespace>names`` file (ImageNet's words.txt or Caffe's synset_words.txt;
    UTF-8, ``DatasetError`` naming the file otherwise)."""
    names = {}
    for line in inputs.read_text(path, "class names file").splitlines():
        fields = line.strip().split(None, 1)
        if fields:
            names[fields[0]] = fields[1].strip() if len(fields) > 1 else fields[0]
    return names


def class_table(wnids, names, is_a=None):
    """The meta.json class table of ``wnids`` (in label order): names from ``names`` ({wnid: name}),
    each class's man-made / natural family from the WordNet is-a file ``is_a`` when given."""
    families = wordnet.families_from_file(wnids, is_a) if is_a else [None] * len(wnids)
    table = []
    for index, (wnid, family) in enumerate(zip(wnids, families)):
        entry = {"index": index, "wnid": wnid, "name": names.get(wnid, wnid)}
        if family:
            entry["family"] = family
        table.append(entry)
    return table


def import_imagenet(source, out, *, val_labels=None, devkit=None, words=None, is_a=None, size=256, workers=None,
                    shard_length=None, progress=None, overwrite=False):
    """Import ILSVRC2012 from ``source`` (``train/<wnid>/*.JPEG``, ``val/*.JPEG``) into ``out``.

    Class order is the sorted wnids (Caffe's order). Validation labels come from the official
    devkit folder ``devkit`` (``data/meta.mat`` and ``data/ILSVRC2012_validation_ground_truth.txt``;
    reading meta.mat needs SciPy) or from ``val_labels``, a ``<file> <label>`` list with labels in
    sorted-wnid order (Caffe's ``val.txt``). A ``val/`` folder without either is refused
    (``ValueError``) rather than dropped; without ``val/`` the dataset is train-only. ``words``: a
    ``wnid names`` file for readable names (default: the devkit's, else the wnids); ``is_a``: a
    WordNet ``parent child`` file, to record each class's man-made / natural family (the natural
    split). ``overwrite``: see :func:`.build.build_dataset`; ``out`` must not lie inside ``source``
    nor ``source`` inside ``out`` (``ValueError``).

    Example: ``import_imagenet("/data/ILSVRC2012", "imagenet-256", devkit="/data/ILSVRC2012_devkit_t12")``
    """
    source = pathlib.Path(source)
    inputs.check_apart(source, out)
    train = source / "train"
    if not train.is_dir():
        raise ds.DatasetError(f"{train}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG)")
    folders = sorted(path for path in train.iterdir() if path.is_dir() and not inputs.hidden(path.name))
    for folder in folders:
        inputs.check_class_name(folder)
    wnids = [folder.name for folder in folders]
    if not wnids:
        raise ds.DatasetError(f"{train}: no class folders")
    train_items, train_labels, without = [], [], []
    for label, wnid in enumerate(wnids):
        found = _image_files(train / wnid)
        without += [] if found else [wnid]
        for path in found:
            train_items.append(ImportItem(path=str(path)))
            train_labels.append(label)
    if without:  # named before hours of decoding, not after as a class none of whose images decoded
        listed = " ".join(without[:10]) + (" ..." if len(without) > 10 else "")
        raise ds.DatasetError(f"{train}: {len(without)} class folder(s) without an image file "
                              f"({', '.join(IMAGE_SUFFIXES)}): {listed}")
    names = {}
    if devkit is not None:
        official = ilsvrc_devkit.read_devkit(devkit)
        names = official.words
        val_files, val_label_list = _devkit_validation(official, wnids, train)
    else:
        val_files, val_label_list = _listed_validation(val_labels, wnids)
    names = read_class_names(words) if words else names
    val_items = _validation_items(source / "val", val_files, labels_given=devkit is not None or val_labels is not None)
    return build_dataset(
        out,
        source={"kind": "imagenet", "path": str(source), "val_labels": str(val_labels) if val_labels else None,
                "devkit": str(devkit) if devkit else None},
        classes=class_table(wnids, names, is_a),
        subsets={"train": (train_items, train_labels, {}), "val": (val_items, val_label_list, {})},
        size=size, shard_length=shard_length, workers=workers, progress=progress, overwrite=overwrite,
    )


def _devkit_validation(official, wnids, train):
    """(file names, labels) of the validation images from the devkit's ground truth."""
    label_of = {wnid: label for label, wnid in enumerate(wnids)}
    unknown = sorted(set(official.validation_wnids) - set(label_of))
    if unknown:
        raise ds.DatasetError(f"{official.ground_truth}: validation classes with no folder in {train}: "
                              f"{' '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}")
    return official.validation_files, [label_of[wnid] for wnid in official.validation_wnids]


def _listed_validation(val_labels, wnids):
    """(file names, labels) from a ``<file> <label>`` list (empty without one)."""
    files, labels = [], []
    if val_labels is None:
        return files, labels
    for number, line in enumerate(inputs.read_text(val_labels, "validation label list").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[1].lstrip("-").isdigit() or not 0 <= int(fields[1]) < len(wnids):
            raise ds.DatasetError(f"{val_labels}:{number}: expected '<file> <label in 0..{len(wnids) - 1}>', got {line!r}")
        files.append(fields[0])
        labels.append(int(fields[1]))
    return files, labels


def _validation_items(val, files, labels_given):
    """Items for ``val/<file>``; refuses a val/ folder that would be dropped or cannot be labelled."""
    if not val.is_dir():
        if labels_given:
            raise ds.DatasetError(f"{val}: missing (the labelled validation images should be there)")
        return []
    shown = [path for path in val.iterdir() if not inputs.hidden(path.name)]
    if any(path.is_dir() for path in shown):
        raise ValueError(f"{val} holds class folders: import this tree with 'minitransfer prepare folder' "
                         f"(class order is the sorted folder names there too)")
    if not labels_given:
        count = sum(1 for path in shown if path.is_file())
        raise ValueError(f"{val} holds {count} files but no labels were given: pass --devkit DIR (the official "
                         f"ILSVRC2012 devkit folder) or --val-labels FILE, or move val/ away for a train-only dataset")
    return [ImportItem(path=str(val / name)) for name in files]


class _TinyImageNetSource:
    """The tiny-imagenet-200 tree, in a folder or a zip: lists files, reads text, makes items."""

    def __init__(self, source):
        self.source = pathlib.Path(source)
        if self.source.is_file():
            try:
                self.archive = zipfile.ZipFile(self.source)
            except (zipfile.BadZipFile, OSError) as error:
                raise ds.DatasetError(f"{self.source}: not a readable zip archive ({error})") from error
            names = self.archive.namelist()
            roots = [name[: -len("wnids.txt")] for name in names  # not __MACOSX/._wnids.txt, which macOS adds
                     if pathlib.PurePosixPath(name).name == "wnids.txt"
                     and not any(inputs.hidden(part) for part in pathlib.PurePosixPath(name).parts)]
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
                return read_member(self.archive, self.root + name).decode("utf-8-sig")
            except KeyError as error:
                if required:
                    raise ds.DatasetError(f"{self.source}: missing {name}") from error
                return ""
            except ds.DatasetError:
                raise  # damaged, encrypted, ...: named already
            except ValueError as error:  # too large, not UTF-8
                raise ds.DatasetError(f"{self.source}: {name}: {error}") from error
        path = self.root / name
        if path.is_file():
            return inputs.read_text(path, name)
        if required:
            raise ds.DatasetError(f"{path}: missing")
        return ""

    def images(self, folder):
        """Relative names of the image files directly in ``folder`` (sorted)."""
        if self.archive:
            prefix = folder.rstrip("/") + "/"
            return sorted(name for name in self.files if name.startswith(prefix) and "/" not in name[len(prefix):]
                          and pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES
                          and not inputs.hidden(pathlib.PurePath(name).name))
        path = self.root / folder
        return [f"{folder}/{file.name}" for file in _image_files(path)] if path.is_dir() else []

    def item(self, name):
        if self.archive:
            return ImportItem(path=str(self.source), member=self.root + name)
        return ImportItem(path=str(self.root / name))


def import_tiny_imagenet(source, out, *, is_a=None, size=256, workers=None, shard_length=None, progress=None,
                         overwrite=False):
    """Import Tiny ImageNet (the ``tiny-imagenet-200`` zip or folder) into ``out``.

    Classes are the sorted wnids of ``wnids.txt`` with names from ``words.txt``; training images
    from ``train/<wnid>/images/``, validation images labelled by ``val/val_annotations.txt`` (the
    unlabelled test set is not imported). Images are 64 × 64, grayscale ones converted to RGB;
    ``size`` 256 (default) warps them like ImageNet, ``size=64`` keeps them native. ``overwrite``
    and ``out`` beside ``source``: as :func:`import_imagenet`.

    Example: ``import_tiny_imagenet("tiny-imagenet-200.zip", "tiny-64", size=64)``
    """
    inputs.check_apart(source, out)
    tree = _TinyImageNetSource(source)
    wnids = sorted(set(tree.text("wnids.txt").split()))
    label_of = {wnid: label for label, wnid in enumerate(wnids)}
    names = {}
    for line in tree.text("words.txt", required=False).splitlines():
        fields = line.split("\t", 1)
        if len(fields) == 2 and fields[0] in label_of:
            names[fields[0]] = fields[1].strip()
    train_items, train_labels, without = [], [], []
    for wnid in wnids:
        found = tree.images(f"train/{wnid}/images")
        without += [] if found else [wnid]
        for name in found:
            train_items.append(tree.item(name))
            train_labels.append(label_of[wnid])
    if without:
        raise ds.DatasetError(f"{source}: wnids.txt lists {len(without)} class(es) without an image in "
                              f"train/<wnid>/images/: {' '.join(without[:10])}{' ...' if len(without) > 10 else ''}")
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
        classes=class_table(wnids, names, is_a),
        subsets={"train": (train_items, train_labels, {}), "val": (val_items, val_labels, {})},
        size=size, shard_length=shard_length, workers=workers, progress=progress, overwrite=overwrite,
    )


