"""A grid looks at each run's state once as it plans: its result.json read once, to tell it finished or lost
(RESULT_LOST). Before, grid_runner and scheduler asked lost_results and then is_finished, reading the result.json
of each finished run whose checkpoint was deleted (to save space) twice."""

import collections
import shutil

from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_runner, grid_status, scheduler


def _copied(made, tmp_path):
    """(a copy of the trained grid's folder (``made``: the fixture's), its runs, options, the runs finished in
    it: the oracle)."""
    source, runs, options = made
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    return place, runs, options, [run for run in runs if grid_status.is_finished(place, run)]


def _reads_counted(monkeypatch):
    """{run folder's name: its result.json reads} from now on (each read, then checked by read_result)."""
    reads, read = collections.Counter(), grid_status.read_json

    def counted(path, kind):
        reads[path.parent.name] += path.name == "result.json"
        return read(path, kind)

    monkeypatch.setattr(grid_status, "read_json", counted)
    return reads


def test_each_finished_runs_result_is_read_once_as_the_grid_sorts_its_runs(
        trained_grid, tmp_path, monkeypatch):  # noqa: F811
    place, runs, options, finished = _copied(trained_grid, tmp_path)
    assert finished
    for run in finished:
        (grid.run_dir(place, run) / grid.CHECKPOINT_FILE).unlink()  # kept as its weights and result alone
    reads = _reads_counted(monkeypatch)
    monkeypatch.setattr(grid_runner, "check_folder", lambda *args: None)  # its checks read each run's record apart
    runner = scheduler.GridRunner(runs, place, options, list(grid.default_train_command()), (None,),
                                  lambda line: None, None, lambda: None, None)
    runner.close()
    assert runner.outcome.skipped == [run.name for run in finished]  # as is_finished says, none lost
    assert runner.outcome.lost == []
    assert {grid.run_dir(place, run).name: reads[grid.run_dir(place, run).name] for run in finished} == \
        {grid.run_dir(place, run).name: 1 for run in finished}


def test_each_runs_result_is_read_once_in_a_grid_start_its_checks_included(
        trained_grid, tmp_path, monkeypatch):  # noqa: F811
    """The grid's checks of its folder (each finished run compared with the options asked, its network kept or
    not), the runs it skips, trains or says lost, and its notes read each result.json once. Before, a finished
    run's was read four times as the grid started, a lost run's five."""
    place, runs, options, finished = _copied(trained_grid, tmp_path)
    lost = finished.pop()  # no run copies it: the others are checked as they were
    assert finished and lost.parent and not any(run.parent == lost.name for run in runs)
    (grid.run_dir(place, lost) / "result.json").write_text("{")
    (grid.run_dir(place, lost) / grid.CHECKPOINT_FILE).unlink()  # its network kept as its weights alone
    reads = _reads_counted(monkeypatch)
    runner = scheduler.GridRunner(runs, place, options, list(grid.default_train_command()), (None,),
                                  lambda line: None, None, lambda: None, None)
    runner.close()
    assert runner.outcome.skipped == [run.name for run in finished] and runner.outcome.lost == [lost.name]
    folders = [grid.run_dir(place, run).name for run in finished + [lost]]
    assert {folder: reads[folder] for folder in folders} == {folder: 1 for folder in folders}


def test_each_runs_result_is_read_once_in_a_dry_run(trained_grid, tmp_path, monkeypatch):  # noqa: F811
    """The dry run looks at the folder as the grid's start does: its checks, the statuses it shows and its notes read
    each result.json once (before, twice: its checks, then each run's status)."""
    from click.testing import CliRunner

    from minitransfer.cli.experiment import experiment

    place, runs, options, finished = _copied(trained_grid, tmp_path)
    assert finished
    reads = _reads_counted(monkeypatch)
    result = CliRunner().invoke(experiment, ["--data", options["data"], "-o", str(place), "--layers", "1",
                                             "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.count("[done]") == len(finished)  # each one's status read from its result.json
    folders = [grid.run_dir(place, run).name for run in finished]
    assert {folder: reads[folder] for folder in folders} == {folder: 1 for folder in folders}
