"""The official ILSVRC2012 development kit (``ILSVRC2012_devkit_t12``): class ids and validation labels.

``data/meta.mat`` holds the MATLAB struct array ``synsets``: 1860 entries with the fields
``ILSVRC2012_ID``, ``WNID``, ``words``, ``gloss``, ``num_children``, ``children``,
``wordnet_height`` and ``num_train_images``. The 1000 classes are the entries without children
(``ILSVRC2012_ID`` 1..1000), the others the inner nodes of its hierarchy.
``data/ILSVRC2012_validation_ground_truth.txt`` has one ILSVRC2012_ID per line, line i labelling
``ILSVRC2012_val_0000000i.JPEG`` (i in 8 digits). The ILSVRC2012_ID order is not the sorted-wnid
(Caffe) order labels use here: :func:`read_devkit` returns wnids, the importer numbers them.

Reading meta.mat needs SciPy, an optional dependency: ``pip install 'minitransfer[devkit]'``.

Example::

    kit = read_devkit("ILSVRC2012_devkit_t12")
    kit.validation_files[0], kit.validation_wnids[0]   # ('ILSVRC2012_val_00000001.JPEG', 'n01751748')
"""

import dataclasses
import pathlib

import numpy as np

from minitransfer.errors import MinitransferError
from . import inputs, text_files
from .dataset import DatasetError

META_FILE = "meta.mat"
DEVKIT_FOLDER = "ILSVRC2012_devkit_t12"  # what ILSVRC2012_devkit_t12.tar.gz unpacks into
GROUND_TRUTH_FILE = "ILSVRC2012_validation_ground_truth.txt"
SYNSET_FIELDS = ("ILSVRC2012_ID", "WNID", "words", "num_children")
MAX_FILE_BYTES = 64 << 20  # the real meta.mat is about 2 MB, the ground truth 200 kB


class MissingDependency(MinitransferError, RuntimeError):
    """An optional package is not installed; the message says how to install it (exit code 1)."""


@dataclasses.dataclass
class Devkit:
    """What the importer needs from the devkit: ``words`` {wnid: readable names} of the classes, and
    ``validation_files`` / ``validation_wnids``, the validation images and their classes in order."""

    meta: pathlib.Path
    ground_truth: pathlib.Path
    words: dict
    validation_files: list
    validation_wnids: list


def read_devkit(folder):
    """Read the devkit at ``folder`` (the devkit root, or its ``data`` folder); ``DatasetError``
    naming the file when something is missing or malformed, :class:`MissingDependency` without SciPy."""
    folder = pathlib.Path(folder)
    meta, ground_truth = (_find(folder, name) for name in (META_FILE, GROUND_TRUTH_FILE))
    wnid_of_id, words = read_synsets(meta)
    ids = read_ground_truth(ground_truth, wnid_of_id)
    return Devkit(meta, ground_truth, words, [f"ILSVRC2012_val_{number:08d}.JPEG" for number in range(1, len(ids) + 1)],
                  [wnid_of_id[identifier] for identifier in ids])


def _find(folder, name):
    for candidate in (folder / "data" / name, folder / name):
        if candidate.is_file():
            if candidate.stat().st_size > MAX_FILE_BYTES:
                raise DatasetError(f"{candidate}: {candidate.stat().st_size} bytes, too large for a devkit file")
            return candidate
    names = {path.name for place in (folder / "data", folder) if place.is_dir() for path in place.iterdir()}
    beside = sorted(names & {META_FILE, GROUND_TRUTH_FILE} - {name})  # this year's other file: this devkit, in part
    if beside:
        raise DatasetError(f"{folder / 'data' / name}: missing, beside {beside[0]} (an unpacking interrupted, or "
                           f"a file removed?): unpack {DEVKIT_FOLDER}.tar.gz again")
    found = sorted(name for name in names  # another year's devkit names them otherwise
                   if name.endswith(".mat") or "ground_truth" in name)
    held = f"; {folder} holds {' '.join(found[:4])}{' ...' if len(found) > 4 else ''} (another year's devkit?)" \
        if found else ""
    what_to_do = (not found and inputs.nested_copy(folder, DEVKIT_FOLDER, f"data/{name}")) or \
        f"{held}: give {DEVKIT_FOLDER}, or pass --val-labels with a '<file> <label>' list instead"
    raise DatasetError(f"{folder / 'data' / name}: missing (expected the ILSVRC2012 devkit, {DEVKIT_FOLDER}: "
                       f"data/{META_FILE} and data/{GROUND_TRUTH_FILE}){what_to_do}")


def read_synsets(path):
    """({ILSVRC2012_ID: wnid}, {wnid: words}) of the classes (entries without children) of ``meta.mat``."""
    try:
        from scipy import io as matlab_io
    except ImportError as error:
        raise MissingDependency(f"reading the devkit's {path} needs SciPy: pip install 'minitransfer[devkit]' "
                                f"(or pass --val-labels with a '<file> <label>' list instead)") from error
    try:
        synsets = np.atleast_1d(matlab_io.loadmat(path, squeeze_me=True)["synsets"])
        missing = [field for field in SYNSET_FIELDS if field not in (synsets.dtype.names or ())]
        if missing:
            raise DatasetError(f"{path}: the synsets struct lacks the field(s) {', '.join(missing)}")
        leaves = [entry for entry in synsets if int(entry["num_children"]) == 0]
        wnid_of_id = {int(entry["ILSVRC2012_ID"]): str(entry["WNID"]) for entry in leaves}
        words = {str(entry["WNID"]): str(entry["words"]) for entry in leaves}
    except DatasetError:
        raise
    except Exception as error:  # scipy's MATLAB reader fails in many ways (ValueError, zlib.error, MatReadError...)
        raise DatasetError(f"{path}: not the devkit's meta.mat ({type(error).__name__}: {error})") from error
    if not leaves or len(wnid_of_id) != len(leaves) or len(words) != len(leaves):
        raise DatasetError(f"{path}: expected classes with distinct ILSVRC2012_IDs and WNIDs, "
                           f"found {len(leaves)} classes, {len(wnid_of_id)} ids, {len(words)} wnids")
    return wnid_of_id, words


def read_ground_truth(path, wnid_of_id):
    """The ILSVRC2012_ID of each validation image, in file order, each checked against ``wnid_of_id``
    (blank lines after the last one are ignored: they shift nothing, unlike one between two)."""
    ids = []
    text = text_files.read_text(path, "validation ground truth", original="ILSVRC2012_devkit_t12.tar.gz")
    lines = text.rstrip().splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text.isdigit() or int(text) not in wnid_of_id:
            raise DatasetError(f"{path}:{number}: expected an ILSVRC2012_ID of meta.mat's {len(wnid_of_id)} classes, "
                               f"got {line!r}")
        ids.append(int(text))
    if not ids:
        raise DatasetError(f"{path}: no validation labels")
    return ids
