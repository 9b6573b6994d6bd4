"""A hand-edited array script: ``submit.sh`` (and its ``--dry-run``) refuses one whose tasks' train
commands are no longer those emitted for the plan (``sed -i 's/--seed A/--seed B/' bases.sh`` trained
a base otherwise than the plan in OUT records, its transfers on it, and the report pooled them), before
anything is queued; edits of its ``#SBATCH`` lines are the user's to make."""

import shlex

import pytest

from minitransfer import slurm
from minitransfer import experiment as grid
from test_slurm import (OPTIONS, array_tasks, fake_slurm, fake_train_command, sbatch_calls,  # noqa: F401 (fixture)
                        submit_grid, submit_refused)


def emit(tmp_path):
    return slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path))


def edit_seed(script, run, seed):
    """Give ``run``'s train command in ``script`` the seed ``seed``, as sed would; returns the seed it had."""
    text = script.read_text()
    task, (_, argv) = next((task, found) for task, found in array_tasks(text).items() if found[0] == run)
    emitted = argv[argv.index("--seed") + 1]
    line = next(line for line in text.splitlines() if line.startswith(f"  {task}) "))
    assert line.count(f" --seed {emitted} ") == 1
    script.write_text(text.replace(line, line.replace(f" --seed {emitted} ", f" --seed {seed} ")))
    return emitted


@pytest.mark.parametrize("arguments", [(), ("--dry-run",)], ids=["submit", "dry-run"])
@pytest.mark.parametrize("script, run", [("bases.sh", "random0/baseA"), ("transfers.sh", "random0/A1B")])
def test_submit_refuses_a_train_command_edited_in_an_array_script(tmp_path, fake_slurm, arguments, script, run):
    submit = emit(tmp_path)
    emitted = edit_seed(submit.parent / script, run, "1234")
    assert emitted != "1234"
    said = submit_refused(submit, fake_slurm, *arguments)
    assert (f"nothing submitted: {submit.parent / script} was edited where it gives run {shlex.quote(run)} its train "
            f"command (--seed 1234 where the emitted one has --seed {emitted}): ") in said
    assert "emit the scripts again" in said and not (tmp_path / "grid" / f"{run}.run" / "events").exists()


def test_submit_refuses_an_array_script_whose_task_was_removed(tmp_path, fake_slurm):
    submit = emit(tmp_path)
    bases = submit.parent / "bases.sh"
    task, (run, _) = max(array_tasks(bases.read_text()).items())
    bases.write_text("\n".join(line for line in bases.read_text().splitlines() if not line.startswith(f"  {task}) "))
                     + "\n")
    said = submit_refused(submit, fake_slurm)
    assert f"was edited where it gives run {shlex.quote(run)} its train command (nothing where the emitted " in said


def test_submit_says_a_task_whose_spacing_alone_was_edited_so(tmp_path, fake_slurm):
    """Its words those emitted: said "(--resume nothing where the emitted one has --resume nothing)" before."""
    submit = emit(tmp_path)
    bases = submit.parent / "bases.sh"
    text = bases.read_text()
    task, (run, _) = min(array_tasks(text).items())
    line = next(line for line in text.splitlines() if line.startswith(f"  {task}) "))
    spaced = line.replace(" --seed ", "   --seed ", 1)
    assert spaced != line and spaced.split() == line.split()
    bases.write_text(text.replace(line, spaced))
    said = submit_refused(submit, fake_slurm)
    assert (f"was edited where it gives run {shlex.quote(run)} its train command (only its spacing differs): "
            in said), said


def test_submit_takes_an_array_script_whose_sbatch_lines_were_edited(tmp_path, fake_slurm):
    """``#SBATCH`` lines added or changed by hand (memory, an account) are submitted as they are."""
    submit = emit(tmp_path)
    for name in ("bases.sh", "transfers.sh"):
        script = submit.parent / name
        text = script.read_text().replace("#SBATCH --requeue\n", "#SBATCH --requeue\n#SBATCH --mem=4G\n")
        script.write_text(text.replace("#SBATCH --job-name=mt-", "#SBATCH --job-name=mine-"))
        assert "#SBATCH --mem=4G" in script.read_text() and "--job-name=mine-" in script.read_text()
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [call[-1] for call in sbatch_calls(fake_slurm)] == ["bases.sh", "transfers.sh", "transfers.sh"]
