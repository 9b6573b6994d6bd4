"""The split seed and the per-class seed take every value NumPy's generators take, 0..2**32 - 1 (the bounds
make_half's message states), the largest included, and nothing beyond: the oracle is NumPy itself, whose
``RandomState([s])`` accepts 2**32 - 1 and refuses 2**32."""

import numpy as np
import pytest

from minitransfer.data import dataset, splits

LARGEST = 2**32 - 1


def test_numpy_takes_the_largest_seed_and_refuses_the_next():  # the oracle's own bounds, checked here
    np.random.RandomState([LARGEST])
    with pytest.raises(ValueError):
        np.random.RandomState([LARGEST + 1])


def test_the_largest_split_seed_draws_numpys_halves(tiny_synthetic):
    data = dataset.open_dataset(tiny_synthetic)
    expected = sorted(np.random.RandomState([LARGEST]).choice(np.arange(6), 3, replace=False).tolist())
    half = splits.make_half(data, "random", seed=LARGEST, half="A")
    assert half.class_indices.tolist() == expected
    with pytest.raises(ValueError, match=r"the split's seed must be an integer 0\.\.4294967295, got 4294967296"):
        splits.make_half(data, "random", seed=LARGEST + 1, half="A")


def test_the_largest_per_class_seed_is_accepted(tiny_synthetic):
    data = dataset.open_dataset(tiny_synthetic)
    half = splits.make_half(data, "all", per_class=5, per_class_seed=LARGEST)
    assert np.bincount(half.train_labels).tolist() == [5] * 6  # 12 training images a class: 5 kept of each
    with pytest.raises(ValueError, match=r"per_class_seed must be an integer 0\.\.4294967295, got 4294967296"):
        splits.make_half(data, "all", per_class=5, per_class_seed=LARGEST + 1)
