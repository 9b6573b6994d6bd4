"""minitransfer.ops.precision: TF32 rounding against an exact rational oracle, the 3xTF32 split,
and the NumPy reference of each mode (matmul_reference, and through it conv2d, linear) against float64."""

import math
import struct
from fractions import Fraction

import numpy as np
import pytest

from minitransfer.ops import conv2d, linear, precision
from oracles import relative_error

MAX_FLOAT32 = Fraction(2) ** 127 * (2 - Fraction(1, 2**23))


def float32_bits(value):
    return struct.unpack("<I", struct.pack("<f", value))[0]


def float32_from_bits(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def tf32_oracle(value):
    """``value`` (a float32 as a Python float) rounded to 10 mantissa bits, ties away from zero,
    in exact rational arithmetic: the grid step is 2^(e − 10) for 2^e ≤ |value| < 2^(e + 1), and
    2^−136 below the normal range; results from 2^128 up are infinite."""
    if math.isnan(value) or math.isinf(value) or value == 0:
        return value
    magnitude = Fraction(abs(value))
    exponent = max(math.frexp(abs(value))[1] - 1, -126)
    step = Fraction(2) ** (exponent - 10)
    units, remainder = divmod(magnitude, step)
    if 2 * remainder >= step:
        units += 1
    rounded = units * step
    result = math.inf if rounded > MAX_FLOAT32 else float(rounded)
    return math.copysign(result, value)


def special_bit_patterns():
    patterns = [
        0x3F800000 | 0x1000, 0x3F800000 | 0x0FFF, 0x3F800000 | 0x1001,  # 1 + exact tie, just below, just above
        0x3F801000 | 0x2000,  # a tie whose kept part is odd: away from zero, not to even
        0x00000001, 0x00000FFF, 0x00001000, 0x00001001, 0x007FF000, 0x007FFFFF,  # subnormals, into the smallest normal
        0x00800000 | 0x1000, 0x7F7FE000, 0x7F7FEFFF, 0x7F7FF000, 0x7F7FFFFF,  # the largest finite values
        0x7F800000, 0x00000000,  # +inf, +0
    ]
    return patterns + [p | 0x80000000 for p in patterns]


def test_oracle_agrees_with_hand_rounded_values():
    assert tf32_oracle(1 + 2**-11) == 1 + 2**-10  # tie, away from zero
    assert tf32_oracle(-(1 + 2**-11)) == -(1 + 2**-10)
    assert tf32_oracle(1 + 2**-11 - 2**-23) == 1.0
    assert tf32_oracle(float32_from_bits(0x7F7FFFFF)) == math.inf


@pytest.mark.parametrize("bits", special_bit_patterns(), ids=lambda b: f"{b:08x}")
def test_round_tf32_matches_the_exact_oracle_on_special_values(bits):
    value = float32_from_bits(bits)
    got = precision.round_tf32(np.array([value], dtype=np.float32))[0]
    expected = tf32_oracle(value)
    assert float32_bits(float(got)) == float32_bits(expected), (hex(bits), float(got), expected)


def test_round_tf32_matches_the_exact_oracle_on_random_bit_patterns():
    bits = np.random.default_rng(0).integers(0, 2**32, size=20000, dtype=np.uint64).astype(np.uint32)
    bits = bits[(bits & 0x7FFFFFFF) <= 0x7F800000]  # NaNs are tested apart
    values = bits.view(np.float32)
    got = precision.round_tf32(values).view(np.uint32)
    expected = np.array([float32_bits(tf32_oracle(float(v))) for v in values], dtype=np.uint32)
    np.testing.assert_array_equal(got, expected)


def test_round_tf32_keeps_ten_mantissa_bits_and_the_shape():
    x = np.random.default_rng(1).standard_normal((3, 5, 7)).astype(np.float32)
    rounded = precision.round_tf32(x)
    assert rounded.shape == x.shape and rounded.dtype == np.float32
    assert not (rounded.view(np.uint32) & 0x1FFF).any()
    assert np.abs(rounded - x).max() <= 2**-11 * np.abs(x).max()
    assert np.array_equal(precision.round_tf32(x.T), rounded.T)  # non-contiguous input


@pytest.mark.parametrize("bits", [0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0xFFC00000, 0xFF801FFF])
def test_round_tf32_keeps_nans_nan(bits):
    got = precision.round_tf32(np.array([bits], dtype=np.uint32).view(np.float32))
    assert np.isnan(got).all() and not (got.view(np.uint32) & 0x1FFF).any()


def test_round_tf32_refuses_float64():
    with pytest.raises(ValueError, match="TF32 rounding takes float32 values, got float64"):
        precision.round_tf32(np.ones(3))


def test_split_tf32_represents_x_to_22_bits():
    x = np.random.default_rng(2).standard_normal(10000).astype(np.float32) * np.float32(1e3)
    big, small = precision.split_tf32(x)
    assert not (big.view(np.uint32) & 0x1FFF).any() and not (small.view(np.uint32) & 0x1FFF).any()
    exact_difference = x.astype(np.float64) - big.astype(np.float64)
    np.testing.assert_array_equal((x - big).astype(np.float64), exact_difference)  # x − big is exact
    np.testing.assert_array_equal(big, precision.round_tf32(x))
    residual = np.abs(x.astype(np.float64) - big.astype(np.float64) - small.astype(np.float64))
    assert (residual <= 2.0**-22 * np.abs(x.astype(np.float64))).all()


def test_check_names_the_op_and_refuses_tensor_cores_for_float64():
    assert precision.check("conv2d", "tf32", np.float32) == "tf32"
    with pytest.raises(ValueError, match=r"conv2d: precision must be one of ieee, tf32x3, tf32, got 'fp16'"):
        precision.check("conv2d", "fp16", np.float32)
    with pytest.raises(ValueError, match=r"linear: precision 'tf32x3' takes float32 operands .* "
                                         r"float64 arrays support only 'ieee'"):
        precision.check("linear", "tf32x3", np.float64)
    assert precision.check("linear", "ieee", np.float64) == "ieee"


# ---------------------------------------------------------------------------------------------
# The reference products of each mode


def operands(seed, m=64, k=300, n=48):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)


