"""A tiny dataset whose classes hold the numbers of images a test chooses (the synthetic builder's hold
one number each): :func:`build_unbalanced`."""

import numpy as np

from minitransfer.data import build, decode, synthetic

SIZE = 14


def build_unbalanced(out, train_counts, val_counts, seed=1):
    """The dataset ``out`` of ``len(train_counts)`` synthetic classes (an even number), class i holding
    ``train_counts[i]`` training and ``val_counts[i]`` validation images; returns it opened."""
    classes = len(train_counts)
    subsets = {}
    for subset, counts in (("train", train_counts), ("val", val_counts)):
        images, labels = synthetic.generate(classes, max(counts), SIZE, seed, subset)
        kept = np.concatenate([np.flatnonzero(labels == label)[:count] for label, count in enumerate(counts)])
        subsets[subset] = ([decode.ImportItem(pixels=image) for image in images[kept]], labels[kept], {})
    return build.build_dataset(out, source={"kind": "test", "train": list(train_counts), "val": list(val_counts)},
                               classes=synthetic.class_table(classes), subsets=subsets, size=SIZE, workers=0)
