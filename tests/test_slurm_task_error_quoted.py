"""A task whose train failed quotes the error line train ended on, as a local grid's end does: it named its
train.log alone (and "e.g." before it, a local grid's words for several runs' logs), which a person then had to
open to read "--data ... does not exist". srun's own lines after it ("srun: error: ... Exited with exit code 65")
are not train's; a line over 300 characters is cut as the grid cuts it; a log ending on no error quotes nothing."""

import sys

import pytest

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import GUARD_SECONDS, OPTIONS, fake_slurm, resubmit, run_task  # noqa: F401 (fixture)

# a train that prints LINES (split on |) and exits CODE
TRAIN = "import os, sys; print(os.environ['FAKE_LINES'].replace('|', chr(10))); sys.exit(int(os.environ['FAKE_CODE']))"
LONG = "error: " + "x" * 400
BAD_DATA = ("FAILED: bad data (exit 65): a dataset, checkpoint or weights file is damaged or does not fit, which its "
            "train.log ({log}) names; fix or replace it, then rerun {submit}")


@pytest.mark.parametrize("code, lines, said", [
    (65, "loading|error: --data /no/such/set   does not exist|srun: error: n1: task 0: Exited with exit code 65|",
     f"{BAD_DATA} (\"error: --data /no/such/set does not exist\")"),
    (3, LONG, f"FAILED with exit 3; see {{log}} (\"{LONG[:297]}...\")"),
    (65, "iteration 10|Traceback: it broke", BAD_DATA),
], ids=["error-line", "cut", "no-error-line"])
def test_a_failed_task_quotes_trains_error_line(tmp_path, fake_slurm, code, lines, said):
    (tmp_path / "train.py").write_text(TRAIN)
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,))[:1], out, scripts, OPTIONS,
                     train_command=[sys.executable, str(tmp_path / "train.py")])
    task = run_task(scripts, "bases.sh", 0, FAKE_LINES=lines, FAKE_CODE=str(code))
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == code, output
    log = out / "random0" / "baseA.run" / grid.LOG_FILE
    assert output.endswith(f"run random0/baseA: {said.format(log=log, submit=resubmit(scripts))}\n"), output
