"""Our implicit-GEMM convolution (kernels/conv2d.cu) against PyTorch's cuDNN, CaffeNet conv1..conv5.

For each layer at the batch size (256 by default) and each direction — forward (bias included),
backward-data (dx), backward-filter (dW, split-K plus the fixed-order reduction) and
backward-bias (db) — the kernel is first validated, then timed:

1. at batch 2, float32 on the GPU against the float64 NumPy reference (the ``error`` column);
2. at the full batch, against PyTorch in float64 on the GPU (``error_float64_full`` in the JSON).

A relative error above ``MAX_ERROR`` in either check means the kernel is not timed (its row keeps
``ms`` = None and the message is printed). The distance to cuDNN's own fp32 result is reported
(``error_cudnn_fp32``) but does not gate: with ``cudnn.benchmark`` cuDNN may pick FFT or
Winograd algorithms whose fp32 error reaches 1e-3 (measured: 5e-3 for conv2 backward-filter on
an H100, while our kernel was within 3e-7 of float64 at batch 2). The references are ``torch.nn.functional.conv2d``,
``torch.nn.grad.conv2d_input`` / ``conv2d_weight`` and ``dy.sum((0, 2, 3))`` for the bias, with
``torch.backends.cudnn.benchmark`` on (cuDNN picks its fastest algorithm during the warm-up),
TF32 off (``ms_ref_fp32``) and on (``ms_ref_tf32``). FLOP: 2·N·K·P·Q·(C/g)·R·S for each of the
three convolution directions, N·K·P·Q for the bias.

    python benchmarks/conv.py                 # batch 256, 25 timed runs per kernel
    python benchmarks/conv.py --batch 64 --repeat 10
    python benchmarks/conv.py --all-variants  # also the variants the launcher does not choose

Each row's shape ends with the kernel variant that ran ([m128], [m64], [small_channels]; with
``--precision tf32x3`` or ``tf32`` the tensor-core [tc_m128], [tc_m64]: see
``conv2d_plan.choose_variant``); the per-layer totals use the chosen variants only. A tf32 result is
timed when within 2e-3 of float64 (issue 10's bound), the others within 1e-4.

Run through ``benchmarks/kernels.py --only conv`` to get the table written to ``benchmarks/results/``.
"""

import argparse
import sys
import traceback

import numpy as np

import common
from minitransfer import cuda
from minitransfer.ops import conv2d, conv2d_plan
from minitransfer.ops import precision as precisions

# Largest relative error against float64 that is still timed, per precision (issue 10: tf32 ≤ 2e-3).
MAX_ERROR = {"ieee": 1e-4, "tf32x3": 1e-4, "tf32": 2e-3}
VALIDATION_BATCH = 2

# name, C, H (= W), K, R (= S), stride, pad, groups  (DESIGN.md §1)
LAYERS = (
    ("conv1", 3, 227, 96, 11, 4, 0, 1),
    ("conv2", 96, 27, 256, 5, 1, 2, 2),
    ("conv3", 256, 13, 384, 3, 1, 1, 1),
    ("conv4", 384, 13, 384, 3, 1, 1, 2),
    ("conv5", 384, 13, 256, 3, 1, 1, 2),
)
DIRECTIONS = ("forward", "backward-data", "backward-filter", "backward-bias")


def _ours(direction, variant, x, w, b, dy, stride, pad, groups, precision="ieee"):
    """A zero-argument function that enqueues our kernel(s) for one direction and returns the result."""
    launchers = {
        "forward": lambda: conv2d._forward_cuda(x, w, b, stride, pad, groups, precision, variant=variant),
        "backward-data": lambda: conv2d._backward_data_cuda(x, w, dy, stride, pad, groups, precision, variant=variant),
        "backward-filter": lambda: conv2d._backward_filter_cuda(x, w, dy, stride, pad, groups, precision,
                                                                variant=variant),
        "backward-bias": lambda: conv2d._backward_bias_cuda(dy),
    }
    return launchers[direction]


