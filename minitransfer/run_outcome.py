"""How a training run ends: its result (:class:`TrainResult`, also written to ``result.json``, with what
trained it, :func:`environment`, and its dataset's recipe, :func:`dataset_record`), or
the error that stopped it: :class:`Interrupted` (a stop request, its checkpoint written),
:class:`OutOfMemoryMidRun` (memory ran out part-way; the checkpoint it continues from named) or
:class:`Diverged`, whose :func:`diagnostic` gives the layers' weight norms and what to change.
"""

import dataclasses
import platform
import sys

import h5py
import numpy as np

from minitransfer import __version__, checkpoint_check, cpus, cuda, optim
from minitransfer.errors import MinitransferError
from minitransfer.layers import to_numpy
from minitransfer.rundir import record_path


class Diverged(MinitransferError, RuntimeError):
    """The loss became non-finite; the message carries the diagnostic (exit code 1)."""


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP stopped the run after writing a checkpoint (exit code 75). A KeyboardInterrupt,
    as Python's Ctrl-C is: a notebook's ``except Exception`` around ``train`` must not swallow a stop and go on.
    ``checkpoint_path``: the checkpoint that holds the run (a ``pathlib.Path`` in the run directory of ``out``
    as given: where that was relative, so is it, to the working directory ``train`` was called in; None, and
    ``iteration`` 0, where it stopped before the first iteration), ``iteration``: the last one done.
    ``warnings``: as :attr:`minitransfer.errors.MinitransferError.warnings`, those ``train`` heard before it."""

    warnings = ()

    def __init__(self, message, checkpoint_path, iteration):
        super().__init__(message)
        self.checkpoint_path = checkpoint_path
        self.iteration = iteration

    def __reduce__(self):  # with its fields and warnings: a process pool (concurrent.futures) sends it back pickled
        return type(self), (*self.args, self.checkpoint_path, self.iteration), self.__dict__


class OutOfMemoryMidRun(MinitransferError, MemoryError):
    """Memory ran out part-way through a run (exit code 1): the message says what ran out, what was
    saved and what to change. ``checkpoint_path`` and ``iteration``: the checkpoint a rerun with
    ``resume='auto'`` continues from (None and 0 where there is none)."""

    def __init__(self, message, checkpoint_path, iteration):
        super().__init__(message)
        self.checkpoint_path = checkpoint_path
        self.iteration = iteration


@dataclasses.dataclass
class TrainResult:
    """What a finished run reports (also written to ``result.json``, but for ``warnings``). The
    accuracies are of the run's evaluations on the validation images of the classes it trained on
    (``eval.csv`` in its run directory, a resumed run's earlier ones included).

    Fields
    ------
    out : str
        The weights file written, named as ``out`` was given (or its default name): a relative path stays
        relative, to the working directory ``train`` was called in, not made absolute.
    run_dir : str
        The run directory beside it (config.json, metrics.jsonl, eval.csv, checkpoint.h5, result.json),
        named alike (relative where ``out`` is).
    iterations : int
        The iterations of the whole run (its `max_iter`).
    final : dict
        The last evaluation: iteration, top1, top5, loss (empty where the run made none).
    best_top1 : float
        The best top-1 accuracy of any evaluation (NaN where the run made none).
    mean10_top1 : float
        The metric of the paper's runs (the original code's): the mean top-1 accuracy of the 10 best
        evaluations (of all of them where the run made fewer; NaN where it made none).
    evaluations : int
        How many evaluations the run made.
    seconds : float
        Wall-clock seconds the call that finished the run trained (a resumed run: since it resumed).
    ms_per_iteration : float
        Milliseconds per iteration trained by that call.
    weights : dict
        The weights file as written: sha256, size, mtime_ns (None in older result.json files), and
        network_sha256, the digest of the network it holds, wherever the file lies
        (:func:`minitransfer.checkpoint_identity.network_sha256`; missing in older result.json files).
    validation : dict
        What the accuracies were scored on: ``images``, the validation images of the run's classes,
        ``classes``, how many, and ``largest_class``, the validation images of the largest of them: chance
        is its share, what always answering that class scores (1/classes where the classes are balanced).
        Facts of the run: its dataset may be prepared again or moved since, and report judges its base
        against chance by them (None in older result.json files, ``largest_class`` missing in some).
    environment : dict
        What trained it, for a reviewer making it again: the versions of ``minitransfer``, ``python``,
        ``numpy``, ``h5py`` and ``cupy`` (None on the CPU), the ``platform`` and the ``device`` ("cpu", or
        "cuda" and the GPU's name) of the call that finished the run
        (:func:`environment`; None in older result.json files).
    dataset : dict
        The dataset it was trained on: its ``fingerprint`` (meta.json's sha256), ``source``, meta.json's
        recipe (a synthetic set's generator options: `minitransfer info` prints the prepare command that
        makes it again), and ``shard_size`` (None for one shard a subset), kept here as the run folder may
        outlive the dataset (None in older files).
    warnings : tuple
        The texts of the warnings ``train`` said in this call (without ``warning: ``), in order, quiet
        or not: a library's caller, who sees no stderr, reads them here (:func:`minitransfer.train.train`).
        This call's, not the run's: not in result.json, which a rerun reads back.
    """

    out: str
    run_dir: str
    iterations: int
    final: dict
    best_top1: float
    mean10_top1: float
    evaluations: int
    seconds: float
    ms_per_iteration: float
    weights: dict = None
    validation: dict = None
    environment: dict = None
    dataset: dict = None
    warnings: tuple = ()

    def to_dict(self):
        """result.json's fields (``warnings`` left out), ``out`` and ``run_dir`` as UTF-8 text in every locale
        (:func:`minitransfer.rundir.record_path`, as config.json's; :attr:`out` itself is the name to open)."""
        return {name: record_path(value) if name in ("out", "run_dir") else value
                for name, value in dataclasses.asdict(self).items() if name != "warnings"}


def environment(device):
    """result.json's ``environment``: the versions of minitransfer, Python, NumPy, h5py and CuPy (None where
    it was not used) that trained the run, the machine's platform, the ``device`` ("cpu", or "cuda"
    and the GPU's name), and NumPy's BLAS, on which a CPU training's bits depend: its kernels ("blas",
    :func:`minitransfer.cpus.blas_kernels`), its threads ("blas_threads", :func:`minitransfer.cpus.blas_threads`;
    None where neither can be read: not OpenBLAS) and the variable that sets them ("blas_threads_variable",
    :func:`minitransfer.cpus.thread_variable`), which info's "made again by" command sets
    (:func:`minitransfer.checkpoint_remake.command_variables`)."""
    cupy = sys.modules.get("cupy")
    return {"minitransfer": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "h5py": h5py.__version__, "cupy": getattr(cupy, "__version__", None) if device == "cuda" else None,
            "platform": platform.platform(), "device": _device_words(device, cupy), "blas": cpus.blas_kernels(),
            "blas_threads": cpus.blas_threads(), "blas_threads_variable": cpus.thread_variable()}


def _device_words(device, cupy):
    """"cpu", or "cuda NVIDIA H100 80GB HBM3": the GPU's name where CuPy tells it."""
    if device != "cuda" or cupy is None:
        return device
    try:
        name = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
    except Exception:  # a stand-in of the tests, a driver that will not say: the kind is still worth recording
        return device
    return f"cuda {name.decode(errors='replace') if isinstance(name, bytes) else name}"


def dataset_record(dataset):
    """result.json's ``dataset``: the ``fingerprint`` (its meta.json's sha256), ``source`` (meta.json's
    recipe: a synthetic set's generator options, an importer's source) and ``shard_size`` (:func:`shard_size`)
    of the run's :class:`Dataset`; None without one."""
    if dataset is None:
        return None
    return {"fingerprint": dataset.fingerprint, "source": dataset.meta.get("source"),
            "shard_size": shard_size(dataset.meta)}


def shard_size(meta):
    """The images per shard a dataset's ``meta`` (meta.json) was prepared with, where a subset has several
    shards (its first one's count); None where each subset fits one, as prepare's default made it."""
    for subset in (meta.get("subsets") or {}).values():
        shards = subset.get("shards") or []
        if len(shards) > 1:
            return shards[0].get("count")
    return None


def _norm(a):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(np.square(to_numpy(a), dtype=np.float64))))


def diagnostic(net, iteration, what, lr, checkpoint_path, solver):
    """The message of :class:`Diverged`: ``what`` went wrong at ``iteration``, every layer's weight
    norms, and what to change (``checkpoint_path``: the run's, where it says whether one was written)."""
    norms = "; ".join(f"{layer.name} |W| {_norm(layer.weight.data):.4g} |b| {_norm(layer.bias.data):.4g}"
                      for layer in net.weight_layers)
    # resumed as it is, the run would replay its iterations bit for bit and diverge again; with another rate it is
    # refused, and `overwrite` beside `resume` continues the checkpoint rather than start over
    last = (f", and start the run over (`overwrite=True`, without `resume`): resumed from its last good checkpoint "
            f"{checkpoint_path}, it would diverge again" if checkpoint_path.exists() else "; no checkpoint was written")
    raised = [f"`{name}` {getattr(solver, name):g}" for name in ("momentum", "weight_decay")
              if getattr(solver, name) > getattr(optim.CAFFE, name)]  # they amplify each step as well
    also = f" (or {' or '.join(raised)}, above Caffe's)" if raised else ""
    return (f"{what} at iteration {iteration} (lr {lr:.4g}); weight norms: {norms}. "
            f"Lower `base_lr`{also} or check the data{last}.")


def blown_up_parameters(net):
    """The names of the parameters (``conv2/W``) holding a value that is not finite or is larger than
    ``checkpoint_check.MAX_ABS_WEIGHT``, in the net's order: where the divergence shows first."""
    blown_up = []
    for param in net.params:
        xp = cuda.cupy() if cuda.is_cuda_array(param.data) else np
        if not bool((xp.abs(param.data) <= checkpoint_check.MAX_ABS_WEIGHT).all()):  # False for NaN too
            blown_up.append(param.name)
    return blown_up
