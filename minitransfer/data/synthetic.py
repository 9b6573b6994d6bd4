"""A procedurally generated image-classification set whose generality is known by construction.

Why it exists: the paper's measurement (Yosinski et al. 2014, §2) asks how general the features
of each layer are. On natural images nobody knows the answer in advance; here the generator
decides it, so a run of the whole experiment can be checked against a ground truth in minutes on
a laptop CPU. Accuracy figures on it say nothing about ImageNet.

What an image is (14 × 14 pixels by default; every length below scales with ``size``):

- **Primitives, shared by every class.** Colour blobs in four saturated colours (red, green,
  blue, yellow) with edges at all orientations, on a noisy grey background with a random
  brightness gradient. Every class of both families is drawn from the same colours and the same
  kinds of edges, so first-layer features (colour and edge detectors) serve every class.
- **Motifs, built from the primitives.** A motif is a coloured shape: one of the four colours
  times one of four shapes, ``disc``, ``ring``, ``bar`` (horizontal) and ``plus``, radius
  2.6–3.6 px, with a random shade. Telling a disc from a ring, or a bar from a plus, takes a
  mid-level feature: the hole or the vertical arm spans several pixels.
- **Two families with disjoint motif vocabularies.** *Natural* motifs are round (disc, ring),
  *man-made* motifs are straight (bar, plus): the two families share every colour and edge but not
  a single motif. A network trained on one family never needs the other family's shape
  distinction.
- **Two families, two kinds of light.** The families' backgrounds differ in tint, bluish for
  man-made and yellowish for natural (±0.1–0.2 on the colour channels), as photographs of the two
  kinds differ in colour statistics. Both halves of a random split see both tints; each half of
  the natural / man-made split sees only its own, so its features meet a colour distribution they
  never saw when transferred across the families — a dissimilarity that starts at the first layer.
- **Classes, compositions of motifs.** A class is an unordered pair of motifs of one family
  (:data:`CLASS_MOTIFS`; the two objects sit in opposite corners, which corner at random). Each
  family has 10 classes over its 8 motifs, every motif in 2 or 3 classes, and no two classes of a
  family differ only by swapping the colours of their shapes. A random half of the 20 classes
  therefore holds about five classes of each family and shares most motifs with the other half,
  while the natural / man-made split shares none.
- **Every distinction learnable.** Where two classes of a family have the same colours and differ
  only in the shapes of their motifs (a mid-level distinction), one of the changed motifs stands out
  from the family's background: at every shade more than 0.7 from the tinted mid-grey in RGB,
  which only red does on the man-made tint (0.77) and only blue on the natural one (0.74). With the
  demo's 780 iterations, blue bar + yellow plus against blue plus + yellow plus (blue 0.30 from the
  man-made tint; generator version 3) was never learnt: the 50 bases of demo seeds 0-20 whose half
  held both scored 0.83-0.91, the other 160 a median of 0.98. Green disc + yellow ring against
  green ring + yellow ring (green 0.55 from the natural tint; version 4) was confused by some
  networks (the 12 bases whose half held both: 0.86-0.97, 4 below 0.93) and cost demo seed 20 its
  layer-1 claim. A trial that made the ring red (0.58) paired red and yellow rings against red and
  yellow discs, which 5 of the same 12 bases confused. With version 5's classes those 12 halves'
  bases score 0.94-1.00 (mean 0.975, against 0.934 with version 4's).

The ground truth this gives, and what the ``micro`` preset measured on it with the demo's recipe
(issue 12; 780 iterations, three networks per point, demo seeds 0 and 3; each figure the mean over
the three splits or replicates of a seed): copying layer 1 from the other random half costs about
nothing (A1B against its own base: +0.1 and -1.0 points); the top layers are specific (with fc7
copied and frozen, the other half's features do worse than the target half's own: 14.0 and 10.2
points); the other family's features transfer much worse than a random half's (at n = 7, 37.3 and
37.7 points lost against 14.0 and 10.1); random frozen layers lose 61-83 points at n = 7 (demo
seeds 0-19, against bases on all 20 classes trained for as many epochs as a half's). The hole of a
ring and the arm of a plus are one- or two-pixel features and the tint differs, so even conv1 is
not quite general across the families (copied across them it costs up to 7 points in one network).
With 45 training images per class the bases reach 89-100 % and fine-tuning from the other half
(AnB+) ends about a point above them on average (+0.9 and +0.8 points on seeds 0 and 3, +0.8 over
demo seeds 0-19). With 15 per class (generator version 3) one network's metric moved by 2-3 points
from seed to seed on a hard half, more than the 2-point questions the demo asks (A1B against its
base: s.d. 2.5 points over six splits, 1.5 with 30 per class). A half's bases settle within the 780
iterations; the bases on all 20 classes (twice the images) train for twice the iterations, as many
epochs (:mod:`minitransfer.demo` gives the measurements).

Determinism: the images are a function of (seed, class, subset, image count, size) only; the same
parameters give the same bytes. :data:`GENERATOR_VERSION` is part of the built-in set's cache
name, so a cache built by an earlier generator is never reused.
"""