def _variants(direction, x, w, stride, all_variants, precision="ieee"):
    """The variant the launcher chooses for this shape first, then (with ``all_variants``) the others
    that compute ``precision``."""
    if direction not in conv2d_plan.VARIANTS:
        return ["-"]
    chosen = conv2d_plan.choose_variant(direction, x.shape, w.shape, stride, precision)
    tensor_core = precision != "ieee"
    others = [v for v in conv2d_plan.VARIANTS[direction] if v != chosen and v.startswith("tc_") == tensor_core]
    others = others if all_variants else []
    return [chosen] + others


def _theirs(torch, direction, x, w, b, dy, stride, pad, groups, dtype=None):
    """The PyTorch (cuDNN) counterpart of :func:`_ours`, on torch views of the same CuPy buffers
    (or on copies converted to ``dtype``, e.g. ``torch.float64`` for validation)."""
    xt, wt, bt, dyt = (torch.from_dlpack(a) for a in (x, w, b, dy))
    if dtype is not None:
        xt, wt, bt, dyt = (t.to(dtype) for t in (xt, wt, bt, dyt))
    functional, grad = torch.nn.functional, torch.nn.grad
    launchers = {
        "forward": lambda: functional.conv2d(xt, wt, bt, stride=stride, padding=pad, groups=groups),
        "backward-data": lambda: grad.conv2d_input(xt.shape, wt, dyt, stride=stride, padding=pad, groups=groups),
        "backward-filter": lambda: grad.conv2d_weight(xt, wt.shape, dyt, stride=stride, padding=pad, groups=groups),
        "backward-bias": lambda: dyt.sum((0, 2, 3)),
    }
    return launchers[direction]


