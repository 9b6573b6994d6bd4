"""The kernel benchmark: validate, then time our kernels against cuBLAS / PyTorch (cuDNN).

    python benchmarks/kernels.py                  # GEMM, fc layers, convolutions
    python benchmarks/kernels.py --only gemm      # one group: gemm, fc or conv (repeatable)
    python benchmarks/kernels.py --repeat 50 --batch 128
    python benchmarks/kernels.py --precision tf32x3   # ours on tensor cores (unverified on a GPU)

Prints one table and writes it to ``benchmarks/results/<gpu>-<date>[-<precision>].json`` and ``.md`` (see
``benchmarks/README.md`` for how to read it). The conv rows come from ``benchmarks/conv.py``
when that module is present and imports.
"""

import argparse
import inspect
import os
import sys

os.environ["CUPY_TF32"] = "0"  # before CuPy is imported: the cuBLAS reference is IEEE fp32

import common  # noqa: E402
import gemm  # noqa: E402
from minitransfer.ops import precision as precisions  # noqa: E402

GROUPS = ("gemm", "fc", "conv")


def conv_rows(batch, repeat, precision):
    """The rows of benchmarks/conv.py, or [] with a note when it is missing or broken."""
    try:
        import conv
    except Exception as error:  # a missing or broken optional module must not cost the other rows
        print(f"conv: skipped, benchmarks/conv.py did not import ({type(error).__name__}: {error})")
        return []
    kwargs = {"batch": batch, "precision": precision}
    if "repeat" in inspect.signature(conv.conv_rows).parameters:
        kwargs["repeat"] = repeat
    return conv.conv_rows(**kwargs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=GROUPS, action="append",
                        help="run only this group of benchmarks (give it again for more groups)")
    parser.add_argument("--repeat", type=int, default=25, help="timed runs per kernel (median reported)")
    parser.add_argument("--batch", type=int, default=256, help="batch size of the fc and conv layers")
    parser.add_argument("--results", default="benchmarks/results", help="folder for the .json and .md tables")
    parser.add_argument("--precision", choices=precisions.PRECISIONS, default="ieee",
                        help="how our kernels multiply (tf32x3 and tf32: unverified on a GPU)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.batch < 1:
        parser.error("--repeat and --batch must be at least 1")

    if not common.gpu_or_message("kernels"):
        return 1
    info = common.device_info()
    print(", ".join(f"{key} {value}" for key, value in info.items()), flush=True)
    groups = args.only or GROUPS
    rows = []
    if "gemm" in groups:
        print("gemm: our GEMM against cuBLAS", flush=True)
        rows += gemm.gemm_rows(repeat=args.repeat, batch=args.batch, precision=args.precision)
    if "fc" in groups:
        print("fc: linear forward/backward against PyTorch", flush=True)
        rows += gemm.fc_rows(repeat=args.repeat, batch=args.batch, precision=args.precision)
    if "conv" in groups:
        print("conv: conv2d against PyTorch (cuDNN)", flush=True)
        rows += conv_rows(args.batch, args.repeat, args.precision)
    print()
    common.print_table(rows)
    tag = "" if args.precision == "ieee" else args.precision
    json_path, md_path = common.write_results(rows, info, folder=args.results, tag=tag)
    print(f"\nwrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
