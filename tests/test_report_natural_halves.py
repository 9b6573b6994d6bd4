"""Which half of the natural split is which: this tool, as the original code, has A natural and B man-made
(a folder's families as its dataset records them), the paper's text A man-made and B natural; results.md
and findings.md never said so, and a reader of the paper read natural/A7B as man-made to natural."""

import pytest

from minitransfer import experiment as grid
from minitransfer import report
import test_report
from test_report import write_run

plants_and_vehicles = test_report.plants_and_vehicles  # its fixture: a folder of plant and vehicle families

THE_OTHER_WAY = ("the paper's text (§2, §4.2) names ImageNet's halves the other way round, A man-made and B "
                 "natural, so its Figure 3's \"AnB\" is this report's BnA")


def write_grid(out, natural=True, config=lambda run: None):
    for run in grid.plan_grid(random_seeds=(0,), natural=natural, layers=(5,)):
        write_run(out, run, 0.6 if run.kind == "base" else 0.45 + 0.01 * (run.split == "random"), config=config(run))
    return out


def dissimilar_finding(written):
    return next(line for line in written.files["findings.md"].read_text().splitlines() if "transfer loses" in line)


def test_results_and_the_natural_findings_say_which_half_is_which(tmp_path):
    written = report.write_report(write_grid(tmp_path / "grid"), tmp_path / "r", figures=False)
    said = "On the natural split, half A is the natural classes and half B the man-made ones"
    results = written.files["results.md"].read_text()
    assert results.count(said) == 1 and results.count(THE_OTHER_WAY) == 1
    assert said in dissimilar_finding(written) and THE_OTHER_WAY in dissimilar_finding(written)
    general = next(line for line in written.files["findings.md"].read_text().splitlines() if "At n=5, transferred"
                   in line)
    assert said not in general  # a finding of the random split alone


def test_a_report_without_natural_runs_says_nothing_of_halves(tmp_path):
    written = report.write_report(write_grid(tmp_path / "grid", natural=False), tmp_path / "r", figures=False)
    for name in ("results.md", "findings.md"):
        assert "the other way round" not in written.files[name].read_text()


def test_a_folders_families_are_named_as_its_dataset_records_them(tmp_path, plants_and_vehicles):
    """--family-a vehicle: half A the vehicles, whatever ImageNet's halves are."""
    pytest.importorskip("PIL")
    runs = write_grid(tmp_path / "grid", config=lambda run: {"split": run.split, "half": run.target,
                                                             "data": str(plants_and_vehicles)})
    written = report.write_report(runs, tmp_path / "r", figures=False)
    results = written.files["results.md"].read_text()
    assert "half A is the vehicle classes and half B the plant ones" in results
    assert "half A is the natural" not in results
    assert "half A is the vehicle classes" in dissimilar_finding(written)
