"""What the environment ``submit.sh`` runs in does to the emitted scripts: sbatch takes its input
variables over a script's ``#SBATCH`` lines, and ``submit.sh`` refuses those that would undo what the
tasks rely on (as seen with ``sbatch -v --test-only`` and ``scontrol show job`` on SLURM 22.05), and
a plan whose weights were left without their run (which its task's train would refuse). No SLURM
needed: submit.sh runs with stand-ins for SLURM's commands."""

import shutil

import pytest
from test_slurm import OPTIONS, fake_slurm, sbatch_calls, submit_grid, submit_refused  # noqa: F401

from minitransfer import grid_status, slurm
from minitransfer import experiment as grid


@pytest.mark.parametrize("variable, value, overridden", [
    ("SBATCH_NO_REQUEUE", "1", "the scripts' --requeue"),
    ("SBATCH_NO_REQUEUE", "0", "the scripts' --requeue"),  # 0 too: the cluster's default, not --requeue
    ("SBATCH_NO_REQUEUE", "", "the scripts' --requeue"),
    ("SBATCH_REQUEUE", "0", "the scripts' --requeue"),
    ("SBATCH_OUTPUT", "/tmp/out-%j", "the scripts' --output"),
    ("SBATCH_OUTPUT", "", "the scripts' --output"),  # sbatch reads it as the folder submitted from
    ("SBATCH_ERROR", "err-%j", "the scripts' --output"),
    ("SBATCH_OPEN_MODE", "truncate", "the scripts' --open-mode=append"),
    ("SBATCH_WAIT", "1", "its default of returning once a job is queued"),
])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_refuses_an_sbatch_variable_undoing_what_the_tasks_rely_on(tmp_path, fake_slurm, variable, value,
                                                                          overridden, dry_run):
    """Before: submitted, sbatch taking each over the scripts' lines: SBATCH_NO_REQUEUE made a task
    interrupted to checkpoint fail to requeue itself (scontrol requeue: "Requested operation is
    presently disabled"), SBATCH_OUTPUT sent the output where submit.sh did not say (or, empty, into
    the folder submitted from), SBATCH_OPEN_MODE=truncate emptied it at each requeue, and
    SBATCH_WAIT held submit.sh in sbatch until the bases' array ended."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    said = submit_refused(submit, fake_slurm, *["--dry-run"] * dry_run, **{variable: value})
    assert said.startswith(f"nothing submitted: {variable}={value}, which sbatch takes over {overridden}")
    assert said.endswith(f": unset {variable}{' (or set it to 1)' * (variable == 'SBATCH_REQUEUE')}, then rerun "
                         f"{submit}\n")


@pytest.mark.parametrize("variable, value", [
    ("SBATCH_REQUEUE", "1"), ("SBATCH_OPEN_MODE", "append"), ("SBATCH_OPEN_MODE", "A"), ("SBATCH_EXPORT", "ALL"),
    ("SBATCH_EXPORT", "all,CUDA_VISIBLE_DEVICES=0"), ("SBATCH_EXPORT", "ALL,SLURM_LABELIO,MY_SETTING=a=b"),
    ("SBATCH_EXPORT", "ALL,SLURM_ARRAY_TASK_ID=5"), ("SBATCH_EXPORT", "NONE"), ("SBATCH_EXPORT", "none"),
    ("SBATCH_EXPORT", "PATH,HOME"), ("SBATCH_WAIT", "0"), ("SBATCH_ARRAY_INX", "5-9"),
    ("SBATCH_DEPENDENCY", "afterok:1"), ("SBATCH_JOB_NAME", "mine"),
])
def test_submit_takes_an_sbatch_variable_that_leaves_the_tasks_as_they_are(tmp_path, fake_slurm, variable, value):
    """As sbatch 22.05 reads them: the requeue and open mode the scripts ask for, the whole environment,
    or none, or some names, as an --sbatch-option --export (the tasks trained with SBATCH_EXPORT=NONE or
    =HOME on the test cluster, as with --export: test_slurm_export_none; before, refused); --array and
    --dependency given on sbatch's command line (no SBATCH_DEPENDENCY is read at all); a job name
    nothing reads."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    done = submit_grid(submit, **{variable: value})
    assert done.returncode == 0, done.stderr
    assert len(sbatch_calls(fake_slurm)) == 3


