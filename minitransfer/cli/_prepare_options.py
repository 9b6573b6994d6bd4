"""The options of ``minitransfer prepare``'s commands, declared once: those every import takes (--size, --workers,
--shard-size, --verify, --overwrite), those of the image importers (:func:`image_import_options`), imagenet's
--devkit (:class:`DevkitFolder`), of the CIFAR importers (:func:`cifar_options`) and of the synthetic set
(:func:`synthetic_options`, :func:`synthetic_help`).
"""

import os

import click

from minitransfer import config_checks, models, path_kinds
from minitransfer.data import archives, build, devkit, synthetic
from minitransfer.data.decoder_pool import MAX_WORKERS

from ._numbers import Whole
from ._options import HelpFilled, Seed
from ._paths import IS_A_LINES, DatasetOutput, TextFile, refuse_unnamed

# Images generated per class at most: a dataset's labels are int32 (more, 2**63, was NumPy's "Maximum allowed
# dimension exceeded", a usage error naming no option), as many as train --per-class keeps.
MAX_IMAGES = config_checks.MAX_COUNT


def _trainable_size(context, parameter, size):
    """--size ``size`` smaller than the crop of every registered preset (the smallest's, micro's, 12 px):
    a set no network trains on, written with exit code 0, refused (exit 2) naming the smallest, and
    which preset's crop it is. The library builds such sets (tests of a crop that does not fit)."""
    smallest = _smallest_preset()
    if size < smallest.crop:
        raise click.BadParameter(f"{size} is smaller than every preset's crop: at least {smallest.crop} (the crop of "
                                 f"{smallest.name}, the smallest preset)")
    return size


class _SizeRange(Whole):
    """--size's type: 1..:data:`build.MAX_IMAGE_SIZE` to click, which shows its range, but shown (and named by its
    words refusing one not in digits) from the smallest crop of the presets registered when read, which
    :func:`_trainable_size` enforces: the help's range is the one that holds."""

    def _smallest(self):
        return _smallest_preset().crop

    def _describe_range(self):
        return f"{self._smallest()}<=x<={self.max}"

    def within(self):
        return f"in {self._smallest()}..{self.max}"


class _SizeOption(HelpFilled, click.Option):
    """--size, its help naming the smallest crop of the presets registered when it is read."""

    help_fields = {"{crop}": lambda: str(_smallest_preset().crop), "{smallest}": lambda: _smallest_preset().name}


def _size_option(default):
    """--size, with its command's default shown on its line; below every preset's crop refused
    (:func:`_trainable_size`), as its help says, naming the smallest the presets registered give."""
    return click.option("--size", cls=_SizeOption, type=_SizeRange(1, build.MAX_IMAGE_SIZE), default=default,
                        show_default=True, callback=_trainable_size,
                        help=f"Warp images to SIZE x SIZE, at most {build.MAX_IMAGE_SIZE} and at least "
                             "{crop} ({smallest}'s crop, the smallest preset's).")


def _smallest_preset():
    """The registered preset of the smallest crop (micro's, 12 px, of those the package registers)."""
    return min(models.PRESETS.values(), key=lambda preset: preset.crop)


# What --overwrite's help adds for the importers of image files: the one change a plain rerun cannot see (it tells
# a changed file by its name, size and modification time: shard plans, source-digests.json)
_REPLACED_KEEPING_TIMES = "; also for images replaced keeping size and mtime"


def _overwrite_option(*files, images=False):
    """--overwrite, whose help names its command's class-table options (``files``): an edited one differs too;
    for the importers of image files (``images``), when a rerun needs it although nothing differs."""
    differ = f", options, {' or '.join(files)}" if files else " or options"
    return click.option("--overwrite", is_flag=True,
                        help=f"Replace OUT's dataset (finished or not) of another source{differ} (else refused, "
                             f"naming what differs): decodes every image again, keeping shards that come out the "
                             f"same{_REPLACED_KEEPING_TIMES if images else ''}.")


_workers_option = click.option("--workers", type=Whole(0, MAX_WORKERS), default=None,
                               help=f"Decoding processes, at most {MAX_WORKERS} (default: one per core this process "
                                    f"may run on; 0 decodes in this process).")
_shard_option = click.option("--shard-size", type=Whole(1), default=None,
                             help="Images per shard (default: about 201 MB of images).")
_verify_option = click.option("--verify", is_flag=True,
                              help="Re-check every file's sha256 afterwards (another prepare of OUT meanwhile is "
                                   "refused).")
_is_a_option = click.option("--is-a", "is_a", type=TextFile(IS_A_LINES), default=None,
                            help="WordNet 'parent child' file: records each class's man-made / natural family "
                                 "(class names must be WordNet ids such as n01440764).")

def _applied(options, command):
    """``command`` with ``options`` applied, listed in the order --help shows them."""
    for option in reversed(options):
        command = option(command)
    return command


def image_import_options(*files):
    """--is-a, --size (256), --workers, --shard-size, --verify and --overwrite (naming ``files``, as
    :func:`_overwrite_option`): the options of the commands that decode images (imagenet, folder, tiny-imagenet)."""
    options = (_is_a_option, _size_option(256), _workers_option, _shard_option, _verify_option,
               _overwrite_option(*files, images=True))
    return lambda command: _applied(options, command)


_cifar_workers_option = click.option("--workers", type=Whole(0, MAX_WORKERS), default=None,
                                     help=f"Processes resizing to --size, at most {MAX_WORKERS} (default: 0, in this "
                                          f"process: CIFAR's pixels need no decoding).")


