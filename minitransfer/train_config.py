"""The configuration of one training run, :class:`TrainConfig`: its fields, their meanings and their
defaults, described in its docstring (what ``help(TrainConfig)`` shows). How the defaults left as
``None`` are filled in: :func:`minitransfer.config.resolve`."""

import dataclasses
import zlib

from minitransfer import optim
from minitransfer.ops import precision as precisions

__all__ = ["TrainConfig", "derived_seed", "PATH_FIELDS", "SEED_DEFAULT"]

SEED_DEFAULT = 0  # the seed of a run that copies no layers (and --seed's default shown)
# The fields that name a file or folder: a leading ``~`` in them is the home folder (train expands it:
# :func:`minitransfer.home_paths.expanded`); `resume`'s "auto" is none
PATH_FIELDS = ("out", "data", "copy_from", "resume")


@dataclasses.dataclass
class TrainConfig:
    """Everything a training run depends on. ``None`` means "the sensible default", filled in by
    :func:`minitransfer.config.resolve`; the resolved configuration is recorded in the run directory
    (``config.json``) and in every checkpoint. A reduced-data run is one given ``per_class``. A path
    (`out`, `data`, `copy_from`, `resume`) may start with ``~``, the home folder, as on the command
    line (``$HOME`` in it stays literal: :func:`minitransfer.home_paths.expanded`).

    Fields
    ------
    out : str
        Weights file to write; the run directory ``<stem>.run/`` sits beside it. Default: the
        paper's name for the network (:func:`default_out`: baseA.h5, A4B.h5,
        A4B+.h5 ...); with a `resume` naming a run folder, that run's weights file.
    data : str
        Prepared dataset directory. Default: with `copy_from`, the dataset its base was trained on;
        else the built-in synthetic set.
    split : str
        Class split: "random" | "natural" | "all". Default: the base's when copying within its
        dataset; from a base of another dataset, "all" ("random" if `half` or `split_seed` is
        given); else "random".
    half : str
        Half of the split to train on: "A" | "B" (the "all" split has none). Default: the other half
        than the base's when copying within its dataset and split, else "A".
    split_seed : int
        Seed of the random split (the other splits have none). Default: the base's when copying
        within its dataset, else 0.
    per_class : int
        At most this many training images per class (a reduced-data run, which also takes the
        paper's reduced-data solver: see `base_lr`, `stepsize`, `max_iter`). Default: every image.
    seed : int
        Seed of the initialisation, data order, crops and dropout. Default: 0; with `copy_from`,
        :func:`derived_seed` of the base's recorded seed and the network's name (A4B, B3B+:
        :func:`network_name`), so that its new layers, data order, crops and
        dropout are not the base's own draws (the paper draws them anew); a run that continues (or
        reports) its own recorded run keeps the seed it recorded.
    preset : str
        Network, a name in :data:`minitransfer.models.PRESETS`. Default: the base's when copying,
        else the one for the dataset's image size.
    fc8_outputs : int
        Width of fc8, at least the number of classes trained on. Default: that number.
    copy_from : str
        Checkpoint to copy weight layers 1..`n` from, or a finished run's folder (its weights); needs
        `n`. Default: none, nothing copied.
    n : int
        Number of weight layers copied from `copy_from`: 1..the preset's copyable layers. Default:
        none (needs `copy_from`, which needs it).
    frozen : bool
        Freeze the copied layers (AnB) instead of fine-tuning them (AnB+); needs `copy_from`.
        Default: False.
    random_frozen : int
        Keep the first this many layers frozen at their random initialisation (the paper's §4.3
        control); excludes `copy_from`. Default: none.
    base_lr : float
        Learning rate. Default: 0.01, the paper's (0.0125 for a reduced-data run, as the paper's).
    momentum : float
        Momentum mu of Caffe's SGD. Default: 0.9, the paper's (:data:`minitransfer.optim.CAFFE`).
    weight_decay : float
        L2 weight decay on the weights (not on biases nor frozen layers). Default: 0.0005, the paper's.
    gamma : float
        Learning-rate factor at each step. Default: 0.1, the paper's.
    stepsize : int
        Iterations between learning-rate steps. Default: the paper's 100000 of 450000 iterations
        (64000 of 200000 for a reduced-data run) scaled to `max_iter`, at least 1.
    max_iter : int
        Iterations. Default: the preset's (200/450 of it, at least 1, for a reduced-data run).
    batch_size : int
        Images per iteration. Default: the preset's.
    eval_every : int
        Evaluate on the validation images of the classes trained on every this many iterations, and
        at the end. Default: the preset's.
    eval_batch_size : int
        Batch of the evaluations. Default: `batch_size` (a resumed run's own).
    checkpoint_every : int
        Write the run's checkpoint every this many iterations. Default: the preset's (a resumed
        run's own).
    log_every : int
        Log a line every this many iterations. Default: the preset's (a resumed run's own).
    resume : str
        "auto" (continue from the run directory's checkpoint, if there is one), a checkpoint path, or
        a run folder (baseA.run: "auto" on that run, its weights file the default `out`, its recorded
        options the defaults: see :func:`minitransfer.resume_options.resumed_run`). Default: none,
        start from the beginning.
    overwrite : bool
        Start over even if `out` or the run's checkpoint exist: they are removed as the run starts
        (with `resume` "auto" a checkpoint is continued instead). Default: False.
    device : str
        Where to compute: "auto" | "cpu" | "cuda" ("auto": cuda when CuPy sees a GPU, else cpu).
        Default: 'auto'.
    precision : str
        How the conv and fc products are computed: "ieee" | "tf32x3" | "tf32". Default: 'ieee'.
    allow_precision_change : bool
        Resume a checkpoint trained in another `precision`; needs `resume`. Default: False.
    cuda_graph : bool
        CUDA: the lean step (fused kernels) replayed as a CUDA graph; not yet verified on a GPU.
        Default: False.
    workers : int
        Data loader worker processes, 0..:data:`minitransfer.data.decoder_pool.MAX_WORKERS`; 0 loads
        the batches in the training process. Default: 0.
    progress : bool
        Show a progress bar. Default: when stderr is a terminal (and not `quiet`).
    quiet : bool
        No output at all. Default: False.
    """

    out: str = None
    data: str = None
    split: str = None
    half: str = None
    split_seed: int = None
    per_class: int = None
    seed: int = None
    preset: str = None
    fc8_outputs: int = None
    copy_from: str = None
    n: int = None
    frozen: bool = False
    random_frozen: int = None
    base_lr: float = None
    momentum: float = optim.CAFFE.momentum
    weight_decay: float = optim.CAFFE.weight_decay
    gamma: float = optim.CAFFE.gamma
    stepsize: int = None
    max_iter: int = None
    batch_size: int = None
    eval_every: int = None
    eval_batch_size: int = None
    checkpoint_every: int = None
    log_every: int = None
    resume: str = None
    overwrite: bool = False
    device: str = "auto"
    precision: str = precisions.DEFAULT
    allow_precision_change: bool = False
    cuda_graph: bool = False
    workers: int = 0
    progress: bool = None
    quiet: bool = False

    def to_dict(self):
        return dataclasses.asdict(self)


