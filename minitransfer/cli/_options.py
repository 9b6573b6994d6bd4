"""Options shared by several commands, defined once here, with their defaults taken from the
library (:class:`minitransfer.config.TrainConfig`, whose defaults are the paper's solver and the
presets' schedules); a command option named like a configuration field (``--max-iter`` for
``max_iter``) means that field.
"""

import dataclasses
import re

import click

from minitransfer import config, config_checks, models, train_config
from minitransfer.ops import precision as precisions

from ._numbers import Real, Whole, in_digits
from ._paths import DatasetFolder, NetworkPath


class HelpFilled:
    """A command's or option's help whose fields (``help_fields``: ``"{name}"`` → a function giving its text)
    are filled in each time it is read, so a preset registered after the command line's import
    (``models.register``) shows too. Only these fields are replaced: the whole text through ``str.format`` broke
    the import at a brace written elsewhere in it. Mixed in before the click class: ``(HelpFilled, click.Option)``."""

    help_fields = {}

    @property
    def help(self):
        if self._help is None:
            return None
        text = self._help
        for field, fill in self.help_fields.items():
            text = text.replace(field, fill())
        return text

    @help.setter
    def help(self, text):
        self._help = text


class PresetName(click.ParamType):
    """A preset name, checked against :data:`minitransfer.models.PRESETS` when the command runs (so
    a preset registered after import is accepted)."""

    name = "preset"

    def get_metavar(self, param, *args, **kwargs):  # click 8.2 added a ctx argument
        return "[" + "|".join(models.PRESETS) + "]"

    def convert(self, value, param, ctx):
        try:
            if models.known(value):  # one registered by the code that started this command too (a grid's run)
                return value
        except ValueError as error:
            self.fail(str(error), param, ctx)
        self.fail(f"{value!r} is not a preset; choose from {', '.join(models.PRESETS)}", param, ctx)


def per_preset(field):
    """Each preset's value of ``field``, for a help: "caffenet 450000, mini 300, micro 600"."""
    return ", ".join(f"{name} {getattr(preset, field)}" for name, preset in models.PRESETS.items())


def _default(field):
    return {f.name: f.default for f in dataclasses.fields(config.TrainConfig)}[field]


def changed_fields(options):
    """The configuration fields among ``options`` whose value is not the default."""
    return {name: value for name, value in options.items() if value != _default(name)}


def config_option(*declarations, **attributes):
    """A ``click.option`` for the configuration field its long name spells (``--base-lr`` →
    ``base_lr``), with the field's default unless one is given."""
    field = next(d for d in declarations if d.startswith("--")).split("/")[0][2:].replace("-", "_")
    attributes.setdefault("default", _default(field))
    attributes.setdefault("show_default", attributes["default"] is not None)
    return click.option(*declarations, field, **attributes)


device_option = config_option(
    "--device", type=click.Choice(config_checks.DEVICES),
    help="Where to compute: auto = cuda when CuPy sees a GPU, else cpu.")


class Seed(Whole):
    """A seed, 0..``maximum`` (default MAX_SEED, what the generators take; None: no maximum), written in
    ASCII digits (:class:`Whole`): int() read "1_0" as 10 (the split seed of OUT/random10/) and non-ASCII digits
    too; and "0,1" or "0-7", a list or range written as --layers takes one, was "not a valid integer range"
    without saying that a seed option takes one seed (repeated for more where it repeats: --split-seed
    0 --split-seed 1)."""

    def __init__(self, maximum=config_checks.MAX_SEED):
        super().__init__(0, maximum)

    def not_whole(self, value, param):
        several = re.fullmatch(r"\s*[0-9]+\s*([,-]\s*[0-9]+\s*)+", value)
        repeat = f"; repeat the option for more: {_repeated(param, value)}" if several and param is not None \
            and param.multiple else ""
        return f"{value!r} is not a seed: give one whole number {self.within()} in digits 0-9{repeat}"


def _repeated(param, listed):
    """``param`` given once for each seed of ``listed`` ("0,1": "--split-seed 0 --split-seed 1"; a
    range "0-7": its first and last, "--split-seed 0 ... --split-seed 7")."""
    name, seeds = max(param.opts, key=len), re.findall(r"[0-9]+", listed)
    typed = [f"{name} {seed}" for seed in seeds]
    return " ... ".join((typed[0], typed[-1])) if re.fullmatch(r"\s*[0-9]+\s*-\s*[0-9]+\s*", listed) else \
        " ".join(typed)


class Half(click.Choice):
    """A half, A or B, also typed a or b (`--half a` was refused): parsed into its upper-case name, which the
    library compares, and shown upper-case, as the paper names the halves (click lower-cases the choices)."""

    def __init__(self):
        super().__init__(config_checks.HALVES, case_sensitive=False)

    def get_metavar(self, param, *args, **kwargs):  # click 8.2 added a ctx argument
        return "[" + "|".join(self.choices) + "]"

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:  # its words name the choices lower-case
            self.fail(f"{value!r} is not a half: give {' or '.join(self.choices)}", param, ctx)


