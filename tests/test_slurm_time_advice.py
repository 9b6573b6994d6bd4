"""A task whose job's time limit is under its SIGTERM margin and a minute (lowered by ``scontrol update
TimeLimit=``, or an ``#SBATCH --time`` edited) is not requeued and says to emit the scripts again with a longer
``--time``: that ``--time`` must be one the emission takes. Scripts emitted with ``--time 10`` (SIGTERM 120 s
before the limit) advised ``--time 3``, which ``experiment --emit-slurm`` refused ("give --time 5 or more"; seen
on the real test cluster). No SLURM needed: stand-ins for SLURM's commands and train."""

import re

import pytest
from click.testing import CliRunner
from test_slurm import GUARD_SECONDS, OPTIONS, fake_slurm, fake_train_command, run_task  # noqa: F401

from minitransfer import slurm
from minitransfer import experiment as grid
from minitransfer.cli import main


@pytest.mark.parametrize("time_limit, limit", [("10", "2:00"), (None, "1:00"), ("2-00:00:00", "4:00")],
                         ids=["ten-minutes", "partition-default", "two-days"])
def test_a_task_not_requeued_for_a_short_limit_advises_a_time_the_emission_takes(tmp_path, fake_slurm, time_limit,
                                                                                 limit):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path),
                     time_limit=time_limit)
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="75", FAKE_TIME_LIMIT=limit)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75 and "not requeued" in output, output
    advised = re.search(r"emit the scripts again with --time (\d+) or more", output)
    assert advised, output
    emitted = CliRunner().invoke(main, ["experiment", "-o", str(tmp_path / "again"), "--layers", "1", "--device", "cpu",
                                        "--emit-slurm", str(tmp_path / "again-slurm"), "--time", advised.group(1)])
    assert emitted.exit_code == 0, emitted.output
    # and the limit advised leaves a minute of training before the SIGTERM of scripts emitted with it
    assert int(advised.group(1)) * 60 - slurm.signal_margin(advised.group(1)) >= 60
