"""Table 1 and results.md name the schedules their runs were trained with, where they are several: before,
table1.md averaged a 30-iteration A3B+ against a 60-iteration baseB ("| 1 to 7 | +28.3% |") without a
word, and only the terminal and findings.md said "careful: runs ... trained with 3 schedules"."""

import pytest

from minitransfer import experiment as grid
from minitransfer import report
from test_report import ACCURACY, write_run
from test_report_faults import grid_config

# the iterations each run was trained for, the others 60: baseA ten times as long, A3B+ half
MAX_ITER = {"random0/baseA": 600, "random0/A3B+": 30, "random0/B3B": 30}


def write_grid(out, max_iter):
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(out, run, ACCURACY[run.name], config=dict(grid_config(run), max_iter=max_iter(run.name)))
    return out


def test_table1_and_results_name_the_schedules_they_pool(tmp_path):
    runs = write_grid(tmp_path / "grid", lambda name: MAX_ITER.get(name, 60))
    written = report.write_report(runs, tmp_path / "r", figures=False)
    table1, results = (written.files[name].read_text() for name in ("table1.md", "results.md"))
    [caveat] = [line[2:] for line in written.files["findings.md"].read_text().splitlines()
                if line.startswith("- ") and "schedules" in line]
    for text in (table1, results):  # under the table, in the findings' words
        assert f"\n\nCareful: {caveat}.\n" in text
    assert table1.index("| 1 to 7 |") < table1.index(caveat)
    assert "trained with 3 schedules" in caveat
    for iterations in set(MAX_ITER.values()) | {60}:
        assert f"--max-iter {iterations} (" in caveat
    for name in MAX_ITER:
        assert name in caveat


@pytest.mark.parametrize("max_iter", [60, 600])
def test_one_schedule_is_said_nowhere(tmp_path, max_iter):
    runs = write_grid(tmp_path / "grid", lambda name: max_iter)
    written = report.write_report(runs, tmp_path / "r", figures=False)
    for name in ("table1.md", "results.md", "findings.md"):
        assert "schedules" not in written.files[name].read_text()