HALF = Half()
SEED = Seed()  # the type of every seed option a generator takes whole (a demo's, a held-out choice's: Seed(...))
def seed_option(copy_from=False):
    """The --seed option: experiment's (its grid's seeds derived from it), or ``copy_from``: train's, whose
    default is derived from the base's for a copy. Said in its text: click's show_default put a default of
    words in parentheses of its own ("[default: (0; a copy's derived); 0<=x<=4294967295]")."""
    what = "Seed of the initialisation, data order, crops and dropout"
    said = (f"; another seed trains a replicate, named with -o (default: {train_config.SEED_DEFAULT}; with "
            "--copy-from, one derived from the base's recorded seed and the network's name, e.g. A4B, so that its new "
            "layers are not the base's first draw; a resumed run keeps its own; an experiment gives each network its "
            "own).") if copy_from else " (each network's own derived from it)."
    return config_option("--seed", type=SEED, default=train_config.SEED_DEFAULT, show_default=not copy_from,
                         help=what + said)


def preset_option(copy_from=False):
    """The --preset option; ``copy_from``: its command copies a base's layers (train), whose preset is the
    default then."""
    base = "; with --copy-from, the base's" if copy_from else ""
    networks = "; ".join(f"{name}: {preset.description}" for name, preset in models.PRESETS.items())
    return config_option("--preset", type=PresetName(),
                         help=f"Network. {networks} (default: the one for the dataset's image size: "
                              f"{models.image_size_defaults()}{base}).")


fc8_outputs_option = config_option("--fc8-outputs", type=Whole(1),
                                   help="Width of fc8, at least the classes trained on (default: one output per "
                                        "class trained on: on a half of ImageNet, 500 on a random half, the "
                                        "500-way softmax of the paper's text, and 551 and 449 on its natural "
                                        "split's halves). The paper's original code gave every half's fc8 1000 "
                                        "outputs, only the half's labels used: 1000 reproduces it.")
# at most MAX_COUNT: 10**30 (a slip) was taken, to train for ever (and a grid's --dry-run never ended)
max_iter_option = config_option("--max-iter", type=Whole(1, config_checks.MAX_COUNT),
                                help=f"Iterations (default: the preset's: {per_preset('max_iter')}; 200/450 of it for "
                                     "reduced-data runs, --per-class, as the paper's); the step schedule scales "
                                     "with it.")
batch_size_option = config_option("--batch-size", type=Whole(1),
                                   help=f"Images per iteration (default: the preset's: {per_preset('batch_size')}).")
eval_every_option = config_option("--eval-every", type=Whole(1),
                                  help="Evaluate every K iterations on the val images of the classes trained on, a "
                                       "half's or every class's (default: the preset's: "
                                       f"{per_preset('eval_every')}).")
base_lr_option = config_option("--base-lr", type=Real(min=0, min_open=True, float32=True),
                               help="Learning rate (default: 0.01, the paper's; 0.0125 for reduced-data runs, "
                                    "--per-class, as the paper's).")
stepsize_option = config_option("--stepsize", type=Whole(1),
                                help="Iterations between learning-rate steps (default: the paper's 100000 of "
                                     "450000, or 64000 of 200000 for reduced-data runs, scaled to max-iter).")
PRECISION_HELP = ("How the conv and fc products are computed: ieee (exact fp32 products), tf32x3 (three TF32 "
                  "tensor-core products: fp32-level accuracy), tf32 (one TF32 product, PyTorch's default for "
                  "convolutions). The tensor-core modes are new and not yet verified on a GPU; the CPU emulates them.")
precision_option = config_option("--precision", type=click.Choice(precisions.PRECISIONS), help=PRECISION_HELP)


def data_option(default="the built-in synthetic set, built on first use", folder=DatasetFolder):
    """The --data option, its help naming what stands for it when it is not given; ``folder``: its
    type (a command's own kind of :class:`DatasetFolder`)."""
    return click.option("--data", type=folder(), default=None,
                        help=f"Prepared dataset directory (default: {default}).")


checkpoint_argument = click.argument("checkpoint", type=NetworkPath())


# The options a grid passes on to every network's `train` (experiment shares them with train).
GRID_TRAIN_OPTIONS = (preset_option(), fc8_outputs_option, max_iter_option, base_lr_option, stepsize_option,
                      eval_every_option, batch_size_option, seed_option(), precision_option)


def grid_train_options(command):
    """Decorate ``command`` with :data:`GRID_TRAIN_OPTIONS`."""
    for option in reversed(GRID_TRAIN_OPTIONS):
        command = option(command)
    return command


def per_class_counts(ctx, param, value):
    """experiment's --per-class 10,100,1000: each entry ASCII digits (not "1_0", which int() reads as 10),
    signed or not as train --per-class takes one ("+5", :func:`in_digits`), none empty ("10,,100": a count
    left out by a slip), each in 1..MAX_COUNT as train --per-class takes it; a negative integer ("-1") is
    said to be out of range, not "expected integers"."""
    parts = [part.strip() for part in value.split(",")] if value else []
    for part in parts:
        if not in_digits(part):
            raise click.BadParameter(f"expected a comma-separated list of integers (training images per class, "
                                     f"e.g. 10,100,1000), cannot read {part!r} in {value!r}")
        if not 1 <= int(part) <= config_checks.MAX_COUNT:
            raise click.BadParameter(f"images per class must lie in 1..{config_checks.MAX_COUNT} (each count 1 or "
                                     f"more), got {part}")
    return tuple(int(part) for part in parts)  # in the order given, repeats kept: experiment refuses them
