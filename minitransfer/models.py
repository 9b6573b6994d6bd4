"""The networks of DESIGN.md §1: Caffe's reference CaffeNet, which the paper used, and two small
presets with its eight weight layers: ``mini`` for 32-pixel crops, ``micro`` for 12-pixel ones.

CaffeNet (227×227 input; Caffe's ``bvlc_reference_caffenet`` train_val.prototxt):

    conv1 96 11×11 s4 → relu1 → pool1 3×3 s2 → norm1 LRN(5, 1e-4, 0.75)        96×27×27
    conv2 256 5×5 p2 g2 → relu2 → pool2 → norm2                               256×13×13
    conv3 384 3×3 p1 → relu3 → conv4 384 3×3 p1 g2 → relu4
    conv5 256 3×3 p1 g2 → relu5 → pool5                                       256×6×6
    fc6 4096 → relu6 → drop6 0.5 → fc7 4096 → relu7 → drop7 0.5 → fc8 → softmax loss

Fillers: gaussian std 0.01 (conv, fc8) / 0.005 (fc6, fc7); bias 0 (conv1, conv3, fc8) or 1 (the
others). 60,965,224 parameters with 1000 outputs.

Each :class:`Preset` also carries what goes with the graph: the crop size, the batch size and the
default schedule length (the paper's 450,000 iterations for CaffeNet; a few hundred for ``mini`` and
``micro``, whose 12-pixel crops fit the built-in synthetic set's stored 14-pixel images).

A preset registered by code outside this package (one's own: docs/presets.md) is known to the processes a
command starts through :mod:`minitransfer.own_presets`, whose public names are importable from here too.
"""

import dataclasses
import math
import sys
import typing

from minitransfer.layers import LRN, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU
from minitransfer.net import Net
from minitransfer.own_presets import (PRESET_SOURCES, known, known_preset, note_registered, preset_sources,
                                      sources_words, top_copyable, unknown_preset, unsourced)

__all__ = ["caffenet", "mini", "micro", "Preset", "PRESETS", "PAPER_CROP_SHARE", "CROP_SHARE", "register", "get",
           "image_size_defaults", "prepared_size", "presets_fitting", "presets_fitting_all", "preset_for_image_size",
           "PRESET_SOURCES", "known", "known_preset", "preset_sources", "sources_words", "top_copyable",
           "unknown_preset", "unsourced"]


def caffenet(num_outputs=1000):
    """CaffeNet exactly as DESIGN.md §1 (Caffe's reference model), for 3×227×227 input."""
    layers = [
        Conv2d("conv1", 3, 96, 11, stride=4, weight_std=0.01, bias_value=0.0),
        ReLU("relu1"), MaxPool2d("pool1", 3, 2), LRN("norm1", 5, 1e-4, 0.75),
        Conv2d("conv2", 96, 256, 5, pad=2, groups=2, weight_std=0.01, bias_value=1.0),
        ReLU("relu2"), MaxPool2d("pool2", 3, 2), LRN("norm2", 5, 1e-4, 0.75),
        Conv2d("conv3", 256, 384, 3, pad=1, weight_std=0.01, bias_value=0.0),
        ReLU("relu3"),
        Conv2d("conv4", 384, 384, 3, pad=1, groups=2, weight_std=0.01, bias_value=1.0),
        ReLU("relu4"),
        Conv2d("conv5", 384, 256, 3, pad=1, groups=2, weight_std=0.01, bias_value=1.0),
        ReLU("relu5"), MaxPool2d("pool5", 3, 2), Flatten("flatten"),
        Linear("fc6", 256 * 6 * 6, 4096, weight_std=0.005, bias_value=1.0),
        ReLU("relu6"), Dropout("drop6", 0.5, layer_seed=6),
        Linear("fc7", 4096, 4096, weight_std=0.005, bias_value=1.0),
        ReLU("relu7"), Dropout("drop7", 0.5, layer_seed=7),
        Linear("fc8", 4096, num_outputs, weight_std=0.01, bias_value=0.0),
    ]
    return Net("caffenet", layers, (3, 227, 227))