import contextlib
import errno
import hashlib
import os
import pathlib
import shutil

import numpy as np

from minitransfer import dead_ends, disk_space, fileio

from . import dataset as ds
from . import import_writes
from . import integrity
from . import shard_format
from . import wordnet
from .schema import ImportUsageError

GENERATOR_VERSION = 5
BUILTIN_PARAMETERS = {"classes": 20, "train_per_class": 45, "val_per_class": 50, "size": 14, "seed": 0}

COLOURS = {"red": (0.92, 0.12, 0.10), "green": (0.10, 0.72, 0.15), "blue": (0.15, 0.30, 0.95),
           "yellow": (0.95, 0.85, 0.10)}
# Background tint added per family (RGB, in 0..1 units).
FAMILY_TINT = {wordnet.MAN_MADE: (-0.16, -0.06, 0.20), wordnet.NATURAL: (0.12, 0.12, -0.20)}
# The classes, in index order: man-made (even index) and natural (odd) alternate. Each is a pair of
# (colour, shape) motifs of its family.
CLASS_MOTIFS = (
    (("red", "bar"), ("yellow", "bar")), (("green", "disc"), ("blue", "disc")),
    (("green", "bar"), ("green", "plus")), (("green", "ring"), ("blue", "ring")),
    (("red", "bar"), ("blue", "plus")), (("green", "disc"), ("yellow", "ring")),
    (("red", "plus"), ("blue", "plus")), (("red", "ring"), ("yellow", "ring")),
    (("red", "plus"), ("green", "bar")), (("red", "ring"), ("blue", "ring")),
    (("red", "plus"), ("yellow", "plus")), (("blue", "disc"), ("red", "disc")),
    (("yellow", "bar"), ("yellow", "plus")), (("blue", "ring"), ("yellow", "disc")),
    (("blue", "bar"), ("yellow", "bar")), (("red", "disc"), ("red", "ring")),
    (("green", "plus"), ("yellow", "plus")), (("blue", "disc"), ("yellow", "disc")),
    (("green", "plus"), ("blue", "bar")), (("green", "disc"), ("green", "ring")),
)
REFERENCE_SIZE = 14  # the lengths below are in pixels of a 14-pixel image
RADIUS = (2.6, 3.6)
CORNER = 0.3  # object centres at 30 % / 70 % of the image side
JITTER = 1.3
BACKGROUND_NOISE, PIXEL_NOISE, GRADIENT, SHADE, COLOUR_JITTER = 0.06, 0.07, 0.15, (0.6, 1.0), 0.08
SUBSET_SALT = {"train": 1, "val": 2}


def family_of(label):
    """The family of class ``label``: man-made for even indices, natural for odd ones."""
    return wordnet.MAN_MADE if label % 2 == 0 else wordnet.NATURAL


