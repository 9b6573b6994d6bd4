"""The TF32 emulations on NumPy (ops/precision.py) round a strided operand where it lies and in place, and conv2d's
backward makes dy's operand once for both its products: every result bit for bit what the emulation gave when it
copied each non-contiguous operand first and rounded through five full-size temporaries (the oracle below, that
code as it was), in each mode, on odd shapes, transposed views and the special values (ties, negatives,
subnormals, the largest finite values, ±inf, NaNs)."""

import numpy as np
import pytest

from minitransfer.ops import conv2d, linear
from minitransfer.ops import precision


def old_round_tf32(x):
    x = np.asarray(x)
    x = x if x.flags.c_contiguous else x.copy()
    bits = x.view(np.uint32)
    rounded = (bits & np.uint32(0x80000000)) | (((bits & np.uint32(0x7FFFFFFF)) + np.uint32(0x1000))
                                                 & np.uint32(0xFFFFE000))
    nan = (bits & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000)
    rounded = np.where(nan, (bits & np.uint32(0xFFFFE000)) | np.uint32(0x00400000), rounded)
    return rounded.view(np.float32)


def old_split_tf32(x):
    x = np.asarray(x)
    x = x if x.flags.c_contiguous else x.copy()
    big = old_round_tf32(x)
    return big, old_round_tf32(x - big)


def old_matmul_reference(a, b, mode):
    if mode == "ieee":
        return np.matmul(a, b)
    if mode == "tf32":
        return np.matmul(old_round_tf32(a), old_round_tf32(b))
    a_big, a_small = old_split_tf32(a)
    b_big, b_small = old_split_tf32(b)
    return (np.matmul(a_small, b_big) + np.matmul(a_big, b_small)) + np.matmul(a_big, b_big)


SPECIAL = [0x3F801000, 0x3F800FFF, 0x3F801001, 0x3F803000, 0x00000001, 0x00000FFF, 0x00001000, 0x007FF000,
           0x007FFFFF, 0x7F7FEFFF, 0x7F7FF000, 0x7F7FFFFF, 0x7F800000, 0x00000000, 0x7FC00000, 0x7F800001,
           0x7FFFFFFF, 0x7FFFF000, 0x7F801FFF, 0x7FBFFFFF]


def special_values(shape, seed):
    """Random bit patterns (NaNs among them) with the special ones of both signs mixed in, float32 of ``shape``."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**32, size=shape, dtype=np.uint64).astype(np.uint32)
    flat = bits.reshape(-1)
    special = np.array(SPECIAL + [p | 0x80000000 for p in SPECIAL], dtype=np.uint32)
    flat[rng.choice(flat.size, min(flat.size, special.size), replace=False)] = special[:flat.size]
    return bits.view(np.float32)


def views(x):
    """``x`` itself, transposed, reversed and strided: the layouts the emulation's callers give it."""
    return [x, x.T, x[::-1], x[:, ::2], x.transpose(1, 0, 2) if x.ndim == 3 else x.T[::3]]


def same_bits(got, expected):
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.flags.c_contiguous == expected.flags.c_contiguous  # the layout BLAS sees: the same products
    np.testing.assert_array_equal(got.view(np.uint32), expected.view(np.uint32))


@pytest.mark.parametrize("shape", [(37, 53), (3, 29, 17), (1, 1)])
def test_round_tf32_is_bit_for_bit_the_copying_rounding_on_every_layout(shape):
    for x in views(special_values(shape, sum(shape))):
        same_bits(precision.round_tf32(x), old_round_tf32(x))


@pytest.mark.parametrize("shape", [(37, 53), (3, 29, 17)])
def test_split_tf32_is_bit_for_bit_the_copying_split_on_every_layout(shape):
    rng = np.random.default_rng(len(shape))
    with np.errstate(invalid="ignore"):  # inf - inf
        for x in views(special_values(shape, 7)) + views((rng.standard_normal(shape) * 1e3).astype(np.float32)):
            for got, expected in zip(precision.split_tf32(x), old_split_tf32(x)):
                same_bits(got, expected)


