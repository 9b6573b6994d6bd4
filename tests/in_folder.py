"""The command line run as from a folder: relative paths in the arguments, and the default names the
commands write, taken there (the test's own working folder restored after)."""

import os

from click.testing import CliRunner

from minitransfer.cli import main


def invoke(args, folder):
    """``minitransfer ARGS`` through click's CliRunner, with ``folder`` the working folder while it runs."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, args)
    finally:
        os.chdir(here)
