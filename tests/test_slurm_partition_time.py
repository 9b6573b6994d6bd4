"""A partition's time limit the tasks cannot work with, refused by ``submit.sh`` before anything is
queued (the scripts emitted without ``--time``); a task's restart after a start that ended without a
word (its node lost); with stand-ins for SLURM's commands, then on a real single-node SLURM
(``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge)."""

import os
import signal

import pytest
from click.testing import CliRunner
from test_slurm import (GUARD_SECONDS, OPTIONS, cluster, fake_slurm, fake_train_command,  # noqa: F401 (fixtures)
                        real_options, run_task, sbatch_calls, submit_grid, submit_refused, wait_for_file)

from minitransfer import experiment as grid
from minitransfer import slurm
from minitransfer.cli import main

# scontrol: "--oneliner show partition [NAME]" as slurm-wlm 22.05 writes it (seen on the test cluster), of
# partitions "test" (the default) and "long", DefaultTime FAKE_DEFAULT_TIME and MaxTime FAKE_MAX_TIME (both
# NONE/UNLIMITED by default), and FAKE_LONG_MAX_TIME (UNLIMITED by default); "Partition NAME not found"
# (exit 1) for another; "show config" says nothing
FAKE_SCONTROL = r'''#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG/scontrol"
line() {
  echo "PartitionName=$1 AllowGroups=ALL AllocNodes=ALL Default=$2 QoS=N/A DefaultTime=$3 DisableRootJobs=NO" \
       "GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=$4 MinNodes=0 LLN=NO Nodes=vm State=UP"
}
if [ "$*" = "--oneliner show partition" ]; then
  line test YES "${FAKE_DEFAULT_TIME:-NONE}" "${FAKE_MAX_TIME:-UNLIMITED}"
  line long NO NONE "${FAKE_LONG_MAX_TIME:-UNLIMITED}"
elif [ "$*" = "--oneliner show partition test" ]; then
  line test YES "${FAKE_DEFAULT_TIME:-NONE}" "${FAKE_MAX_TIME:-UNLIMITED}"
elif [ "$*" = "--oneliner show partition long" ]; then
  line long NO NONE "${FAKE_LONG_MAX_TIME:-UNLIMITED}"
elif [ "${*:0:24}" = "--oneliner show partition" ]; then
  echo "Partition ${*:26} not found"; exit 1
fi
'''


@pytest.fixture
def fake_partitions(fake_slurm, tmp_path):
    (tmp_path / "fake-bin" / "scontrol").write_text(FAKE_SCONTROL)
    return fake_slurm


def emit(tmp_path, **resources):
    return slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path), **resources)


def refusal(name, which, field, limit, remedy, submit, who="each task"):
    return (f"nothing submitted: the scripts give no --time, so {who} gets the {field} of partition {name}{which} "
            f"(scontrol show partition {name}): a time limit of {limit} leaves under 60 s of training before the 300 s "
            f"before it at which SLURM signals the training to checkpoint (--signal=TERM@300): {who} would be "
            f"signalled as it starts, and not requeued; {remedy}, then rerun {submit}\n")


def unlimited_refusal(asker, where, remedy, submit, asks="no time limit"):
    return (f"nothing submitted: {asker} asks for {asks}, but {where}: SLURM leaves a job that asks for more "
            f"than its partition's MaxTime PENDING (Reason=PartitionTimeLimit), never started, or refuses it "
            f"(EnforcePartLimits); {remedy}, then rerun {submit}\n")


SCRIPTS_ASK = "the scripts' --time (emitted with 0 or UNLIMITED)"
SCRIPTS_PARTITION = "emit the scripts again with another --partition, one whose MaxTime is UNLIMITED"
# a MaxTime of 5 minutes fits a --time of 5: the scripts then have SLURM signal the training a minute before
TIME_5_OR_PARTITION = ("emit the scripts again with --time 5 (no longer than partition test's MaxTime, 00:05:00: with "
                       "a --time of their own, the scripts have SLURM signal the training a fifth of it before the "
                       "limit, at most 5 minutes), or with another --partition, one whose MaxTime is at least 6 "
                       "minutes")


