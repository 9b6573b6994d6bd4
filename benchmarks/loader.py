"""Loader throughput: images/s of 256×256 uint8 batches from the page cache, by number of workers,
and the cost of the integrity check (sha256 of every shard) a loader makes before its first batch.

Validate, then time: a dataset of random 256×256 images is written to a temporary directory (so
it sits in the page cache), each loader configuration is first checked against a direct read of
the same images, then timed over a number of shuffled training batches (``next_raw``: the uint8
batch the augmentation kernel receives). Target (issue 5): ≥ 3,000 images/s on a 2-core machine.

The integrity check hashes each shard at most once per run (remembered, in the process and in
$MINITRANSFER_CACHE/verified across processes, until the file changes), so it costs nothing per
batch: it is timed on its own, unremembered, and reported as a share of the time to load one
epoch, the worst case (a run of a single epoch, its dataset never checked before); a run of E
epochs pays 1/E of that. Budget (issue 13): at most 10 %.

    python benchmarks/loader.py                       # workers 0, 1, 2, ... up to the core count
    python benchmarks/loader.py --workers 0 2 4 --images 4096 --batches 40 --augment
"""

import argparse
import os
import tempfile
import time

import numpy as np

from minitransfer.data import build, dataset, decode, integrity, loader
from minitransfer.disk_space import DECIMAL, size_said


def make_dataset(folder, images, size):
    """A dataset of ``images`` random size×size images over 10 classes (fast: no decoding)."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(images, size, size, 3), dtype=np.uint8)
    labels = np.arange(images) % 10
    items = [decode.ImportItem(pixels=image) for image in pixels]
    classes = [{"index": c, "wnid": f"c{c}", "name": f"class {c}"} for c in range(10)]
    return build.build_dataset(folder, source={"kind": "benchmark"}, classes=classes,
                               subsets={"train": (items, labels, {})}, size=size, workers=0)


def measure(data, workers, batch_size, batches, augment, crop):
    """Images per second over ``batches`` timed batches (after two warm-up batches); the integrity
    check is left out here (it runs once, before the first batch) and timed by :func:`check_cost`."""
    indices = np.arange(data.num_images("train"))
    labels = data.labels("train")
    with loader.BatchLoader(data, "train", indices, labels, batch_size, crop, train=True, seed=1,
                            workers=workers, check_checksums=False) as batches_in:
        for _ in range(2):
            images, _ = batches_in.next_raw()
        expected = data.images("train", indices[batches_in.positions(batches_in.batch)])
        images, _ = batches_in.next_raw()
        if not np.array_equal(images, expected):
            raise AssertionError(f"workers={workers}: batch differs from a direct read")
        start = time.perf_counter()
        for _ in range(batches):
            if augment:
                next(batches_in)
            else:
                batches_in.next_raw()
        elapsed = time.perf_counter() - start
    return batches * batch_size / elapsed


def check_cost(data, repeats=3):
    """(wall seconds, CPU seconds) of the loader's integrity check of every train shard, best of
    ``repeats``, after validating that it accepts the intact dataset and refuses a wrong sha256."""
    files = data.checked_files("train")
    wrong = [(path, "0" * 64, what) for path, _, what in files[:1]]
    try:
        integrity.check_files(data.path, wrong, remember=False)
        raise AssertionError("the integrity check accepted a wrong sha256")
    except dataset.DatasetError:
        pass
    timings = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        integrity.check_files(data.path, files, remember=False)
        timings.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048, help="images in the dataset (default 2048, 400 MB)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--batches", type=int, default=30, help="timed batches per configuration")
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument("--augment", action="store_true", help="also crop/mirror/subtract the mean on the CPU")
    parser.add_argument("--crop", type=int, default=227)
    arguments = parser.parse_args()
    workers = arguments.workers or list(range(0, (os.cpu_count() or 1) + 1))
    with tempfile.TemporaryDirectory(prefix="minitransfer-bench-") as folder:
        data = make_dataset(os.path.join(folder, "data"), arguments.images, arguments.size)
        dataset.open_dataset(data.path).images("train", np.arange(data.num_images("train")))  # into the page cache
        what = "augmented float32" if arguments.augment else "uint8"
        print(f"loader throughput: {arguments.size}x{arguments.size} {what} batches of {arguments.batch_size}, "
              f"{arguments.images} images from the page cache, {os.cpu_count()} cores")
        check_wall, check_cpu = check_cost(data)
        size = sum(path.stat().st_size for path in data.shard_paths("train"))
        print(f"integrity check, at most once per run: sha256 of {size_said(size, 0, DECIMAL)} of shards in "
              f"{check_wall:.3f} s wall, {check_cpu:.3f} s CPU ({size / check_wall / 1e9:.2f} GB/s)")
        print(f"{'workers':>8} {'images/s':>10} {'one epoch (s)':>14} {'check / epoch':>14}")
        for count in workers:
            rate = measure(data, count, arguments.batch_size, arguments.batches, arguments.augment, arguments.crop)
            epoch = data.num_images("train") / rate
            print(f"{count:>8} {rate:>10.0f} {epoch:>14.3f} {100 * check_wall / epoch:>13.1f}%")


if __name__ == "__main__":
    main()
