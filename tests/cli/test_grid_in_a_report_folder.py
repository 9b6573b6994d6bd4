"""``minitransfer experiment -o REPORT`` (or ``demo -o REPORT``), where REPORT is the folder a
``minitransfer report -o REPORT`` wrote (results.csv, findings.md, figures): accepted, and the grid
wrote its plan and runs among the report's files. Refused (exit 2) naming the folder and what it is,
before anything is written, as a dataset's or a run's folder is."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic

REPORT = ("results.csv", "findings.md", "figure2.png", "curves.svg")  # a few of the files report writes


@pytest.fixture
def report(tmp_path):
    folder = tmp_path / "report"
    folder.mkdir()
    for name in REPORT:
        (folder / name).write_text(f"{name} of another grid\n")
    return folder


def _says(out, example):
    return (f"is a report's folder (the tables and figures `minitransfer report` wrote: results.csv, findings.md, "
            f"figure2.png ...), where the runs would lie among its files: give a folder of its own, e.g. "
            f"{out.parent / example}")


@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--emit-slurm", "slurm"]], ids=["run", "dry-run", "slurm"])
def test_an_experiment_into_a_report_folder_is_refused(micro_data, report, tmp_path, monkeypatch, extra):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(report), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", *extra])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"--out {report} {_says(report, 'grid')}" in " ".join(result.output.split()), result.output
    assert sorted(os.listdir(report)) == sorted(REPORT) and not (tmp_path / "slurm").exists()


def test_a_demo_into_a_report_folder_is_refused_as_typed(micro_data, report, tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: built.append(root) or micro_data)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "-o", "report", "--device", "cpu"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"--out report {_says(report, 'demo')}" in " ".join(result.output.split()), result.output
    assert sorted(os.listdir(report)) == sorted(REPORT) and not built  # refused before the benchmark is built


def test_a_grids_own_folder_and_a_folder_of_other_files_are_taken(micro_data, tmp_path):
    """A grid's folder (its experiment.json) goes on whatever else it holds (a results.csv of its
    own); a folder of other files is no report's."""
    arguments = ["experiment", "--data", micro_data, "--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--device",
                 "cpu"]
    grid = tmp_path / "grid"
    planned = CliRunner().invoke(main, [*arguments, "-o", str(grid), "--emit-slurm", str(tmp_path / "slurm")])
    assert planned.exit_code == 0 and (grid / "experiment.json").is_file(), planned.output
    (grid / "results.csv").write_text("name,top1\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("train the grid\n")
    for out in (grid, tmp_path / "notes"):
        result = CliRunner().invoke(main, [*arguments, "-o", str(out), "--dry-run"])
        assert result.exit_code == 0, result.output
