"""A second stop heard while a stopping grid waits for its runs is answered ("already stopping: waiting for ...
to write its checkpoint"). The grid polled its runs again before it answered: on a loaded machine (CI's 2 cores)
the grid woke from its 20 ms sleep only after its run, released, had written its checkpoint and ended, so the
stop went unanswered (tests/test_grid_stop.py's sigterm-twice case failed once in CI so). It is answered now for
the runs last seen running, before they are polled again."""

import types

from minitransfer import grid_runner
from minitransfer.experiment import Run


class _Ended:
    """A run's process that has ended by the time it is polled."""

    def send_signal(self, signum):
        pass

    def poll(self):
        return 75


def test_a_stop_heard_while_the_run_ended_is_still_answered(monkeypatch):
    lines, again = [], []
    process = _Ended()
    grid = types.SimpleNamespace(outcome=types.SimpleNamespace(interrupted=False), log=lines.append,
                                 running={0: (Run("random0/baseA", "base", "random", 0), process, None)},
                                 _collect_exits=lambda: None, _fail_held=lambda: None)
    monkeypatch.setattr(grid_runner.time, "sleep", lambda seconds: again.append("SIGTERM"))  # heard as it slept
    grid_runner.GridRunner.stop(grid, again=again, answered=0)
    assert lines == ["already stopping: waiting for random0/baseA to write its checkpoint"]
