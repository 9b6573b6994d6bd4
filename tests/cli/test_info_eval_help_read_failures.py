"""info's and eval's --help name the exit code of a checkpoint the system fails to read (EIO from a failing disk,
ESTALE from a network file system's server gone): since 0.11.6 it is 74, an I/O error, which both said only of a
file this user may not read, and 65 of "a damaged checkpoint", which such a read was before."""

import re

import pytest
from click.testing import CliRunner

from interrupting import interrupted_after
from minitransfer import config
from minitransfer.cli import main
from test_checkpoint_read_errors import _reads_fail


@pytest.mark.parametrize("command", ["info", "eval"])
def test_a_failing_read_is_the_exit_code_help_says(command, micro_data, tmp_path, monkeypatch):
    interrupted_after(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, batch_size=8, max_iter=4,
                                         checkpoint_every=2, device="cpu", quiet=True, preset="micro"), 2)
    path = tmp_path / "net.run" / "checkpoint.h5"
    _reads_fail(monkeypatch, path)
    refused = CliRunner().invoke(main, [command, str(path)])
    assert refused.exit_code == 74 and "Input/output error" in refused.output, refused.output
    helped = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    codes = re.search(r"Exit codes: (.*?) 75 interrupted", helped).group(1)
    said_74 = codes[codes.index(" 74 "):]
    assert "the system fails to read it (a failing disk, a network file system's server gone" in said_74, said_74
