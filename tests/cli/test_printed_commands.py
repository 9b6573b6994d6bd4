"""Commands the command line prints for the user to paste (``bash submit.sh``, ``minitransfer report
OUT``, ``minitransfer splits DATA all``): each path in them quoted as the shell needs it, so a
folder named with a blank, a ``$`` or a quote is one word, read as printed."""

import shlex

from click.testing import CliRunner

from minitransfer import scheduler
from minitransfer.cli import main
from minitransfer.data import shard_format
from minitransfer.grid_outcome import GridOutcome

ODD = "my runs $HOME 'a'"  # a blank, a variable the shell would expand, quotes


def test_the_report_command_after_a_grid_reads_as_printed(micro_data, tmp_path, monkeypatch):
    monkeypatch.setattr(scheduler, "run_grid", lambda *args, **kwargs: GridOutcome([], [], [], {}))
    out = tmp_path / ODD
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                       "--max-iter", "10", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    command = result.output.splitlines()[-1].rsplit("(", 1)[1].rstrip(")")
    assert shlex.split(command) == ["minitransfer", "report", str(out)], command


def test_the_splits_command_for_a_dataset_given_as_a_network_reads_as_printed(tmp_path):
    data = tmp_path / ODD
    data.mkdir()
    (data / shard_format.META_FILE).write_text("{}")
    result = CliRunner().invoke(main, ["info", str(data)])
    assert result.exit_code == 2, result.output
    command = " ".join(result.output.split()).split("`")[1]
    assert shlex.split(command) == ["minitransfer", "splits", str(data), "all"], command
