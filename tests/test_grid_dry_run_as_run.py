"""A grid's dry run says what its run then does, run by run: the runs it lists to train are those the grid trains,
and its count says so. A base whose train refuses it as it stands (a damaged checkpoint: exit 65) fails, and its
transfers are not run; before, the dry run listed them "[todo]" and counted them "to train" (4 to train, then the
grid trained 2, failed 1 and left 1 unrun)."""

import re

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer.cli import main


def _grid_command(data, out, *more):
    return ["experiment", "--data", str(data), "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter", "4",
            "--eval-every", "2", "--device", "cpu", *more]


def test_the_dry_run_lists_and_counts_what_the_grid_then_trains_fails_and_leaves(micro_data, tmp_path):
    data, out = micro_data, tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)
    base_a = next(run for run in runs if run.name == "random0/baseA")
    grid.run_dir(out, base_a).mkdir(parents=True)
    (grid.run_dir(out, base_a) / grid.CHECKPOINT_FILE).write_bytes(b"damaged by hand")

    dry = CliRunner().invoke(main, _grid_command(data, out, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    listed = re.findall(r"^  \[([^\]]+)\] (\S+)(.*)$", dry.output, re.MULTILINE)
    to_train = {name for status, name, rest in listed if status == "todo" and "not run" not in rest}
    refused = {name for status, name, rest in listed if status == "bad checkpoint"}
    unrun = {name for status, name, rest in listed if "not run" in rest}
    counted = re.search(r": (\d+) finished, (\d+) to train(.*)$", dry.output, re.MULTILINE)
    assert counted, dry.output

    real = CliRunner().invoke(main, _grid_command(data, out))
    assert real.exit_code == 65, real.output  # the oracle: what the grid does with each run
    trained = set(re.findall(r"^done (\S+) ", real.output, re.MULTILINE))
    failed = set(re.findall(r"^FAILED (\S+) ", real.output, re.MULTILINE))
    not_run = set(re.findall(r"^not run (\S+):", real.output, re.MULTILINE))
    assert (trained, failed, not_run) == ({"random0/baseB", "random0/B1B"}, {"random0/baseA"}, {"random0/A1B"})

    assert (to_train, refused, unrun) == (trained, failed, not_run), dry.output
    assert int(counted.group(2)) == len(trained | failed), counted.group(0)  # tried, as its line says
    assert counted.group(3) == f", {len(not_run)} not run (copying from random0/baseA, which its train refuses as " \
                               f"it stands)", counted.group(0)
