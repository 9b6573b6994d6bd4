"""``experiment --dry-run`` of a grid submitted to SLURM says what squeue says of the tasks submitted.txt names:
it trusted that file alone ("queued or running unless cancelled or failed since") after the tasks were cancelled
or had failed. Where squeue fails (SLURM out of reach) the caveat stays, saying why."""

import json

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import slurm
from minitransfer.cli import main
from test_slurm import fake_slurm  # noqa: F401 (fixture)


@pytest.mark.parametrize("queue, said", [
    ("12_0 PENDING Priority\n12_1 RUNNING None\n", "random0/baseA as task 12_0 (PENDING), random0/baseB as task 12_1 "
     "(RUNNING), random0/A1B as task 13_0 (no longer queued)): by state, 1 PENDING, 1 RUNNING, 1 no longer queued; "
     "`bash {submit}` submits the run that ended unfinished again"),
    ("12_0 PENDING Priority\n12_1 RUNNING None\n13_0 PENDING Dependency\n99_0 RUNNING None\n", "random0/baseA as task "
     "12_0 (PENDING), random0/baseB as task 12_1 (RUNNING), random0/A1B as task 13_0 (PENDING)): squeue lists them; "
     "`bash {submit} --dry-run` says what it would submit again"),
    (None, "random0/baseA as task 12_0, random0/baseB as task 12_1, random0/A1B as task 13_0): could not ask SLURM "
     "(squeue failed: squeue: error: Unable to contact slurm controller): queued or running unless cancelled or "
     "failed since, which `squeue --array` tells; `bash {submit} --dry-run` says what it would submit again"),
    # squeue --states=all lists the tasks that ended while SLURM keeps them: they were "no longer queued", and a
    # task pending for a base that failed "PENDING", as if it would start
    ("12_0 FAILED NonZeroExitCode\n12_1 COMPLETED None\n13_0 PENDING DependencyNeverSatisfied\n",
     "random0/baseA as task 12_0 (FAILED), random0/baseB as task 12_1 (COMPLETED), random0/A1B as task 13_0 (PENDING, "
     "DependencyNeverSatisfied)): by state, 1 FAILED, 1 COMPLETED, 1 never to start (PENDING, "
     "DependencyNeverSatisfied); `bash {submit}` submits the 2 runs that ended unfinished again; it cancels the task "
     "that never starts (its base failed or was cancelled), to submit it again after a new task of that base"),
    # an array cancelled while its tasks were all pending: squeue lists the array alone
    ("12_0 TIMEOUT TimeLimit\n12_1 RUNNING None\n13 CANCELLED DependencyNeverSatisfied\n", "random0/baseA as task "
     "12_0 (TIMEOUT), random0/baseB as task 12_1 (RUNNING), random0/A1B as task 13_0 (CANCELLED)): by state, "
     "1 TIMEOUT, 1 RUNNING, 1 CANCELLED; `bash {submit}` submits the 2 runs that ended unfinished again; a run out of "
     "time (TIMEOUT: killed at its limit) resumes from its last checkpoint: where one keeps running out of it, emit "
     "the scripts again with a longer --time"),
], ids=["one-gone", "all-listed", "squeue-fails", "ended-listed", "array-cancelled"])
def test_a_dry_run_says_what_squeue_says_of_the_submitted_tasks(micro_data, tmp_path, fake_slurm, monkeypatch, queue,
                                                                 said):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    common = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--max-iter", "40",
              "--device", "cpu"]
    assert CliRunner().invoke(main, [*common, "--emit-slurm", str(scripts)]).exit_code == 0
    plan_id = json.loads((out / grid.PLAN_FILE).read_text())[grid.PLAN_ID]
    (scripts / slurm.SUBMITTED_FILE).write_text(
        f"12_0\t{out}/random0/baseA\t{plan_id}\n12_1\t{out}/random0/baseB\t{plan_id}\tbases.sh:1 2\n"
        f"13_0\t{out}/random0/A1B\t{plan_id}\n")
    if queue is None:
        monkeypatch.setenv("FAKE_SQUEUE_LIST_ERROR", "squeue: error: Unable to contact slurm controller")
    else:
        (fake_slurm / "queue").write_text(queue)
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    note = next(line for line in dry.stderr.splitlines() if "submitted to SLURM" in line)
    assert note == (f"note: 3 of the runs to train were submitted to SLURM ({scripts / slurm.SUBMITTED_FILE}: "
                    + said.format(submit=scripts / slurm.SUBMIT_FILE)), note
