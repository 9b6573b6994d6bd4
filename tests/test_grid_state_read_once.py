"""A grid looks at each run's state once as it plans: its result.json read once, to tell it finished or lost
(RESULT_LOST). Before, grid_runner and scheduler asked lost_results and then is_finished, reading the result.json
of each finished run whose checkpoint was deleted (to save space) twice."""

import collections
import shutil

from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_runner, grid_status, scheduler


def test_each_finished_runs_result_is_read_once_as_the_grid_sorts_its_runs(
        trained_grid, tmp_path, monkeypatch):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    finished = [run for run in runs if grid_status.is_finished(place, run)]  # the oracle, before any count
    assert finished
    for run in finished:
        (grid.run_dir(place, run) / grid.CHECKPOINT_FILE).unlink()  # kept as its weights and result alone
    reads, read = collections.Counter(), grid_status.read_result

    def counted(path):
        reads[path.parent.name] += 1
        return read(path)

    monkeypatch.setattr(grid_status, "read_result", counted)
    monkeypatch.setattr(grid_runner, "check_folder", lambda *args: None)  # its checks read each run's record apart
    runner = scheduler.GridRunner(runs, place, options, list(grid.default_train_command()), (None,),
                                  lambda line: None, None, lambda: None)
    runner.close()
    assert runner.outcome.skipped == [run.name for run in finished]  # as is_finished says, none lost
    assert runner.outcome.lost == []
    assert {grid.run_dir(place, run).name: reads[grid.run_dir(place, run).name] for run in finished} == \
        {grid.run_dir(place, run).name: 1 for run in finished}
