"""The "[K/N]" of a grid's start lines once a base fails: its transfers are not run, so they leave the N, as the
runs another process takes do. Before, N kept them: the grid's last start was "[4/6]", after "[2/6] ..." it said
"2 runs left", and a researcher watching waited for runs 5 and 6 that were never to start."""

import re
import sys

from test_grid_failures import FAKE_TRAIN, OPTIONS

from minitransfer import experiment as grid
from minitransfer import scheduler

START = re.compile(r"^\[(\d+)/(\d+)\] (?:start|try) (\S+)")


def test_the_transfers_of_a_failed_base_leave_the_n_of_the_start_lines(tmp_path, monkeypatch):
    train = tmp_path / "fake_train.py"
    train.write_text(FAKE_TRAIN)
    runs = grid.plan_grid(layers=(1, 2), fine_tuned=False)  # baseA, baseB, B1B, A1B, B2B, A2B
    assert [run.name for run in runs][:2] == ["random0/baseA", "random0/baseB"] and len(runs) == 6
    monkeypatch.setenv("FAKE_ENDS", "baseA=65")
    lines = []
    outcome = scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=[sys.executable, str(train)],
                                 log=lines.append, poll_seconds=0.01)
    assert outcome.blocked == ["random0/A1B", "random0/A2B"], lines
    starts = [START.match(line).groups() for line in lines if START.match(line)]
    started = [name for _, _, name in starts]
    assert sorted(started) == sorted(run.name for run in runs if run.name not in outcome.blocked), lines
    assert [int(k) for k, _, _ in starts] == list(range(1, len(started) + 1)), lines
    # each line's N as it is said: the runs that start, once the failed base's transfers are known not to
    after_failure = [int(n) for k, n, name in starts if name != "random0/baseA" and int(k) > 1]
    assert after_failure and set(after_failure) == {len(started)}, lines