@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
@pytest.mark.parametrize("default, maximum, field, limit, remedy", [
    ("00:04:00", "UNLIMITED", "DefaultTime", "00:04:00", "emit the scripts again with --time 6 or more (partition "
     "test's MaxTime: UNLIMITED), or with another --partition"),
    ("00:05:00", "1-00:00:00", "DefaultTime", "00:05:00", "emit the scripts again with --time 6 or more (partition "
     "test's MaxTime: 1-00:00:00), or with another --partition"),
    ("NONE", "00:05:00", "MaxTime", "00:05:00", TIME_5_OR_PARTITION),
    ("00:04:00", "00:05:00", "DefaultTime", "00:04:00", TIME_5_OR_PARTITION),
], ids=["default-time", "margin-alone", "max-time", "both-short"])
def test_submit_refuses_a_default_partition_whose_time_limit_is_too_short(tmp_path, fake_partitions, dry_run,
                                                                          default, maximum, field, limit, remedy):
    """Without --time each task gets its partition's limit: DefaultTime=4 passed the dry run's sbatch
    --test-only, and every task took a node, was signalled at once and exited 75 not requeued, its
    transfers stuck (DependencyNeverSatisfied). Now refused before anything is queued (exit 2)."""
    submit = emit(tmp_path)
    said = submit_refused(submit, fake_partitions, *["--dry-run"] * dry_run, FAKE_DEFAULT_TIME=default,
                          FAKE_MAX_TIME=maximum)
    assert said == refusal("test", " (the cluster's default partition)", field, limit, remedy, submit)


@pytest.mark.parametrize("resources, env", [
    ({}, {"FAKE_DEFAULT_TIME": "00:06:00"}),
    ({}, {"FAKE_DEFAULT_TIME": "NONE", "FAKE_MAX_TIME": "2-00:00:00"}),
    ({"time_limit": "10"}, {"FAKE_DEFAULT_TIME": "00:04:00"}),
    ({}, {"FAKE_DEFAULT_TIME": "00:04:00", "SBATCH_TIMELIMIT": "60"}),
    ({"partition": "long"}, {"FAKE_DEFAULT_TIME": "00:04:00"}),
    ({"sbatch_options": ("-p long",)}, {"FAKE_DEFAULT_TIME": "00:04:00"}),
    ({}, {"FAKE_DEFAULT_TIME": "00:04:00", "SBATCH_PARTITION": "long"}),
    ({"partition": "elsewhere"}, {"FAKE_DEFAULT_TIME": "00:04:00"}),
], ids=["default-time-enough", "max-time-enough", "time-given", "sbatch-timelimit", "other-partition",
        "other-partition-as-sbatch-option", "sbatch-partition", "unknown-partition-left-to-sbatch"])
def test_submit_takes_a_partition_time_limit_long_enough_or_not_applying(tmp_path, fake_partitions, resources, env):
    submit = emit(tmp_path, **resources)
    done = submit_grid(submit, **env)
    assert done.returncode == 0, done.stderr
    assert len(sbatch_calls(fake_partitions)) == 3


