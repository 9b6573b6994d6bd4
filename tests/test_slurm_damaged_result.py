"""submit.sh and a finished run whose result.json report cannot read (emptied, cut short), as a local grid
tells them (grid_status): with its checkpoint there, the run is submitted, its task's train --resume writing
the result again; with its checkpoint gone too (RESULT_LOST), it is not submitted, and that is said, at
emission and by submit.sh, which submits the others and ends with exit 65. Before, submit.sh counted both
finished ("nothing to submit: all N runs are finished"). No SLURM needed: stand-ins for SLURM's commands."""

import json
import shutil

import pytest
from test_experiment import trained_grid  # noqa: F401 (a fixture)
from test_slurm import (OPTIONS, array_task_of, fake_slurm, fake_train_command, finish, run_task,  # noqa: F401
                        sbatch_calls, submit_grid, submitted_runs)

from minitransfer import grid_status, slurm
from minitransfer import experiment as grid
from minitransfer.rundir import train_again


def damage(path, how):
    """result.json at ``path`` damaged ``how``, as a copy cut short or a full disk leaves it."""
    text = path.read_bytes()
    inner = text.index(b"}") + 1  # the first inner object's closing brace: {...} still, cut after it
    assert text.startswith(b"{") and text[inner:].strip() != b"", text
    path.write_bytes({"emptied": b"", "blank": b"\n  \n", "cut short": text[:len(text) // 2],
                      "cut after a brace": text[:inner], "cut after a comma": text[:text.index(b",") + 1],
                      "zeros": b"\0" * len(text), "no fields": b"{}",
                      "cut at its last brace": text[:text.rindex(b"}")].rstrip()}[how])


def finished_grid(tmp_path):
    """The plan of layer 1 emitted with the stand-in train, every run finished; runs, OUT, scripts, submit.sh."""
    runs, out, scripts = grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    for run in runs:
        finish(out, run.name)
    return runs, out, scripts, submit


def named(runs, name):
    return next(run for run in runs if run.name == name)


HOWS = ["emptied", "blank", "cut short", "cut after a brace", "cut after a comma", "zeros", "no fields",
        "cut at its last brace"]


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("name", ["random0/B1B", "random0/baseA"], ids=["transfer", "base"])
def test_a_damaged_result_with_its_checkpoint_is_submitted(tmp_path, fake_slurm, how, name):
    runs, out, scripts, submit = finished_grid(tmp_path)
    result = out / f"{name}.run" / "result.json"
    damage(result, how)
    (out / f"{name}.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    assert grid_status.unreadable_result(out, named(runs, name)) is not None  # report cannot read it
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert submitted_runs(fake_slurm, scripts) == [[name]], done.stdout
    if name == "random0/B1B":
        assert sbatch_calls(fake_slurm) == [["--parsable", f"--array={array_task_of(scripts, runs)[name]}",
                                             "--job-name=mt-after-random0/baseB", "transfers.sh"]]
    assert "nothing to submit" not in done.stdout


def test_a_whole_result_written_otherwise_is_finished(tmp_path, fake_slurm):
    """Blanks around the object, no line break at its end: whole, as report reads it; nothing submitted."""
    runs, out, scripts, submit = finished_grid(tmp_path)
    result = out / "random0" / "B1B.run" / "result.json"
    result.write_text("\n " + json.dumps(json.loads(result.read_text()), indent=4) + " ")
    assert grid_status.is_finished(out, named(runs, "random0/B1B"))
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm) == []
    assert f"nothing to submit: all {len(runs)} runs are finished in {out}" in done.stdout


@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_a_lost_result_is_not_submitted_but_said_and_its_transfers_copy_its_network(tmp_path, fake_slurm, dry_run):
    runs, out, scripts, submit = finished_grid(tmp_path)
    damage(out / "random0" / "baseB.run" / "result.json", "emptied")
    for name in ("random0/B1B", "random0/B1B+"):  # to train, copying baseB's network, there
        (out / f"{name}.h5").unlink()
        shutil.rmtree(out / f"{name}.run")
    assert grid_status.run_status(out, named(runs, "random0/baseB")) == grid_status.RESULT_LOST
    done = submit_grid(submit, *["--dry-run"] * dry_run)
    assert done.returncode == (0 if dry_run else 65), done.stdout + done.stderr
    weights = out / "random0" / "baseB.h5"
    assert done.stderr.splitlines() == [
        f"not submitted: 1 run ({grid_status.RESULT_LOST}), whose network is there, but whose result.json cannot be "
        "read (empty, cut short or edited) and whose checkpoint is gone, so nothing writes it again and report "
        "leaves the run out:",
        f"  run random0/baseB: keep {weights}: `minitransfer eval {weights}` scores it again",
        f"as the last resort, {train_again()}, which replaces that network"]
    assert "weights without a checkpoint" not in done.stderr
    transfers = array_task_of(scripts, runs)
    expected = sorted(transfers[name] for name in ("random0/B1B", "random0/B1B+"))
    call = ["--parsable", f"--array={','.join(map(str, expected))}", "--job-name=mt-after-random0/baseB",
            "transfers.sh"]  # no dependency: baseB's network is there
    if dry_run:
        assert f"$ sbatch {' '.join(call)}" in done.stdout
    else:
        assert sbatch_calls(fake_slurm) == [call]


@pytest.mark.parametrize("how", ["no fields", "cut after a brace", "cut at its last brace"])
def test_a_lost_result_that_looks_whole_is_lost_for_submit_as_at_emission(tmp_path, fake_slurm, how):
    """``{}`` and a result.json cut just after an inner object's brace (its last brace cut: every key there) are
    ``{...}``: submit.sh, which counted them finished ("nothing to submit: all N runs are finished"), says them
    lost, as emission does."""
    runs, out, scripts, submit = finished_grid(tmp_path)
    damage(out / "random0" / "A1B.run" / "result.json", how)
    assert_lost_alone(tmp_path, fake_slurm, runs, out, scripts, submit)


def assert_lost_alone(tmp_path, fake_slurm, runs, out, scripts, submit):
    """random0/A1B of :func:`finished_grid`'s runs, its result lost, is said not submitted at emission, and by
    submit.sh, which submits nothing else (the others finished) and ends with exit 65."""
    assert grid_status.run_status(out, named(runs, "random0/A1B")) == grid_status.RESULT_LOST
    said = []
    slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path), progress=said.append)
    assert [line for line in said if "not submitted" in line] == [
        f"note: not submitted: {grid_status.result_lost(out, named(runs, 'random0/A1B'))}"]
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm) == []
    assert "run random0/A1B: keep" in done.stderr
    assert f"nothing else to submit: the other {len(runs) - 1} runs are finished in {out}" in done.stdout


