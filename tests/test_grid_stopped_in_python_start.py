"""A grid stopped as its run, started as a new process (a GPU slot's, or where no launcher forks it), is still
in Python's own start, importing ``site``, before ``minitransfer`` can answer a stop: the grid's SIGINT raised a
KeyboardInterrupt there, a traceback in the run's log and exit 1, and the grid counted the run FAILED ("fix
that, then rerun", exit 1) though nothing had been written. The run now starts with the stops it answers
blocked: the SIGINT waits until the command answers it, exit 75, a run not started."""

import os
import signal
import sys

import interrupting
import pytest
import waiting

from minitransfer import experiment as grid
from minitransfer import launcher, scheduler
from minitransfer.grid_outcome import GridInterrupted

# Every Python started with this folder on its path and HELD_IN_START set (the grid's run: the grid is this test's
# process, started before) marks the file HELD_IN_START as it imports site, then goes on only once the grid's SIGINT
# has come: pending where the run blocks it, else raised here, in Python's start, as a KeyboardInterrupt.
_SITECUSTOMIZE = f"""
import os, signal, time
if os.environ.get("HELD_IN_START"):
    open(os.environ["HELD_IN_START"], "w").close()
    deadline = time.monotonic() + {waiting.DEADLINE_SECONDS}  # against a hang only
    while signal.SIGINT not in signal.sigpending() and time.monotonic() < deadline:
        time.sleep(0.01)
"""


def test_a_stop_while_a_runs_python_starts_is_a_run_not_started_not_a_failure(micro_data, tmp_path, monkeypatch):
    from minitransfer.cli import _errors

    out, site, starting = tmp_path / "grid", tmp_path / "site", tmp_path / "starting"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), *sys.path]))
    monkeypatch.setenv("HELD_IN_START", str(starting))
    monkeypatch.setattr(launcher, "usable", lambda: False)  # each run a new process, as a GPU slot's
    base = out / "random0" / "baseA.run"
    sent = interrupting.grid_stopped_once(monkeypatch, starting)  # to the grid, which sends its run SIGINT
    lines = []
    previous = _errors.interrupt_on_stop_signals()  # as the command line has them
    try:
        with pytest.raises(GridInterrupted) as raised:
            scheduler.run_grid(grid.plan_grid(layers=(1,), fine_tuned=False)[:1], out,
                               {"data": micro_data, "max_iter": 4, "device": "cpu"}, log=lines.append)
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)
        interrupting.kill_left_running(base)  # a training left running by a grid that did not stop it
    outcome = raised.value.grid_outcome
    assert sent == ["SIGTERM"]
    assert (outcome.failed, outcome.not_started, outcome.stopped) == ([], ["random0/baseA"], []), lines
    assert "interrupted: SIGINT: stopped as it started, before anything was written" in \
        (base / grid.LOG_FILE).read_text()