def test_ieee_matmul_is_numpys():
    a, b = operands(3)
    assert np.array_equal(precision.matmul_reference(a, b, "ieee"), a @ b)


def test_tf32_matmul_is_the_float64_product_of_rounded_operands_up_to_float32_sums():
    a, b = operands(4)
    oracle = precision.round_tf32(a).astype(np.float64) @ precision.round_tf32(b).astype(np.float64)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    got = precision.matmul_reference(a, b, "tf32")
    assert got.dtype == np.float32
    assert relative_error(got, oracle) < 1e-6
    assert 1e-4 < relative_error(got, exact) < 2e-3  # about TF32's 2^-11, well off float32's 2^-24


def k_ordered_float32_product(a, b):
    """a @ b summed over k in increasing order, one float32 rounding per term (FFMA, as our kernels)."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
    for k in range(a.shape[1]):
        c = (c + a64[:, k, None] * b64[None, k, :]).astype(np.float32)
    return c


@pytest.mark.parametrize("m, k, n", [(64, 300, 48), (32, 2000, 32)])
def test_tf32x3_matmul_is_as_accurate_as_ieee(m, k, n):
    a, b = operands(5, m, k, n)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    error = relative_error(precision.matmul_reference(a, b, "tf32x3"), exact)
    assert error < 1e-6 and error <= 2 * relative_error(k_ordered_float32_product(a, b), exact)
    assert error < relative_error(precision.matmul_reference(a, b, "tf32"), exact) / 100


def test_matmul_broadcasts_like_numpy():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((2, 5, 7)).astype(np.float32), rng.standard_normal((2, 7, 3)).astype(np.float32)
    for mode in precision.PRECISIONS:
        got = precision.matmul_reference(a, b, mode)
        assert got.shape == (2, 5, 3)
        np.testing.assert_allclose(got, a @ b, rtol=0, atol=3e-3 * np.abs(a @ b).max())


# conv2d and linear: every product of forward and backward in the mode; the bias untouched.

CONV = [(2, 6, 9, 8, 8, 3, 3, 1, 1, 2), (2, 3, 11, 11, 5, 4, 4, 3, 0, 1)]


def conv_results(config, mode, operand, dtype):
    N, C, H, W, K, R, S, stride, pad, groups = config
    rng = np.random.default_rng(sum(config))
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    w = rng.standard_normal((K, C // groups, R, S)).astype(np.float32)
    b = rng.standard_normal(K).astype(np.float32)
    y, cache = conv2d.forward(operand(x).astype(dtype), operand(w).astype(dtype), b.astype(dtype),
                              stride=stride, pad=pad, groups=groups, precision=mode)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    return (y, *conv2d.backward(operand(dy).astype(dtype), cache))


def linear_results(shape, mode, operand, dtype):
    n, fan_in, fan_out = shape
    rng = np.random.default_rng(n + fan_in)
    x = rng.standard_normal((n, fan_in)).astype(np.float32)
    w = rng.standard_normal((fan_out, fan_in)).astype(np.float32)
    b = rng.standard_normal(fan_out).astype(np.float32)
    dy = rng.standard_normal((n, fan_out)).astype(np.float32)
    y, cache = linear.forward(operand(x).astype(dtype), operand(w).astype(dtype), b.astype(dtype), precision=mode)
    return (y, *linear.backward(operand(dy).astype(dtype), cache))


def layer_cases():
    return ([(conv_results, config) for config in CONV]
            + [(linear_results, shape) for shape in [(7, 300, 40), (64, 129, 33)]])


@pytest.mark.parametrize("results, shape", layer_cases(), ids=["conv-g2", "conv-st3", "linear-7x300", "linear-64x129"])
def test_layers_in_tf32_compute_rounded_products(results, shape):
    def unchanged(a):
        return a

    tf32 = results(shape, "tf32", unchanged, np.float32)
    oracle = results(shape, "ieee", precision.round_tf32, np.float64)  # the bias is never rounded
    exact = results(shape, "ieee", unchanged, np.float64)
    for got, want, full in zip(tf32[:3], oracle, exact):  # y, dx, dw: products of rounded operands
        assert got.dtype == np.float32
        assert relative_error(got, want) < 1e-6
        assert relative_error(got, full) > 1e-5
    np.testing.assert_array_equal(tf32[3], results(shape, "ieee", unchanged, np.float32)[3])  # db: a plain sum


@pytest.mark.parametrize("results, shape", layer_cases(), ids=["conv-g2", "conv-st3", "linear-7x300", "linear-64x129"])
def test_layers_in_tf32x3_are_as_accurate_as_ieee(results, shape):
    def unchanged(a):
        return a

    # NumPy's BLAS sums float32 in blocks, often more accurately than a k-ordered loop (the GPU's
    # FFMA kernels, which the GPU tests hold tf32x3 to within 2× of): a looser 4× here.
    tf32x3 = results(shape, "tf32x3", unchanged, np.float32)
    ieee = results(shape, "ieee", unchanged, np.float32)
    tf32 = results(shape, "tf32", unchanged, np.float32)
    exact = results(shape, "ieee", unchanged, np.float64)
    for got, reference, rounded, full in zip(tf32x3, ieee, tf32, exact):
        error = relative_error(got, full)
        assert error < 1e-6 and error <= 4 * relative_error(reference, full) + 1e-9
        assert error < relative_error(rounded, full) / 100 or got.shape == tf32[3].shape  # db: no product


def test_layers_carry_the_precision_to_backward():
    x, w, b = np.ones((2, 3, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32), np.zeros(4, np.float32)
    assert conv2d.forward(x, w, b, precision="tf32")[1].precision == "tf32"
    assert linear.forward(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32), b,
                          precision="tf32x3")[1].precision == "tf32x3"
    with pytest.raises(ValueError, match=r"conv2d: precision 'tf32' takes float32 operands"):
        conv2d.forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), precision="tf32")
    with pytest.raises(ValueError, match=r"linear: precision must be one of"):
        linear.forward(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32), b, precision="TF32")
