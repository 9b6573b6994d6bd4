"""An option given twice: click kept the last value without a word (`train --seed 1 --seed 2` trained
seed 2, `experiment --per-class 10 --per-class 100` planned only 100, `--frozen --fine-tune` trained
fine-tuned). Refused as a usage error naming it, before any work; options that repeat by design are
taken."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("args, named", [
    (["train", "--seed", "1", "--seed", "2"], "--seed given 2 times"),
    (["train", "--max-iter=3", "--max-iter", "4", "--max-iter", "5"], "--max-iter given 3 times"),
    (["train", "--copy-from", "base.h5", "--n", "2", "--frozen", "--fine-tune"], "--frozen and --fine-tune given "
                                                                                  "together: they are one choice"),
    (["experiment", "--per-class", "10", "--per-class", "100", "--dry-run"], "--per-class given 2 times"),
    (["experiment", "--layers", "1", "--layers", "2", "--dry-run"], "--layers given 2 times"),
    (["splits", "--split-seed", "1", "--split-seed", "2"], "--split-seed given 2 times"),
    (["eval", "net.h5", "--batch-size", "8", "--batch-size", "9"], "--batch-size given 2 times"),
    (["prepare", "folder", "src", "dst", "--size", "8", "--size=9"], "--size given 2 times"),
], ids=["train-seed", "train-max-iter-thrice", "frozen-and-fine-tune", "experiment-per-class", "experiment-layers",
        "splits-split-seed", "eval-batch-size", "prepare-size"])
def test_an_option_given_twice_is_refused_naming_it(tmp_path, monkeypatch, args, named):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    result = CliRunner().invoke(main, [*args, "-o", "out"] if args[0] in ("train", "experiment") else args,
                                prog_name="minitransfer")
    assert result.exit_code == 2, result.output
    assert f"Error: {named}" in result.output and f"Usage: minitransfer {args[0]}" in result.output, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["src"]  # nothing written


def test_options_that_repeat_by_design_and_values_that_look_like_options_are_taken(tmp_path, monkeypatch,
                                                                                    micro_data):
    """--split twice plans both splits; a value spelled like an option (`-o --seed`) is a value."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "--split", "random", "--split", "natural",
                                       "--dry-run", "-o", "--seed", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "natural/baseA" in result.output and "random0/baseA" in result.output, result.output
