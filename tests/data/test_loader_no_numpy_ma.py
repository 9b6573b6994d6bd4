"""The loader's batch order and the image reader's shard check take distinct values with image_reader.distinct,
not np.unique, whose check for a masked array imports numpy.ma (~8 ms of CPU): the same values, and a tiny
train's process without numpy.ma."""

import subprocess
import sys

import numpy as np
import pytest

from minitransfer.data import image_reader


def test_distinct_is_what_np_unique_gives():
    rng = np.random.default_rng(0)
    cases = [np.array([], dtype=np.int64), np.array([7]), np.array([3, 3, 3]), np.array([-2, 5, -2, 0, 5]),
             np.arange(10)[::-1].copy(), np.array([[2, 1], [1, 4]])]
    for size in range(0, 60):
        for high in (1, 2, 5, 1000):
            for dtype in (np.int64, np.int32, np.intp):
                cases.append(rng.integers(-high, high, size=size).astype(dtype))
                cases.append(np.sort(rng.integers(0, high, size=size)).astype(dtype))  # as both callers give
    for values in cases:
        got, expected = image_reader.distinct(values), np.unique(values)  # np.unique: the code before, the oracle
        assert got.dtype == expected.dtype and got.tolist() == expected.tolist(), values


def test_a_tiny_train_imports_no_numpy_ma(micro_data, tmp_path):
    bare = subprocess.run([sys.executable, "-c", "import sys, numpy; print('numpy.ma' in sys.modules)"],
                          capture_output=True, text=True, timeout=300, check=True)
    if bare.stdout.strip() == "True":
        pytest.skip("this NumPy (1.x) imports numpy.ma with itself")
    probe = ("import sys; from minitransfer import config, train; "
             f"train.train(config.TrainConfig(out='a.h5', data={micro_data!r}, preset='micro', max_iter=2, "
             "batch_size=4, eval_every=1, device='cpu')); "
             "print(sorted(name for name in sys.modules if name.split('.')[:2] == ['numpy', 'ma']))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