@pytest.mark.parametrize("time_limit, env, asker, remedy", [
    ("UNLIMITED", {"FAKE_MAX_TIME": "00:05:00"}, SCRIPTS_ASK, SCRIPTS_PARTITION),
    ("0", {"FAKE_MAX_TIME": "2-00:00:00"}, SCRIPTS_ASK, "emit the scripts again with a --time no longer than that "
     f"MaxTime (6 minutes or more), or {SCRIPTS_PARTITION}"),
    ("60", {"FAKE_MAX_TIME": "2-00:00:00", "SBATCH_TIMELIMIT": "UNLIMITED"}, "SBATCH_TIMELIMIT=UNLIMITED, which sbatch "
     "takes over the scripts' --time,", "give SBATCH_TIMELIMIT a limit no longer than that MaxTime (6 minutes or "
     "more), or give SBATCH_PARTITION a partition whose MaxTime is UNLIMITED"),
], ids=["short-max-time", "long-max-time", "sbatch-timelimit"])
def test_submit_refuses_no_time_limit_on_a_partition_with_a_max_time(tmp_path, fake_partitions, time_limit, env,
                                                                     asker, remedy):
    """--time 0 or UNLIMITED (or SBATCH_TIMELIMIT=UNLIMITED): a job is not given its partition's MaxTime,
    as the check said ("the scripts give no --time, so each task gets the MaxTime"); SLURM leaves it
    PENDING (PartitionTimeLimit), whatever the MaxTime (seen on the test cluster: the real test below)."""
    submit = emit(tmp_path, time_limit=time_limit)
    said = submit_refused(submit, fake_partitions, FAKE_DEFAULT_TIME="1-00:00:00", **env)
    where = (f"partition test (the cluster's default partition) has a MaxTime of {env['FAKE_MAX_TIME']} "
             "(scontrol show partition test)")
    assert said == unlimited_refusal(asker, where, remedy, submit)
    assert submit_grid(submit, FAKE_DEFAULT_TIME="00:04:00").returncode == 0



@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
@pytest.mark.parametrize("time_limit, env, asker, minutes, remedy", [
    ("10", {}, "the scripts' --time (emitted with 10)", 10, "emit the scripts again with a --time no longer than "
     "that MaxTime (5 minutes or more), or emit the scripts again with another --partition, one"),
    ("5:30", {}, "the scripts' --time (emitted with 5:30)", 6, "emit the scripts again with a --time no longer than "
     "that MaxTime (5 minutes or more), or emit the scripts again with another --partition, one"),
    ("60", {"SBATCH_TIMELIMIT": "10"}, "SBATCH_TIMELIMIT=10, which sbatch takes over the scripts' --time,", 10,
     "give SBATCH_PARTITION a partition"),
], ids=["time", "time-rounded-up", "sbatch-timelimit"])
def test_submit_refuses_a_time_limit_longer_than_the_partition_max_time(tmp_path, fake_partitions, dry_run,
                                                                       time_limit, env, asker, minutes, remedy):
    """--time 10 against MaxTime=5: the job stays PENDING (PartitionTimeLimit) for good, which sbatch
    --test-only does not tell (the real test below); it was queued. Now refused before anything is. SLURM
    rounds 5:30 up to 6 minutes; SBATCH_TIMELIMIT=10 leaves the scripts' SIGTERM 300 s before the limit,
    which a MaxTime of 5 cannot leave a minute's training before."""
    submit = emit(tmp_path, time_limit=time_limit)
    said = submit_refused(submit, fake_partitions, *["--dry-run"] * dry_run, FAKE_MAX_TIME="00:05:00", **env)
    where = "partition test (the cluster's default partition) has a MaxTime of 00:05:00 (scontrol show partition test)"
    assert said == unlimited_refusal(asker, where, f"{remedy} whose MaxTime is at least {minutes} minutes", submit,
                                     asks=f"a time limit of {minutes} minutes")


@pytest.mark.parametrize("resources, env", [
    ({"time_limit": "5"}, {"FAKE_MAX_TIME": "00:05:00"}),
    ({"time_limit": "10"}, {"FAKE_MAX_TIME": "1-00:00:00"}),
    ({"time_limit": "10"}, {"FAKE_MAX_TIME": "00:05:00", "SBATCH_TIMELIMIT": "5"}),
    ({"time_limit": "10"}, {"FAKE_MAX_TIME": "00:05:00", "SBATCH_PARTITION": "long"}),
    ({"time_limit": "10", "partition": "test,long"}, {"FAKE_MAX_TIME": "00:05:00"}),
    ({"time_limit": "10", "partition": "elsewhere"}, {"FAKE_MAX_TIME": "00:05:00"}),
], ids=["equal", "longer-max-time", "sbatch-timelimit-within", "sbatch-partition", "one-of-a-list",
        "unknown-partition"])
