"""Review of the leftovers' fixes (a refused schedule's wording, the report's shared reads, metrics.jsonl's seconds
across resumes). A grid folder whose runs this version trained with a schedule it takes, given one it refuses,
was told its runs were "an earlier version's (before 0.8.0), trained with this schedule"; ``info`` of a copy this
version trained from such a base said its "made again by" command is refused, though train takes it (the base
records the schedule); a report of a runs_dir given relative read each result.json twice (Made from named it
absolute: another key); a metrics.jsonl row of ``"seconds": Infinity`` (hand-edited) made every resumed row
Infinity, which JSON forbids."""

import shlex

import pytest
from click.testing import CliRunner
from counting import opens_of
from fake_results import finished_grid

from minitransfer import experiment as grid
from minitransfer import optim, report, resumed_logs, rundir
from minitransfer.cli import main

GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "40", "--batch-size", "4",
        "--device", "cpu"]
REFUSED = ["--stepsize", "1"]  # 0.01 · 0.1^39: 0 in float32
TAKEN = ["--stepsize", "20"]


def _train_commands(micro_data, out, schedule):
    planned = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *GRID, *schedule, "--dry-run"])
    return [shlex.split(line)[1:] for line in planned.output.splitlines() if line.startswith("      ")
            and " train " in line]


def test_runs_of_a_schedule_this_version_took_are_not_called_an_earlier_version_s(micro_data, tmp_path):
    out = str(tmp_path / "grid")
    base = next(c for c in _train_commands(micro_data, out, TAKEN) if "--copy-from" not in c)
    assert CliRunner().invoke(main, [*base, "--quiet"]).exit_code == 0  # this version, a schedule it takes
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *GRID, *REFUSED])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "steps the learning rate below" in said, said
    assert "earlier version" not in said and "finish the grid with the version that began it" not in said, said


def test_info_of_a_copy_whose_base_records_the_schedule_does_not_call_it_refused(micro_data, tmp_path, monkeypatch):
    out = str(tmp_path / "grid")
    with monkeypatch.context() as patched:  # baseA as 0.7.0 planned and trained it: its solver checked no schedule
        patched.setattr(optim, "run_solver", optim.Solver)
        commands = _train_commands(micro_data, out, REFUSED)
        base = next(c for c in commands if "--copy-from" not in c and "baseA" in " ".join(c))
        copy = next(c for c in commands if "--copy-from" in c and "baseA" in " ".join(c))
        assert CliRunner().invoke(main, [*base, "--quiet"]).exit_code == 0
    trained = CliRunner().invoke(main, [*copy, "--quiet"])  # this version takes the schedule its base records
    assert trained.exit_code == 0, trained.output
    again = [*copy[:copy.index("--out") + 1], str(tmp_path / "again.h5")]  # made again elsewhere: taken too
    assert CliRunner().invoke(main, [*again, "--quiet"]).exit_code == 0
    info = CliRunner().invoke(main, ["info", copy[copy.index("--out") + 1]])
    made = next(line for line in info.output.splitlines() if line.startswith("made again by: "))
    assert "--stepsize 1 " in made and "refuses" not in made, made
    base_info = CliRunner().invoke(main, ["info", base[base.index("--out") + 1]])
    assert "which this version refuses for a new network" in base_info.output  # a base: refused without --overwrite


def test_a_report_of_a_relative_runs_dir_reads_each_result_json_once(tmp_path, monkeypatch):
    out = finished_grid(tmp_path / "grid", layers=(1,))
    runs = grid.plan_grid(layers=(1,))
    opens = {run.name: opens_of(monkeypatch, grid.run_dir(out, run) / rundir.RESULT_FILE) for run in runs}
    monkeypatch.chdir(tmp_path)
    report.write_report("grid", "report", figures=False)
    # each was read twice: the runs_dir given relative made a second key
    assert {name: len(names) for name, names in opens.items()} == {run.name: 1 for run in runs}, opens


@pytest.mark.parametrize("seconds", ["Infinity", "1e999", "NaN", "\"12\"", "true", "-1"])
def test_the_seconds_go_on_from_a_row_json_can_write(seconds):
    kept = ['{"iteration": 2, "loss": 1.0, "top1": 0.5, "lr": 0.01, "seconds": 1.5}',
            f'{{"iteration": 4, "loss": 1.0, "top1": 0.5, "lr": 0.01, "seconds": {seconds}}}']
    assert resumed_logs.seconds_logged(kept) == 1.5  # Infinity would make every resumed row Infinity
