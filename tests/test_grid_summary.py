"""The counts a grid ends with (trained, already done, failed, not run, stopped with a checkpoint,
not started) where another process shares its folder: a second ``experiment``, or the tasks of a
SLURM array. Every planned run is counted once, where its folder says it is as the grid ends."""

import json
import os
import signal
import sys
import threading

import pytest
import waiting
from fake_results import FINISHED_JSON, FINISHED_RESULT
from test_experiment import OPTIONS, fake_train  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import run_lock, scheduler
from minitransfer.grid_outcome import GridInterrupted


@pytest.fixture(autouse=True)
def _training_until_stopped(monkeypatch):
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "120")  # the grid's runs end only when they are stopped


def _runs():
    return {run.name: run for run in grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)}  # baseA, baseB, A1B


def _finish(out, run):
    """Run ``run`` finished, as another process's train leaves it."""
    grid.run_dir(out, run).mkdir(parents=True, exist_ok=True)
    grid.weights_path(out, run.name).write_text("weights")
    (grid.run_dir(out, run) / "result.json").write_text(json.dumps(FINISHED_RESULT))  # as train writes it


def _stopped_once_training(out, run, before=lambda: None):
    """A thread that, once the grid's train of ``run`` trains (its PID written, its handlers set),
    calls ``before`` and stops that train as the grid's stop does (SIGINT: it writes its checkpoint
    and exits 75)."""
    pid = grid.run_dir(out, run) / "pid"

    def stop():
        assert waiting.until(lambda: pid.exists() and pid.read_text())
        before()
        os.kill(int(pid.read_text()), signal.SIGINT)

    thread = threading.Thread(target=stop)
    thread.start()
    return thread


def test_a_grid_stopped_while_another_process_trains_one_of_its_runs_counts_that_run(tmp_path, fake_train):
    """The grid waited for random0/baseA, which another experiment trained, when it was stopped: its
    end said "0 trained, ..., 1 stopped with a checkpoint, 1 not started", two of its three runs."""
    out, runs = tmp_path / "grid", _runs()
    other = run_lock.RunLock(grid.run_dir(out, runs["random0/baseA"])).__enter__()  # the other experiment's
    try:
        lines = []
        stopping = _stopped_once_training(out, runs["random0/baseB"])
        with pytest.raises(GridInterrupted) as raised:
            scheduler.run_grid(list(runs.values()), out, OPTIONS, train_command=fake_train, log=lines.append,
                               poll_seconds=0.01)
        stopping.join()
    finally:
        other.__exit__(None, None, None)
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and outcome.stopped == ["random0/baseB"] and outcome.not_started == ["random0/A1B"]
    assert outcome.training_elsewhere == ["random0/baseA"]
    assert outcome.summary() == ("0 trained, 0 already done, 0 failed, 1 stopped with a checkpoint, "
                                 "1 not started (a rerun trains it), 1 still training in another process")
    assert "random0/baseA is still being trained by another process; left to it" in lines


def test_a_run_another_process_finished_while_the_grid_trained_is_not_counted_as_not_started(tmp_path, fake_train):
    """Another process finished random0/baseB while this grid trained random0/baseA (one slot) and
    was stopped: its end counted random0/baseB among the runs "not started"."""
    out, runs = tmp_path / "grid", _runs()
    lines = []
    stopping = _stopped_once_training(out, runs["random0/baseA"], lambda: _finish(out, runs["random0/baseB"]))
    with pytest.raises(GridInterrupted) as raised:
        scheduler.run_grid(list(runs.values()), out, OPTIONS, train_command=fake_train, log=lines.append,
                           poll_seconds=0.01)
    stopping.join()
    outcome = raised.value.grid_outcome
    assert outcome.stopped == ["random0/baseA"] and outcome.not_started == ["random0/A1B"]
    assert outcome.elsewhere == ["random0/baseB"] and outcome.exit_code == 75
    assert outcome.summary() == ("0 trained, 0 already done, 0 failed, 1 trained by another process, "
                                 "1 stopped with a checkpoint, 1 not started (a rerun trains it)")
    assert "done random0/baseB (by another process): mean of 10 best 0.5000" in lines


# A train that finds its run finished by another process (since the grid checked it) as it starts:
# the other process's files, then train's own last line (--resume auto), exit 0.
_FOUND_FINISHED = """
import pathlib, sys
weights = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
weights.write_text("weights")
(weights.with_name(weights.stem + ".run") / "result.json").write_text(FINISHED_JSON)  # as train writes it
print(f"{weights} is already finished (mean of 10 best 0.5000); nothing to do")
""".replace("FINISHED_JSON", FINISHED_JSON)


def test_a_run_its_train_found_finished_by_another_process_is_counted_as_theirs(tmp_path):
    """Two demos started at once on one folder both started all/base; one trained it, the other's
    train found it finished ("nothing to do"), and both said "done all/base (0 s)" and counted it as
    trained by themselves: 6 + 7 networks trained of 12."""
    runs = list(_runs().values())
    train = tmp_path / "found_finished.py"
    train.write_text(_FOUND_FINISHED)
    lines = []
    outcome = scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=[sys.executable, str(train)],
                                 log=lines.append, poll_seconds=0.01)
    names = [run.name for run in runs]
    assert (outcome.finished, sorted(outcome.elsewhere), outcome.exit_code) == ([], sorted(names), 0)
    assert f"done {names[0]} (by another process): mean of 10 best 0.5000" in lines, lines
