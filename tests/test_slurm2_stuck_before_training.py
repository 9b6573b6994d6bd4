"""A base's array task that ends before it trains, its run left unfinished and not requeued (its train.log cannot be
written: exit 74), says that the tasks of its transfers, queued after it (afterok), will not
start, as its other unfinished endings do. Before, ``transfers_stuck`` was defined only after those checks, and the
task said only "make it writable, then rerun submit.sh" while squeue showed its transfers pending as if they would
start. With stand-ins for SLURM's commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed."""

import test_slurm
from test_slurm import GUARD_SECONDS, OPTIONS, array_tasks, fake_train_command, run_task

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture


def test_a_base_that_cannot_write_its_train_log_says_its_transfers_wait_for_submit_sh(tmp_path, fake_slurm):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), out, scripts, OPTIONS,
                     train_command=fake_train_command(tmp_path))
    assert array_tasks((scripts / "bases.sh").read_text())[0][0] == "random0/baseA"  # A1B copies it
    log = out / "random0/baseA.run" / grid.LOG_FILE
    log.mkdir()
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 74, output
    stuck = (f"run random0/baseA: the tasks of its transfers, queued after this one (afterok), will not start: SLURM "
             f"keeps them PENDING (DependencyNeverSatisfied) until you rerun bash {scripts / 'submit.sh'}, which "
             "cancels them and submits them again after a new task of this run\n")
    assert stuck in output, output
    said = f"run random0/baseA: not trained: cannot write {log}: Is a directory; make it writable (or free space)"
    assert output.split(stuck, 1)[1].startswith(said), output  # the note first, the line ending the task last
