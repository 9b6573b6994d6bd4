"""Tasks queued earlier that wait for nodes down or drained (``scontrol update nodename=... state=drain``), or for a
partition down: a rerun of submit.sh said only "not submitted again: N runs queued", nothing of why they do not start
nor what to do. It now says which, SLURM's reason, that they start once the nodes are back (nothing to submit again),
and how not to wait. With stand-ins for SLURM's commands (the reasons as SLURM 22.05 and others give them), then on a
real single-node SLURM whose node is drained (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge).
Times (2 cores, loaded): each stand-in test about 1 s; the real one about 5 s."""

import re
import subprocess

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import (OPTIONS, SETTLE_SECONDS, cluster, fake_slurm, fake_train_command,  # noqa: F401 (fixture)
                        real_options, settle, submit, submitted_jobs)

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
DRAINED = "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions"


def said(tasks, reason, submit_sh):
    count = len(tasks)
    return (f"  {count} of them {'waits' if count == 1 else 'wait'} for nodes down or drained, or a partition down "
            f"(squeue's reason: {reason}): SLURM starts {'it' if count == 1 else 'them'} once they are back, with "
            f"nothing to submit again (sinfo -R says why a node is out; the cluster's administrators bring it back); "
            f"not to wait, cancel {'it' if count == 1 else 'them'} (scancel {' '.join(tasks)}), emit the scripts again "
            f"with another --partition, then rerun {submit_sh}\n")


def run_submit(script, *arguments):
    done = subprocess.run(["bash", str(script), *arguments], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def queued_with(tmp_path, fake_slurm, reasons):
    """RUNS submitted, their tasks then listed by squeue as PENDING for ``reasons`` (one each); the script and the
    tasks."""
    script = slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    run_submit(script)
    tasks = [line.split("\t")[0] for line in (tmp_path / "slurm" / "submitted.txt").read_text().splitlines()]
    (fake_slurm / "queue").write_text("".join(f"{task} PENDING {reason}\n" for task, reason in zip(tasks, reasons)))
    return script, tasks


def test_tasks_pending_on_nodes_drained_or_a_partition_down_are_said_with_what_to_do(tmp_path, fake_slurm):
    script, tasks = queued_with(tmp_path, fake_slurm, [DRAINED, "ReqNodeNotAvail, UnavailableNodes:n[1-2]",
                                                       "Dependency"])
    for arguments in ((), ("--dry-run",)):
        output = run_submit(script, *arguments)
        assert "not submitted again: 3 runs queued or running from an earlier submission (squeue)\n" in output, output
        assert said(tasks[:2], DRAINED, script) in output, output
    assert len((fake_slurm / "sbatch").read_text().splitlines()) == 2  # nothing submitted again, nothing cancelled
    assert not (fake_slurm / "scancel").exists()

    (fake_slurm / "queue").write_text(f"{tasks[0]} PENDING PartitionDown\n{tasks[1]} RUNNING None\n"
                                      f"{tasks[2]} PENDING Priority\n")
    assert said(tasks[:1], "PartitionDown", script) in run_submit(script)


def test_tasks_pending_for_other_reasons_are_not_said_to_wait_for_nodes(tmp_path, fake_slurm):
    script, _ = queued_with(tmp_path, fake_slurm, ["Resources", "Priority", "Dependency"])
    output = run_submit(script)
    assert "not submitted again: 3 runs" in output and "drained" not in output, output


def test_real_slurm_task_pending_on_a_drained_node_is_said_on_a_rerun(cluster, tmp_path):
    node = cluster.command("sinfo", "--noheader", "--format=%N").strip()
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm(RUNS[:1], out, scripts, real_options())
    cluster.command("scontrol", "update", f"nodename={node}", "state=drain", "reason=slurm68 test")
    try:
        job = submitted_jobs(submit(cluster, script))["bases"]
        cluster.wait_for(lambda: cluster.jobs().get(f"{job}_0", ("", ""))[1] not in ("", "None", "Priority"),
                         SETTLE_SECONDS, "SLURM to give the task's reason")
        output = submit(cluster, script)
    finally:
        cluster.command("scontrol", "update", f"nodename={node}", "state=resume")
    assert "not submitted again: 1 run queued or running" in output, output
    # SLURM gives the one reason first (its node named), then the other
    reason = re.search(r"squeue's reason: (.*?)\): SLURM", output)
    assert reason and reason.group(1) in (f"ReqNodeNotAvail, UnavailableNodes:{node}", DRAINED), output
    assert said([f"{job}_0"], reason.group(1), script) in output, output
    cluster.command("scancel", job)
    assert settle(cluster) == {}