def test_round_tf32_reads_a_transposed_operand_in_place():
    """The rounded transpose of a 4 MiB operand: what is made beside the result is its NaN test (1 byte an element),
    not a copy of the operand and five uint32 temporaries (13 bytes an element at the peak, 17 with the copy)."""
    import tracemalloc
    x = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32).T
    tracemalloc.start()
    rounded = precision.round_tf32(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert rounded.flags.c_contiguous
    assert peak <= 5.1 * x.size, peak / x.size


@pytest.mark.parametrize("mode", ["ieee", "tf32", "tf32x3"])
def test_matmul_reference_is_bit_for_bit_the_copying_one_on_transposed_operands(mode):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 41, 29)).astype(np.float32)
    b = rng.standard_normal((3, 23, 41)).astype(np.float32)
    same_bits(precision.matmul_reference(a.transpose(0, 2, 1), b.transpose(0, 2, 1), mode),
              old_matmul_reference(a.transpose(0, 2, 1), b.transpose(0, 2, 1), mode))


def _copying(monkeypatch):
    """The ops running through the oracle: each product's operands rounded or split anew, copied first."""
    monkeypatch.setattr(precision, "operand", lambda x, mode: x)
    monkeypatch.setattr(precision, "product_reference", old_matmul_reference)


@pytest.mark.parametrize("mode", ["tf32", "tf32x3"])
@pytest.mark.parametrize("groups, need_dx", [(1, True), (2, True), (1, False)])
def test_conv2d_is_bit_for_bit_the_copying_emulation(monkeypatch, mode, groups, need_dx):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 9, 7)).astype(np.float32)
    w = rng.standard_normal((6, 4 // groups, 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)

    def run():
        y, cache = conv2d.forward(x, w, b, stride=2, pad=1, groups=groups, precision=mode)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        return (y, *(g for g in conv2d.backward(dy, cache, need_dx=need_dx) if g is not None))

    rng = np.random.default_rng(6)
    new = run()
    with monkeypatch.context() as patched:
        _copying(patched)
        rng = np.random.default_rng(6)
        old = run()
    for got, expected in zip(new, old, strict=True):
        same_bits(got, expected)


@pytest.mark.parametrize("mode", ["tf32", "tf32x3"])
def test_linear_is_bit_for_bit_the_copying_emulation(monkeypatch, mode):
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((5, 33)).astype(np.float32), rng.standard_normal((19, 33)).astype(np.float32)
    b, dy = rng.standard_normal(19).astype(np.float32), rng.standard_normal((5, 19)).astype(np.float32)

    def run():
        y, cache = linear.forward(x, w, b, precision=mode)
        return (y, *linear.backward(dy, cache))

    new = run()
    with monkeypatch.context() as patched:
        _copying(patched)
        old = run()
    for got, expected in zip(new, old, strict=True):
        same_bits(got, expected)


@pytest.mark.parametrize("mode, per_column", [("tf32", 5), ("tf32x3", 9)])
def test_conv2d_backward_rounds_the_columns_without_copying_them(mode, per_column):
    """The weight gradient's product rounds (splits) the forward's columns transposed where they lie: beside what
    is held, the backward makes 5 (9) bytes per column element, their rounded copy and its NaN test, and little
    else here (dy and the weights are small); it copied them first, then rounded through uint32 temporaries."""
    import tracemalloc
    rng = np.random.default_rng(9)
    x = rng.standard_normal((8, 16, 20, 20)).astype(np.float32)
    w = rng.standard_normal((4, 16, 3, 3)).astype(np.float32)
    y, cache = conv2d.forward(x, w, np.zeros(4, np.float32), pad=1, precision=mode)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    tracemalloc.start()
    conv2d.backward(dy, cache, need_dx=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= (per_column + 0.5) * cache.cols.size, peak / cache.cols.size


def test_a_scalar_is_rounded_and_split_as_before():
    x = np.float32(1 + 2**-11 + 2**-20)
    same_bits(precision.round_tf32(x), old_round_tf32(x))
    for got, expected in zip(precision.split_tf32(x), old_split_tf32(x)):
        same_bits(got, expected)
