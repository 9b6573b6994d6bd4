"""``report`` given a dataset's folder or a report's folder as RUNS: a usage mistake (exit code 2, as a run
folder itself is), said as what that folder is and what to give, nothing written. It was exit code 1, "no run
folder is in it", as for a folder of runs none of which finished: a run failed, not bad input."""

import pathlib

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.report_folder import REPORT_TABLES


def _refused(folder):
    before = sorted(folder.rglob("*"))
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert sorted(folder.rglob("*")) == before  # nothing written
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    return result.output


def test_a_dataset_folder_as_runs_is_a_usage_mistake(micro_data):
    said = _refused(pathlib.Path(micro_data))
    assert said == (f"error: no finished runs (*.run/result.json) under {micro_data}: it is a dataset folder, not a "
                    f"folder of runs: give the folder a grid was trained into (its --out), or the one that holds "
                    f"train's --out\n")


def test_a_report_folder_as_runs_names_the_folder_above(tmp_path):
    report = tmp_path / "grid" / "report"
    report.mkdir(parents=True)
    for name in REPORT_TABLES:
        (report / name).write_text("x\n")
    said = _refused(report)
    assert said == (f"error: no finished runs (*.run/result.json) under {report}: it is a report's folder, not a "
                    f"folder of runs: give the folder of the runs it sums up (by default the folder above it, "
                    f"{tmp_path / 'grid'})\n")
