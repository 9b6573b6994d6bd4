"""The building blocks of ``iteration.py``'s race: nets that start from seed 0's weights drawn once per
process, and configurations warmed up and timed in interleaved blocks, where one that fails (torch.compile
raising, one of our step modes) is left out with its error rather than ending the run: a lent GPU's
one run of ``gpu_checks.sh`` must not lose every other configuration's times to it.
"""

import functools
import statistics
import time
import traceback

from minitransfer import models


@functools.lru_cache(maxsize=None)
def _initial_weights(preset, outputs):
    net = models.PRESETS[preset].build(outputs)
    net.initialize(0)
    return net.weights()


def initialized_net(preset, outputs):
    """A new net of ``preset`` with seed 0's weights, drawn once per process: every configuration
    raced builds one (about 40 for CaffeNet, 61 M Gaussian draws each, seconds of the race's limit)."""
    net = models.PRESETS[preset].build(outputs)
    weights = _initial_weights(preset, outputs)
    for layer in net.weight_layers:
        layer.set_weights(*weights[layer.name])
    return net


def guarded(name, failures, action):
    """``action()``, or None where it raises: the error then kept in ``failures[name]`` and said (with the
    traceback for ours), so that one configuration failing (torch.compile, a kernel) loses only itself."""
    try:
        return action()
    except Exception as error:
        if name.startswith("ours "):
            traceback.print_exc()
        lines = str(error).strip().splitlines()
        failures[name] = f"{type(error).__name__}: {lines[0] if lines else ''}".strip()
        print(f"    {name} failed, left out: {failures[name]}", flush=True)
        return None


def interleaved_medians(runners, synchronize, warmup, blocks, per_block, failures):
    """{name: median ms}: each runner warmed up, then timed in interleaved blocks; one that fails to
    warm up is left out, its error in ``failures``."""
    for name, run in list(runners.items()):
        started = time.perf_counter()

        def warm(run=run):
            for _ in range(warmup):
                run()
            synchronize()
            return True

        if guarded(name, failures, warm) is None:
            del runners[name]
            continue
        print(f"    warmed up {name} ({time.perf_counter() - started:.1f} s)", flush=True)
    times = {name: [] for name in runners}
    for _ in range(blocks):
        for name, run in runners.items():
            for _ in range(per_block):
                synchronize()
                started = time.perf_counter()
                run()
                synchronize()
                times[name].append(1000 * (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in times.items()}
