"""minitransfer.ops._check: the short paths taken for arguments that pass refuse nothing they should."""

import numpy as np
import pytest

from minitransfer.ops import _check


class DeviceArray:
    """Stands for a CuPy array: what same_device looks at is the type's module."""

    __module__ = "cupy._core.core"

    def __init__(self, a):
        self.shape, self.dtype, self.flags, self.ndim = a.shape, a.dtype, a.flags, a.ndim


def test_numpy_mixed_with_a_device_array_is_refused_either_order():
    x = np.zeros((2, 3), np.float32)
    for arrays in ({"x": x, "w": DeviceArray(x)}, {"w": DeviceArray(x), "x": x}):
        with pytest.raises(ValueError, match="op: arrays must all be NumPy or all CuPy, got"):
            _check.same_device("op", **arrays)
    _check.same_device("op", x=x, w=x.copy())
    _check.same_device("op", x=DeviceArray(x), w=DeviceArray(x))


def test_one_dtype_passes_and_two_are_refused_named():
    x, w = np.zeros(3, np.float32), np.zeros(3, np.float64)
    _check.same_dtype("op", x=x, w=x.copy(), b=np.zeros(1, np.dtype("<f4")))
    with pytest.raises(ValueError, match="op: arrays must share one dtype, got x float32, w float64"):
        _check.same_dtype("op", x=x, w=w)


@pytest.mark.parametrize("value, words", [
    ([1.0, 2.0], "x must be a NumPy or CuPy array, got list"),
    (np.zeros((4, 4), np.float32)[:, ::2], "x must be C-contiguous"),
    (np.zeros((2, 2), np.int32), "x must have dtype float32, float64, got int32"),
    (np.zeros(4, np.float32), "x must be 2-D, got shape"),
])
def test_array_refuses(value, words):
    with pytest.raises(ValueError, match=f"op: {words}"):
        _check.array("op", "x", value, ndim=2)
