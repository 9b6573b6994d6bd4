"""Review of session 61's SLURM and data messages: each test fails without the fix it names."""

import json
import shlex

import pytest
from click.testing import CliRunner

import test_data61b_prepared_again
import test_slurm
from test_checkpoint import _checkpoint
from test_slurm import GUARD_SECONDS, real_options, resubmit, run_task

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import report, slurm
from minitransfer.cli import main

STUCK = "(DependencyNeverSatisfied) until you rerun bash"

fake_slurm, week = test_slurm.fake_slurm, test_data61b_prepared_again.week  # the fixtures


def _slurm_grid(tmp_path):
    """A SLURM grid of baseA, baseB and A1B (after baseA), none trained; (out, submit.sh)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), out, scripts, real_options())
    return out, scripts / "submit.sh"


def _resumable(folder):
    checkpoints.save(folder / grid.CHECKPOINT_FILE, _checkpoint(seed=3))
    (folder / grid.LOG_FILE).write_text("$ minitransfer train\niteration 3/300 loss 2.3\n")


def _killed(folder):
    (folder / "config.json").write_text(json.dumps({"split": "random", "split_seed": 0, "half": "A"}))
    (folder / grid.LOG_FILE).write_text("$ minitransfer train\niteration 3/300 loss 2.3\n"
                                        "srun: error: node1: task 0: Exited with exit code 137\n")


@pytest.mark.parametrize("stop, state", [
    (_resumable, "resumable at iteration 17"),
    (_killed, "stopped before its first checkpoint"),
], ids=["resumable", "killed"])
def test_a_transfer_of_a_base_stopped_without_error_is_not_said_to_be_stuck(tmp_path, stop, state):
    """A base stopped with no error line may be requeued by SLURM (exit 75 at each time limit, the scripts' way
    to train longer than one; a failed node), its transfers' tasks waiting for it as planned. report said they
    wait at DependencyNeverSatisfied until submit.sh is rerun, as of a failed base, and "was stopped (stopped
    before its first checkpoint)"; it now says what squeue tells apart."""
    out, submit = _slurm_grid(tmp_path)
    folder = out / "random0/baseA.run"
    folder.mkdir(parents=True, exist_ok=True)
    stop(folder)
    with pytest.raises(report.NoRuns) as raised:
        report.measure(out)
    said = str(raised.value)
    assert f"random0/baseA ({state})" in said, said
    assert (f"random0/A1B (not started: waits for its base random0/baseA, {state}; where `squeue --array` no "
            f"longer lists the base's task (not requeued: cancelled, out of time or killed), its SLURM task waits "
            f"{STUCK} {shlex.quote(str(submit))})") in said, said
    assert "was stopped (" not in said and "so its SLURM task waits" not in said, said



def test_a_transfer_of_a_base_whose_task_ended_before_training_is_not_told_to_look_for_its_own_task(tmp_path,
                                                                                                    fake_slurm):
    """baseA's task ends before its train starts (no such program on the node: exit 74), writing no train.log:
    A1B's task stays listed, PENDING (DependencyNeverSatisfied). report said "where `squeue --array` no longer
    lists their tasks (cancelled), rerun submit.sh", and squeue lists A1B's: it now names the base's task."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    slurm.emit_slurm(runs, out, scripts, real_options(), train_command=[str(tmp_path / "nowhere"), "train"])
    task = run_task(scripts, "bases.sh", 0)
    assert "there is no" in task.communicate(timeout=GUARD_SECONDS)[0] and task.returncode == 74
    with pytest.raises(report.NoRuns) as raised:
        report.measure(out)
    said = str(raised.value)
    assert "random0/baseA (not started)" in said, said
    assert (f"random0/A1B (not started: waits for its base random0/baseA, not started either; where `squeue "
            f"--array` no longer lists the base's task (cancelled, or ended before its train started), rerun "
            f"{resubmit(scripts)})") in said, said
    assert "their tasks" not in said, said


def test_the_dry_run_of_a_slurm_grid_with_its_bases_finished_does_not_say_it_submits_them(micro_data, tmp_path):
    """Both bases finished: the dry run said "submit.sh submits what is neither finished nor queued: bases.sh: the 2
    bases (runs without a parent), one job array of 2 tasks", under "2 finished, 2 to train"."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    common = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter",
              "40", "--device", "cpu"]
    assert CliRunner().invoke(main, [*common, "--emit-slurm", str(scripts)]).exit_code == 0
    for base in ("random0/baseA", "random0/baseB"):
        test_slurm.finish(out, base)
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 runs in 1 folder (random0 4): 2 finished, 2 to train" in dry.stdout, dry.stdout
    on_slurm = dry.stdout.splitlines()[-2]
    assert "submits what is neither finished nor queued: bases.sh" not in on_slurm, on_slurm
    assert ("their job arrays hold every run of the plan (bases.sh: the 2 bases (runs without a parent), one job "
            "array of 2 tasks; ") in on_slurm, on_slurm
    assert (f"of which bash {scripts / 'submit.sh'} submits those neither finished nor queued, 2 at most (the runs "
            f"to train here)") in on_slurm, on_slurm


def test_info_says_the_folder_its_made_again_command_names_was_prepared_again(week):
    """base.h5 trained on S, S prepared again since with other classes: info's "made again by" command trains on
    the dataset S holds now, and info said nothing of it (eval, report and train's warning do)."""
    root, before = week
    shown = CliRunner().invoke(main, ["info", str(root / "runs" / "w1" / "base.h5")])
    assert shown.exit_code == 0, shown.output
    made = next(line for line in shown.output.splitlines() if line.startswith("made again by: "))
    assert made.endswith(f" (its --data {root / 'S'} was prepared again since it trained (sha256 of its meta.json "
                         f"{before[:12]} then): that folder holds another dataset now; give a copy of the one it was "
                         f"trained on)"), made
    again = CliRunner().invoke(main, ["info", str(root / "runs" / "w2" / "base2.h5")])  # trained on S as it is
    assert again.exit_code == 0 and "prepared again" not in again.output, again.output


@pytest.mark.parametrize("transfers, stuck", [(("random0/A1B",), False), (("random0/A1B", "random0/A2B"), True)],
                         ids=["all-finished", "one-left"])
def test_a_failed_base_whose_transfers_are_all_finished_says_none_waits(tmp_path, fake_slurm, transfers, stuck):
    """baseA's task fails where its transfers are finished (its weights file deleted, its checkpoint kept: submit.sh
    queued it alone): it said "the tasks of its transfers, queued after this one (afterok), will not start", and
    none was queued. A1B finished and A2B not: said, as before."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs = [run for run in grid.plan_grid(layers=(1, 2), fine_tuned=False, selffer=False)
            if run.name in ("random0/baseA", *transfers)]
    slurm.emit_slurm(runs, out, scripts, test_slurm.OPTIONS, train_command=test_slurm.fake_train_command(tmp_path))
    test_slurm.finish(out, "random0/A1B")
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT="65")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert "run random0/baseA: FAILED: bad data (exit 65)" in output, output
    assert (f"run random0/baseA: the tasks of its transfers, queued after this one (afterok), will not start: SLURM "
            f"keeps them PENDING (DependencyNeverSatisfied) until you rerun {resubmit(scripts)}, which cancels them"
            in output) == stuck, output
