"""A grid's start line counts its runs as its dry run does: those copying from a base whose train refuses it as it
stands (a damaged checkpoint: exit 65) are not run, and not among the runs to run nor the N of "[K/N]". Before, "10
to run" where the dry run said "6 to train, 4 not run", and "[1/10] try random2/baseA" then "[2/6] start ..."."""

import re

from click.testing import CliRunner

from test_grid_dry_run_as_run import _grid_command  # the same grid: its dry run's lines are checked there

from minitransfer import experiment as grid
from minitransfer.cli import main
from minitransfer.data import synthetic


def test_the_start_line_and_the_start_numbers_count_what_the_dry_run_counts(tmp_path):
    data, out = tmp_path / "data", tmp_path / "grid"
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    base_a = next(run for run in grid.plan_grid(layers=(1,), fine_tuned=False) if run.name == "random0/baseA")
    grid.run_dir(out, base_a).mkdir(parents=True)
    (grid.run_dir(out, base_a) / grid.CHECKPOINT_FILE).write_bytes(b"damaged by hand")

    dry = CliRunner().invoke(main, _grid_command(data, out, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    counted = re.search(r": (\d+) finished, (\d+) to train, (\d+ not run \(copying from [^)]*\))$", dry.output,
                        re.MULTILINE)
    assert counted, dry.output

    real = CliRunner().invoke(main, _grid_command(data, out))
    assert real.exit_code == 65, real.output
    tried = set(re.findall(r"^(?:done|FAILED) (\S+) ", real.output, re.MULTILINE))  # the oracle: what it ran
    not_run = set(re.findall(r"^not run (\S+):", real.output, re.MULTILINE))
    assert (len(tried), len(not_run)) == (3, 1), real.output
    start = re.search(r"^0 of 4 runs already finished; (\d+) to run(?:; (.*))?$", real.output, re.MULTILINE)
    assert start, real.output
    assert (int(start.group(1)), start.group(2)) == (len(tried), counted.group(3)), start.group(0)
    assert int(counted.group(2)) == len(tried), counted.group(0)
    numbers = re.findall(r"^\[(\d+)/(\d+)\] ", real.output, re.MULTILINE)
    assert [int(k) for k, _ in numbers] == list(range(1, len(tried) + 1)), real.output
    assert {int(n) for _, n in numbers} == {len(tried)}, real.output  # before, "[1/3]" then "[2/2]"