def test_submit_takes_a_time_limit_within_a_partition_max_time(tmp_path, fake_partitions, resources, env):
    submit = emit(tmp_path, **resources)
    done = submit_grid(submit, **env)
    assert done.returncode == 0, done.stderr
    assert len(sbatch_calls(fake_partitions)) == 3

def test_submit_checks_each_partition_of_a_list(tmp_path, fake_partitions):
    """--partition test,long: a short DefaultTime of one is said of a task started on it, not of each
    task; no time limit asked for is refused only where every partition of the list has a MaxTime."""
    submit = emit(tmp_path, partition="test,long")
    said = submit_refused(submit, fake_partitions, FAKE_DEFAULT_TIME="00:04:00")
    assert said == refusal("test", "", "DefaultTime", "00:04:00", "emit the scripts again with --time 6 or more "
                           "(partition test's MaxTime: UNLIMITED), or with another --partition", submit,
                           who="a task started on test")
    submit = emit(tmp_path, partition="test,long", time_limit="0")
    said = submit_refused(submit, fake_partitions, FAKE_MAX_TIME="00:05:00", FAKE_LONG_MAX_TIME="1-00:00:00")
    where = "each of partitions test,long has a MaxTime (test: 00:05:00, long: 1-00:00:00; scontrol show partition)"
    assert said == unlimited_refusal(SCRIPTS_ASK, where, "emit the scripts again with a --time no longer than that "
                                     f"MaxTime (6 minutes or more), or {SCRIPTS_PARTITION}", submit)
    assert submit_grid(submit, FAKE_MAX_TIME="00:05:00").returncode == 0  # long has none


def test_cli_emit_without_time_says_the_partition_limit_must_exceed_the_margin(tmp_path, synthetic_8):
    arguments = ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "grid"), "--layers", "1", "--device", "cpu",
                 "--emit-slurm", str(tmp_path / "slurm")]
    said = "  no --time: each task gets its partition's time limit (DefaultTime, else MaxTime), which must be 6 " \
           "minutes or more (SIGTERM 300 s before it); submit.sh checks it before it submits\n"
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0 and said in result.output, result.output
    result = CliRunner().invoke(main, arguments + ["--time", "4:00:00"])
    assert result.exit_code == 0 and "no --time" not in result.output, result.output
    result = CliRunner().invoke(main, arguments + ["--time", "0"])
    assert result.exit_code == 0 and "  --time=0 asks for no time limit, and SLURM leaves a job" in result.output, \
        result.output


