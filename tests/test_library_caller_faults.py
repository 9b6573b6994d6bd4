"""What a notebook's own code does to a call of minitransfer: a grid's `log` that raises on a
run's start line stops the grid with every run in its outcome."""

import pytest

from minitransfer import experiment, scheduler
from test_experiment import OPTIONS, events, fake_train  # noqa: F401 (a fixture)
from waiting import until


class LogFailed(Exception):
    pass


def test_a_log_raising_on_a_start_line_loses_no_run(tmp_path, monkeypatch, fake_train):  # noqa: F811
    """The log raised as it was told the second run's start (a notebook's widget closed): that run
    was in none of the outcome's lists, started nor not started. Now the grid stops as for any
    error, the first run stopped with its checkpoint, the others not started: each run counted once."""
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "30")  # the first run still trains as the second starts
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out, started = tmp_path / "grid", []

    def log(line):
        if line.startswith(f"[2/{len(runs)}] start "):
            assert until(lambda: events(out, started[0]))  # the first run is training, its handler set
            raise LogFailed(line)
        if line.startswith(f"[1/{len(runs)}] start "):
            started.append(line.split()[2])

    with pytest.raises(LogFailed) as raised:
        scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, devices=(None, None), log=log,
                           poll_seconds=0.01)
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and outcome.stopped == started
    assert sorted(outcome.not_started) == sorted(run.name for run in runs if run.name not in started)
    assert outcome.finished + outcome.failed + outcome.blocked + outcome.training_elsewhere == []
