"""The checks of a training configuration's fields, each on its own and the combinations that exclude
each other, with the errors a configuration raises (:class:`ConfigError`, :class:`DataMismatch`)
and the ranges the fields take (:data:`MAX_SEED`, :data:`MAX_COUNT`)."""

import dataclasses
import numbers
import os

import numpy as np

from minitransfer import checkpoint_check
from minitransfer import cuda, models
from minitransfer.data import splits
from minitransfer.errors import ConfigError, MinitransferError  # noqa: F401 (ConfigError: its name here too)
from minitransfer.optim import RATES
from minitransfer.ops import precision as precisions

HALVES = ("A", "B")
SPLIT_KINDS = ("random", "natural", "all")
DEVICES = ("auto", "cpu", "cuda")
# The largest seed (of the initialisation and data order, and of the random split). The split seeds
# NumPy's legacy RandomState, which takes 0..2**32 - 1; the counter-based generator of the crops and
# dropout reduces a seed modulo 2**32, so a larger training seed would repeat a smaller one's draws.
MAX_SEED = splits.MAX_SEED
# The largest batch (the CUDA kernels take sizes as 32-bit integers), iteration count and images kept per class.
# fc8 is at most as wide as a checkpoint holds (checkpoint_check.MAX_OUTPUTS).
MAX_COUNT = 2**31 - 1


class DataMismatch(MinitransferError, ValueError):
    """The dataset does not fit the checkpoint: other classes, other image size (exit code 65)."""


class TooFewClasses(ConfigError):
    """A half of too few classes to train (a random split of 2 or 3 classes, a family of one): ``refusal`` says
    so, ``remedy`` what gives it more (:func:`minitransfer.data.splits.too_few_classes_remedy`); the message
    ends with train's way to train every class instead, :meth:`worded` with another caller's (experiment, which
    always plans a split, names train's command)."""

    def __init__(self, refusal, remedy):
        self.refusal, self.remedy = refusal, remedy
        super().__init__(self.worded("use `split='all'`"))

    def worded(self, every_class):
        return f"{self.refusal} ({self.remedy}, or {every_class})"


def check_fields(c):
    """Every field on its own (their combinations: :func:`check_combinations`); NumPy scalars (a
    notebook's seed or swept rate) become the Python numbers the run's JSON files record."""
    for field in dataclasses.fields(c):
        if isinstance(getattr(c, field.name), np.generic):
            setattr(c, field.name, getattr(c, field.name).item())
    _plain_rates(c)
    for name in ("out", "data", "copy_from", "resume"):
        check_path(name, getattr(c, name))
    if c.split is not None and c.split not in SPLIT_KINDS:
        raise ConfigError(f"`split` must be one of {', '.join(SPLIT_KINDS)}, got {c.split!r}")
    if c.half is not None and c.half not in HALVES:
        raise ConfigError(f"`half` must be A or B, got {c.half!r}")
    if c.precision not in precisions.PRECISIONS:
        raise ConfigError(f"`precision` must be one of {', '.join(precisions.PRECISIONS)}, got {c.precision!r}")
    # a list or dict given (a slip) was a TypeError, unhashable, from inside a dict lookup: models.known looks up text
    if c.preset is not None and not _known_preset(c.preset):
        raise ConfigError(f"`preset` must be one of {', '.join(models.PRESETS)}, got {c.preset!r}")
    for name, what in EMPTY_PATHS.items():
        if getattr(c, name) is not None and str(getattr(c, name)) == "":  # "" is the folder train runs in
            raise ConfigError(f"`{name}` is empty: {what}")
    _check_out_named(c.out)
    for name in ("eval_every", "checkpoint_every", "stepsize", "log_every"):
        check_int(name, getattr(c, name), 1)
    for name in ("n", "random_frozen"):  # 1..the preset's copyable layers, known once the base or data is read
        value = getattr(c, name)
        check_int(name, value)
        if value is not None and value < 1:  # said before a base or dataset is read (a checksum takes minutes)
            raise n_out_of_range(name, value, models.get(c.preset) if c.preset is not None else None)
    # more images than any class can hold (10**30, a slip) kept every image, in a run named -per-class1000...0
    check_int("per_class", c.per_class, 1, MAX_COUNT)
    check_int("max_iter", c.max_iter, 1, MAX_COUNT)  # more is no slip to train on for ever
    check_int("batch_size", c.batch_size, 1, MAX_COUNT)
    # the checkpoint's reader takes no more (checkpoint_meta.CONFIG_FIELDS): a larger one trained, and its
    # weights and checkpoint were then refused as bad data by eval, info, --copy-from and --resume
    check_int("eval_batch_size", c.eval_batch_size, 1, MAX_COUNT)
    # wider, the weights written are never read
    check_int("fc8_outputs", c.fc8_outputs, 1, checkpoint_check.MAX_OUTPUTS)
    check_int("seed", c.seed, 0, MAX_SEED)
    check_int("split_seed", c.split_seed, 0, MAX_SEED)
    from minitransfer.data.decoder_pool import MAX_WORKERS  # here, not at the top: it brings in multiprocessing
    check_int("workers", c.workers, 0, MAX_WORKERS, required=True)
    for name in ("frozen", "overwrite", "allow_precision_change", "cuda_graph", "quiet", "progress"):
        allowed = (True, False, None) if name == "progress" else (True, False)
        if getattr(c, name) not in allowed:  # the text "False" would count as true
            raise ConfigError(f"`{name}` must be True or False, got {getattr(c, name)!r}")
        if getattr(c, name) is not None:  # 1 or 0 (equal to True, False) is recorded as the flag it means
            setattr(c, name, bool(getattr(c, name)))


