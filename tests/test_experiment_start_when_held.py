"""Two grids on one folder at once, the test playing the other (as test_experiment_concurrency does): a run
whose lock the other takes between this grid's look at it and its own train taking it is not said started
here. The start line of minitransfer's own train is said once that train holds the run's lock; before,
"[1/3] start RUN on CPU" was printed, then "RUN not started after all: another process ... took it first"."""

import threading

import waiting

from minitransfer import experiment as grid
from minitransfer import grid_runner, run_lock, scheduler


def test_a_run_the_other_grid_takes_first_is_never_said_started_here(micro_data, tmp_path, monkeypatch):
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    base_a = runs[0]
    assert base_a.name == "random0/baseA"
    lines, taken = [], []
    said_start = grid_runner.start_line

    def other_grid_takes_base_a(out_, run, *rest):  # its train takes baseA as this grid starts its own
        if run.name == base_a.name and not taken:
            taken.append(run_lock.RunLock(grid.run_dir(out, base_a)).__enter__())
            threading.Thread(target=stopped_elsewhere).start()
        return said_start(out_, run, *rest)

    def stopped_elsewhere():  # the other grid stopped (Ctrl-C) before its first checkpoint: this one trains it
        waiting.until(lambda: any(line.startswith(base_a.name) and "waiting for it" in line for line in lines))
        taken[0].__exit__(None, None, None)

    monkeypatch.setattr(grid_runner, "start_line", other_grid_takes_base_a)
    options = {"data": micro_data, "max_iter": 2, "seed": 0, "device": "cpu"}
    outcome = scheduler.run_grid(runs, out, options, log=lines.append, poll_seconds=0.01)  # minitransfer's train
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(run.name for run in runs), lines
    assert not any("not started after all" in line for line in lines), lines
    waited = next(index for index, line in enumerate(lines) if line.startswith(f"{base_a.name} is being trained by "
                                                                               f"another process"))
    starts = [index for index, line in enumerate(lines) if f" start {base_a.name} on CPU" in line]
    assert len(starts) == 1 and starts[0] > waited, lines  # said once, when this grid's train took it
    numbers = sorted(line.split("]")[0] + "]" for line in lines if line.startswith("[") and " start " in line)
    assert numbers == ["[1/3]", "[2/3]", "[3/3]"], lines