@pytest.mark.parametrize("time_limit, asks, refused, roomy", [
    ("0", "no time limit", "the partition has one (for a list of partitions: where every one has)", "UNLIMITED"),
    ("UNLIMITED", "no time limit", "the partition has one (for a list of partitions: where every one has)",
     "UNLIMITED"),
    ("10", "a limit of 10 minutes", "the partition's is shorter (for a list of partitions: where every one's is)",
     "00:10:00"),
    ("1:30:20", "a limit of 1:30:20 (90 minutes 20 s)", "the partition's is shorter (for a list of partitions: where "
     "every one's is)", "01:31:00"),
], ids=["zero", "unlimited", "minutes", "hours"])
def test_the_summary_says_what_submit_checks_of_a_time_limit_against_the_partition_max_time(
        tmp_path, fake_partitions, time_limit, asks, refused, roomy):
    """With --time 0 the emit step's summary said nothing of the partition's MaxTime, which submit.sh
    checks before it submits: what it says submit.sh does (its dry run too), submit.sh does. A limit is said
    in minutes (it said "--time=10 asks for a limit of 10", without a unit)."""
    submit = emit(tmp_path, time_limit=time_limit)
    said = slurm.describe_scripts(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm")
    assert f"--time={time_limit} asks for {asks}, and SLURM leaves a job that asks for more than its partition's " \
           "MaxTime PENDING (Reason=PartitionTimeLimit), never started, or refuses it (EnforcePartLimits): submit.sh " \
           "reads the partition's MaxTime before it submits (SBATCH_TIMELIMIT's limit in place of --time), and " \
           f"submits nothing where {refused}" in said, said
    for dry_run in (["--dry-run"], []):
        assert "PartitionTimeLimit" in submit_refused(submit, fake_partitions, *dry_run, FAKE_MAX_TIME="00:05:00")
    assert submit_grid(submit, "--dry-run", FAKE_MAX_TIME=roomy).returncode == 0


def test_cli_time_under_5_minutes_says_what_to_give(tmp_path, synthetic_8):
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "grid"), "--device",
                                       "cpu", "--emit-slurm", str(tmp_path / "slurm"), "--time", "2"])
    assert result.exit_code == 2, result.output
    assert "is under 5 minutes" in result.output and "give --time 5 or more" in result.output


# ---- a restart after a start that ended without a word ------------------------------------------

@pytest.mark.parametrize("checkpoint, said", [
    (False, "starts the run over: it has no checkpoint"),
    (True, "resumes the run from its checkpoint, {out}/random0/baseB.run/checkpoint.h5, unless its train finds it bad"
           " (it then refuses to resume it)"),
], ids=["no-checkpoint", "checkpoint"])
def test_task_restarted_after_a_start_killed_without_a_word_says_so(tmp_path, fake_slurm, checkpoint, said):
    """slurmd and the training killed -9 (a node lost): SLURM requeued the task, whose output went from
    "restart 0" to "restart 1" with nothing between. The restart now says what happened and what it does."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    emit(tmp_path)
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1")
    wait_for_file(out / "random0/baseB.run/events", task)
    training = int((fake_slurm / "srun.pid").read_text())  # the fake srun execs the training
    task.kill()
    os.kill(training, signal.SIGKILL)
    first = task.communicate(timeout=GUARD_SECONDS)[0]
    assert first.endswith("restart 0; output in " + str(out / "random0/baseB.run/train.log") + "\n"), first
    if checkpoint:
        (out / "random0/baseB.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    again = run_task(scripts, "bases.sh", 1, SLURM_RESTART_COUNT="1")
    output = again.communicate(timeout=GUARD_SECONDS)[0]
    assert again.returncode == 0, output
    assert ("run random0/baseB: the previous start of this task ended without a word from it (its node lost, or the "
            f"task killed) and SLURM requeued it; this start {said.format(out=out)}\n") in output, output
    # a restart after a start that said how it ended (requeued itself, or done) says nothing of the kind
    after = run_task(scripts, "bases.sh", 1, SLURM_RESTART_COUNT="2")
    output = after.communicate(timeout=GUARD_SECONDS)[0]
    assert after.returncode == 0 and "without a word" not in output, output


def test_task_restarted_after_requeueing_itself_says_nothing_of_a_start_ended_without_a_word(tmp_path, fake_slurm):
    """A requeue ends the job (scontrol requeue of the task's own job): the mark of a start in progress,
    removed only after it, was left, and the restart after a plain SIGTERM -> exit 75 -> requeue said
    that the previous start ended without a word from it."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    emit(tmp_path)
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="75", FAKE_REQUEUE_ENDS_JOB="1")
    first = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == -signal.SIGKILL, first
    assert "run random0/baseB: exit 75, interrupted with a checkpoint: requeued" in first, first
    assert (fake_slurm / "scontrol").read_text().split() == ["requeue", "77_1"]
    again = run_task(scripts, "bases.sh", 1, SLURM_RESTART_COUNT="1")
    output = again.communicate(timeout=GUARD_SECONDS)[0]
    assert again.returncode == 0 and "run random0/baseB: done" in output, output
    assert "without a word" not in output, output