def test_a_lost_result_alone_is_nothing_else_to_submit(tmp_path, fake_slurm):
    runs, out, scripts, submit = finished_grid(tmp_path)
    damage(out / "random0" / "A1B.run" / "result.json", "cut short")
    done = submit_grid(submit)
    assert done.returncode == 65, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm) == []
    assert f"nothing else to submit: the other {len(runs) - 1} runs are finished in {out}" in done.stdout
    assert "all" not in done.stdout


def test_emission_says_once_what_to_do_with_a_lost_result(tmp_path, fake_slurm):
    runs, out, scripts, _ = finished_grid(tmp_path)
    damage(out / "random0" / "baseA.run" / "result.json", "emptied")
    said = []
    slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path), progress=said.append)
    lost = [line for line in said if "result.json" in line]
    assert lost == [f"note: not submitted: {grid_status.result_lost(out, named(runs, 'random0/baseA'))}"]


def test_the_task_of_a_damaged_result_writes_it_again_from_its_checkpoint(trained_grid, tmp_path,  # noqa: F811
                                                                          fake_slurm):
    """End to end with the real train: the task submit.sh submits writes a result.json report reads, training
    nothing more (its checkpoint at its end)."""
    source, runs, options = trained_grid
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    shutil.copytree(source, out)
    base = named(runs, "random0/baseB")
    damage(out / "random0" / "baseB.run" / "result.json", "emptied")
    assert grid_status.run_status(out, base) == grid_status.WRITE_AGAIN
    weights = (out / "random0" / "baseB.h5").read_bytes()
    submit = slurm.emit_slurm(runs, out, scripts, options)
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert submitted_runs(fake_slurm, scripts)[0] == ["random0/baseB"], done.stdout
    call = sbatch_calls(fake_slurm, with_scripts_id=True)[0]
    task = run_task(scripts, "bases.sh", int(call[1].removeprefix("--array=")), first=int(call[-1]))
    output = task.communicate()[0]
    assert task.returncode == 0, output
    assert "run random0/baseB: done" in output, output
    assert grid_status.is_finished(out, base)
    assert (out / "random0" / "baseB.h5").read_bytes() == weights  # not trained again
