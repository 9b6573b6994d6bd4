"""A tiny dataset whose classes hold the numbers of images a test chooses (the synthetic builder's hold
one number each): :func:`build_unbalanced`; how the report names a run judged against the largest class's share
(:func:`at_share`)."""

import numpy as np

from minitransfer.data import build, decode, synthetic

SIZE = 14
SHARE = "chance (the largest class's share)"  # how the report says chance where the classes are unbalanced


def at_share(name, accuracy, share):
    """How the runs to read with care name run ``name`` of ``accuracy`` at chance ``share`` (the largest
    class's), its closing parenthesis left off: "all/base (90.0%, chance (the largest class's share) 90.0%"."""
    return f"{name} ({accuracy:.1%}, {SHARE} {share:.1%}"


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
