"""A stopping grid whose run does not end (stopped with SIGSTOP, stuck on a file system) waits for it; each Ctrl-C
said the same "already stopping" line, and nothing told how to get out. From the second such answer on, the line
names the process to end and what that keeps."""

import types

from minitransfer import grid_runner
from minitransfer.experiment import Run


class _Hung:
    """A run's process that ends only once it has been polled ``polls`` times."""

    def __init__(self, pid, polls):
        self.pid, self.polls = pid, polls

    def send_signal(self, signum):
        pass

    def poll(self):
        self.polls -= 1
        return 75 if self.polls < 0 else None


def _stop(monkeypatch, processes, stops):
    """GridRunner.stop on runs ``processes`` (name -> process), ``stops`` more stops heard as it waits: the lines."""
    lines, again = [], []
    running = {slot: (Run(name, "base", "random", 0), process, None)
               for slot, (name, process) in enumerate(processes.items())}
    grid = types.SimpleNamespace(outcome=types.SimpleNamespace(interrupted=False), log=lines.append, running=running,
                                 _collect_exits=lambda: None, _fail_held=lambda: None)
    heard = iter(range(stops))
    monkeypatch.setattr(grid_runner.time, "sleep", lambda seconds: next(heard, None) is not None and
                        again.append("SIGINT"))  # a stop heard as it sleeps, ``stops`` times
    grid_runner.GridRunner.stop(grid, again=again, answered=0)
    return lines


def test_the_second_stop_heard_names_the_hung_runs_process(monkeypatch):
    lines = _stop(monkeypatch, {"random0/baseA": _Hung(4321, polls=10)}, stops=3)
    first = "already stopping: waiting for random0/baseA to write its checkpoint"
    assert lines[0] == first  # as before
    assert lines[1:] == [f"{first}; if it hangs, kill -9 4321 ends it now (a rerun resumes it from its last "
                         f"checkpoint, if it wrote one)"] * 2


def test_several_hung_runs_are_each_named_with_their_process(monkeypatch):
    lines = _stop(monkeypatch, {"random0/baseA": _Hung(11, polls=10), "random0/baseB": _Hung(22, polls=10)}, stops=2)
    assert len(lines) == 2
    assert lines[1].endswith("if one hangs, kill -9 its PID (random0/baseA: 11, random0/baseB: 22) ends it now (a "
                             "rerun resumes it from its last checkpoint, if it wrote one)")
