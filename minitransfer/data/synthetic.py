"""A procedurally generated image-classification set, for demos and tests.

What it is: each class is a shape drawn at a random position, scale and rotation on a random
noisy, shaded background, filled with a class colour (jittered per image) and a texture. The
classes come in two families built from the same low-level ingredients (oriented edges, colour
blobs, periodic textures), so that early features are shared and late ones are family-specific:

- **man-made** (straight-edged): regular polygons, bars and frames with hard edges and straight
  square-wave stripes;
- **natural** (organic): discs, ellipses, lobed "flowers", rings with soft edges and smooth
  concentric ripple textures.

Random halves mix both families (similar tasks); the family split separates them (dissimilar
tasks), the synthetic analogue of the paper's man-made / natural split.

What it is not: natural images. Accuracy figures on it say nothing about ImageNet; it exists so
the whole pipeline (import, splits, training, transfer) runs in seconds on a laptop CPU. The
images are a deterministic function of (seed, class, image number, size): the same parameters
always give the same bytes.
"""

import hashlib
import os
import pathlib

import numpy as np

from . import dataset as ds
from . import importers
from . import wordnet

BUILTIN_PARAMETERS = {"classes": 20, "train_per_class": 300, "val_per_class": 50, "size": 36, "seed": 0}

# (name, sides or lobes, aspect, hole): man-made shapes are polygons with `sides` straight edges,
# natural ones closed curves r(θ) = R·(1 + 0.3·sin(lobes·θ)); `hole` cuts out the inner half.
MAN_MADE_SHAPES = (
    ("triangle", 3, 1.0, False), ("square", 4, 1.0, False), ("pentagon", 5, 1.0, False),
    ("hexagon", 6, 1.0, False), ("octagon", 8, 1.0, False), ("bar", 4, 0.4, False),
    ("wedge", 3, 0.5, False), ("square frame", 4, 1.0, True), ("triangle frame", 3, 1.0, True),
    ("slab", 6, 0.5, False),
)
NATURAL_SHAPES = (
    ("disc", 0, 1.0, False), ("ellipse", 0, 0.5, False), ("trefoil", 3, 1.0, False),
    ("quatrefoil", 4, 1.0, False), ("flower", 5, 1.0, False), ("daisy", 7, 1.0, False),
    ("ring", 0, 1.0, True), ("flower ring", 5, 1.0, True), ("seed", 3, 0.6, False), ("bean", 2, 1.0, False),
)


