"""Two grids on one folder at once: a run the other grid's train takes between this grid's look at it and
its own train taking it is not left said to be started here: the line after "[1/3] start RUN" says it was
not started after all; it keeps its number, and the count of runs still reaches N/N. Before, "RUN is being
trained by another process; waiting for it" followed a start this grid never made; then its number went to
the next run, which with two slots was another's, running already."""

import json
import threading

import waiting
from test_experiment import A_RESULT, OPTIONS, fake_train  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_runner, run_lock, scheduler


def _taken_as_it_starts(tmp_path, fake_train, monkeypatch, devices):  # noqa: F811
    """The lines of a grid of baseA, baseB and A1B on ``devices`` whose baseA the other grid's train takes as
    this one starts it, and finishes; the grid's outcome and baseA."""
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
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01,
                                 devices=devices)
    return lines, outcome, base_a


def _numbers(lines):
    return [line.split("]")[0] + "]" for line in lines if line.startswith("[") and " start " in line]


def test_a_run_the_other_grid_takes_as_this_one_starts_it_is_said_not_started(tmp_path, fake_train,  # noqa: F811
                                                                                monkeypatch):
    lines, outcome, base_a = _taken_as_it_starts(tmp_path, fake_train, monkeypatch, (None,))
    assert outcome.exit_code == 0 and outcome.elsewhere == [base_a.name], lines
    started = lines.index(f"[1/3] start {base_a.name} on CPU")
    assert lines[started + 1].startswith(f"{base_a.name} not started after all: another process (PID "), lines
    assert lines[started + 1].endswith("took it first, which trains it; waiting for it"), lines
    assert "[2/3] start random0/baseB on CPU" in lines and "[3/3] start random0/A1B on CPU" in lines, lines


def test_with_two_slots_no_two_runs_share_a_number_and_the_count_reaches_its_end(tmp_path, fake_train,  # noqa: F811
                                                                                 monkeypatch):
    lines, outcome, base_a = _taken_as_it_starts(tmp_path, fake_train, monkeypatch, (None, None))
    assert outcome.exit_code == 0 and outcome.elsewhere == [base_a.name], lines
    numbers = _numbers(lines)
    assert f"[1/3] start {base_a.name} on CPU" in lines and "[2/3] start random0/baseB on CPU" in lines, lines
    assert len(set(numbers)) == len(numbers) == 3 and numbers[-1] == "[3/3]", lines


def test_with_two_slots_a_run_started_again_keeps_its_number(tmp_path, fake_train, monkeypatch):  # noqa: F811
    """baseA's train loses its folder to a process that stops it unfinished, while baseB runs on the other
    slot: baseA is started again under its own number. Before, it took the next one, baseB's."""
    monkeypatch.setenv("FAKE_TRAIN_RACE", "baseA")
    monkeypatch.setenv("FAKE_TRAIN_RACE_WINNER", "stops")
    lines = []
    outcome = scheduler.run_grid(grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), tmp_path / "grid",
                                 OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01,
                                 devices=(None, None))
    assert outcome.exit_code == 0 and outcome.failed == [], lines
    starts = [line.split(" on ")[0].split(" start ") for line in lines if line.startswith("[") and " start " in line]
    assert [run for number, run in starts].count("random0/baseA") == 2, lines
    runs_of = {}
    for number, run in starts:
        runs_of.setdefault(number, set()).add(run)
    assert all(len(runs) == 1 for runs in runs_of.values()), lines
    assert sorted(runs_of) == ["[1/3]", "[2/3]", "[3/3]"], lines
