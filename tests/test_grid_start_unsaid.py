"""A train of the grid's own that exits 2 before the grid saw it hold its run's lock (its start line held
back, grid_launch.holds_its_lock), the test playing another grid on the folder (as
test_experiment_start_when_held does): what the grid then says agrees with whether it said the start line."""

import threading

import waiting

from minitransfer import experiment as grid
from minitransfer import grid_runner, run_lock, scheduler

OPTIONS = {"max_iter": 2, "seed": 0, "device": "cpu"}


def other_grid(monkeypatch, out, run, release_when):
    """Another grid takes ``run`` as this one starts it; it lets it go once ``release_when`` says so, given
    this grid's lines so far, or when the returned ``release`` is called."""
    lines, taken = [], []
    said_start = grid_runner.start_line

    def takes_it(out_, each, *rest):
        if each.name == run.name and not taken:
            taken.append(run_lock.RunLock(grid.run_dir(out, run)).__enter__())
            threading.Thread(target=lambda: (waiting.until(lambda: release_when(lines)), release())).start()
        return said_start(out_, each, *rest)

    def release():
        if taken and taken[-1] is not None:
            taken[-1].__exit__(None, None, None)
            taken.append(None)

    monkeypatch.setattr(grid_runner, "start_line", takes_it)
    monkeypatch.setattr(grid_runner, "holds_its_lock", lambda *args: False)  # said only as its train ends
    return lines, release


def test_a_start_said_as_a_train_exits_2_otherwise_is_then_not_started_after_all(micro_data, tmp_path, monkeypatch):
    """Its train exits 2 for another reason than the run's lock (its last line not the refusal): its start line
    is said as it ends, and then "not started after all" where another process holds the run; before, "is
    being trained by another process" followed "[1/3] start RUN", as though it had never been said."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    base_a = runs[0]
    lines, _ = other_grid(monkeypatch, out, base_a, lambda lines: any("waiting for it" in line for line in lines))
    monkeypatch.setattr(grid_runner.GridRunner, "_lost_race", lambda self, run, lost_apart: False)
    outcome = scheduler.run_grid(runs, out, dict(OPTIONS, data=micro_data), log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0, lines
    start = next(i for i, line in enumerate(lines) if f" start {base_a.name} on " in line)
    elsewhere = next(i for i, line in enumerate(lines) if line.startswith(base_a.name) and "waiting for it" in line)
    assert start < elsewhere and "not started after all" in lines[elsewhere], lines


def test_a_run_raced_before_its_start_was_said_is_not_started_again(micro_data, tmp_path, monkeypatch):
    """Its train lost the race to another process, which let the run go by the time the grid looked: the grid
    starts it, its first start line never said; before, "starting it again"."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    base_a = runs[0]
    lines, release = other_grid(monkeypatch, out, base_a, lambda lines: False)
    lost_race = grid_runner.GridRunner._lost_race

    def released_as_it_is_seen(self, run, lost_apart):  # the other grid lets it go as this one reads its train's end
        release()
        return lost_race(self, run, lost_apart)

    monkeypatch.setattr(grid_runner.GridRunner, "_lost_race", released_as_it_is_seen)
    outcome = scheduler.run_grid(runs, out, dict(OPTIONS, data=micro_data), log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(run.name for run in runs), lines
    [raced] = [line for line in lines if line.startswith(f"{base_a.name} was taken by another process")]
    assert "again" not in raced, lines
    starts = [i for i, line in enumerate(lines) if f" start {base_a.name} on " in line]
    assert len(starts) == 1 and starts[0] > lines.index(raced), lines


def test_no_warning_of_a_run_comes_before_its_start_line(micro_data, tmp_path, monkeypatch):
    """Its start line held back (said here as its train ends), a run's warnings wait for it; before, the
    grid relayed them as its train wrote them, ahead of the line that says it started."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    monkeypatch.setattr(grid_runner, "holds_its_lock", lambda *args: False)
    lines = []
    outcome = scheduler.run_grid(runs, out, dict(OPTIONS, data=micro_data), log=lines.append, poll_seconds=0.001)
    assert outcome.exit_code == 0, lines
    warned = [run for run in runs if any(line.startswith(f"{run.name}: warning: ") for line in lines)]
    assert warned, lines  # the micro data set warns (a batch larger than its images)
    for run in warned:
        start = next(i for i, line in enumerate(lines) if f" start {run.name} on " in line)
        assert all(i > start for i, line in enumerate(lines) if line.startswith(f"{run.name}: warning: ")), lines