# ---- on a real SLURM ---------------------------------------------------------------------------

def test_real_slurm_partition_default_time_too_short_is_refused_before_queueing(cluster, tmp_path):
    """Seen on the test cluster with DefaultTime=4: each base signalled at once, exit 75 not requeued,
    its transfers DependencyNeverSatisfied. Now submit.sh (and its dry run) refuse, queueing nothing."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", real_options())
    cluster.command("scontrol", "update", "PartitionName=test", "DefaultTime=4")
    try:
        for arguments in (["--dry-run"], []):
            done = submit_grid(submit, *arguments, **cluster.env)
            assert done.returncode == 2, done.stdout + done.stderr
            assert done.stderr == refusal("test", " (the cluster's default partition)", "DefaultTime", "00:04:00",
                                          "emit the scripts again with --time 6 or more (partition test's MaxTime: "
                                          "UNLIMITED), or with another --partition", submit), done.stderr
    finally:
        cluster.command("scontrol", "update", "PartitionName=test", "DefaultTime=UNLIMITED")
    assert cluster.jobs() == {}
    done = submit_grid(submit, "--dry-run", **cluster.env)
    assert done.returncode == 0 and "sbatch --test-only takes each of them" in done.stdout, done.stderr


def test_real_slurm_no_time_limit_on_a_partition_with_a_max_time_is_refused_before_queueing(cluster, tmp_path):
    """SLURM does not give a job asking for no limit its partition's MaxTime, as the check said: with
    MaxTime=5 a job of --time UNLIMITED keeps it and stays PENDING (PartitionTimeLimit), which sbatch
    --test-only does not tell; so does one of --time 10. Now submit.sh refuses both, queueing nothing."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm",
                              real_options(), time_limit="UNLIMITED")
    waiting = tmp_path / "waiting.sh"
    waiting.write_text("#!/bin/bash\ntrue\n")
    cluster.command("scontrol", "update", "PartitionName=test", "MaxTime=5")
    try:
        job = cluster.command("sbatch", "--parsable", "--time=UNLIMITED", str(waiting)).strip().split(";")[0]
        try:
            cluster.wait_for(lambda: cluster.job_record(job)["JobState"] != "PENDING" or  # Reason PartitionConfig first
                             cluster.job_record(job)["Reason"] == "PartitionTimeLimit", 30, "the job's scheduling")
            record = cluster.job_record(job)
            assert (record["JobState"], record["Reason"], record["TimeLimit"]) == \
                   ("PENDING", "PartitionTimeLimit", "UNLIMITED"), record
        finally:
            cluster.command("scancel", job)
        for arguments in (["--dry-run"], []):
            done = submit_grid(submit, *arguments, **cluster.env)
            assert done.returncode == 2, done.stdout + done.stderr
            where = ("partition test (the cluster's default partition) has a MaxTime of 00:05:00 (scontrol show "
                     "partition test)")
            assert done.stderr == unlimited_refusal(SCRIPTS_ASK, where, SCRIPTS_PARTITION, submit), done.stderr
        # a --time longer than MaxTime: PENDING for good as well (seen with --time 10); refused alike
        longer = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm-10",
                                  real_options(), time_limit="10")
        done = submit_grid(longer, **cluster.env)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "asks for a time limit of 10 minutes, but partition test (the cluster's default partition) has a " \
               "MaxTime of 00:05:00" in done.stderr, done.stderr
    finally:
        cluster.command("scontrol", "update", "PartitionName=test", "MaxTime=UNLIMITED")
    assert cluster.jobs() == {}
    done = submit_grid(submit, "--dry-run", **cluster.env)
    assert done.returncode == 0 and "sbatch --test-only takes each of them" in done.stdout, done.stderr
