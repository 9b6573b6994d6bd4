"""A folder whose every finished run report leaves out (controls on a half, transfers across datasets on a half:
report measures them nowhere) is refused saying the runs finished but each is left out, why (grouped by kind of
run, the runs named), and what to train instead. Before, "no finished runs (*.run/result.json) under DIR",
though each run's result.json was there. Fake run folders (tests/test_report.py's write_run)."""

import pytest
from click.testing import CliRunner

from minitransfer import report, treatments
from minitransfer.cli import main
from test_report_controls_on_a_half import write_by_hand
from test_report_cross_halves import write_cross


def test_finished_runs_each_left_out_are_said_finished_and_why_grouped(tmp_path):
    runs = tmp_path / "runs"
    write_by_hand(runs, "random1B", 0.40, half="B", random_frozen=1)
    write_by_hand(runs, "random2A", 0.45, half="A", random_frozen=2)
    write_by_hand(runs, "reduced5", 0.30, per_class=5)
    write_cross(runs, "S1T", 0.50, half="A")
    assert sorted(path.parent.name for path in runs.rglob("result.json")) == [
        "S1T.run", "random1B.run", "random2A.run", "reduced5.run"]  # the oracle: every run finished
    with pytest.raises(report.NoRuns) as refused:
        report.write_report(runs, tmp_path / "report", figures=False)
    said = " ".join(str(refused.value).split())
    assert "no finished runs" not in said, said
    assert said.startswith(f"nothing to report under {runs}: 4 runs finished (*.run/result.json), each of a kind "
                           f"report measures nowhere: "), said
    control = str(treatments.control_on_a_half("random-frozen", "random", 0, "B")).split(": ", 1)[1]
    assert said.count(control) == 1, said  # the controls' reason once, for the three of them
    assert "left out random1B, random2A, reduced5 (3; e.g. random1B: a random-weights control" in said, said
    cross = str(treatments.cross_on_a_half("random", 0, "A")).split(": ", 1)[1]
    assert f"left out S1T: a transfer across datasets trained on half A of the random split 0 of its dataset: " \
           f"{cross}" in said, said
    assert said.count("train it on every class (--split all)") == 1, said  # what to train instead, once


def test_the_command_line_exits_1_and_names_the_finished_run_left_out(tmp_path):
    runs = tmp_path / "runs"
    write_by_hand(runs, "random1B", 0.40, half="B", random_frozen=1)
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "r")])
    assert result.exit_code == 1 and not (tmp_path / "r").exists(), result.output
    assert result.output.startswith(f"error: nothing to report under {runs}: 1 run finished (*.run/result.json), of "
                                    f"a kind report measures nowhere: left out random1B: a random-weights control"), \
        result.output