def mini(num_outputs=20):
    """The ``mini`` preset for 3×32×32 crops: CaffeNet's eight weight layers and layer kinds
    (groups on conv2/4/5, pool before LRN, dropout on fc6/fc7), few channels, 3×3 and 5×5 kernels.

    Shapes: conv1 (5×5 stride 2) 16×16×16 → pool1 16×8×8 → conv2 32×8×8 → pool2 32×4×4 →
    conv3 48×4×4 → conv4 48×4×4 → conv5 32×4×4 → pool5 32×2×2 = 128 → fc6 128 → fc7 128 → fc8.
    One training iteration at batch 64 takes about 45 ms on two CPU cores.
    The fillers follow Caffe's kinds with stds scaled to the small fan-ins so the net trains from
    the start (Caffe's 0.01 / 0.005 on fan-ins of a few hundred would starve the signal).
    """
    layers = [
        Conv2d("conv1", 3, 16, 5, stride=2, pad=2, weight_std=0.01, bias_value=0.0),
        ReLU("relu1"), MaxPool2d("pool1", 3, 2), LRN("norm1", 5, 1e-4, 0.75),
        Conv2d("conv2", 16, 32, 5, pad=2, groups=2, weight_std=0.05, bias_value=1.0),
        ReLU("relu2"), MaxPool2d("pool2", 3, 2), LRN("norm2", 5, 1e-4, 0.75),
        Conv2d("conv3", 32, 48, 3, pad=1, weight_std=0.05, bias_value=0.0),
        ReLU("relu3"),
        Conv2d("conv4", 48, 48, 3, pad=1, groups=2, weight_std=0.05, bias_value=1.0),
        ReLU("relu4"),
        Conv2d("conv5", 48, 32, 3, pad=1, groups=2, weight_std=0.05, bias_value=1.0),
        ReLU("relu5"), MaxPool2d("pool5", 3, 2), Flatten("flatten"),
        Linear("fc6", 32 * 2 * 2, 128, weight_std=0.05, bias_value=1.0),
        ReLU("relu6"), Dropout("drop6", 0.5, layer_seed=6),
        Linear("fc7", 128, 128, weight_std=0.05, bias_value=1.0),
        ReLU("relu7"), Dropout("drop7", 0.5, layer_seed=7),
        Linear("fc8", 128, num_outputs, weight_std=0.01, bias_value=0.0),
    ]
    return Net("mini", layers, (3, 32, 32))


def _balanced_std(fan_in):
    """Half of He's std, sqrt(2 / fan_in) / 2, for every weight layer of ``micro``."""
    return 0.5 * math.sqrt(2.0 / fan_in)


