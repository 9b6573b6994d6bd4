"""The ``minitransfer`` command line (click). Thin: parses, validates, calls ``minitransfer``.

Each command lives in its own module, named in :data:`COMMANDS` and imported only as that command is
asked for (click's lazy loading: `minitransfer info` loads neither `demo` nor `experiment`, nor what
only they need; about 15% less of a command's start-up CPU, which every test, grid task and user pays);
`minitransfer --help` lists them by the first sentence of their help, kept here. The shared options,
exit codes and the table from errors to exit codes are in ``_errors``, ``_output``, ``_options``,
``_paths`` and ``_devices``; how a help wraps in ``_help_format``.
"""

import collections.abc
import importlib
import platform

import click

from minitransfer import __version__

from ._errors import CommandGroup
from ._help_format import UnbrokenHelpContext, help_unbroken

# name: (module, the click command in it, how `minitransfer --help` lists it without importing the module: the
# command's own short_help, or the first sentence of its help, which click shortens to the line as it does the
# command's; tests/cli/test_help_lazy.py checks they are the command's own)
COMMANDS = {
    "prepare": ("prepare", "prepare", {"short_help": "Import ImageNet, CIFAR or a folder of images into HDF5 shards."}),
    "splits": ("splits", "splits", {"short_help": "The classes and image counts of a split's halves."}),
    "train": ("train", "train", {"short_help": "Train one network: a base, a transfer, a selffer or a control."}),
    "eval": ("eval", "eval_command", {"short_help": "Top-1, top-5 and loss of a network on its half's images."}),
    "info": ("info", "info", {"short_help": "Layers, frozen flags and provenance of a network."}),
    "experiment": ("experiment", "experiment",
                   {"short_help": "Run the paper's grid of networks here, or as SLURM job arrays."}),
    "report": ("report", "report", {"short_help": "The paper's tables, findings and figures of a folder of runs."}),
    "demo": ("demo", "demo", {"help": "Run the paper's experiment in miniature and say what it shows."}),
}


class LazyCommands(collections.abc.MutableMapping):
    """A group's commands by name (``group.commands``), each imported from its module (:data:`COMMANDS`) as it
    is first looked up, and given :func:`~._help_format.help_unbroken`; the names, and ``in``, import nothing.
    A command added (``add_command``) is kept as it is given."""

    def __init__(self, lazy):
        self._lazy = dict(lazy)
        self._loaded = {}

    def loaded(self, name):
        """The command ``name`` if it was imported (or added) already, else None."""
        return self._loaded.get(name)

    def __getitem__(self, name):
        if name not in self._loaded:
            module, attribute, _ = self._lazy[name]  # KeyError: no such command
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            self._loaded[name] = help_unbroken(command)
        return self._loaded[name]

    def __setitem__(self, name, command):
        self._loaded[name] = command

    def __delitem__(self, name):
        if name not in self:
            raise KeyError(name)
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name):
        return name in self._lazy or name in self._loaded

    def __iter__(self):
        return iter(dict.fromkeys([*self._lazy, *self._loaded]))

    def __len__(self):
        return len(dict.fromkeys([*self._lazy, *self._loaded]))


class LazyCommandGroup(CommandGroup):
    """The command group (:class:`~._errors.CommandGroup`) whose commands' modules are imported one at a
    time, as a command is run or its help asked for (:class:`LazyCommands`); its own help lists them all
    without importing one. ``lazy_commands``: as :data:`COMMANDS`. click's own ``list_commands`` (sorted names,
    none imported) and ``get_command`` (``commands.get``: that command's module imported now) serve as they are."""

    context_class = UnbrokenHelpContext  # its help, too, breaks lines at spaces only

    def __init__(self, *args, lazy_commands, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(lazy_commands)
        self._listed_as = {name: listed_as for name, (_, _, listed_as) in lazy_commands.items()}

    def format_commands(self, ctx, formatter):
        """The help's list of commands, as click writes it: a command not imported yet stands in as a command
        of its short help, or of its help's first sentence, alone (:data:`COMMANDS`)."""
        listed = {name: self.commands.loaded(name) or click.Command(name, **self._listed_as[name])
                  for name in self.commands}
        click.Group(commands=listed).format_commands(ctx, formatter)


def _print_version(ctx, param, value):
    """--version: minitransfer's, then those of what its results depend on (a bug report needs them:
    NumPy draws the random split, CuPy's CUDA computes on the GPU)."""
    if not value or ctx.resilient_parsing:
        return
    import importlib.metadata  # here: a tenth of a second that only --version needs

    cupy = next((f"{dist.metadata['Name']} {dist.version}" for dist in importlib.metadata.distributions()
                 if (dist.metadata["Name"] or "").lower().startswith("cupy")), "CuPy not installed")
    click.echo(f"minitransfer, version {__version__}\nPython {platform.python_version()}, NumPy "
               f"{_installed('numpy')}, h5py {_installed('h5py')}, click {_installed('click')}, {cupy}")
    ctx.exit()


def _installed(package):
    """The version of the installed ``package``."""
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@click.group(cls=LazyCommandGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version, and those of Python, NumPy, h5py, click and CuPy, and exit.")
def main():
    """Measure how transferable the features of each layer of a convnet are.

    A from-scratch reproduction of Yosinski et al., "How transferable are features in deep
    neural networks?" (NIPS 2014): hand-written CUDA kernels on the GPU, a NumPy reference on
    the CPU. Run `minitransfer COMMAND --help` for a command's options and examples.

    Start with `minitransfer demo`: the whole experiment in miniature on a built-in synthetic set,
    minutes on a CPU. On your own data: `prepare` it once, run the grid of networks with
    `experiment` (`experiment --help` names them: baseA, AnB, BnB, AnB+ ..., n the number of layers
    copied) or one network with `train`, then `report` draws the paper's tables and figures.

    \b
    A base, a transfer of its first 4 layers, its score and its provenance:
      minitransfer train --split random --half A -o baseA.h5
      minitransfer train --copy-from baseA.h5 --n 4 --frozen -o A4B.h5
      minitransfer eval A4B.h5
      minitransfer info A4B.h5

    Exit codes, every command alike (its --help says when each occurs): 0 done, 1 a run failed
    (e.g. the loss diverged), 2 usage, 65 bad data (the file, layer or shape at fault named), 74 a
    file could not be read or written, 75 interrupted (rerun the same command to go on), 141 the
    output's reader went away.

    Every command refuses to start when its standard output is closed (`>&-`; exit code 74):
    what it prints would be lost without a word; send it to /dev/null to discard it. Output that
    cannot be written (a full disk) is exit code 74 too. When the output's reader goes away
    (`| head`), a command stops with exit code 141, as a Unix tool does (`experiment` and `demo`
    say on stderr how to go on), except `train` without --json, which trains on, its lines dropped,
    and exits as its run ends. With stderr closed (`2>&-`) the messages are lost, not the exit
    code.
    """

