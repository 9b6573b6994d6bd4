"""Two grids of different datasets or presets gathered in one results folder (RESULTS/sweep1, RESULTS/sweep2) are
refused as before (exit code 65: no table may pool them), and the refusal now ends with the command that reports
each folder apart, pasteable: "report each from a folder of its own: `minitransfer report RESULTS/sweep1`, ...".
Before, "report each from a folder of its own" alone, the folders left to find; where a folder mixes runs too, or a
run lies in the folder given itself, no command is given (no folder of the report's own is there to name)."""

import pytest
from click.testing import CliRunner
from pasted import paste, ran
from test_report import record_fingerprint, write_run

from minitransfer import experiment as grid
from minitransfer.cli import main


def _sweep(folder, data, fingerprint, preset="mini"):
    """A grid at layer 1 in ``folder``, its runs trained on ``data`` (of meta.json sha256 ``fingerprint``)."""
    for run in grid.plan_grid(layers=(1,), fine_tuned=False):
        write_run(folder, run, 0.6, config={"split": "random", "half": run.target, "data": data, "preset": preset})
        record_fingerprint(folder, run.name, fingerprint)


@pytest.mark.usefixtures("placeholder_figures")
def test_two_grids_of_two_datasets_in_one_folder_are_refused_with_the_command_that_reports_each(tmp_path):
    results = tmp_path / "my results"
    _sweep(results / "sweep1", "/data/eight", "8" * 64)
    _sweep(results / "sweep2", "/data/twenty", "20" * 32)
    refused = CliRunner().invoke(main, ["report", str(results)])
    assert refused.exit_code == 65 and "Traceback" not in refused.output, refused.output
    assert refused.output.rstrip().endswith(
        f"report each from a folder of its own: `minitransfer report '{results / 'sweep1'}'`, "
        f"`minitransfer report '{results / 'sweep2'}'`"), refused.output
    assert not (results / "report").exists()
    command, done = paste(refused.output, tmp_path)
    assert ran(command, done).stdout.startswith(f"read 4 finished runs from {results / 'sweep1'}\n"), done.stdout
    assert (results / "sweep1" / "report" / "results.md").is_file()


def test_no_command_where_a_folder_mixes_runs_or_a_run_lies_in_the_folder_given(tmp_path):
    results = tmp_path / "results"
    _sweep(results / "sweep1", "/data/eight", "8" * 64)
    _sweep(results / "sweep2", "/data/eight", "8" * 64, preset="micro")
    write_run(results / "sweep2", grid.Run("mine", "base", "random", 0, target="A"), 0.6, treatment=False,
              config={"split": "random", "half": "A", "data": "/data/eight", "preset": "mini"})
    refused = CliRunner().invoke(main, ["report", str(results)])
    assert refused.exit_code == 65 and refused.output.rstrip().endswith("report each from a folder of its own")
    refused = CliRunner().invoke(main, ["report", str(results / "sweep2")])  # its own mine beside its grid
    assert refused.exit_code == 65 and refused.output.rstrip().endswith("report each from a folder of its own")
