"""A run another process finished between the grid's look at it and its own train's start, which that real train
(not a fake one) then finds finished: it says "...already finished ...; nothing to do", then the result line
("done: final top-1 ..."), and exits 0. The grid counts it as finished by another process, not as trained here:
before, it read the log's last line alone, the result line, and said "done random0/baseB (0 s)", counted it
among the runs trained (15 trained of 14 distinct runs for two grids on one folder) and fed its 0 s to the time
left."""

from minitransfer import experiment as grid
from minitransfer import grid_progress, grid_runner, scheduler
from minitransfer.rundir import NOTHING_TO_DO
from test_grid_start_done_elsewhere import finished_base_b  # noqa: F401 (a fixture)


def test_a_run_its_real_train_found_finished_is_counted_as_another_process_s(finished_base_b, monkeypatch):
    runs, out, options, put_back = finished_base_b
    base_b, opened, paces = runs[1], grid_runner.open_run_log, []

    def open_run_log(out_, run, command, *apart):  # another process finishes baseB just before its train starts here
        log_file = opened(out_, run, command, *apart)
        if run.name == base_b.name:
            put_back()
        return log_file

    monkeypatch.setattr(grid_runner, "open_run_log", open_run_log)
    added = grid_progress.TimeLeft.add  # the paces the time left is told

    def add(self, name, seconds):
        paces.append(name)
        return added(self, name, seconds)

    monkeypatch.setattr(grid_progress.TimeLeft, "add", add)
    lines = []
    outcome = scheduler.run_grid(runs, out, options, log=lines.append, poll_seconds=0.01)
    log = (grid.run_dir(out, base_b) / grid.LOG_FILE).read_text()
    # the oracle: the real train's own words in the run's log, its result line after them
    assert f"; {NOTHING_TO_DO}\n" in log and log.rstrip().splitlines()[-1].startswith("done: final top-1"), log
    assert outcome.elsewhere == [base_b.name] and base_b.name not in outcome.finished, lines
    assert f"done {base_b.name} (by another process)" in "\n".join(lines), lines
    assert not [line for line in lines if line.startswith(f"done {base_b.name} (") and " s)" in line], lines
    assert sorted(paces) == sorted(run.name for run in runs if run != base_b), paces
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(paces), lines
