"""Every command's ``--help`` read in an 80-column terminal fits it, but for the example command lines, which
are kept whole to be copied: the prose above experiment's examples ran to 99 columns (its lines marked by
``\\b``, which click leaves unwrapped), its table of networks to 96, the example headings of splits and
``prepare imagenet`` to 99 and 96, and ``prepare folder``'s layout and families lines to 92 and 96, so a
newcomer's terminal wrapped them mid-word."""

import pytest
from click.testing import CliRunner
from help_examples import commands

from minitransfer.cli import main

COLUMNS = 80
COPIED = ("minitransfer ", "bash ")  # example lines, kept whole so that they can be copied


@pytest.mark.parametrize("path", [path for path, _ in commands(main)], ids=" ".join)
def test_each_help_line_but_the_example_commands_fits_80_columns(path):
    shown = CliRunner().invoke(main, [*path, "--help"], terminal_width=COLUMNS).output
    wide = [line for line in shown.splitlines()
            if len(line) > COLUMNS and not line.strip().startswith(COPIED) and not line.startswith("Usage:")]
    assert wide == [], "\n".join(f"{len(line)}: {line}" for line in wide)