def class_table(classes):
    """The class table of a synthetic set: the first ``classes`` of :data:`CLASS_MOTIFS` (even, so
    that both families have as many classes), with their family."""
    if classes < 2 or classes % 2 or classes > len(CLASS_MOTIFS):
        raise ImportUsageError(f"synthetic: classes must be even, 2..{len(CLASS_MOTIFS)}, got {classes}")
    return [{"index": index, "wnid": f"synthetic-{index:03d}", "family": family_of(index),
             "name": " + ".join(f"{colour} {shape}" for colour, shape in CLASS_MOTIFS[index])}
            for index in range(classes)]


def shape_coverage(shape, dy, dx, radius):
    """Anti-aliased coverage in 0..1 of ``shape`` centred at offset 0, at pixel offsets (dy, dx)
    (arrays broadcasting against ``radius``): 0.5 minus the signed distance to the outline, clipped.
    ``bar`` is horizontal."""
    if shape == "disc":
        distance = np.hypot(dy, dx) - radius
    elif shape == "ring":
        distance = np.abs(np.hypot(dy, dx) - 0.78 * radius) - 0.27 * radius
    elif shape == "bar":
        distance = np.maximum(np.abs(dy) - 0.4 * radius, np.abs(dx) - radius)
    elif shape == "plus":
        distance = np.minimum(np.maximum(np.abs(dy) - radius, np.abs(dx) - 0.4 * radius),
                              np.maximum(np.abs(dx) - radius, np.abs(dy) - 0.4 * radius))
    else:
        raise ValueError(f"synthetic: unknown shape {shape!r}")
    return np.clip(0.5 - distance, 0, 1)


def _background(rng, count, size, family):
    """Grey background with a per-image shade, the family's tint and a linear gradient: N,S,S,3."""
    grid_y, grid_x = np.mgrid[0:size, 0:size].astype(np.float64)
    base = rng.uniform(0.3, 0.7, size=(count, 1, 1, 1)) + rng.normal(0, BACKGROUND_NOISE, size=(count, 1, 1, 3))
    base = base + np.array(FAMILY_TINT[family])
    gradient = rng.normal(0, GRADIENT, size=(count, 2))
    ramp = gradient[:, 0, None, None] * (grid_x / size - 0.5) + gradient[:, 1, None, None] * (grid_y / size - 0.5)
    return base + ramp[..., None]


def _corners(rng, count, size):
    """Centres (N, 2) of the two objects: opposite corners of the image, in random order."""
    near, far = size * CORNER, size * (1 - CORNER)
    diagonal = rng.random(count) < 0.5
    first = np.stack([np.full(count, near), np.where(diagonal, near, far)], 1)
    second = np.stack([np.full(count, far), np.where(diagonal, far, near)], 1)
    swap = (rng.random(count) < 0.5)[:, None]
    return np.where(swap, second, first), np.where(swap, first, second)