def _known_preset(preset):
    """Whether ``preset`` names a preset known here, one of one's own too (:func:`minitransfer.models.known`: its
    registering code, noted in the environment, run here first, as train's --preset runs it): a run resumed in a
    new shell takes its record's preset, which was refused as damage ("must be one of caffenet, mini, micro").
    ConfigError naming the file where that code fails here."""
    try:
        return models.known(preset)
    except ValueError as error:
        raise ConfigError(f"{error} (docs/presets.md)") from None


def check_combinations(c):
    """The fields of ``c`` that exclude or need each other (:func:`combination_fault`); checked once
    a `resume` naming a run folder has taken the options the run recorded
    (:func:`minitransfer.resume_options.take_run_folder`, which says which of them the run recorded):
    ``train --resume A2B.run --n 2`` gave `n` without `copy_from`, which the run recorded."""
    fault = combination_fault(c)
    if fault is not None:
        raise ConfigError(fault[0])


def combination_fault(c):
    """(what is wrong, the fields it names) for the first of ``c``'s fields that exclude or need
    each other, or None."""
    if c.n is not None and c.copy_from is None:
        return "`n` (layers to copy) needs `copy_from` (the checkpoint to copy them from)", ("n", "copy_from")
    if c.copy_from is not None and c.n is None:
        return "`copy_from` needs `n`, the number of layers to copy", ("copy_from", "n")
    if c.frozen and c.copy_from is None:
        return ("`frozen` applies to copied layers and needs `copy_from` and `n` (see `random_frozen`)",
                ("frozen", "copy_from"))
    if c.random_frozen is not None and c.copy_from is not None:
        return "`random_frozen` and `copy_from` exclude each other", ("random_frozen", "copy_from")
    if c.allow_precision_change and c.resume is None:  # else ignored: a fresh run has no precision to change
        return ("`allow_precision_change` applies to a resumed run and needs `resume` ('auto', a run folder or a "
                "checkpoint)", ("allow_precision_change", "resume"))
    return None


# What to give for a path field given as "" (a variable left empty): read as a path, "" names the folder
# train runs in, a base or run it would have looked for there ("checkpoint /home/me: not a file").
EMPTY_PATHS = {
    "out": "name a weights file (or give none for the paper's name, e.g. baseA.h5)",
    "data": "name a prepared dataset folder (or give none: the base's dataset when copying, else the built-in "
            "synthetic set)",
    "copy_from": "name the base's weights file (e.g. baseA.h5), or give none to copy no layers",
    "resume": "give 'auto', a run folder or a checkpoint file (or none to train from the start)",
}


def _check_out_named(out):
    """`out` "-" (standard output, to a Unix tool) or a bare extension (".h5": "$NAME.h5" with NAME unset)
    is refused, naming it: train wrote a file named - (and -.run), or the hidden file .h5 (and .h5.run)."""
    if out is None or str(out) == "":
        return
    name = os.path.basename(os.fspath(out))
    if str(out) == "-":
        raise ConfigError(f"`out` {dash_given('train')}: it writes the weights to a file and its run folder beside "
                          f"it; name the weights file (e.g. baseA.h5), or give none for the paper's name")
    if name.startswith(".") and name.count(".") == 1 and len(name) > 1:
        example = os.path.join(os.path.dirname(os.fspath(out)), f"baseA{name}")
        raise ConfigError(f"`out` {out} has no name before its extension {name} (an unset shell variable, as in "
                          f"\"$NAME{name}\"?): the weights would be the hidden file {name}; name them, e.g. {example}")


