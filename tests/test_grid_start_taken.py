"""Two grids on one folder at once: a run the other grid's train takes between this grid's look at it and
its own train taking it is not left said to be started here: the line after "[1/3] start RUN" says it was
not started after all, and the next run this grid starts takes its number. Before, "RUN is being trained
by another process; waiting for it" followed a start this grid never made."""

import json
import threading

import waiting
from test_experiment import A_RESULT, OPTIONS, fake_train  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_runner, run_lock, scheduler


def test_a_run_the_other_grid_takes_as_this_one_starts_it_is_said_not_started(tmp_path, fake_train,  # noqa: F811
                                                                                monkeypatch):
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    base_a = {run.name: run for run in runs}["random0/baseA"]
    lines, taken = [], []
    said_start = grid_runner.start_line

    def other_grid_takes_base_a(out_, run, *rest):  # the other grid's train takes it as this one starts it
        if run.name == base_a.name and not taken:
            taken.append(run_lock.RunLock(grid.run_dir(out, base_a)).__enter__())
            threading.Thread(target=finish_elsewhere).start()
        return said_start(out_, run, *rest)

    def finish_elsewhere():
        waiting.until(lambda: any(line.startswith(base_a.name) and "waiting for it" in line for line in lines))
        grid.weights_path(out, base_a.name).write_text("weights")
        (grid.run_dir(out, base_a) / "result.json").write_text(json.dumps(A_RESULT))
        taken[0].__exit__(None, None, None)

    monkeypatch.setattr(grid_runner, "start_line", other_grid_takes_base_a)
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and outcome.elsewhere == [base_a.name], lines
    started = lines.index(f"[1/3] start {base_a.name} on CPU")
    assert lines[started + 1].startswith(f"{base_a.name} not started after all: another process (PID "), lines
    assert lines[started + 1].endswith("took it first, which trains it; waiting for it"), lines
    assert "[1/3] start random0/baseB on CPU" in lines and "[2/3] start random0/A1B on CPU" in lines, lines
