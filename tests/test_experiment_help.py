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


def _examples():
    """The example command lines of ``experiment --help``, as shown, in order."""
    shown = CliRunner().invoke(main, ["experiment", "--help"], terminal_width=100).output
    return [line.strip() for line in shown.split("Examples", 1)[1].split("Options:")[0].splitlines()
            if line.strip().startswith(("minitransfer ", "bash "))]


def test_its_examples_begin_with_a_grid_trained_on_the_built_in_set_and_say_how_to_prepare_ones_own_data(tmp_path):
    """A newcomer reading the examples met a dry run first, nothing that trains a grid on the built-in
    data, and "--data imagenet ... # your data" without how such a dataset is made."""
    examples = _examples()
    trains = next(line for line in examples if line.startswith("minitransfer experiment ")
                  and "--dry-run" not in line and "--emit-slurm" not in line)
    assert "--data" not in trains and "# your data" not in trains, trains
    assert examples.index(trains) < 3 and examples[examples.index(trains) + 1].startswith("minitransfer report "), \
        examples
    own = [line for line in examples if "--data" in line]
    prepare = next(line for line in examples if line.startswith("minitransfer prepare "))
    assert examples.index(prepare) < examples.index(own[0]) and prepare.endswith("# your data"), examples
    assert all(line.endswith("# your data") for line in own), own
    words = trains.split("#")[0].split()[1:] + ["--dry-run"]  # as shown, but only planned
    out = tmp_path / "grid"
    planned = CliRunner().invoke(main, [word if word != "grid" else str(out) for word in words])
    assert planned.exit_code == 0 and "would run on the CPU" in planned.output, planned.output
