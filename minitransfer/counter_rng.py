"""Counter-based random bits: the same integer hash in NumPy and in ``kernels/common.cuh``.

Dropout masks and training crops are functions of ``(seed, counter, index)`` alone, so any
iteration can be replayed, a resumed run needs no saved generator state, and a CUDA kernel
reproduces the CPU's bits exactly. The mixing function is Chris Wellons' "lowbias32"
(https://nullprogram.com/blog/2018/07/31/), a bijection on 32-bit integers:

    x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16

and ``random_bits(seed, counter, index) = hash32(key ^ index)`` with the stream key
``key = hash32(hash32(seed ^ 0x9e3779b9) ^ counter)``, all arithmetic modulo 2**32 (seed and
counter are reduced modulo 2**32 first; the constant keeps seed 0 from giving key 0).
"""

import numpy as np

MASK32 = 0xFFFFFFFF
SEED_SALT = 0x9E3779B9


def hash32(x):
    """lowbias32 of ``x`` (uint32 array, wrapping arithmetic); returns a new uint32 array."""
    x = np.array(x, dtype=np.uint32, copy=True, ndmin=1)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def stream_key(seed, counter):
    """The per-(seed, counter) key ``hash32(hash32(seed ^ SEED_SALT) ^ counter)``, a Python int.
    Both are integers (Python or NumPy): a float is refused, never truncated to another stream."""
    for name, value in (("seed", seed), ("counter", counter)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"counter_rng: {name} must be an integer, got {value!r}")
    return hash32_int(hash32_int((int(seed) & MASK32) ^ SEED_SALT) ^ (int(counter) & MASK32))


def hash32_int(x):
    """:func:`hash32` of one Python int below 2**32, in Python's integers: a stream key is asked for once an
    image batch and once a dropout layer a step, where NumPy's arrays took 30 µs of a micro batch's 60."""
    x ^= x >> 16
    x = (x * 0x7FEB352D) & MASK32
    x ^= x >> 15
    x = (x * 0x846CA68B) & MASK32
    return x ^ (x >> 16)


def random_bits(seed, counter, index):
    """32 random bits for each element of ``index`` (non-negative integers below 2**32)."""
    index = np.asarray(index)
    if index.size and (index.min() < 0 or index.max() > MASK32):
        raise ValueError(f"random_bits: indices must lie in [0, 2**32), got [{index.min()}, {index.max()}]")
    key = np.uint32(stream_key(seed, counter))
    return hash32(index.astype(np.uint32) ^ key).reshape(index.shape)