def micro(num_outputs=20):
    """The ``micro`` preset for 3×12×12 crops (14-pixel images: the built-in synthetic set):
    CaffeNet's eight weight layers with its groups, pooling and LRN, small enough that the paper's
    grid in miniature (the demo's 88 networks of 780 iterations at batch 32, 1560 for the 12 on all
    classes) trains in about 8.5 CPU-minutes (498 s summed over the networks of seed 0, one core
    each, two at a time).

    Shapes: conv1 (3×3) 24×12×12 → pool1 24×6×6 → conv2 24×6×6 → pool2 24×3×3 → conv3 48×3×3 →
    conv4 48×3×3 → conv5 64×3×3 → pool5 64×1×1 = 64 → fc6 128 → fc7 128 → fc8.
    conv1 has 24 filters: with 16, copying conv1 from one random half and freezing it cost the
    other half 1-4 points on the built-in set (A1B against its base, splits 0-2: -1.5, -1.0,
    -3.9, at 1050 iterations), as if conv1 were specific; with 24 the same networks score +0.2,
    -0.6, -0.6: 16 filters kept only what their own half needed.
    No dropout: at this width dropout 0.5 slowed learning to a crawl (measured on an earlier
    synthetic design: 0.65 against 0.91 top-1 after 1600 iterations).
    Fillers: gaussian with std ``sqrt(2 / fan_in) / 2`` for every layer, biases 0. The input is in
    pixel units (±128); with Caffe's conv1 std 0.01 under He-scaled upper layers conv1's gradient
    was ~400 times larger, relative to its weights, than the other layers'; with these stds the
    ratios |∇W| / |W| of the eight layers lie within a factor of 5 at the start.
    """
    widths = {"conv1": 24, "conv2": 24, "conv3": 48, "conv4": 48, "conv5": 64, "fc6": 128, "fc7": 128}
    specs = [("conv1", 3, 1), ("conv2", widths["conv1"], 2), ("conv3", widths["conv2"], 1),
             ("conv4", widths["conv3"], 2), ("conv5", widths["conv4"], 2)]
    convs = {name: Conv2d(name, inputs, widths[name], 3, pad=1, groups=groups,
                          weight_std=_balanced_std(inputs // groups * 9), bias_value=0.0)
             for name, inputs, groups in specs}
    layers = [
        convs["conv1"], ReLU("relu1"), MaxPool2d("pool1", 3, 2), LRN("norm1", 5, 1e-4, 0.75),
        convs["conv2"], ReLU("relu2"), MaxPool2d("pool2", 3, 2), LRN("norm2", 5, 1e-4, 0.75),
        convs["conv3"], ReLU("relu3"), convs["conv4"], ReLU("relu4"), convs["conv5"], ReLU("relu5"),
        MaxPool2d("pool5", 3, 2), Flatten("flatten"),
        Linear("fc6", widths["conv5"], widths["fc6"], weight_std=_balanced_std(widths["conv5"]), bias_value=0.0),
        ReLU("relu6"),
        Linear("fc7", widths["fc6"], widths["fc7"], weight_std=_balanced_std(widths["fc6"]), bias_value=0.0),
        ReLU("relu7"),
        Linear("fc8", widths["fc7"], num_outputs, weight_std=_balanced_std(widths["fc7"]), bias_value=0.0),
    ]
    return Net("micro", layers, (3, 12, 12))


@dataclasses.dataclass(frozen=True)
class Preset:
    """A network and everything that goes with it: the single definition of an architecture.

    ``build(num_outputs) -> Net``; ``copyable`` weight layers may be copied or frozen (n = 1..copyable:
    all but the classifier, the paper's footnote 2); ``crop`` is the input size; the schedule
    defaults (iterations, batch, evaluation / checkpoint / log intervals) apply when a run does not
    set them; ``cpu_seconds_per_image`` (measured on two cores) warns before a run that would take
    days on the CPU; ``default_image_sizes`` (low, high) makes it the default preset for datasets whose
    stored images are that large (None: never the default); ``description`` says what the network is in
    --preset's help. Every range of n, list of preset names and per-network default of the command line
    and the grid derives from here.
    """

    name: str
    builder: typing.Callable
    crop: int
    copyable: int
    batch_size: int
    max_iter: int
    eval_every: int
    checkpoint_every: int
    log_every: int
    description: str
    default_image_sizes: tuple = None
    cpu_seconds_per_image: float = None   # a training iteration's CPU cost per image (2 cores), for warnings

    def build(self, num_outputs):
        return self.builder(num_outputs)

    def check(self, net):
        """``net`` (built by :meth:`build`), checked against what the preset says of it: its input
        ``crop`` px square, and ``copyable`` weight layers below its classifier. ConfigError (exit 2)
        naming the difference: a preset of one's own that said otherwise trained, then a transfer or the
        first batch of another crop failed with a traceback (n beyond the layers there are, an input of
        the wrong shape)."""
        from minitransfer.config_checks import ConfigError  # it imports this module

        problems = []
        if tuple(net.input_shape[1:]) != (self.crop, self.crop):
            problems.append(f"crop={self.crop}, but its network takes {'x'.join(map(str, net.input_shape))} input")
        if len(net.weight_layers) - 1 != self.copyable:
            problems.append(f"copyable={self.copyable}, but its network has {len(net.weight_layers)} weight layers "
                            f"({', '.join(net.weight_layer_names)}): copyable={len(net.weight_layers) - 1}, every "
                            "one but the classifier")
        if problems:
            raise ConfigError(f"preset {self.name!r} ({self.builder.__module__}.{self.builder.__qualname__}) says "
                              f"{'; and '.join(problems)}: register it with what its network is")
        return net

    @property
    def layers(self):
        """The n a transfer may use: 1..copyable."""
        return tuple(range(1, self.copyable + 1))


PRESETS = {}
PAPER_CROP_SHARE = 227 / 256  # CaffeNet's crops of the paper's 256 px images
CROP_SHARE = 0.8              # a crop spanning less of an image's side sees too little of it (warned about)


def register(preset):
    """Add ``preset`` to :data:`PRESETS` (a new name, or a replacement of the same name); returns it.

    Example (a toy network for a test or a notebook)::

        models.register(models.Preset("toy", toy_builder, crop=8, copyable=2, batch_size=4, max_iter=5,
                                      eval_every=5, checkpoint_every=5, log_every=5, description="toy"))

    A grid's runs are other processes (``minitransfer train``, forked from a launcher or started
    anew), which know only the presets this package registers. So that they know one that other
    code registers, where that code is is noted in the environment they inherit
    (:data:`minitransfer.own_presets.PRESET_SOURCES`), and a command given a preset name it does not know runs it
    first (:func:`minitransfer.own_presets.known`).
    """
    PRESETS[preset.name] = preset
    caller = sys._getframe(1).f_globals
    note_registered(preset.name, caller, own=caller.get("__name__") == __name__)
    return preset


register(Preset("caffenet", caffenet, crop=227, copyable=7, batch_size=256, max_iter=450_000, eval_every=1000,
                checkpoint_every=5000, log_every=20, description="Caffe's reference CaffeNet (the paper's network)",
                default_image_sizes=(65, None), cpu_seconds_per_image=0.07))
register(Preset("mini", mini, crop=32, copyable=7, batch_size=64, max_iter=300, eval_every=50,
                checkpoint_every=100, log_every=10, description="CaffeNet's layer kinds, small, for 32-64 px data",
                default_image_sizes=(32, 64), cpu_seconds_per_image=0.0005))
register(Preset("micro", micro, crop=12, copyable=7, batch_size=32, max_iter=600, eval_every=30,
                checkpoint_every=300, log_every=10,
                description="CaffeNet's weight layers, tiny, for the 14 px built-in synthetic set",
                default_image_sizes=(1, 31), cpu_seconds_per_image=0.0003))


def get(name):
    """The registered preset ``name``; ValueError naming the known ones otherwise."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)}")
    return PRESETS[name]


def image_size_defaults():
    """Which preset is the default for which stored image size, in words, e.g. "micro up to 31 px,
    mini 32-64 px, caffenet above 64 px" (from every registered ``default_image_sizes``)."""
    parts = []
    for preset in sorted((p for p in PRESETS.values() if p.default_image_sizes), key=lambda p: p.default_image_sizes):
        low, high = preset.default_image_sizes
        span = f"above {low - 1} px" if high is None else f"up to {high} px" if low <= 1 else f"{low}-{high} px"
        parts.append(f"{preset.name} {span}")
    return ", ".join(parts)


def prepared_size(preset):
    """The image size (prepare's --size) at which ``preset``'s crops keep the paper's proportion: 256
    px for caffenet, 36 for mini (its 32 px crops)."""
    return round(preset.crop / PAPER_CROP_SHARE)


def presets_fitting(image_size):
    """The names of the registered presets whose crops fit images of (H, W) and span at least
    :data:`CROP_SHARE` of their shorter side."""
    side = min(image_size)
    return [preset.name for preset in PRESETS.values() if CROP_SHARE * side <= preset.crop <= side]


def presets_fitting_all(image_sizes):
    """The names of the registered presets whose crops fit images of every one of ``image_sizes``
    ((H, W) each: a grid's two datasets, whose networks are one network), those that
    :func:`presets_fitting` each of them first, then the larger crops; [] where none fits them all."""
    side = min(min(size) for size in image_sizes)
    well = set.intersection(*(set(presets_fitting(size)) for size in image_sizes))
    fit = sorted((preset for preset in PRESETS.values() if preset.crop <= side),
                 key=lambda preset: (preset.name not in well, -preset.crop))
    return [preset.name for preset in fit]


def preset_for_image_size(image_size):
    """The default preset for stored images of (H, W): the registered preset whose
    ``default_image_sizes`` contains the larger side (:func:`image_size_defaults` says which)."""
    side = max(image_size)
    for preset in PRESETS.values():
        if preset.default_image_sizes is not None:
            low, high = preset.default_image_sizes
            if low <= side and (high is None or side <= high):
                return preset
    raise ValueError(f"no preset is the default for {image_size[0]}x{image_size[1]} images; choose one "
                     f"({', '.join(PRESETS)})")