def _inputs(cp, rng, batch, C, H, K, R, stride, pad, groups):
    P = conv2d.output_size(H, R, stride, pad)

    def rand(*shape):
        return cp.asarray(rng.standard_normal(shape, dtype=np.float32))

    return rand(batch, C, H, H), rand(K, C // groups, R, R), rand(K), rand(batch, K, P, P)


def _flop(direction, batch, C, H, K, R, stride, pad, groups):
    P = conv2d.output_size(H, R, stride, pad)
    if direction == "backward-bias":
        return batch * K * P * P
    return 2 * batch * K * P * P * (C // groups) * R * R


def _layer_rows(cp, torch, rng, batch, repeat, layer, all_variants, precision):
    name, C, H, K, R, stride, pad, groups = layer
    P = conv2d.output_size(H, R, stride, pad)
    shape = f"{batch}x{C}x{H}x{H} * {K}x{C // groups}x{R}x{R} s{stride} p{pad} g{groups} -> {P}x{P}"
    small = _inputs(cp, rng, VALIDATION_BATCH, C, H, K, R, stride, pad, groups)
    as64 = [cp.asnumpy(a).astype(np.float64) for a in small]
    y_ref, cache = conv2d.forward(*as64[:3], stride=stride, pad=pad, groups=groups)
    small_references = dict(zip(DIRECTIONS, (y_ref,) + conv2d.backward(as64[3], cache)))
    x, w, b, dy = _inputs(cp, rng, batch, C, H, K, R, stride, pad, groups)
    rows = []
    for direction in DIRECTIONS:
        flop = _flop(direction, batch, C, H, K, R, stride, pad, groups)
        full_reference = theirs = None
        ms_fp32 = ms_tf32 = None
        if torch is not None:
            full_reference = _theirs(torch, direction, x, w, b, dy, stride, pad, groups, dtype=torch.float64)()
            theirs = _theirs(torch, direction, x, w, b, dy, stride, pad, groups)
        for index, variant in enumerate(_variants(direction, x, w, stride, all_variants, precision)):
            error = common.relative_error(_ours(direction, variant, *small, stride, pad, groups, precision)(),
                                          small_references[direction])
            ours = _ours(direction, variant, x, w, b, dy, stride, pad, groups, precision)
            ms = error_full = error_cudnn = None
            if torch is not None:
                with common.cudnn_mode(torch, tf32=False):
                    result = ours()
                    error_full = common.relative_error(result, full_reference)
                    error_cudnn = common.relative_error(result, theirs())
                del result
            problem = None
            if not error <= MAX_ERROR[precision]:
                problem = f"error {error:.3e} against float64 at batch {VALIDATION_BATCH}"
            elif error_full is not None and not error_full <= MAX_ERROR[precision]:
                problem = f"error {error_full:.3e} against torch float64 at batch {batch}"
            if problem:
                print(f"{name} {direction} [{variant}]: {problem}; not timing a wrong kernel", flush=True)
            else:
                ms = common.median_ms(ours, repeat=repeat)
                if torch is not None and ms_fp32 is None:
                    with common.cudnn_mode(torch, tf32=False):
                        ms_fp32 = common.median_ms(theirs, repeat=repeat)
                    with common.cudnn_mode(torch, tf32=True):
                        ms_tf32 = common.median_ms(theirs, repeat=repeat)
            reference = "torch sum" if direction == "backward-bias" else "cuDNN"
            label = name if precision == "ieee" else f"{name} {precision}"
            row = common.make_row(label, direction, f"{shape} [{variant}]", flop, ms, error,
                                  reference if torch is not None else "float64 only", ms_fp32, ms_tf32)
            row["variant"] = variant
            row["chosen"] = index == 0  # the variant conv2d_plan.choose_variant runs for this shape
            row["error_float64_full"] = error_full
            row["error_cudnn_fp32"] = error_cudnn
            rows.append(row)
        del full_reference, theirs
    return rows


def conv_rows(batch=256, repeat=25, all_variants=False, precision="ieee"):
    """Validated and timed rows (the format of benchmarks/common.py) for CaffeNet conv1..conv5, ours
    in ``precision``: the variant the launcher chooses, and with ``all_variants`` every other one too."""
    cp = cuda.cupy()
    torch = common.torch_cuda()
    if torch is not None:
        torch.backends.cudnn.benchmark = True
    rng = np.random.default_rng(0)
    rows = []
    for layer in LAYERS:
        try:
            rows += _layer_rows(cp, torch, rng, batch, repeat, layer, all_variants, precision)
        except Exception:  # one broken layer must not cost the others' numbers
            print(f"{layer[0]}: failed\n{traceback.format_exc()}", flush=True)
        cp.get_default_memory_pool().free_all_blocks()
    return rows


def layer_totals(rows):
    """Per layer: our forward + backward time (the chosen variants) against cuDNN's, with and
    without backward-data."""
    totals = []
    for name in dict.fromkeys(row["name"] for row in rows):
        by_direction = {row["direction"]: row for row in rows if row["name"] == name and row["chosen"]}
        for label, directions in (("fwd+bwd", DIRECTIONS),
                                  ("fwd+bwd-filter+bias", ("forward", "backward-filter", "backward-bias"))):
            chosen = [by_direction.get(d) for d in directions]
            if any(row is None or row["ms"] is None for row in chosen):
                continue
            ours = sum(row["ms"] for row in chosen)
            fp32 = sum(row["ms_ref_fp32"] or float("nan") for row in chosen)
            tf32 = sum(row["ms_ref_tf32"] or float("nan") for row in chosen)
            totals.append((name, label, ours, fp32, tf32))
    return totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--all-variants", action="store_true",
                        help="also time the variants the launcher does not choose for each shape")
    parser.add_argument("--precision", choices=precisions.PRECISIONS, default="ieee",
                        help="how our kernels multiply (tf32x3 and tf32: unverified on a GPU)")
    args = parser.parse_args(argv)
    if not common.gpu_or_message("conv"):
        return 1
    info = common.device_info()
    print(", ".join(f"{key} {value}" for key, value in info.items()), flush=True)
    rows = conv_rows(batch=args.batch, repeat=args.repeat, all_variants=args.all_variants, precision=args.precision)
    print()
    common.print_table(rows)
    print("\nerrors at full batch (relative): against torch float64 (gates timing), against cuDNN fp32 (reported)")
    for row in rows:
        full, cudnn = row["error_float64_full"], row["error_cudnn_fp32"]
        if full is not None:
            print(f"{row['name']:6} {row['direction']:16} {row['variant']:15} {full:.2e}  {cudnn:.2e}")
    print("\nlayer totals (ms): ours, cuDNN fp32, cuDNN tf32, ratio to fp32 (training needs no conv1 dx)")
    for name, label, ours, fp32, tf32 in layer_totals(rows):
        print(f"{name:6} {label:20} {ours:8.3f} {fp32:8.3f} {tf32:8.3f}  x{ours / fp32:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
