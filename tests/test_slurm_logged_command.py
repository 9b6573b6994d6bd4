"""The train command an array task writes into train.log before it trains (``$ ...``) reads back, as the shell
reads it, as the command it ran: it was written with bash's ``${command[*]}``, its words joined by blanks, so a
path holding a blank or a quote did not paste back (a local grid writes it with shlex.join)."""

import shlex

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, array_tasks, fake_train_command, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture


def test_the_command_a_task_logs_pastes_back_as_it_ran(tmp_path, fake_slurm):
    out, scripts = tmp_path / "my lab's runs" / "grid $1", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    name, command = array_tasks((scripts / "bases.sh").read_text())[0]
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0, output
    logged = (out / f"{name}.run" / grid.LOG_FILE).read_text().splitlines()[0]
    assert logged.startswith("$ ") and shlex.split(logged[2:]) == command, logged
