"""A run this grid meant to train, finished by another process instead (a second grid on the folder), is
not among the N of "[K/N] start RUN" once its start line was never said: neither where the grid finds it
finished as it comes to start it, nor where its train exits 2 because that process held the run and
finished it. Before, it stayed among the N, and the grid's last start line read "[2/3]" of 3, one done
elsewhere. The runs left told as each run ends count the same runs."""

import shutil

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_runner, run_lock, scheduler

OPTIONS = {"max_iter": 2, "seed": 0, "device": "cpu"}


def _starts(lines):
    return [line.split(" on ")[0] for line in lines if line.startswith("[") and " start " in line]


@pytest.fixture
def finished_base_b(micro_data, tmp_path):
    """The grid's runs (baseA, baseB, A1B), its folder, and baseB as another process finished it there: its run
    folder and weights trained by a grid of baseB alone in that folder, kept aside to be put back."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = dict(OPTIONS, data=micro_data)
    base_b = runs[1]
    assert base_b.name.endswith("baseB") and runs[2].parent == runs[0].name
    assert scheduler.run_grid([base_b], out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    aside = tmp_path / "aside"
    aside.mkdir()
    shutil.move(grid.run_dir(out, base_b), aside / "run")
    shutil.move(grid.weights_path(out, base_b.name), aside / "weights")
    (out / grid.PLAN_FILE).unlink()

    def put_back():  # as that process leaves them, beside the grid's own log of the run
        folder = grid.run_dir(out, base_b)
        folder.mkdir(parents=True, exist_ok=True)
        for path in (aside / "run").iterdir():
            if path.name != grid.LOG_FILE:
                shutil.copy2(path, folder / path.name)
        shutil.copy2(aside / "weights", grid.weights_path(out, base_b.name))
    return runs, out, options, put_back


def _assert_counted_without(base_b, runs, outcome, lines):
    assert outcome.exit_code == 0 and outcome.elsewhere == [base_b.name], lines
    assert sorted(outcome.finished) == sorted(run.name for run in runs if run != base_b), lines
    # the oracle: baseA said while all its runs were this grid's; A1B, the last, once baseB was another's
    first, last = runs[0], runs[2]
    assert _starts(lines) == [f"[1/{len(runs)}] start {first.name}", f"[2/2] start {last.name}"], lines
    [done_a] = [line for line in lines if line.startswith(f"done {runs[0].name} ")]
    assert "; 2 runs left" in done_a, lines  # baseB and A1B, not yet known finished elsewhere


def test_a_run_found_finished_elsewhere_as_it_would_start_is_not_among_the_n(finished_base_b):
    runs, out, options, put_back = finished_base_b
    lines = []

    def log(line):
        lines.append(line)
        if line.startswith(f"done {runs[0].name} "):  # baseB finished by another process before its turn here
            put_back()

    outcome = scheduler.run_grid(runs, out, options, log=log, poll_seconds=0.01)
    _assert_counted_without(runs[1], runs, outcome, lines)


def test_a_run_whose_train_lost_it_to_a_process_that_finished_it_is_not_among_the_n(finished_base_b, monkeypatch):
    runs, out, options, put_back = finished_base_b
    base_b, opened, held = runs[1], grid_runner.open_run_log, []

    def open_run_log(out_, run, command, *apart):  # another process holds baseB as its train starts, and finishes it
        log_file = opened(out_, run, command, *apart)
        if run.name == base_b.name:
            held.append(run_lock.RunLock(grid.run_dir(out, run)).__enter__())
            put_back()
        return log_file

    monkeypatch.setattr(grid_runner, "open_run_log", open_run_log)
    lines = []
    try:
        outcome = scheduler.run_grid(runs, out, options, log=lines.append, poll_seconds=0.01)
    finally:
        for lock in held:
            lock.__exit__(None, None, None)
    assert len(held) == 1 and outcome.elsewhere == [base_b.name], lines
    # its train's refusal kept out of the log of the run that process trained (minitransfer.train_log)
    assert run_lock.BUSY not in (grid.run_dir(out, base_b) / grid.LOG_FILE).read_text(), lines
    _assert_counted_without(base_b, runs, outcome, lines)
