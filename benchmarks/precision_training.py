"""Does training in tf32x3 and tf32 behave like ieee? 200 iterations per mode against the
seed-to-seed band of ieee runs (issue 10, "On a GPU").

The ``mini`` net learns a fixed synthetic problem (class prototypes plus noise, generated here,
the same for every run) with Caffe's SGD at batch 64 (in 200 iterations the loss falls from
about ln 10 to a fraction of it). Every mode trains from the initialisation seeds
0..``--seeds``−1; per run two numbers: the mean loss over the whole run (the learning curve's
area) and over its last ``--window`` iterations. The ieee runs give a band for each, widened by a
quarter of its width on each side (a band from a few seeds is itself an estimate); tf32x3 and tf32
pass when the medians of their runs lie inside both bands. Training is chaotic, so one run of a
mode may leave the band as one more ieee seed would: the median is what is judged.
Prints one line per run and a verdict; exit code 0 when every mode passes, 1 otherwise.

    python benchmarks/precision_training.py                      # CUDA, 200 iterations, 4 ieee seeds
    python benchmarks/precision_training.py --device cpu --iterations 20 --seeds 2   # a quick look
"""

import argparse
import sys

import numpy as np

from minitransfer import cuda, models, optim
from minitransfer.layers import to_device

CLASSES = 10
SAMPLES = 2048


def synthetic_problem(crop):
    """(images, labels): SAMPLES noisy copies of CLASSES random prototypes, float32, NCHW."""
    rng = np.random.default_rng(1234)
    prototypes = rng.standard_normal((CLASSES, 3, crop, crop)).astype(np.float32)
    labels = rng.integers(0, CLASSES, SAMPLES).astype(np.int32)
    images = prototypes[labels] + np.float32(0.75) * rng.standard_normal((SAMPLES, 3, crop, crop)).astype(np.float32)
    return np.float32(30) * images, labels


def training_losses(mode, seed, iterations, batch, device, images, labels):
    """The training loss of each iteration of a fresh mini net in ``mode`` from ``seed``."""
    net = models.mini(CLASSES)
    net.initialize(seed)
    net.to(device, precision=mode)
    solver = optim.Solver(base_lr=0.01, stepsize=10**6)
    losses = []
    for iteration in range(iterations):
        first = (iteration * batch) % (SAMPLES - batch)
        x = to_device(images[first:first + batch], device)
        y = to_device(labels[first:first + batch], device)
        loss, _ = net.forward(x, y, train=True, iteration=iteration, seed=seed)
        net.backward()
        optim.step(net.params, solver, iteration)
        losses.append(float(loss))
    return np.array(losses)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cuda")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=4, help="ieee runs that make the band (at least 2)")
    parser.add_argument("--window", type=int, default=20, help="last iterations averaged")
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args(argv)
    if args.seeds < 2 or not 0 < args.window <= args.iterations:
        parser.error("--seeds must be at least 2 and --window between 1 and --iterations")
    if args.device == "cuda" and not cuda.cuda_available():
        print("precision_training: no usable CUDA device; --device cpu runs the NumPy emulation of every mode",
              file=sys.stderr)
        return 1
    images, labels = synthetic_problem(models.PRESETS["mini"].crop)

    def summary(mode, seed):
        losses = training_losses(mode, seed, args.iterations, args.batch, args.device, images, labels)
        curve, last = float(losses.mean()), float(losses[-args.window:].mean())
        print(f"  {mode:<7} seed {seed}: first {losses[0]:.4f}, mean {curve:.4f}, last {args.window} {last:.4f}",
              flush=True)
        return curve, last

    runs = [summary("ieee", seed) for seed in range(args.seeds)]
    bands = []
    for name, values in (("mean", [r[0] for r in runs]), (f"last {args.window}", [r[1] for r in runs])):
        low, high = min(values), max(values)
        slack = (high - low) / 4
        bands.append((low - slack, high + slack))
        print(f"ieee band of the {name} over {args.seeds} seeds: [{low:.4f}, {high:.4f}], "
              f"accepted [{low - slack:.4f}, {high + slack:.4f}]")
    failed = []
    for mode in ("tf32x3", "tf32"):
        values = np.median([summary(mode, seed) for seed in range(args.seeds)], axis=0)
        inside = all(low <= value <= high for value, (low, high) in zip(values, bands))
        print(f"{mode}: medians {values[0]:.4f}, {values[1]:.4f}: {'inside' if inside else 'OUTSIDE'} the ieee bands")
        failed += [] if inside else [mode]
    print("precision_training: "
          + ("every mode inside the ieee band" if not failed else f"outside: {', '.join(failed)}"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
