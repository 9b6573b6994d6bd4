"""train's --random-frozen keeps the first n layers frozen at their random initialisation, so a
--fine-tune beside it is refused (exit 2), as --frozen is, never accepted silently with the layers
frozen after all. Refused before any dataset is read or file written."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("flag, message", [
    ("--fine-tune", "--fine-tune applies to copied layers and needs --copy-from and --n (the --random-frozen layers "
                    "stay frozen)"),
    ("--frozen", "--frozen applies to copied layers and needs --copy-from and --n (see --random-frozen)"),
], ids=["fine-tune", "frozen"])
def test_a_copy_flag_beside_random_frozen_layers_is_refused(tmp_path, flag, message):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["train", "--split", "all", "--random-frozen", "1", flag,
                                           "-o", "net.h5"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert os.listdir(tmp_path) == []