class DownloadOrFolder(click.Path):
    """SOURCE of the importers of a download (CIFAR's, Tiny ImageNet's): the archive as downloaded or the folder it
    unpacks into. Anything else there (a named pipe, a socket, a device) is a usage error saying what it is: it was
    "no batches.meta ... file" (65) or a bare "[Errno 20] Not a directory" (74)."""

    def __init__(self):
        super().__init__(exists=True)

    def convert(self, value, param, ctx):
        refuse_unnamed(self, value, param, ctx, _GIVE_DOWNLOAD)
        converted = super().convert(value, param, ctx)
        if not (os.path.isdir(value) or os.path.isfile(value)):
            self.fail(f"{value} is {path_kinds.path_kind(value)}: {_GIVE_DOWNLOAD}", param, ctx)
        return converted


_GIVE_DOWNLOAD = "give the download (its archive) or the folder it unpacks into"


class DevkitFolder(click.Path):
    """--devkit: the devkit folder. A file given instead is a usage error that says what to give: the
    download still packed (ILSVRC2012_devkit_t12.tar.gz) with the command that unpacks it beside itself and
    the folder that makes; one of its files (meta.mat) with the folder to give (click said only
    "Directory ... is a file")."""

    def __init__(self):
        super().__init__(exists=True, file_okay=False)

    def convert(self, value, param, ctx):
        kit = devkit.DEVKIT_FOLDER
        refuse_unnamed(self, value, param, ctx, f"give the devkit folder, {kit}")
        holding = (f"give the devkit folder, {kit}, which holds data/{devkit.META_FILE} and "
                   f"data/{devkit.GROUND_TRUTH_FILE}")
        if os.path.isfile(value):
            single = archives.single_file_refusal(value, "the devkit",
                                                  f"give the devkit folder, {kit} (unpacked from {kit}.tar.gz)")
            if single:
                self.fail(f"{value} is {single}", param, ctx)
            command, made = archives.unpacked(value)
            if command:
                # the devkit folder holds data/: an archive of data/ alone (no folder above it) unpacks beside itself
                folder = os.path.dirname(made) if os.path.basename(made) == "data" else made
                self.fail(f"{value} is an archive, not a folder: unpack it first ({command}) and give the folder it "
                          f"makes, {folder or '.'} (the one holding data/{devkit.META_FILE})", param, ctx)
            self.fail(f"{value} is a file: {holding}", param, ctx)
        kind = path_kinds.path_kind(value)
        if kind not in ("a folder", "nothing"):  # a named pipe: it was bad data, "fifo/data/meta.mat: missing"
            self.fail(f"{value} is {kind}, not a folder: {holding}", param, ctx)
        return super().convert(value, param, ctx)


def cifar_options(command):
    """SOURCE (the archive or its folder), OUT and the options the CIFAR importers take."""
    return _applied((click.argument("source", type=DownloadOrFolder()),
                     click.argument("out", type=DatasetOutput()),
                     _size_option(32), _cifar_workers_option, _shard_option, _verify_option, _overwrite_option()),
                    command)


def _even(context, parameter, value):
    if value % 2:
        raise click.BadParameter(f"must be even (half the classes man-made, half natural), got {value}")
    return value


# prepare synthetic's defaults: a set for the mini preset, larger than the built-in set's (the micro preset's)
_SYNTHETIC = {"classes": 20, "train_per_class": 300, "val_per_class": 50, "seed": 0, "size": 36}


def synthetic_help():
    """prepare synthetic's help: what it makes, and how its defaults differ from the built-in set's."""
    own, builtin = _SYNTHETIC, synthetic.BUILTIN_PARAMETERS
    presets = [models.preset_for_image_size((p["size"], p["size"])).name for p in (own, builtin)]
    return (f"A generated set of straight-edged (man-made) and organic (natural) shape classes.\n\n"
            f"Its defaults ({own['size']}x{own['size']} images, {own['train_per_class']} training and "
            f"{own['val_per_class']} validation images per class: the {presets[0]} preset's) are not those of the "
            f"built-in set that train, experiment and demo use without --data ({builtin['size']}x{builtin['size']}, "
            f"{builtin['train_per_class']} and {builtin['val_per_class']} per class: the {presets[1]} preset's)."
            f"\n\n\b\nExample:\n  minitransfer prepare synthetic synthetic-8 --classes 8 --train-per-class 40 "
            f"--val-per-class 10")


def synthetic_options(command):
    """OUT and the options of prepare synthetic, defaults :data:`_SYNTHETIC`'s."""
    return _applied((
        click.argument("out", type=DatasetOutput()),
        click.option("--classes", type=Whole(2, len(synthetic.CLASS_MOTIFS)), default=_SYNTHETIC["classes"],
                     show_default=True, callback=_even,
                     help=f"Even, 2..{len(synthetic.CLASS_MOTIFS)}: half man-made, half natural."),
        click.option("--train-per-class", type=Whole(1, MAX_IMAGES), default=_SYNTHETIC["train_per_class"],
                     show_default=True, help="Training images generated per class."),
        click.option("--val-per-class", type=Whole(1, MAX_IMAGES), default=_SYNTHETIC["val_per_class"],
                     show_default=True,
                     help="Validation images generated per class."),
        click.option("--seed", type=Seed(None), default=_SYNTHETIC["seed"], show_default=True,
                     help="Seed of the generator."),
        _size_option(_SYNTHETIC["size"]), _shard_option, _verify_option, _overwrite_option()), command)
