"""What ``experiment --help`` tells of the options it refuses: an #SBATCH line of --sbatch-option
setting a time limit or a signal is refused (the scripts set both), which its help did not say."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.cli.experiment import experiment


@pytest.mark.parametrize("line, what", [("--time=1:00:00", "time limit"), ("--signal=USR1@60", "signal")],
                         ids=["time", "signal"])
def test_sbatch_options_refused_there_are_said_in_its_help(tmp_path, line, what):
    refused = CliRunner().invoke(main, ["experiment", "-o", str(tmp_path / "g"), "--emit-slurm", str(tmp_path / "s"),
                                        f"--sbatch-option={line}"])
    assert refused.exit_code == 2, refused.output
    shown = next(param.help for param in experiment.params if param.name == "sbatch_options")
    assert f"a {what}" in shown.lower() and "is refused there" in shown and "from --time" in shown, shown