@pytest.mark.parametrize("value, warned", [("NONE", True), ("none", True), ("PATH,HOME", True),
                                           ("NONE,CUDA_VISIBLE_DEVICES=0", True), ("ALL", False),
                                           ("all,CUDA_VISIBLE_DEVICES=0", False), ("", False)])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_warns_that_sbatch_export_without_all_leaves_the_shells_environment_out(tmp_path, fake_slurm, value,
                                                                                       warned, dry_run):
    """Before: taken without a word. With NONE, or names without ALL, each task starts with SLURM's login
    environment only: modules loaded in the shell that submits (CUDA's LD_LIBRARY_PATH, a conda
    environment) are not there, and every task may fail at its start. Warned once, still submitted."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    done = submit_grid(submit, *["--dry-run"] * dry_run, SBATCH_EXPORT=value)
    assert done.returncode == 0, done.stderr
    assert len(sbatch_calls(fake_slurm)) == 3 * (not dry_run)
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        f"warning: SBATCH_EXPORT={value} passes none of the submitting shell's variables on to the tasks but those it "
        f"names: each starts with SLURM's login environment only, without what that shell set up (modules loaded, "
        f"CUDA's LD_LIBRARY_PATH, a conda environment activated), and every task may fail as it starts; to keep "
        f"them, set SBATCH_EXPORT=ALL (or unset it), or name in it each variable the tasks need"] * warned


@pytest.mark.parametrize("variable, value", [("SBATCH_WAIT", "1"), ("SBATCH_CLUSTERS", "other")])
def test_submit_refusing_a_later_variable_does_not_warn_of_sbatch_export_first(tmp_path, fake_slurm, variable, value):
    """SBATCH_EXPORT is read in one pass (its values refused, whether it names ALL kept), but its warning
    is said only once the variables checked after it pass: refused for SBATCH_WAIT (or SBATCH_CLUSTERS),
    submit.sh says that refusal alone, as before the pass was merged (a warning of a submission that does
    not happen would lead its reader astray)."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    said = submit_refused(submit, fake_slurm, SBATCH_EXPORT="NONE", **{variable: value})
    assert said.startswith(f"nothing submitted: {variable}={value}, which sbatch takes")
    assert said.count("\n") == 1 and "SBATCH_EXPORT" not in said


