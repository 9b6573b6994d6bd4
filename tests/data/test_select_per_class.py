""":func:`minitransfer.data.splits.select_per_class` chooses the images the loop over the labels it replaced
chose (kept here as the oracle), for every seed: a reduced-data run resumed or rerun trains on the same images."""

import numpy as np
import pytest

from minitransfer.data import splits


def _select_per_class_by_label(labels, per_class, seed=None):
    """The former implementation, one scan of every label per class."""
    keep = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if seed is None:
            keep.append(members[:per_class])
        else:
            generator = np.random.default_rng([int(seed), int(label)])
            keep.append(np.sort(generator.choice(members, min(per_class, len(members)), replace=False)))
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


CASES = [(images, classes, per_class, seed, dtype)
         for images, classes in ((0, 3), (1, 1), (7, 3), (60, 5), (500, 40), (2000, 1000))
         for per_class in (1, 3, 17)
         for seed in (None, 0, 123456789)
         for dtype in (np.int32, np.int64)]


@pytest.mark.parametrize("images,classes,per_class,seed,dtype", CASES,
                         ids=[f"n{n}-c{c}-k{k}-seed{s}-{np.dtype(d).name}" for n, c, k, s, d in CASES])
def test_the_same_images_as_the_loop_over_labels(images, classes, per_class, seed, dtype):
    rng = np.random.default_rng([images, classes, per_class])
    weights = rng.random(classes) ** 3  # some classes large, some with few or no images
    labels = rng.choice(classes, images, p=weights / weights.sum()).astype(dtype)
    chosen = splits.select_per_class(labels, per_class, seed)
    expected = _select_per_class_by_label(labels, per_class, seed)
    assert chosen.dtype == expected.dtype
    np.testing.assert_array_equal(chosen, expected)
