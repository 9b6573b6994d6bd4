"""``report`` of a grid run by its SLURM scripts: a run whose task failed on bad data (exit 65) is said to have
failed, with its train.log's error line, though srun's own line ("srun: error: ...: Exited with exit code 65")
follows it there (before, "stopped before its first checkpoint"); and a transfer whose base failed or was stopped
is said to wait at DependencyNeverSatisfied until submit.sh is rerun (before, "not started")."""

import pytest

import test_slurm
from test_slurm import real_options, settle, submit, submitted_jobs

from minitransfer import experiment as grid
from minitransfer import report, run_lock, slurm, slurm_finished

cluster = test_slurm.cluster  # the fixture

BAD_DATA = "error: bad data: /data/x/train-00000.h5: missing shard: deleted or moved since the dataset was prepared"


def failed_as_a_slurm_task(out, name):
    """The train.log of run ``name`` as a SLURM task leaves it after its train failed on bad data."""
    folder = out / f"{name}.run"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / grid.LOG_FILE).write_text(f"$ minitransfer train --out {out / name}.h5 --resume auto\n{BAD_DATA}\n"
                                        "srun: error: node1: task 0: Exited with exit code 65\n")


def test_a_run_that_failed_on_bad_data_under_slurm_is_said_to_have_failed_and_its_transfers_to_wait(tmp_path):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(runs, out, scripts, real_options())
    failed_as_a_slurm_task(out, "random0/baseA")
    with pytest.raises(report.NoRuns) as raised:
        report.measure(out)
    said = str(raised.value)
    assert "stopped before its first checkpoint" not in said
    assert "random0/baseA (failed)" in said
    assert (f"failed random0/baseA: {BAD_DATA} (see {out / 'random0/baseA.run' / grid.LOG_FILE}); then rerun "
            f"bash {scripts / 'submit.sh'}") in said
    assert (f"random0/A1B (not started: its base random0/baseA failed, so its SLURM task waits "
            f"(DependencyNeverSatisfied) until you rerun bash {scripts / 'submit.sh'})") in said
    assert "random0/baseB (not started)" in said  # no base: nothing it waits for


def test_a_transfer_of_a_base_not_started_says_what_to_do_where_its_task_was_cancelled(tmp_path):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(runs, out, scripts, real_options())
    with pytest.raises(report.NoRuns) as raised:
        report.measure(out / "random0")
    assert (f"A1B (not started: waits for its base baseA, not started either; where `squeue --array` no longer "
            f"lists the base's task (cancelled, or ended before its train started), rerun bash "
            f"{scripts / 'submit.sh'})") in str(raised.value)


def test_a_local_grid_says_not_started_as_before(tmp_path):
    """Without SLURM scripts (a local grid's plan): nothing of submit.sh."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out = tmp_path / "grid"
    slurm.emit_slurm(runs, out, tmp_path / "slurm", real_options())
    plan = (out / grid.PLAN_FILE).read_text()
    (out / grid.PLAN_FILE).write_text(plan.replace(f'"{grid.SLURM_SCRIPTS}"', '"not_the_scripts"'))
    failed_as_a_slurm_task(out, "random0/baseA")
    with pytest.raises(report.NoRuns) as raised:
        report.measure(out)
    said = str(raised.value)
    assert "random0/A1B (not started)" in said and "submit.sh" not in said
    assert f"failed random0/baseA: {BAD_DATA} (see" in said


def test_real_slurm_base_failed_on_bad_data_report_says_why_and_that_its_transfer_waits(cluster, tmp_path,
                                                                                       monkeypatch):
    """On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge). The grid's
    dry run says the base's task FAILED and its transfer's never starts (it said "no longer queued" and "PENDING")."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B after baseA
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm(runs, out, scripts, real_options())
    (grid.run_dir(out, runs[0]) / "checkpoint.h5").write_text("not a checkpoint")  # baseA fails: exit 65
    # damaged while another process held the run (its lock held here): submit.sh leaves it to that one and queues
    # it; one it finds damaged it does not submit (test_slurm_unresumable)
    with run_lock.RunLock(grid.run_dir(out, runs[0])):
        jobs = submitted_jobs(submit(cluster, script))
    left = settle(cluster)
    assert list(left.values()) == [("PENDING", "DependencyNeverSatisfied")], cluster.diagnostics()
    log = (out / "random0/baseA.run" / grid.LOG_FILE).read_text()
    assert log.splitlines()[-1].startswith("srun: "), log  # what hid the error line
    measured = report.measure(out)
    assert [result.run.name for result in measured.results] == ["random0/baseB"]
    assert len(measured.failed) == 1 and measured.failed[0].startswith("random0/baseA: error: bad data: "), \
        measured.failed
    assert measured.failed[0].endswith(f"; then rerun bash {script}")
    assert (f"random0/A1B (not started: its base random0/baseA failed, so its SLURM task waits "
            f"(DependencyNeverSatisfied) until you rerun bash {script})") in measured.unfinished_said, jobs
    monkeypatch.setenv("SLURM_CONF", str(cluster.conf))
    note = slurm_finished.submitted_note([runs[0], runs[2]], out)
    assert f"random0/baseA as task {jobs['bases']}_0 (FAILED), random0/A1B as task {jobs['random0/baseA']}_0 " \
           "(PENDING, DependencyNeverSatisfied)): by state, 1 FAILED, 1 never to start" in note, note
