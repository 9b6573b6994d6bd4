"""One rule for an experiment option given a value twice: refused (exit 2), naming the option and the value, as
--split-seed 0 --split-seed 0 was and plan_grid is; before, --layers 1,1, --per-class 10,10, --random-frozen 1,1 and
--split natural --split natural were silently cut to one value, a slip for another value ("1,1" for "1,2") unseen
until its networks were missing from the report."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("given, option, value", [
    (["--layers", "1,1"], "--layers", "1"),
    (["--layers", "1-3,2"], "--layers", "2"),
    (["--per-class", "10,10"], "--per-class", "10"),
    (["--random-frozen", "2,2"], "--random-frozen", "2"),
    (["--split", "natural", "--split", "natural"], "--split", "natural"),
    (["--split-seed", "0", "--split-seed", "0"], "--split-seed", "0"),
])
def test_a_value_given_twice_is_refused_whatever_the_option(micro_data, tmp_path, given, option, value):
    result = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "grid"),
                                       "--preset", "micro", "--device", "cpu", *given, "--dry-run"])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for {option}: each " in result.output, result.output
    assert f"got {value} more than once ({' '.join(given)})" in result.output, result.output
    assert not (tmp_path / "grid").exists()


def test_counts_given_out_of_order_once_each_are_planned_in_order(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "grid"),
                                       "--preset", "micro", "--device", "cpu", "--layers", "1", "--per-class",
                                       "5,2", "--dry-run"])
    assert result.exit_code == 0, result.output
    reduced = [line.split()[1] for line in result.output.splitlines() if "] all/reduced-" in line]
    assert reduced == ["all/reduced-0002", "all/reduced-0005"], result.output
