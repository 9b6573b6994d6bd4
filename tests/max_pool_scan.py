"""Max pooling's documented scan written out, the oracle of the NumPy reference's bits
(tests/ops/test_max_pool2d_output.py, tests/ops/test_max_pool2d_bits.py), independent of minitransfer's code."""

import math

import numpy as np


def scan(x, size, stride, pad):
    """The module docstring's rule (the kernel's loop): each window's row-major scan from its first real
    pixel, strict >; padding never seen; a NaN first pixel is kept (nothing is greater). Returns y and the
    argmax, the flat index h·W + w in the plane of each window's pixel taken."""
    N, C, H, W = x.shape
    P, Q = (math.ceil((length + 2 * pad - size) / stride) + 1 for length in (H, W))
    P, Q = P - ((P - 1) * stride >= H + pad), Q - ((Q - 1) * stride >= W + pad)  # the last window starts inside
    y = np.empty((N, C, P, Q), dtype=x.dtype)
    argmax = np.empty((N, C, P, Q), dtype=np.int64)
    for n in range(N):
        for c in range(C):
            for p in range(P):
                for q in range(Q):
                    h0, w0 = max(p * stride - pad, 0), max(q * stride - pad, 0)
                    h1, w1 = min(p * stride - pad + size, H), min(q * stride - pad + size, W)
                    best, at = x[n, c, h0, w0], h0 * W + w0
                    for h in range(h0, h1):
                        for w in range(w0, w1):
                            if x[n, c, h, w] > best:
                                best, at = x[n, c, h, w], h * W + w
                    y[n, c, p, q], argmax[n, c, p, q] = best, at
    return y, argmax
