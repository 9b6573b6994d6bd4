"""Helpers shared by the commands: exit codes and the mapping of errors onto them.

Exit codes (DESIGN.md §7): 0 done, 1 error, 2 usage, 65 bad data, 75 interrupted with a checkpoint
written (safe to rerun with ``--resume auto``).
"""

import sys

import click

from minitransfer import checkpoint, cuda
from minitransfer import train as training
from minitransfer.data import dataset

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BAD_DATA = 65
EXIT_INTERRUPTED = 75

device_option = click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
    help="Where to compute: auto = cuda when CuPy sees a GPU, else cpu.")

checkpoint_argument = click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False))


def run(work):
    """Call ``work()``; known failures print one clear line on stderr and exit with their code."""
    try:
        return work()
    except training.Interrupted as error:
        click.echo(f"interrupted: {error}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except training.ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except (dataset.DatasetError, training.DataMismatch, checkpoint.CheckpointError) as error:
        click.echo(f"error: bad data: {error}", err=True)
        sys.exit(EXIT_BAD_DATA)
    except training.Diverged as error:
        click.echo(f"error: training diverged: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except cuda.CudaUnavailable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ERROR)