def render_class(label, count, size, seed, subset):
    """``count`` uint8 images (count, size, size, 3) of class ``label``; a pure function of its arguments."""
    rng = np.random.default_rng([seed, label, SUBSET_SALT[subset]])
    scale = size / REFERENCE_SIZE
    image = _background(rng, count, size, family_of(label))
    pixel_y, pixel_x = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    for centre, (colour, shape) in zip(_corners(rng, count, size), CLASS_MOTIFS[label]):
        centre = centre + rng.uniform(-JITTER * scale, JITTER * scale, (count, 2))
        radius = rng.uniform(RADIUS[0] * scale, RADIUS[1] * scale, size=count)[:, None, None]
        dy, dx = pixel_y - centre[:, 0, None, None], pixel_x - centre[:, 1, None, None]  # N,S,S
        coverage = shape_coverage(shape, dy, dx, radius)[..., None]  # N,S,S,1
        paint = (np.array(COLOURS[colour]) * rng.uniform(*SHADE, size=(count, 1))
                 + rng.normal(0, COLOUR_JITTER, (count, 3)))
        image = image * (1 - coverage) + paint[:, None, None, :] * coverage
    image = image + rng.normal(0, PIXEL_NOISE, image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def generate(classes=20, per_class=15, size=14, seed=0, subset="train"):
    """Images and labels of one subset: uint8 (classes·per_class, size, size, 3), int32 labels
    grouped by class. ``subset`` ("train"/"val") selects an independent stream."""
    class_table(classes)
    if subset not in SUBSET_SALT:
        raise ImportUsageError(f"synthetic: subset must be train or val, got {subset!r}")
    images = np.concatenate([render_class(label, per_class, size, seed, subset) for label in range(classes)])
    return images, _labels(classes, per_class)


def _labels(classes, per_class):
    """The int32 labels of a subset :func:`generate` makes, grouped by class: what a rerun of
    :func:`build_synthetic` expects its shards to hold before it generates their images."""
    return np.repeat(np.arange(classes, dtype=np.int32), per_class)


def build_synthetic(out, *, classes=20, train_per_class=15, val_per_class=30, size=14, seed=0, shard_length=None,
                    progress=None, overwrite=False):
    """Write a synthetic dataset directory ``out`` (see the module docstring); returns the :class:`Dataset`.

    ``overwrite``: replace a dataset ``out`` holds that was built with other parameters (see
    :func:`.build.build_dataset`, which also bounds ``size``). The images are generated only where something is to
    be written: a rerun that finds ``out`` prepared with these parameters says so once its shards are checked (its
    ``reproducible``), where generating them first took minutes at a large ``size``. ``out`` may start with ``~``,
    the home folder (:func:`minitransfer.home_paths.expanded`).

    Example: ``build_synthetic("synthetic-20", classes=20, size=14)``
    """
    from . import build, decode  # here, not at the top: they bring in Pillow, which only a build needs
    from .import_opening import open_import  # and multiprocessing
    classes, train_per_class, val_per_class, size, seed = (  # checked before the images are generated
        _integer(name, value, low, high) for name, value, low, high in (
            ("classes", classes, 2, len(CLASS_MOTIFS)), ("train_per_class", train_per_class, 1, None),
            ("val_per_class", val_per_class, 0, None), ("size", size, 1, build.MAX_IMAGE_SIZE),
            ("seed", seed, 0, None)))
    _, out = open_import("build_synthetic", None, out, size=size, workers=0)  # no source: OUT's checks only
    table = class_table(classes)
    counts = {"train": train_per_class, "val": val_per_class}

    def generated():  # only where something is to be written: a rerun that finds the dataset made says so at once
        subsets = {}
        for subset, per_class in counts.items():
            images, labels = generate(classes, per_class, size, seed, subset)
            subsets[subset] = ([decode.ImportItem(pixels=image) for image in images], labels, {})
        return subsets

    parameters = {"classes": classes, "train_per_class": train_per_class, "val_per_class": val_per_class,
                  "size": size, "seed": seed, "generator_version": GENERATOR_VERSION}
    return build.build_dataset(
        out, source={"kind": "synthetic", **parameters}, classes=table, subsets=generated, size=size,
        shard_length=shard_length, workers=0, progress=progress, overwrite=overwrite,
        reproducible={subset: _labels(classes, per_class) for subset, per_class in counts.items()},
    )


def _integer(name, value, low, high):
    """``value`` as a Python int (the JSON of meta.json takes no NumPy integer, a notebook's
    ``np.arange`` gives them), or an ImportUsageError (a ConfigError) unless it is an integer in ``low``..``high``
    (None: no upper bound)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low or \
            (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ImportUsageError(f"synthetic: {name} must be an integer {bound}, got {value!r}")
    return int(value)


def cache_dir():
    """``$MINITRANSFER_CACHE`` or ``~/.cache/minitransfer``, a leading ``~`` standing for the home
    folder (a quoted ``"~/cache"`` in a shell or a .env file is not expanded: the cache would land
    in a folder named ``~``). A ``fileio.StorageError`` where the home folder is unknown (HOME unset
    and the user not in the password database: a container's arbitrary user id)."""
    spelled = os.environ.get("MINITRANSFER_CACHE") or "~/.cache/minitransfer"
    try:
        return pathlib.Path(spelled).expanduser()
    except RuntimeError as error:
        raise fileio.StorageError(errno.ENOENT, f"the built-in benchmark cannot be cached in {spelled}: the home "
                                                f"folder is unknown (HOME is not set); set MINITRANSFER_CACHE to a "
                                                f"folder that can be written") from error


def builtin_tag():
    """The cache name's hash: of :data:`BUILTIN_PARAMETERS` and :data:`GENERATOR_VERSION`."""
    hashed = sorted({**BUILTIN_PARAMETERS, "generator_version": GENERATOR_VERSION}.items())
    return hashlib.sha256(repr(hashed).encode()).hexdigest()[:12]


def is_builtin(folder):
    """Whether the dataset folder ``folder`` (a path a run recorded, maybe gone) is the built-in set's, in any
    cache: a copy deleted or moved at will, which :func:`builtin_dataset` builds again (the same files)."""
    return pathlib.PurePath(folder).name == f"synthetic-{builtin_tag()}"


def builtin_path(root=None):
    """Where the built-in set is cached under ``root`` (default :func:`cache_dir`), built or not: a
    folder of :func:`is_builtin`'s name."""
    return (pathlib.Path(root) if root else cache_dir()) / f"synthetic-{builtin_tag()}"


def builtin_dataset(root=None):
    """The default synthetic dataset (:data:`BUILTIN_PARAMETERS`: 20 classes, 45 training and 50
    validation images each, 14 × 14, seed 0): its path.

    Built on first use under ``root`` (default :func:`cache_dir`) in a folder named after its parameters
    and the generator version; built in a temporary folder and renamed, so concurrent first uses are safe;
    an interrupted build leaves nothing (and a killed one's folder is removed by a build or a use once it
    has been idle an hour, another machine's, which its name tells, once idle a day: sooner, it may be that
    machine's build under a HOME the nodes of a cluster share). A cached copy that fails its checks
    (a disk error, an edit, a file deleted) is built again: it is only a cache, and no prepare command of
    the user's could rebuild it. A cache that cannot be written (a link to a drive not mounted, a
    read-only file system holding a damaged copy) is a ``fileio.StorageError`` naming it and
    $MINITRANSFER_CACHE, which moves it (on a full disk, with the space the set needs and the space free)."""
    path = builtin_path(root)
    root = path.parent
    if (path / shard_format.META_FILE).is_file():
        try:
            ds.open_dataset(path).check_checksums()
        except ds.DatasetError:
            _remove_damaged(path)
        else:  # no build follows to remove a killed one's staging folder; idle: not another node's, being built
            with contextlib.suppress(OSError):
                fileio.remove_stale_temporaries(root, folders=True, idle_s=integrity.STALE_S)
            return path
    elif os.path.lexists(path):  # no build leaves it without meta.json (it renames a whole one): a file deleted
        _remove_damaged(path)
    try:
        return _build_cached(root, path)
    except _CacheFull:
        raise
    except OSError as error:  # a file in the cache's place, a read-only home: a bare "[Errno 17] File exists"
        dead = dead_ends.link_leading_nowhere(root)
        if dead is not None:  # mkdir's "File exists" of a link to a drive not mounted
            raise fileio.StorageError(error.errno, (
                f"the built-in benchmark cannot be cached in {root}: {dead[0]} is a symbolic link that leads nowhere "
                f"({dead[1]}): make it lead somewhere (mount its drive, create what it names), or set "
                f"MINITRANSFER_CACHE to another folder")) from error
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _CacheFull.of(root, error) from error
        raise fileio.StorageError(error.errno, f"the built-in benchmark cannot be cached in {root} ({error}); set "
                                               f"MINITRANSFER_CACHE to a folder that can be written") from error


class _CacheFull(fileio.StorageError):
    """The built-in set does not fit in the cache ``root``: not the import's advice (the cache keeps no shard)."""

    @classmethod
    def of(cls, root, error):
        """For ``error`` (ENOSPC or EDQUOT), with the space or the inodes left in ``root``
        (:func:`minitransfer.disk_space.disk_status`): taken before the staging folder is removed, whose removal
        gives back the inodes a disk out of them lacked ("1.1 MB needed, 21.0 MB free" said it), or as the
        import's write failed (:class:`.import_writes.DiskFull`), before it removed its lock file."""
        status = getattr(error, "status", None) or disk_space.disk_status(root)
        fix = fileio.DELETE_FILES if disk_space.no_inodes_left(status) else fileio.FREE_SPACE  # no inodes: no file fits
        return cls(error.errno, f"the built-in benchmark cannot be cached in {root}: {os.strerror(error.errno)}: "
                                f"it needs {import_writes.room(_builtin_bytes(), status)}; {fix} there, or set "
                                f"MINITRANSFER_CACHE to a folder on a disk with room for it, and rerun")


def _builtin_bytes():
    """About what the built-in set takes on disk: its images (the rest, HDF5 headers, meta.json, the mean image,
    is some 3 % more)."""
    parameters = BUILTIN_PARAMETERS
    images = parameters["classes"] * (parameters["train_per_class"] + parameters["val_per_class"])
    return images * parameters["size"] ** 2 * 3


def _build_cached(root, path):
    """Build the built-in set in a temporary folder under ``root`` and rename it to ``path``."""
    root.mkdir(parents=True, exist_ok=True)
    # idle: a staging folder whose PID is not alive here may be another machine's build (a HOME shared by a
    # cluster's nodes, their first runs started at once), which losing its folder would stop
    fileio.remove_stale_temporaries(root, folders=True, idle_s=integrity.STALE_S)
    staging = fileio.temporary_path(path)  # this host's and process's: not another node's build of one PID
    try:
        # made here, not by the import's lock (which removes a folder it made when its file cannot be written):
        # on a disk out of inodes the folder keeps holding one until _CacheFull has looked
        integrity.shared_folder(staging)  # the group's to rebuild where the cache is (a lab's, mode 2775)
        build_synthetic(staging, **BUILTIN_PARAMETERS)
    except BaseException as error:
        full = _CacheFull.of(root, error) if getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT) else None
        shutil.rmtree(staging, ignore_errors=True)
        if full is not None:
            raise full from error
        raise
    try:
        os.rename(staging, path)
    except OSError:
        if not (path / shard_format.META_FILE).is_file():
            raise
        shutil.rmtree(staging)  # another process won the race: keep its copy
    return path


def _remove_damaged(path):
    """Move the damaged cache ``path`` aside, then delete it (a process reading it keeps its open files;
    a symbolic link in its place goes, not what it leads to). A ``fileio.StorageError`` where it cannot
    be moved (a read-only file system)."""
    aside = fileio.temporary_path(path.with_name(f"{path.name}.damaged"))
    try:
        os.rename(path, aside)
    except FileNotFoundError:  # another process moved it first
        return
    except OSError as error:
        raise fileio.StorageError(error.errno, f"the cached built-in benchmark {path} is damaged and cannot be "
                                               f"replaced ({error.strerror}): set MINITRANSFER_CACHE to a folder "
                                               f"that can be written, where it is built again") from error
    if aside.is_symlink() or not aside.is_dir():  # a link, or a file in the folder's place
        aside.unlink(missing_ok=True)
    else:
        shutil.rmtree(aside, ignore_errors=True)
