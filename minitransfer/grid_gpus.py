"""The GPUs a local grid hands out to its slots, one ``train`` process each (its
``CUDA_VISIBLE_DEVICES``): which are visible (:func:`visible_gpus`), what names one
(:func:`is_gpu_id`) and how the grid calls it (:func:`gpu_name`); which it stops handing runs to,
broken, is :mod:`minitransfer.grid_retirement`'s. :mod:`minitransfer.scheduler` runs the grid.
"""

import os


def visible_gpus():
    """The GPU ids a scheduler may hand out, one process each: the entries of the parent's
    ``CUDA_VISIBLE_DEVICES`` when set, else 0..count−1 as CuPy counts them; () without a GPU.
    CUDA reads that list up to its first entry that is neither an index nor a GPU-/MIG- UUID
    (``0,-1,1`` shows GPU 0 alone), and so does this."""
    from minitransfer import cuda

    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        entries = []
        for entry in (part.strip() for part in listed.split(",")):
            if not is_gpu_id(entry):
                break
            entries.append(entry)
        return tuple(entries)
    try:
        return tuple(str(index) for index in range(cuda.cupy().cuda.runtime.getDeviceCount()))
    except cuda.CudaUnavailable:
        return ()


def is_gpu_index(text):
    """Whether ``text`` is a GPU index as CUDA reads one ("²" is a digit to str.isdigit, not to int())."""
    return text.isascii() and text.isdigit()


def is_gpu_id(text):
    """Whether ``text`` names a GPU as CUDA_VISIBLE_DEVICES does: an index, or a GPU-/MIG- UUID as
    ``nvidia-smi -L`` lists them, or the start of one; a prefix with nothing after it (``GPU-``,
    ``MIG-GPU-``) is none: it names no GPU in particular."""
    return is_gpu_index(text) or (text.startswith(("GPU-", "MIG-")) and
                                  bool(text.removeprefix("MIG-").removeprefix("GPU-")))


def gpu_name(entry):
    """GPU ``entry`` (what a run's CUDA_VISIBLE_DEVICES is set to, :func:`visible_gpus`) as the user
    numbers it (--gpus, CUDA's numbering in this process), and the entry too where they differ:
    "GPU 1 (CUDA_VISIBLE_DEVICES entry 7)" under CUDA_VISIBLE_DEVICES=6,7, else "GPU 7"."""
    visible = visible_gpus() if os.environ.get("CUDA_VISIBLE_DEVICES") is not None else ()
    if entry in visible and str(visible.index(entry)) != entry:
        return f"GPU {visible.index(entry)} (CUDA_VISIBLE_DEVICES entry {entry})"
    return f"GPU {entry}"