def dash_given(who, stream="output"):
    """The words that refuse a path given as - (a Unix tool's standard output or input), wherever it is given (train's
    `out`, the command line's paths to write or read): "is -, which ``who`` does not read as standard ``stream``"."""
    return f"is -, which {who} does not read as standard {stream}"


def _plain_rates(c):
    """A rate given as another kind of real number than int or float (a ``fractions.Fraction``, which
    the solver takes) becomes the float it is: the run's JSON files record it (before, a TypeError
    once the run was set up); what is no real number is left for the solver to refuse, naming it."""
    for name in RATES:  # the solver's rates: floats in the run's JSON files
        value = getattr(c, name)
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, int, float)):
            setattr(c, name, float(value))


def check_path(name, value, required=False):
    """ConfigError unless ``value`` is a path (a str or os.PathLike; or None, "the default", unless
    ``required``)."""
    if value is None and not required:
        return
    if not isinstance(value, (str, os.PathLike)):
        got = "None" if value is None else type(value).__name__
        raise ConfigError(f"`{name}` must be a path (a str or pathlib.Path), got {got}")


def check_flag(name, value, where=""):
    """ConfigError unless ``value`` is True or False (NumPy's too): the text "no" would count as true;
    ``where`` ("plan_grid: ") names the function a library user called."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{where}`{name}` must be True or False, got {value!r}")


def check_int(name, value, low=None, high=None, required=False):
    """ConfigError unless ``value`` is an integer in low..high (no bound where None; or None, "the
    default", unless ``required``)."""
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
            (low is not None and value < low) or (high and value > high):
        bound = f" {low}..{high}" if high else f" >= {low}" if low is not None else ""
        raise ConfigError(f"`{name}` must be an integer{bound}, got {value!r}")


def weight_layers_counted(copyable=None):
    """What n counts, for a message refusing one outside 1..``copyable`` (a preset's copyable layers;
    None: a preset not known yet)."""
    classifier = f"layer {copyable + 1}, the classifier," if copyable is not None else "the last, the classifier,"
    return f"(n counts the first weight layers, copied or left random; {classifier} is always trained)"


def copyable_range(shared=None):
    """The range of n the presets take, for a help or a message written before the preset is known:
    "1..7" where every preset copies as many layers, else "1..the preset's copyable layers (caffenet 7, ...)";
    ``shared``: :func:`_shared_copyable`'s answer where the caller has it."""
    shared = _shared_copyable() if shared is None else shared
    if shared is not None:
        return f"1..{shared}"
    return "1..the preset's copyable layers (" + ", ".join(
        f"{name} {preset.copyable}" for name, preset in models.PRESETS.items()) + ")"


def _shared_copyable():
    """The copyable layers of every preset where they are the same, else None."""
    counts = {preset.copyable for preset in models.PRESETS.values()}
    return counts.pop() if len(counts) == 1 else None


def n_out_of_range(name, value, preset=None):
    """The ConfigError refusing ``value`` of the field ``name`` (`n`, `random_frozen`), outside 1..the
    copyable layers of ``preset`` (None: the preset is not known yet: the range every preset takes,
    :func:`copyable_range`, as a value above it is refused once the preset is known), saying what n counts."""
    if preset is None:
        shared = _shared_copyable()
        return ConfigError(f"`{name}` must be an integer {copyable_range(shared)}, got {value!r} "
                           f"{weight_layers_counted(shared)}{' in every preset' if shared else ''}")
    return ConfigError(f"`{name}` must be an integer 1..{preset.copyable}, got {value!r} "
                       f"{weight_layers_counted(preset.copyable)} in preset {preset.name}")


def check_call(name, value, required=True, taking="a line of text (e.g. print)"):
    """``ConfigError`` unless ``value`` can be called with ``taking`` (``log``, ``progress``: a line; None, "say
    nothing", where not ``required``)."""
    if value is None and not required:
        return
    if not callable(value):
        none = ", or None" if not required else ""
        raise ConfigError(f"`{name}` must be a function taking {taking}{none}, got {value!r}")


def resolve_device(device):
    """"auto" → "cuda" when CuPy sees a device, else "cpu"; "cuda" without one is an error."""
    if device not in DEVICES:
        raise ConfigError(f"`device` must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "auto":
        return "cuda" if cuda.cuda_available() else "cpu"
    if device == "cuda":
        cuda.cupy()
    return device
