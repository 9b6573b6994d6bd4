"""The ``minitransfer`` command line (click). Thin: parses, validates, calls ``minitransfer``.

Each command lives in its own module and is added to the group below by name; the shared options,
exit codes and the table from errors to exit codes are in ``_errors``, ``_output``, ``_options``,
``_paths`` and ``_devices``; how a help wraps in ``_help_format``.
"""

import platform

import click

from minitransfer import __version__

from ._errors import CommandGroup
from ._help_format import help_unbroken


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


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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

    Every command refuses to start when its standard output is closed (`>&-`; exit code 74):
    what it prints would be lost without a word; send it to /dev/null to discard it. Output that
    cannot be written (a full disk) is exit code 74 too. When the output's reader goes away
    (`| head`), a command stops with exit code 141, as a Unix tool does (`experiment` and `demo`
    say on stderr how to go on), except `train` without --json, which trains on, its lines dropped,
    and exits as its run ends. With stderr closed (`2>&-`) the messages are lost, not the exit
    code.
    """

from . import prepare as _prepare, splits as _splits  # noqa: E402  (commands register after the group exists)

main.add_command(_prepare.prepare)
main.add_command(_splits.splits)

from . import eval as _eval, info as _info, train as _train  # noqa: E402

main.add_command(_train.train)
main.add_command(_eval.eval_command)
main.add_command(_info.info)

from . import demo as _demo, experiment as _experiment, report as _report  # noqa: E402

main.add_command(_experiment.experiment)
main.add_command(_report.report)
main.add_command(_demo.demo)

help_unbroken(main)  # last: every command's --help breaks lines at spaces only, never at a hyphen
