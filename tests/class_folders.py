"""A dataset prepared from class folders for the tests of a test set that numbers a network's classes otherwise
(helper, not a test): the tree ``train/<class>/``, ``val/<class>/`` of some of :data:`CLASSES`, imported as 16 px."""

import numpy as np
from PIL import Image

from minitransfer.data import folder as folders

CLASSES = ("ant", "bee", "cat", "dog")


def class_folders(root, classes, train=6, val=5):
    """``root``/train/<class>/ (``train`` images) and ``root``/val/<class>/ (``val``) of ``classes``, of
    :data:`CLASSES`: images tinted by their class, each file the same wherever it is written (seeded by class and
    number), imported as ``root``-16: that dataset's path."""
    for number, name in enumerate(CLASSES):
        if name not in classes:
            continue
        for subset, count in (("train", train), ("val", val)):
            (root / subset / name).mkdir(parents=True)
            for index in range(count):
                rng = np.random.default_rng([number, index, subset == "val"])
                pixels = rng.integers(0, 120, (16, 16, 3)) + np.eye(3, dtype=np.int64)[number % 3] * 120
                Image.fromarray(pixels.astype(np.uint8)).save(root / subset / name / f"{index}.png")
    return folders.import_folder(root, root.parent / f"{root.name}-16", size=16, workers=0).path