@pytest.mark.parametrize("exported, name, changed", [
    ("ALL,SLURM_LABELIO=1", "SLURM_LABELIO", "its output"),
    ("all,MY_SETTING=1,SLURM_EXPORT_ENV=NONE", "SLURM_EXPORT_ENV", "its environment"),
    ("ALL,SLURM_EXIT_ERROR=75", "SLURM_EXIT_ERROR", "its exit and signals"),
    ("ALL,SLURM_CLUSTERS=other", "SLURM_CLUSTERS", "the cluster it, squeue, scancel and scontrol ask"),
    ("SLURM_LABELIO=1,HOME", "SLURM_LABELIO", "its output"),
    ("NONE,SLURM_EXPORT_ENV=ALL", "SLURM_EXPORT_ENV", "its environment"),
])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_refuses_sbatch_export_setting_what_the_tasks_srun_takes(tmp_path, fake_slurm, exported, name, changed,
                                                                        dry_run):
    """SBATCH_EXPORT with NAME=value pairs (after ALL or NONE, or first): sbatch sets them in each task's
    environment. Before, only a list not beginning with ALL was refused (now taken; a pair first was
    left unread, "SLURM_LABELIO=1,HOME" taken once NONE was): on the test cluster ALL,SLURM_LABELIO=1 began each line of
    train.log with "0: " (the test of the srun variables of the shell that submits, passed there), and
    ALL,SLURM_CLUSTERS=other failed each step ("'other' can't be reached now")."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    said = submit_refused(submit, fake_slurm, *["--dry-run"] * dry_run, SBATCH_EXPORT=exported)
    assert said.startswith(f"nothing submitted: SBATCH_EXPORT={exported} sets {name} in the environment of each "
                           f"task, where its srun takes it")
    assert f"changing {changed}" in said and said.endswith(
        f": leave {name} out of SBATCH_EXPORT (or set it to ALL), then rerun {submit}\n")


@pytest.mark.parametrize("left", ["weights-alone", "weights-and-config", "weights-and-checkpoint", "result-alone"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_refuses_weights_left_without_their_checkpoint_as_the_local_grid_sees_them(tmp_path, fake_slurm, left,
                                                                                          dry_run):
    """A run's folder deleted while its weights stay (baseB.h5 without baseB.run): before, submit.sh
    submitted it again, its task's train refused it (exit 2, ".h5 exists but there is nothing to resume
    from") and its transfers waited for good. Refused now before anything is queued, exactly where a
    local grid's dry run calls the run "weights without a checkpoint" (grid_status.run_status)."""
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,))
    submit = slurm.emit_slurm(runs, out, tmp_path / "slurm", OPTIONS)
    base_b = next(run for run in runs if run.name == "random0/baseB")
    folder = out / "random0" / "baseB.run"
    folder.mkdir(parents=True, exist_ok=True)  # written with the plan
    if left != "result-alone":
        (out / "random0" / "baseB.h5").write_text("weights")
    for name, wanted in (("config.json", "weights-and-config"), (grid.CHECKPOINT_FILE, "weights-and-checkpoint"),
                         ("result.json", "result-alone")):
        if left == wanted:
            (folder / name).write_text("{}")
    if left == "weights-alone":
        shutil.rmtree(folder)
    refused = grid_status.run_status(out, base_b) == "weights without a checkpoint"
    assert refused == (left in ("weights-alone", "weights-and-config"))
    done = submit_grid(submit, *["--dry-run"] * dry_run)
    if not refused:
        assert "weights without a checkpoint" not in done.stderr, done.stderr
        # a checkpoint.h5 that is no HDF5 file: not submitted, its train refusing it (test_slurm_unresumable)
        bad_checkpoint = left == "weights-and-checkpoint" and not dry_run
        assert done.returncode == (65 if bad_checkpoint else 0), done.stderr
        return
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        "nothing submitted: 1 run has weights without a checkpoint (a run folder deleted?), which train refuses to "
        "replace (exit 2: .h5 exists but there is nothing to resume from): submitted, it would fail, a base leaving "
        f"its transfers waiting for good:\n  run random0/baseB: {out / 'random0' / 'baseB.h5'}, without "
        f"{folder / grid.CHECKPOINT_FILE}\nrestore that run's folder if moved or kept; else, to train it again from "
        f"the start, delete or move away its weights file; then rerun {submit}\n")
    assert not (fake_slurm / "sbatch").exists() and not (fake_slurm / "sbatch-test-only").exists()
    assert not (tmp_path / "slurm" / slurm.SUBMITTED_FILE).exists()


def test_submit_rerun_lists_its_queued_tasks_whatever_squeue_states_says(tmp_path, fake_slurm):
    """SQUEUE_STATES=RUNNING (or SQUEUE_PARTITION) in the shell that submits: squeue (on the test
    cluster) listed none of the tasks still pending, and a rerun of submit.sh submitted every run again,
    two tasks of each. Here the stand-in squeue lists nothing while SQUEUE_STATES is set, as the real
    one does for pending tasks; the scripts' squeue now runs without it."""
    (fake_slurm.parent / "fake-bin" / "squeue").rename(fake_slurm.parent / "fake-bin" / "squeue-as-asked")
    (fake_slurm.parent / "fake-bin" / "squeue").write_text(
        '#!/usr/bin/env bash\nif [ -n "${SQUEUE_STATES+set}" ]; then exit 0; fi\n'
        'exec "$(dirname "$0")/squeue-as-asked" "$@"\n')
    (fake_slurm.parent / "fake-bin" / "squeue").chmod(0o755)
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    assert submit_grid(submit).returncode == 0
    tasks = [line.split("\t")[0] for line in (tmp_path / "slurm" / slurm.SUBMITTED_FILE).read_text().splitlines()]
    (fake_slurm / "queue").write_text("".join(f"{task} None\n" for task in tasks))
    again = submit_grid(submit, SQUEUE_STATES="RUNNING")
    assert again.returncode == 0, again.stderr
    assert len(sbatch_calls(fake_slurm)) == 3 and f"not submitted again: {len(tasks)} runs queued" in again.stdout
