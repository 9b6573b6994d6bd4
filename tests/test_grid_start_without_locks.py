"""A grid on a file system without locks (flock fails with ENOLCK, as on NFS without its lock daemon, or
ENOSYS on Lustre without -o flock): its runs go on, with a warning, and each run's start line is said
while its train runs, as its lock file records that train; before, flock told the grid nothing there,
and "[K/N] start RUN" was held back until the train had ended (hours on a GPU grid)."""

import errno
import fcntl

from minitransfer import experiment as grid
from minitransfer import scheduler


def test_a_start_line_is_said_while_its_train_runs_where_flock_has_no_locks(micro_data, tmp_path, monkeypatch):
    real = fcntl.flock

    def without_locks(descriptor, operation):  # this process only: the trains it starts lock as usual
        if operation & fcntl.LOCK_UN:
            return real(descriptor, operation)
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", without_locks)
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    lines, training = [], {}

    def log(line):
        lines.append(line)
        for run in runs:
            if f" start {run.name} on " in line:  # its train still holds its lock file, not yet removed at its end
                training[run.name] = (grid.run_dir(out, run) / "lock").exists()

    options = {"data": micro_data, "max_iter": 2, "seed": 0, "device": "cpu"}
    outcome = scheduler.run_grid(runs, out, options, log=log, poll_seconds=0.01)  # minitransfer's own train
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(run.name for run in runs), lines
    assert training == {run.name: True for run in runs}, lines
    for run in runs:
        start = next(i for i, line in enumerate(lines) if f" start {run.name} on " in line)
        done = next(i for i, line in enumerate(lines) if line.startswith(f"done {run.name} "))
        assert start < done, lines
