"""Our GEMM (kernels/gemm.cu) against cuBLAS, and the fully connected layers against PyTorch.

- :func:`gemm_rows`: ``minitransfer.ops.gemm.gemm`` against cuBLAS through ``cupy.matmul``
  with TF32 off (``CUPY_TF32=0``: IEEE fp32, the like-for-like reference) and, when PyTorch is
  installed, ``torch.matmul`` with TF32 on: the square 4096³ product (NN) and the three products
  of each CaffeNet fc layer at the batch size (forward NT, backward-data NN, backward-filter TN).
- :func:`fc_rows`: ``linear.forward`` / ``linear.backward`` against ``torch.nn.functional.linear``
  and the backward's explicit products (dy·W, dyᵀ·x, Σ dy), TF32 off and on.

Every kernel is validated against a float64 product (cuBLAS DGEMM) before it is timed; a
relative error above 1e-4 stops the benchmark. Run it through ``benchmarks/kernels.py``
(``--only gemm`` or ``--only fc``), or alone: ``python benchmarks/gemm.py``.
"""

import os
import sys

os.environ["CUPY_TF32"] = "0"  # read by CuPy at import: cuBLAS stays in IEEE fp32

import numpy as np  # noqa: E402

import common  # noqa: E402
from minitransfer.ops import gemm as gemm_op  # noqa: E402
from minitransfer.ops import linear  # noqa: E402

# Largest relative error against float64 that is still timed, per precision (issue 10: tf32 ≤ 2e-3).
MAX_ERROR = {"ieee": 1e-4, "tf32x3": 1e-4, "tf32": 2e-3}
SQUARE = 4096
FC_LAYERS = (("fc6", 9216, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000))


def _cupy():
    import cupy

    if os.environ.get("CUPY_TF32", "0") != "0":
        raise RuntimeError("CUPY_TF32 is set: the cuBLAS reference would not be IEEE fp32")
    return cupy


def _random(cp, rng, shape):
    return cp.asarray(rng.standard_normal(shape, dtype=np.float32))


def _op(x, transposed):
    return x.T if transposed else x


def _refuse_if_wrong(what, error, precision="ieee"):
    if not error <= MAX_ERROR[precision]:
        raise RuntimeError(f"{what}: relative error {error:.3e} against float64 exceeds {MAX_ERROR[precision]:g} "
                           f"({precision}); not timing a wrong kernel")


def _torch_view(torch, x):
    return torch.from_dlpack(x)


def _product_row(cp, torch, name, a, b, trans_a, trans_b, repeat, precision="ieee"):
    """One row: gemm(a, b, trans_a, trans_b) in ``precision`` against cuBLAS fp32 (and torch TF32)."""
    direction = ("t" if trans_a else "n") + ("t" if trans_b else "n")
    op_a, op_b = _op(a, trans_a), _op(b, trans_b)
    m, k = op_a.shape
    n = op_b.shape[1]
    reference = cp.matmul(op_a.astype(cp.float64), op_b.astype(cp.float64))
    error = common.relative_error(gemm_op.gemm(a, b, trans_a, trans_b, precision=precision), reference)
    _refuse_if_wrong(f"{name} {direction}", error, precision)
    cublas_error = common.relative_error(cp.matmul(op_a, op_b), reference)
    del reference

    ms = common.median_ms(lambda: gemm_op.gemm(a, b, trans_a, trans_b, precision=precision), repeat=repeat)
    ms_fp32 = common.median_ms(lambda: cp.matmul(op_a, op_b), repeat=repeat)
    ms_tf32 = None
    if torch is not None:
        ta, tb = _op(_torch_view(torch, a), trans_a), _op(_torch_view(torch, b), trans_b)
        with common.cudnn_mode(torch, tf32=True):
            ms_tf32 = common.median_ms(lambda: torch.matmul(ta, tb), repeat=repeat)
    print(f"  {name} {direction}: ours {ms:.3f} ms, cuBLAS fp32 {ms_fp32:.3f} ms "
          f"(errors vs float64: ours {error:.2e}, cuBLAS {cublas_error:.2e}, "
          f"splits {gemm_op.default_splits(m, n, k, np.float32, precision=precision)})", flush=True)
    return common.make_row(_named(name, precision), direction, f"{m}x{n}x{k}", 2 * m * n * k, ms, error, "cuBLAS",
                           ms_ref_fp32=ms_fp32, ms_ref_tf32=ms_tf32)