def derived_seed(seed, name):
    """A distinct, stable training seed for the network called ``name`` from ``seed``: a grid's per run
    (:func:`minitransfer.experiment.run_seed`), a copy's from its base's (its upper layers' draws differ)."""
    return (seed * 1_000_003 + zlib.crc32(name.encode())) % 2**31


def network_name(config, parent):
    """The paper's name for the network (Figure 1): ``baseA``, ``A4B`` (frozen), ``A4B+`` (fine-tuned),
    ``random2B``; ``X3all`` for a copy from a base of no half onto every class."""
    target = config.half or "all"
    if parent is not None:
        return f"{parent.meta.get('split_half') or 'X'}{config.n}{target}{'' if config.frozen else '+'}"
    if config.random_frozen is not None:
        return f"random{config.random_frozen}{target}"
    return f"base{target}"


def default_out(config, parent):
    """The :func:`network_name` (``baseA.h5``, ``A4B.h5``, ``A4B+.h5``, ``random2B.h5``); prefixed
    with the split kind unless it is "random", and followed by
    what else sets the data it trains on, as the options name it, so that it names no other network:
    a random split's seed other than the paper's 0 (``baseA-split-seed1.h5``; a transfer within its
    base's dataset has its base's) and a reduced-data run's images per class
    (``all-baseall-per-class10.h5``). The training `seed` is not in it: replicates take an `out`."""
    name = network_name(config, parent)
    prefix = "" if config.split == "random" else f"{config.split}-"
    split_seed = f"-split-seed{config.split_seed}" if config.split == "random" and config.split_seed else ""
    per_class = f"-per-class{config.per_class}" if config.per_class is not None else ""
    return f"{prefix}{name}{split_seed}{per_class}.h5"
