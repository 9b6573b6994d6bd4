"""Warm start: a second process that imports minitransfer and runs one forward and backward of
every op on the GPU should spend no time compiling.

Runs the same child twice with one fresh, empty CuPy kernel cache (``CUPY_CACHE_DIR``): the first
(cold) compiles every kernel file, the second (warm) should load them all from the disk cache.
Each child counts real NVRTC compilations by wrapping the function CuPy calls on a cache miss
(``_compile_using_nvrtc_no_warning`` in CuPy 14, ``compile_using_nvrtc`` before) and times
every module load and the whole fwd+bwd pass.

    python benchmarks/warm_start.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def _every_op_once(cp):
    """One forward and backward of every op on small random data (float32)."""
    from minitransfer.ops import (augment, conv2d, dropout, linear, lrn, max_pool2d, relu, sgd,
                                  softmax_cross_entropy)

    rng = np.random.default_rng(0)

    def rand(*shape):
        return cp.asarray(rng.standard_normal(shape).astype(np.float32))

    x = rand(4, 6, 15, 15)
    y, cache = conv2d.forward(x, rand(8, 3, 3, 3), rand(8), stride=1, pad=1, groups=2)
    conv2d.backward(rand(*y.shape), cache)
    for op, kwargs in ((relu, {}), (max_pool2d, {}), (lrn, {}), (dropout, {"seed": 1, "counter": 2})):
        y, cache = op.forward(x, **kwargs)
        op.backward(rand(*y.shape), cache)
    y, cache = linear.forward(rand(4, 20), rand(10, 20), rand(10))
    linear.backward(rand(4, 10), cache)
    labels = cp.asarray(np.array([1, 0, 9, 3], dtype=np.int32))
    loss, cache = softmax_cross_entropy.forward(y, labels)
    softmax_cross_entropy.backward(cp.ones((), dtype=np.float32), cache)
    softmax_cross_entropy.accuracy(y, labels, 5)
    w, grad, velocity = rand(10, 20), rand(10, 20), rand(10, 20)
    sgd.update(w, grad, velocity, 0.01, 0.9, 0.0005)
    images = cp.asarray(rng.integers(0, 256, (4, 40, 40, 3), dtype=np.uint8))
    augment.forward(images, rand(40, 40, 3), 32, train=True, seed=0, iteration=1)
    cp.cuda.Device().synchronize()


def child():
    started = time.perf_counter()
    import cupy
    import cupy.cuda.compiler as compiler

    from minitransfer import cuda
    from minitransfer.ops import OPS

    compiles = []
    miss_path = next(name for name in ("_compile_using_nvrtc_no_warning", "compile_using_nvrtc")
                     if hasattr(compiler, name))
    real_compile = getattr(compiler, miss_path)

    def counting_compile(*args, **kwargs):
        compiles.append(time.perf_counter())
        return real_compile(*args, **kwargs)

    setattr(compiler, miss_path, counting_compile)
    import importlib

    # RawModule compiles (or loads from the disk cache) on the first get_function: time that.
    first_kernel = {}
    for op in OPS:
        module = importlib.import_module(f"minitransfer.ops.{op}")
        first_kernel.setdefault(module.KERNEL_FILE, cuda.entry(module.KERNELS[0], np.float32))
    loads = {}
    for stem, name in sorted(first_kernel.items()):
        tick = time.perf_counter()
        cuda.function(stem, name)
        loads[stem] = (time.perf_counter() - tick) * 1e3
    tick = time.perf_counter()
    _every_op_once(cupy)
    ops_ms = (time.perf_counter() - tick) * 1e3
    print(json.dumps({"nvrtc_compiles": len(compiles), "module_load_ms": loads, "ops_ms": ops_ms,
                      "total_s": time.perf_counter() - started}))


def main():
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, CUPY_CACHE_DIR=cache)
        runs = {}
        for label in ("cold", "warm"):
            done = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stdout, done.stderr, sep="\n")
                return 1
            runs[label] = json.loads(done.stdout.strip().splitlines()[-1])
            runs[label]["cache_files"] = sum(len(files) for _, _, files in os.walk(cache))
    print(f"{'':6}{'nvrtc compiles':>16}{'module loads ms':>17}{'fwd+bwd all ops ms':>20}{'process s':>11}"
          f"{'cache files':>13}")
    for label, run in runs.items():
        print(f"{label:6}{run['nvrtc_compiles']:>16}{sum(run['module_load_ms'].values()):>17.1f}"
              f"{run['ops_ms']:>20.1f}{run['total_s']:>11.2f}{run['cache_files']:>13}")
    print("per module (cold / warm ms):", ", ".join(
        f"{stem} {runs['cold']['module_load_ms'][stem]:.0f}/{runs['warm']['module_load_ms'][stem]:.1f}"
        for stem in runs["cold"]["module_load_ms"]))
    warm_ok = runs["warm"]["nvrtc_compiles"] == 0
    print("warm start:", "no compilation in the second process" if warm_ok else "the second process COMPILED")
    return 0 if warm_ok else 1


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import common

    if sys.argv[1:] != ["--child"] and not common.gpu_or_message("warm_start"):
        sys.exit(1)
    sys.exit(child() if sys.argv[1:] == ["--child"] else main())
