"""Two grids on one folder: where the other grid's train holds baseA as this grid comes to it, this grid
starts baseB as "[1/2]" (baseA is not its to start), and the line after baseB ends counted baseA among
its runs left: "2 runs left", though "[2/2]" was all that was left to start here. The runs left now count
what "[K/N]" counts, the runs this grid trains, and name the ones another process trains apart."""

import json

from test_experiment import A_RESULT, OPTIONS, fake_train  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import run_lock, scheduler
from minitransfer.grid_counts import runs_left


def grid_with_a_base_held(out, fake_train, held_name, until):
    """baseA, baseB and A1B (of baseA) run as a grid in ``out`` on ``fake_train`` while another grid's train holds
    the base ``held_name``, which it finishes once this grid says the line that begins "done ``until``" (where it
    stands then): (the outcome, the lines said)."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    base = {run.name: run for run in runs}[held_name]
    grid.run_dir(out, base).mkdir(parents=True)
    held = run_lock.RunLock(grid.run_dir(out, base)).__enter__()  # the other grid's train of the base
    lines = []

    def log(line):
        lines.append(line)
        if line.startswith(f"done {until}"):
            grid.weights_path(out, base.name).write_text("weights")
            (grid.run_dir(out, base) / "result.json").write_text(json.dumps(A_RESULT))
            held.__exit__(None, None, None)

    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    assert outcome.exit_code == 0 and outcome.elsewhere == [base.name], lines
    return outcome, lines


def test_the_runs_left_count_what_the_start_numbers_count(tmp_path, fake_train):  # noqa: F811
    _, lines = grid_with_a_base_held(tmp_path / "grid", fake_train, "random0/baseA", "random0/baseB")
    starts = [line.split(" start ") for line in lines if line.startswith("[") and " start " in line]
    assert [number for number, _ in starts] == ["[1/2]", "[2/2]"], lines
    [done_b] = [line for line in lines if line.startswith("done random0/baseB")]
    to_start = len(starts) - 1  # the runs this grid starts after baseB: A1B
    counts = done_b.split("; ")[1:]
    assert counts[0].startswith(f"{to_start} run left"), lines
    assert counts[1:] == ["1 more trained by another process"], lines


def test_with_only_runs_another_process_trains_left_none_is_said_left_here():
    class NoPace:
        def seconds(self, waiting, running, elsewhere=()):
            return None

    run = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[0]
    assert runs_left([], [], [run], NoPace()) == "; no run left here; 1 trained by another process"
    assert runs_left([run], [], [run, run], NoPace()) == "; 1 run left; 2 more trained by another process"
    assert runs_left([], [], [], NoPace()) == ""
