"""The ``minitransfer`` command line (click). Thin: parses, validates, calls ``minitransfer``.

Each command lives in its own module and is added to the group below by name; the shared options,
exit codes and the table from errors to exit codes are in ``_common``.
"""

import click

from minitransfer import __version__

from ._common import CommandGroup


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="minitransfer")
def main():
    """Measure how transferable the features of each layer of a convnet are.

    A from-scratch reproduction of Yosinski et al., "How transferable are features in deep
    neural networks?" (NIPS 2014): hand-written CUDA kernels on the GPU, a NumPy reference on
    the CPU. Run `minitransfer COMMAND --help` for a command's options and examples.

    Every command refuses to start when its standard output is closed (`>&-`; exit code 74):
    what it prints would be lost without a word; send it to /dev/null to discard it. Output that
    cannot be written (a full disk) is exit code 74 too. With stderr closed (`2>&-`) the messages
    are lost, not the exit code.
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
