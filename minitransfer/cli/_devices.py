"""Which GPU each run of a grid gets: --gpus (:class:`GpuIds`) and --device, as the scheduler's
slots (:func:`choose_devices`).
"""

import os

import click

from minitransfer import config, cuda, grid_gpus

class GpuIds(click.ParamType):
    """--gpus 0,1: GPUs as CUDA numbers those this process sees (:func:`choose_devices`), or their
    GPU-/MIG- UUIDs as ``nvidia-smi -L`` lists them; the ids joined by commas without the blanks
    around them (" 0 , 1 " is "0,1": given as is, every message quoted the blanks). None empty: "0,,"
    or an empty --gpus "$GPUS" (a variable left unset) had the grid train on every visible GPU, or on
    the CPU without a word."""

    name = "ids"

    def convert(self, value, param, ctx):
        parts = [part.strip() for part in value.split(",")]
        if not any(parts):
            self.fail(f"an empty GPU id in {value!r}: give ids such as 0,1, or leave --gpus out to use every "
                      f"visible GPU", param, ctx)
        if not all(parts):
            self.fail(f"an empty GPU id in {value!r} (expected e.g. 0,1)", param, ctx)
        wrong = [part for part in parts if not grid_gpus.is_gpu_id(part)]
        if wrong:
            every = " (leave --gpus out to use every visible GPU)" if "all" in map(str.lower, wrong) else ""
            self.fail(f"{', '.join(wrong)} is not a GPU index or UUID (e.g. --gpus 0,1; a UUID as nvidia-smi -L "
                      f"lists it, GPU-... or MIG-...){every}", param, ctx)
        return ",".join(parts)


def choose_devices(device, gpus=None):
    """The scheduler's slots: the ``CUDA_VISIBLE_DEVICES`` each run is given, one GPU each (every
    visible GPU, or those ``gpus`` "0,1" names), or ``(None,)`` for the CPU. ``gpus`` numbers the GPUs
    as CUDA does in this process: where a scheduler has set CUDA_VISIBLE_DEVICES (SLURM: "2,3"), 0 is
    its first entry, and a run on it gets that entry (an index, a UUID or a MIG id); a UUID must be
    among them. A GPU that CUDA_VISIBLE_DEVICES lists but CuPy cannot use (not installed, no driver)
    is no GPU: ``auto`` trains on the CPU, ``cuda`` and ``gpus`` are refused; else every run started
    on it would fail."""
    if device == "cpu":
        if gpus:
            raise config.ConfigError(f"--gpus {gpus} chooses GPUs, but --device cpu trains on the CPU")
        return (None,)
    visible = grid_gpus.visible_gpus()
    if gpus and not cuda.cuda_available():  # else each run would start, only to fail without CUDA
        raise config.ConfigError(f"--gpus {gpus}: no GPU is usable here (install CuPy, check the driver), or train on "
                                 f"the CPU without --gpus")
    if visible and device == "cuda" and not cuda.cuda_available():
        raise config.ConfigError(f"--device cuda: CUDA_VISIBLE_DEVICES lists GPU {', '.join(visible)}, but CuPy "
                                 f"cannot use it here (install CuPy, check the driver); or train on the CPU "
                                 f"(--device cpu)")
    if gpus:
        return tuple(_visible_entry(part.strip(), visible, gpus) for part in gpus.split(","))
    if visible and cuda.cuda_available():
        return visible
    if device == "cuda":
        raise config.ConfigError("--device cuda: no GPU visible (install CuPy, check CUDA_VISIBLE_DEVICES); or "
                                 "train on the CPU (--device cpu)")
    return (None,)


def _visible_entry(gpu, visible, gpus):
    """What CUDA_VISIBLE_DEVICES of a run on ``gpu`` (an entry of --gpus ``gpus``) holds: the entry
    ``visible`` (:func:`minitransfer.grid_gpus.visible_gpus`) has at that index, or the UUID itself."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    among = f"CUDA_VISIBLE_DEVICES={listed} lists {len(visible)}" if listed is not None else f"{len(visible)} visible"
    if grid_gpus.is_gpu_index(gpu):
        if int(gpu) >= len(visible):
            raise config.ConfigError(f"--gpus {gpus}: there is no GPU {gpu} here ({among}, numbered from 0)")
        return visible[int(gpu)]
    if listed is not None and not any(gpu.startswith(entry) for entry in visible):
        raise config.ConfigError(f"--gpus {gpus}: GPU {gpu} is not among those this process may use "
                                 f"(CUDA_VISIBLE_DEVICES={listed}); give their indices, from 0")
    return gpu
