"""A grid on two slots holds each start line of its own train until that train holds its run's lock
(grid_launch.holds_its_lock); where the second run's train is seen holding its lock first, its line is said
first. Its number came with its start: "[2/3] start random0/baseB" stood above "[1/3] start random0/baseA".
The number now comes as the line is said: the lines read [1/3], [2/3], [3/3] top to bottom, and the last
reaches N."""

from minitransfer import experiment as grid
from minitransfer import grid_runner, scheduler

OPTIONS = {"max_iter": 2, "seed": 0, "device": "cpu"}


def _numbers(lines):
    return [line.split("]")[0] + "]" for line in lines if line.startswith("[") and " start " in line]


def test_start_lines_said_out_of_start_order_come_in_number_order(micro_data, tmp_path, monkeypatch):
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    base_a, base_b = runs[0], runs[1]
    lines = []
    holds = grid_runner.holds_its_lock

    def base_b_seen_first(out_, run, process):  # baseA's train (started first) seen holding its lock only later
        if run.name == base_a.name:
            return any(f" start {base_b.name} on " in line for line in lines) and holds(out_, run, process)
        return True  # baseB's train as it has taken its lock

    monkeypatch.setattr(grid_runner, "holds_its_lock", base_b_seen_first)
    outcome = scheduler.run_grid(runs, out, dict(OPTIONS, data=micro_data), log=lines.append, poll_seconds=0.01,
                                 devices=(None, None))
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(run.name for run in runs), lines
    said = [line.split(" on ")[0].split("] ")[1] for line in lines if line.startswith("[") and " start " in line]
    assert said == [f"start {base_b.name}", f"start {base_a.name}", f"start {runs[2].name}"], lines  # as arranged
    assert _numbers(lines) == [f"[{k}/{len(runs)}]" for k in range(1, len(runs) + 1)], lines