def class_table(classes):
    """The class table of a synthetic set: classes alternate man-made / natural (half each)."""
    if classes < 2 or classes % 2 or classes // 2 > len(MAN_MADE_SHAPES):
        raise ValueError(f"synthetic: classes must be even, 2..{2 * len(MAN_MADE_SHAPES)}, got {classes}")
    table = []
    for index in range(classes):
        family = wordnet.MAN_MADE if index % 2 == 0 else wordnet.NATURAL
        shapes = MAN_MADE_SHAPES if family == wordnet.MAN_MADE else NATURAL_SHAPES
        name = shapes[index // 2][0]
        table.append({"index": index, "wnid": f"synthetic-{index:03d}", "name": name, "family": family})
    return table


def _class_colours(classes, seed):
    """A saturated colour per class, float (C, 3) in 0..1. Classes 2k (man-made) and 2k+1
    (natural) share a hue, so colour never tells the families apart (hues spread evenly, then
    shuffled by the seed)."""
    pairs = classes // 2
    rng = np.random.default_rng([seed, 0x5EED])
    hues = (np.arange(pairs) + rng.uniform(0, 1)) / pairs
    hues = np.repeat(hues[rng.permutation(pairs)], 2)                     # C
    phase = 2 * np.pi * (hues[:, None] - np.array([0.0, 1 / 3, 2 / 3]))  # C,3
    return 0.5 + 0.45 * np.cos(phase)


def render_class(label, count, size, seed, subset_salt, colour):
    """``count`` uint8 (count, size, size, 3) images of class ``label``; deterministic."""
    rng = np.random.default_rng([seed, label, subset_salt])
    man_made = label % 2 == 0
    name, order, aspect, hole = (MAN_MADE_SHAPES if man_made else NATURAL_SHAPES)[label // 2]
    coords = (np.arange(size) + 0.5) / size * 2 - 1                      # size
    y, x = coords[None, :, None], coords[None, None, :]                  # 1,S,1 and 1,1,S
    centre = rng.uniform(-0.25, 0.25, size=(count, 2, 1, 1))
    angle = rng.uniform(0, 2 * np.pi, size=(count, 1, 1))
    radius = rng.uniform(0.42, 0.7, size=(count, 1, 1))
    u = (x - centre[:, 0]) * np.cos(angle) + (y - centre[:, 1]) * np.sin(angle)      # N,S,S
    v = (-(x - centre[:, 0]) * np.sin(angle) + (y - centre[:, 1]) * np.cos(angle)) / aspect
    if man_made:
        normals = 2 * np.pi * np.arange(order) / order
        extent = np.max([u * np.cos(t) + v * np.sin(t) for t in normals], axis=0) / np.cos(np.pi / order)
        edge = 1.0 / size                                                # hard, one-pixel edges
    else:
        theta = np.arctan2(v, u)
        extent = np.hypot(u, v) / (1 + 0.3 * np.sin(order * theta)) if order else np.hypot(u, v)
        edge = 4.0 / size                                                # soft edges
    inside = 1 / (1 + np.exp(np.clip((extent - radius) / edge, -50, 50)))
    if hole:
        inside *= 1 / (1 + np.exp(np.clip((0.5 * radius - extent) / edge, -50, 50)))
    frequency = rng.uniform(5, 9, size=(count, 1, 1))
    if man_made:
        texture = np.sign(np.sin(frequency * u * np.pi)) * 0.5 + 0.5     # straight stripes
    else:
        texture = np.sin(frequency * np.pi * extent / np.maximum(radius, 1e-3)) * 0.5 + 0.5  # ripples
    fill = colour[None, None, None, :] + rng.normal(0, 0.08, size=(count, 1, 1, 3))
    fill = fill * (0.65 + 0.35 * texture[..., None])                      # N,S,S,3
    background = rng.uniform(0.15, 0.85, size=(count, 1, 1, 3)) * 0.6 + 0.2
    gradient = rng.normal(0, 0.15, size=(count, 1, 1, 2))
    shade = gradient[..., 0:1] * x[..., None] + gradient[..., 1:2] * y[..., None]
    image = background + shade
    image = image + (fill - image) * inside[..., None]
    image = image + rng.normal(0, 0.04, size=image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def generate(classes=20, per_class=300, size=36, seed=0, subset="train"):
    """Images and labels of one subset: uint8 (classes·per_class, size, size, 3), int32 labels
    grouped by class. ``subset`` ("train"/"val") selects an independent stream."""
    colours = _class_colours(classes, seed)
    salt = {"train": 1, "val": 2}[subset]
    images = np.concatenate([render_class(label, per_class, size, seed, salt, colours[label]) for label in range(classes)])
    labels = np.repeat(np.arange(classes, dtype=np.int32), per_class)
    return images, labels


def build_synthetic(out, *, classes=20, train_per_class=300, val_per_class=50, size=36, seed=0, shard_length=None, progress=None):
    """Write a synthetic dataset directory ``out`` (see the module docstring); returns the :class:`Dataset`.

    Example: ``build_synthetic("synthetic-20", classes=20, size=36)``
    """
    table = class_table(classes)
    subsets = {}
    for subset, per_class in (("train", train_per_class), ("val", val_per_class)):
        images, labels = generate(classes, per_class, size, seed, subset)
        subsets[subset] = ([importers.ImportItem(pixels=image) for image in images], labels, {})
    parameters = {"classes": classes, "train_per_class": train_per_class, "val_per_class": val_per_class, "size": size, "seed": seed}
    return importers.build_dataset(
        out, source={"kind": "synthetic", **parameters}, classes=table, subsets=subsets, size=size,
        shard_length=shard_length, workers=0, progress=progress,
    )


def cache_dir():
    """``$MINITRANSFER_CACHE`` or ``~/.cache/minitransfer``."""
    return pathlib.Path(os.environ.get("MINITRANSFER_CACHE") or pathlib.Path.home() / ".cache" / "minitransfer")


def builtin_dataset(root=None):
    """The default synthetic dataset (20 classes, 300 + 50 images each, 36 × 36, seed 0): its path.

    Built on first use under ``root`` (default :func:`cache_dir`) in a folder named after its
    parameters; built in a temporary folder and renamed, so concurrent first uses are safe."""
    root = pathlib.Path(root) if root else cache_dir()
    tag = hashlib.sha256(repr(sorted(BUILTIN_PARAMETERS.items())).encode()).hexdigest()[:12]
    path = root / f"synthetic-{tag}"
    if (path / ds.META_FILE).is_file():
        return path
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{path.name}.tmp-{os.getpid()}"
    build_synthetic(staging, **BUILTIN_PARAMETERS)
    try:
        os.rename(staging, path)
    except OSError:
        if not (path / ds.META_FILE).is_file():
            raise
        for file in staging.iterdir():  # another process won the race: keep its copy
            file.unlink()
        staging.rmdir()
    return path
