"""Time one training iteration (forward, backward, SGD update) of a preset, baseB against A7B frozen.

A7B has weight layers 1..7 frozen: nothing below fc8 runs backward and only fc8 is updated, so
the difference to baseB (everything trainable) is the saving of the pruned backward pass
(DESIGN.md §1, "nothing below the lowest trainable layer runs backward"). Input is a random batch
already on the device (the data loader is not timed). CPU: median wall time; CUDA: median of CUDA
events around each iteration (no L2 flush: an iteration touches far more than the L2).

    python benchmarks/iteration.py --preset mini --batch 64 --device cpu
    python benchmarks/iteration.py --preset caffenet --batch 256 --device cuda --frozen 0 4 7
"""

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from minitransfer import models, optim  # noqa: E402
from minitransfer.layers import to_device  # noqa: E402


def iteration_ms(preset, batch, device, n_frozen, warmup, repeat, num_outputs):
    """Median milliseconds of one training iteration with weight layers 1..n_frozen frozen."""
    net = models.PRESETS[preset].build(num_outputs)
    net.initialize(0)
    net.freeze(n_frozen)
    net.to(device)
    rng = np.random.default_rng(0)
    x = to_device((40 * rng.standard_normal((batch, *net.input_shape))).astype(np.float32), device)
    labels = to_device(rng.integers(0, num_outputs, batch).astype(np.int32), device)
    solver = optim.Solver()
    state = {"iteration": 0}

    def run():
        net.forward(x, labels, train=True, iteration=state["iteration"])
        net.backward()
        optim.step(net.params, solver, state["iteration"])
        state["iteration"] += 1

    if device == "cuda":
        import common

        return common.median_ms(run, warmup=warmup, repeat=repeat, flush_l2=False)
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(models.PRESETS), default="mini")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default: the preset's)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--outputs", type=int, default=None, help="fc8 outputs (default 500 caffenet, 10 mini)")
    parser.add_argument("--frozen", type=int, nargs="+", default=[0, 7],
                        help="frozen prefixes to time (0 = baseB, 7 = A7B)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    batch = args.batch or models.PRESETS[args.preset].batch_size
    outputs = args.outputs or (500 if args.preset == "caffenet" else 10)
    print(f"{args.preset}, batch {batch}, {outputs} outputs, {args.device}: median of {args.repeat} iterations")
    baseline = None
    for n_frozen in args.frozen:
        ms = iteration_ms(args.preset, batch, args.device, n_frozen, args.warmup, args.repeat, outputs)
        baseline = baseline or ms
        name = "baseB" if n_frozen == 0 else f"A{n_frozen}B frozen"
        print(f"  {name:<12} {ms:9.2f} ms   {ms / baseline:6.1%} of the first")


if __name__ == "__main__":
    main()