def _named(name, precision):
    return name if precision == "ieee" else f"{name} {precision}"


def gemm_rows(repeat=25, batch=256, precision="ieee"):
    """Rows for the 4096³ NN product and the fc6/fc7/fc8 products at ``batch``, ours in ``precision``."""
    cp = _cupy()
    torch = common.torch_cuda()
    rng = np.random.default_rng(0)
    rows = []
    a, b = _random(cp, rng, (SQUARE, SQUARE)), _random(cp, rng, (SQUARE, SQUARE))
    rows.append(_product_row(cp, torch, f"gemm {SQUARE}^3", a, b, False, False, repeat, precision))
    del a, b
    for name, fan_in, fan_out in FC_LAYERS:
        x = _random(cp, rng, (batch, fan_in))
        w = _random(cp, rng, (fan_out, fan_in))
        dy = _random(cp, rng, (batch, fan_out))
        rows.append(_product_row(cp, torch, f"{name} gemm", x, w, False, True, repeat, precision))  # y = x·Wᵀ
        rows.append(_product_row(cp, torch, f"{name} gemm", dy, w, False, False, repeat, precision))  # dx = dy·W
        rows.append(_product_row(cp, torch, f"{name} gemm", dy, x, True, False, repeat, precision))  # dW = dyᵀ·x
    return rows


def fc_rows(repeat=25, batch=256, precision="ieee"):
    """Rows for linear.forward and linear.backward (in ``precision``) of fc6/fc7/fc8 against
    PyTorch (fp32 and TF32).

    Without PyTorch the rows carry our times and errors only.
    """
    cp = _cupy()
    torch = common.torch_cuda()
    rng = np.random.default_rng(1)
    rows = []
    for name, fan_in, fan_out in FC_LAYERS:
        x = _random(cp, rng, (batch, fan_in))
        w = _random(cp, rng, (fan_out, fan_in))
        b = _random(cp, rng, (fan_out,))
        dy = _random(cp, rng, (batch, fan_out))
        x64, w64, dy64 = (t.astype(cp.float64) for t in (x, w, dy))
        y_ref = cp.matmul(x64, w64.T) + b.astype(cp.float64)
        grads_ref = (cp.matmul(dy64, w64), cp.matmul(dy64.T, x64), dy64.sum(axis=0))

        y, cache = linear.forward(x, w, b, precision=precision)
        forward_error = common.relative_error(y, y_ref)
        backward_error = max(common.relative_error(g, r) for g, r in zip(linear.backward(dy, cache), grads_ref))
        _refuse_if_wrong(f"{name} forward", forward_error, precision)
        _refuse_if_wrong(f"{name} backward", backward_error, precision)
        del x64, w64, dy64, y_ref, grads_ref

        ms_forward = common.median_ms(lambda: linear.forward(x, w, b, precision=precision), repeat=repeat)
        ms_backward = common.median_ms(lambda: linear.backward(dy, cache), repeat=repeat)
        references = {"forward": {}, "backward": {}}
        if torch is not None:
            tx, tw, tb, tdy = (_torch_view(torch, t) for t in (x, w, b, dy))
            functional = torch.nn.functional

            def torch_backward():
                torch.matmul(tdy, tw)
                torch.matmul(tdy.t(), tx)
                tdy.sum(dim=0)

            for tf32 in (False, True):
                with common.cudnn_mode(torch, tf32=tf32):
                    references["forward"][tf32] = common.median_ms(lambda: functional.linear(tx, tw, tb),
                                                                   repeat=repeat)
                    references["backward"][tf32] = common.median_ms(torch_backward, repeat=repeat)

        flop = 2 * batch * fan_in * fan_out
        shape = f"{batch}x{fan_in} -> {fan_out}"
        for direction, ms, error, work in (("forward", ms_forward, forward_error, flop),
                                           ("backward", ms_backward, backward_error, 2 * flop)):
            refs = references[direction]
            rows.append(common.make_row(_named(f"{name} linear", precision), direction, shape, work, ms, error, "torch",
                                        ms_ref_fp32=refs.get(False), ms_ref_tf32=refs.get(True)))
        print(f"  {name} linear: forward {ms_forward:.3f} ms, backward {ms_backward:.3f} ms "
              f"(errors {forward_error:.2e}, {backward_error:.2e})", flush=True)
    return rows


if __name__ == "__main__":
    if not common.gpu_or_message("gemm"):
        sys.exit(1)
    all_rows = gemm_rows() + fc_rows()
    common.print_table(all_rows)
