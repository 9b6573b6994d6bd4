"""One damaged checkpoint, one remedy: the dry run, the run's train and the grid's end say the same step ("delete
OUT/random0/baseA.run/checkpoint.h5"), and taking it lets the rerun train the run from the start. Before, the dry run
said "delete OUT/random0/baseA.run", the train its checkpoint.h5 and the grid's end "fix or replace it"."""

import re

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer.cli import main
from minitransfer.data import synthetic


def _grid_command(data, out, *more):
    return ["experiment", "--data", str(data), "-o", str(out), "--layers", "1", "--no-fine-tuned",
            "--max-iter", "2", "--eval-every", "1", "--device", "cpu", *more]


def test_the_dry_run_the_train_and_the_grids_end_give_one_step_that_works(tmp_path):
    data, out = tmp_path / "data", tmp_path / "grid"
    synthetic.build_synthetic(data, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    base_a = next(run for run in grid.plan_grid(layers=(1,), fine_tuned=False) if run.name == "random0/baseA")
    checkpoint = grid.run_dir(out, base_a) / grid.CHECKPOINT_FILE
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"damaged by hand")
    step = f"delete {checkpoint}"

    dry = CliRunner().invoke(main, _grid_command(data, out, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    line = next(each for each in dry.output.splitlines() if "] random0/baseA" in each)
    assert f"exit 65: {step} to train it from the start)" in line, line

    failed = CliRunner().invoke(main, _grid_command(data, out))
    assert failed.exit_code == 65, failed.output
    log = (checkpoint.parent / grid.LOG_FILE).read_text()
    assert f"{step}, then rerun the experiment command that planned it" in log, log  # resume.starting_over
    cause = next(each for each in failed.output.splitlines() if each.startswith("  random0/baseA: "))
    assert re.match(rf"  random0/baseA: bad data \(exit 65\): its checkpoint\.h5 is damaged, which its train refuses "
                    rf"to resume; {re.escape(step)}, then rerun the same command to train it from the start", cause), \
        cause
    assert "fix or replace it" not in cause, cause

    checkpoint.unlink()  # as all three say
    again = CliRunner().invoke(main, _grid_command(data, out))
    assert again.exit_code == 0, again.output
    assert re.search(r"^done random0/baseA ", again.output, re.MULTILINE), again.output
