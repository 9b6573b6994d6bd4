"""A help that names a selffer says what one is, or where that is said: train's opened "a transfer (AnB /
AnB+), a selffer (BnB)" and never said what either is, a word of the paper's a newcomer from the README had
not met; experiment's legend defines it ("selffer: ...")."""

import re

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


def _help(command):
    return " ".join(CliRunner().invoke(main, [command, "--help"], terminal_width=80).output.split())


@pytest.mark.parametrize("command", ["train", "experiment"])
def test_a_help_naming_a_selffer_and_a_transfer_says_what_each_is(command):
    shown = _help(command)
    assert "selffer" in shown and "transfer" in shown
    selffer = re.search(r"selffer(?:, its control,)? from the base of the same half|selffer: the same from baseB "
                        r"onto its own half", shown)
    transfer = re.search(r"transfer copies from the base of the other half|transfer: baseA's first n layers", shown)
    assert selffer and transfer, shown[:600]
