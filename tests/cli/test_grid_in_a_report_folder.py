"""``minitransfer experiment -o REPORT`` (or ``demo -o REPORT``), where REPORT is the folder a
``minitransfer report -o REPORT`` wrote (results.csv, findings.md, figures): accepted, and the grid
wrote its plan and runs among the report's files. Refused (exit 2) naming the folder and what it is,
before anything is written, as a dataset's or a run's folder is."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic
from test_report import write_runs

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


def _demo(micro_data, monkeypatch, where, out):
    """``demo -o out`` run in ``where``, refused (exit 2, no traceback); its output, and the built-in
    sets it built (none: refused before the benchmark is built)."""
    built = []
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: built.append(root) or micro_data)
    monkeypatch.chdir(where)
    result = CliRunner().invoke(main, ["demo", "-o", out, "--device", "cpu"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return result, built


def test_a_demo_into_a_report_folder_is_refused_as_typed(micro_data, report, tmp_path, monkeypatch):
    result, built = _demo(micro_data, monkeypatch, tmp_path, "report")
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


EXPERIMENT = ["experiment", "--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--device", "cpu"]


@pytest.fixture
def written_report(tmp_path):
    """RUNS/report, as `minitransfer report RUNS` writes it by default, and RUNS."""
    runs = write_runs(tmp_path / "runs")
    written = CliRunner().invoke(main, ["report", str(runs)])
    assert written.exit_code == 0 and (runs / "report" / "findings.md").is_file(), written.output
    return runs / "report"


def _listing(folder):
    return sorted((str(path.relative_to(folder)), path.stat().st_mtime_ns) for path in folder.rglob("*"))


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--emit-slurm", "slurm"]], ids=["run", "dry-run", "slurm"])
def test_an_experiment_inside_a_report_folder_is_refused(micro_data, written_report, tmp_path, monkeypatch, extra):
    """experiment -o RUNS/report/grid was taken: its runs lay in a report's output, which is remade or deleted
    as a whole, and the next `report RUNS` pooled them with the runs that report summed up."""
    before = _listing(written_report)
    monkeypatch.chdir(tmp_path)
    out = written_report / "deeper" / "grid"
    result = CliRunner().invoke(main, [*EXPERIMENT, "--data", micro_data, "-o", str(out), *extra])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert (f"--out {out} lies inside {written_report}, a report's folder (the tables and figures `minitransfer "
            f"report` wrote: results.csv, results.md, table1.csv ...), the output of a report, which is remade or "
            f"deleted as a whole: give a folder of its own, e.g. {written_report.parent / 'grid'}"
            in " ".join(result.output.split())), result.output
    assert _listing(written_report) == before and not (tmp_path / "slurm").exists()


@pytest.mark.usefixtures("placeholder_figures")
def test_a_demo_inside_a_report_folder_is_refused(micro_data, written_report, tmp_path, monkeypatch):
    result, built = _demo(micro_data, monkeypatch, written_report, "demo")
    assert f"--out demo lies inside {written_report}, a report's folder" in " ".join(result.output.split())
    assert not (written_report / "demo").exists() and not built


@pytest.mark.usefixtures("placeholder_figures")
def test_a_grid_whose_parent_got_a_report_since_and_a_stray_table_above_are_taken(micro_data, tmp_path):
    """A grid planned before a report was written into the folder above it reruns there; a folder holding
    a results.csv of its own (not every table a report writes) is no report's folder to the grids below."""
    grid = tmp_path / "work" / "grid"
    planned = CliRunner().invoke(main, [*EXPERIMENT, "--data", micro_data, "-o", str(grid), "--emit-slurm",
                                        str(tmp_path / "slurm")])
    assert planned.exit_code == 0, planned.output
    write_runs(tmp_path / "runs")
    written = CliRunner().invoke(main, ["report", str(tmp_path / "runs"), "-o", str(tmp_path / "work")])
    assert written.exit_code == 0 and (tmp_path / "work" / "findings.md").is_file(), written.output
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "results.csv").write_text("name,top1\n")
    for out in (grid, tmp_path / "home" / "grid"):
        result = CliRunner().invoke(main, [*EXPERIMENT, "--data", micro_data, "-o", str(out), "--dry-run"])
        assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_into_a_folder_of_a_grid_beside_its_splits_leaves_the_grid_as_it_was(micro_data, tmp_path):
    """report GRID -o GRID/notes (as GRID/report, its default): taken, and the grid reruns in GRID; a grid inside
    GRID/notes is refused as one nested in the grid (its report would pool both)."""
    grid = tmp_path / "grid"
    planned = CliRunner().invoke(main, [*EXPERIMENT, "--data", micro_data, "-o", str(grid), "--emit-slurm",
                                        str(tmp_path / "slurm")])
    assert planned.exit_code == 0, planned.output
    write_runs(grid)
    written = CliRunner().invoke(main, ["report", str(grid), "-o", str(grid / "notes")])
    assert written.exit_code == 0 and (grid / "notes" / "findings.md").is_file(), written.output
    again = CliRunner().invoke(main, [*EXPERIMENT, "--data", micro_data, "-o", str(grid), "--dry-run"])
    assert again.exit_code == 0, again.output
    nested = CliRunner().invoke(main, [*EXPERIMENT, "--data", micro_data, "-o", str(grid / "notes" / "g"),
                                       "--dry-run"])
    assert nested.exit_code == 2 and "the folder of another grid" in nested.output, nested.output
