"""minitransfer.counter_rng: the lowbias32 counter-based bits shared with kernels/common.cuh."""

import numpy as np
import pytest

from minitransfer import counter_rng
from oracles import MASK, lowbias32, random_bits, stream_key


@pytest.mark.parametrize("value", [0, 1, 2, 255, 0x9E3779B9, 0xDEADBEEF, 0x80000000, MASK])
def test_hash32_matches_python_ints(value):
    assert int(counter_rng.hash32(value)[0]) == lowbias32(value)
    assert counter_rng.hash32_int(value) == lowbias32(value)  # the stream key's scalar form


def test_hash32_known_answers():
    # Worked by hand from the five lowbias32 steps; 0 is the hash's only fixed point at 0.
    assert lowbias32(1) == 0x688990C0
    assert [int(v) for v in counter_rng.hash32([0, 1, 2, MASK])] == [0, 0x688990C0, 0xD1132181, 0x6768824A]


def test_hash32_is_a_bijection_on_a_block():
    values = np.arange(1 << 16, dtype=np.uint32) * np.uint32(65537)
    assert len(np.unique(counter_rng.hash32(values))) == len(values)


@pytest.mark.parametrize("seed,counter", [(0, 0), (1, 2), (12345, 678), (2**32 + 5, 3), (7, 2**40 + 1),
                                         (3, 2**16 + 1), (5, 449_999), (9, 2**31 + 7)])  # counters of long runs
def test_random_bits_match_python_ints(seed, counter):
    index = np.array([0, 1, 2, 3, 1000, 2**31, MASK], dtype=np.int64)
    bits = counter_rng.random_bits(seed, counter, index)
    assert bits.dtype == np.uint32
    assert [int(b) for b in bits] == [random_bits(seed, counter, int(i)) for i in index]
    assert counter_rng.stream_key(seed, counter) == stream_key(seed, counter)


def test_random_bits_are_deterministic_and_keep_shape():
    index = np.arange(24).reshape(2, 3, 4)
    first = counter_rng.random_bits(3, 9, index)
    assert first.shape == (2, 3, 4)
    np.testing.assert_array_equal(first, counter_rng.random_bits(3, 9, index))
    np.testing.assert_array_equal(first.reshape(-1), counter_rng.random_bits(3, 9, np.arange(24)))


def test_random_bits_differ_by_seed_counter_and_index():
    index = np.arange(4096)
    base = counter_rng.random_bits(0, 0, index)
    assert len(np.unique(base)) == len(index)
    for other in (counter_rng.random_bits(1, 0, index), counter_rng.random_bits(0, 1, index)):
        assert np.mean(base == other) < 0.01


def test_random_bits_reject_out_of_range_indices():
    with pytest.raises(ValueError, match="random_bits"):
        counter_rng.random_bits(0, 0, np.array([-1]))
    with pytest.raises(ValueError, match="random_bits"):
        counter_rng.random_bits(0, 0, np.array([2**32]))


@pytest.mark.parametrize("seed, counter", [(1.5, 0), (1.0, 0), (np.float32(2), 0), (True, 0), (3, 2.5), (3, None)],
                         ids=["float", "integral-float", "numpy-float", "bool", "float-counter", "none-counter"])
def test_a_seed_or_counter_that_is_not_an_integer_is_refused_not_truncated(seed, counter):
    """1.5 would silently draw seed 1's stream."""
    with pytest.raises(ValueError, match=r"counter_rng: (seed|counter) must be an integer"):
        counter_rng.random_bits(seed, counter, np.arange(4))
    assert np.array_equal(counter_rng.random_bits(np.int64(7), np.uint32(3), np.arange(4)),
                          counter_rng.random_bits(7, 3, np.arange(4)))  # NumPy integers are integers


@pytest.mark.parametrize("seed,counter", [(0, 0), (42, 7), (2024, 123456)])
def test_random_bits_look_uniform(seed, counter):
    n = 1 << 16
    bits = counter_rng.random_bits(seed, counter, np.arange(n))
    # Each of the 32 bits is set about half the time (σ = 0.002 for 65536 draws).
    ones = ((bits[:, None] >> np.arange(32, dtype=np.uint32)) & 1).mean(axis=0)
    assert np.all(np.abs(ones - 0.5) < 0.01)
    # 64 equal buckets of the top 6 bits: chi-square with 63 degrees of freedom stays far below 130.
    counts = np.bincount(bits >> np.uint32(26), minlength=64)
    expected = n / 64
    assert ((counts - expected) ** 2 / expected).sum() < 130
    # Consecutive indices are uncorrelated.
    u = bits.astype(np.float64) / 2**32
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.02


@pytest.mark.gpu
@pytest.mark.parametrize("seed,counter", [(0, 0), (5, 11), (2**32 - 1, 2**31 + 3)])
def test_gpu_bits_equal_numpy_bits(cp, seed, counter):
    # dropout_forward with ratio 0.5 keeps exactly the elements whose bits are >= 2**31.
    from minitransfer.ops import dropout

    n = 4099
    y, _ = dropout.forward(cp.ones(n, dtype=cp.float32), ratio=0.5, seed=seed, counter=counter)
    y = cp.asnumpy(y)
    assert np.isfinite(y).all()
    kept_gpu = y != 0
    kept_numpy = counter_rng.random_bits(seed, counter, np.arange(n)) >= np.uint32(2**31)
    np.testing.assert_array_equal(kept_gpu, kept_numpy)
