"""How the products of ``conv2d``, ``linear`` and ``gemm`` are computed: ``ieee``, ``tf32x3`` or ``tf32``.

- ``ieee`` (the default): exact float32 products, float32 accumulation: the FFMA kernels.
- ``tf32``: each float32 operand rounded to TF32 (:func:`round_tf32`), the products of the
  rounded operands (exact: two 11-bit significands fit in float32's 24) accumulated in float32.
  One tensor-core product per term, as PyTorch computes convolutions by default.
- ``tf32x3``: each operand split into ``big = tf32(x)`` and ``small = tf32(x − big)``
  (:func:`split_tf32`; ``x − big`` is exact in float32), and the three products
  ``small·big + big·small + big·big`` accumulated in float32 (small·small, about 2⁻²² of the
  term, is dropped): float32-level accuracy from three tensor-core products.

The tensor-core modes are opt-in and UNVERIFIED ON A GPU: their kernels compile and their
NumPy reference is tested, but no GPU has run them yet.

The modes apply to float32 arrays; float64 arrays (the gradient-check dtype) accept only
``ieee``, since the float64 kernels have no tensor-core path. The NumPy reference of a mode is
:func:`matmul_reference`: it rounds or splits the operands exactly as the kernels do and
multiplies the rounded operands in float32, so its only difference from the kernels is the order
of the float32 additions (NumPy's BLAS against the kernels' k-order): results agree within float32
accumulation error, not bit for bit. The exact oracle of a GPU result is the float64 product of
the TF32-rounded (``tf32``) or unrounded (``tf32x3``) inputs.

Example::

    y, cache = conv2d.forward(x, w, b, precision="tf32x3")
    round_tf32(np.float32(1 + 2**-11))   # 1.0009766 = 1 + 2**-10: a tie, rounded away from zero
"""

import numpy as np

from minitransfer import cuda

PRECISIONS = ("ieee", "tf32x3", "tf32")
DEFAULT = "ieee"
TENSOR_CORE = ("tf32x3", "tf32")

_HALF_ULP = np.uint32(0x1000)  # half a TF32 unit in the last place: bit 12 of the float32 encoding
_KEPT = np.uint32(0xFFFFE000)  # sign, exponent and the 10 leading mantissa bits
_QUIET = np.uint32(0x00400000)


def check(op, precision, dtype):
    """``precision``, checked against the known modes and the operands' dtype (ValueError naming ``op``)."""
    if precision not in PRECISIONS:
        raise ValueError(f"{op}: precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "ieee" and np.dtype(dtype) != np.float32:
        raise ValueError(f"{op}: precision {precision!r} takes float32 operands (tensor cores); "
                         f"{np.dtype(dtype)} arrays support only 'ieee'")
    return precision


def require_tensor_cores(op, precision):
    """Refuse a tensor-core ``precision`` on a GPU without TF32 tensor cores (before compute capability 8.0)."""
    major, minor = cuda.compute_capability()
    if major < 8:
        raise ValueError(f"{op}: precision {precision!r} runs on TF32 tensor cores, which need compute capability "
                         f"8.0 or newer; this GPU has {major}.{minor}: use precision 'ieee'")


def round_tf32(x):
    """``x`` (float32) rounded to TF32 as PTX ``cvt.rna.tf32.f32`` does: to the nearest value with
    10 explicit mantissa bits, ties away from zero; returned as a new C-contiguous float32 array
    (whatever ``x``'s strides: a transposed view is read in place, not copied first) with the 13 low
    mantissa bits zero.

    Subnormals are rounded on the same grid (multiples of 2⁻¹³⁶) and may round up to the smallest
    normal; magnitudes from (2 − 2⁻¹¹)·2¹²⁷ up, and ±inf, give ±inf; a NaN stays a NaN (quiet,
    sign and leading payload kept). NumPy arrays (the kernels round on the GPU themselves).

    NaNs are this emulation's choice, not the GPU's contract: the PTX ISA specifies a NaN result
    only for ``cvt.rna.satfinite.tf32.f32``, and sm_86 has been seen to compile the plain
    instruction (the kernels') to a mask of the 13 low bits for NaN and ±inf, which keeps a NaN
    signalling and turns one whose payload lies only in those bits into ±inf. Unverified on a GPU.
    """
    x = _float32(x)
    rounded = np.empty(x.shape, dtype=np.uint32)
    _round_bits(x.view(np.uint32), rounded)
    return rounded.view(np.float32)


def split_tf32(x):
    """``(big, small)`` with ``big = round_tf32(x)`` and ``small = round_tf32(x − big)``, float32,
    C-contiguous.

    ``x − big`` is exact in float32 (it is the part of x below TF32's last kept bit), so
    ``big + small`` represents x to about 2⁻²² relative.
    """
    x = _float32(x)
    big = round_tf32(x)
    small = np.subtract(x, big, out=np.empty(x.shape, dtype=np.float32))
    _round_bits(small.view(np.uint32), small.view(np.uint32))  # in place
    return big, small


def operand(x, precision):
    """``x`` made ready for :func:`product_reference` in ``precision``: itself (``ieee``), :func:`round_tf32`'s
    result (``tf32``) or :func:`split_tf32`'s pair (``tf32x3``). An operand of two products is made
    once and given to both."""
    if precision == "ieee":
        return x
    if precision == "tf32":
        return round_tf32(x)
    if precision == "tf32x3":
        return split_tf32(x)
    raise ValueError(f"matmul_reference: precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")


def product_reference(a, b, precision):
    """``a @ b`` of two :func:`operand` results of ``precision`` (see :func:`matmul_reference`)."""
    if precision == "tf32x3":
        (a_big, a_small), (b_big, b_small) = a, b
        return (np.matmul(a_small, b_big) + np.matmul(a_big, b_small)) + np.matmul(a_big, b_big)
    return np.matmul(a, b)


def matmul_reference(a, b, precision):
    """``a @ b`` (NumPy, broadcasting like ``np.matmul``) computed as the kernels of ``precision`` do.

    ``ieee`` is the plain product in the operands' dtype. ``tf32`` multiplies the TF32-rounded
    float32 operands; ``tf32x3`` adds ``small_a·big_b + big_a·small_b`` and then ``big_a·big_b``.
    Every product of TF32 values is exact in float32; only the float32 additions round.
    """
    return product_reference(operand(a, precision), operand(b, precision), precision)


def _round_bits(bits, out):
    """``out`` (uint32, C-contiguous, ``bits`` itself or of its shape) = :func:`round_tf32` of the float32 encodings
    ``bits``, made in place: beside ``out``, only the NaN test (bool) and the NaNs' own bits.

    Adding half a unit carries into the kept bits exactly when the dropped part is at least half a
    unit (ties away from zero), and on into the exponent when the mantissa overflows; the largest
    finite magnitudes carry into the infinity encoding. No finite or infinite magnitude
    (at most 0x7F800000) carries on into the sign bit, so the sign needs no mask of its own.
    """
    nan = np.isnan(bits.view(np.float32))
    nans = bits[nan] if nan.any() else None  # before ``out`` (perhaps ``bits``) is overwritten
    np.add(bits, _HALF_ULP, out=out)
    np.bitwise_and(out, _KEPT, out=out)
    if nans is not None:
        out[nan] = (nans & _KEPT) | _QUIET


def _float32(x):
    x = np.asarray(x)
    if x.dtype != np.float32:
        raise ValueError(f"TF32 rounding takes float32 values, got {x.dtype}")
    return x
