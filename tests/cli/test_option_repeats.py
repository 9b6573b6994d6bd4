"""An option given twice: click takes the last value without a word (`train --seed 1 --seed 2` trained
seed 2, `experiment --per-class 10 --per-class 100` planned only 100, `--frozen --fine-tune` trained
fine-tuned). A warning names what was given and what is taken, before any work; options that repeat
by design are passed over."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("args, warning", [
    (["train", "--seed", "1", "--seed=2", "--data", "nowhere"], "--seed 1, --seed 2 given: the last, --seed 2"),
    (["train", "--copy-from", "base.h5", "--n", "2", "--frozen", "--fine-tune"],
     "--frozen, --fine-tune given: the last, --fine-tune"),
    (["experiment", "--max-iter", "1", "--max-iter", "2", "--max-iter", "3", "--data", "nowhere", "--dry-run"],
     "--max-iter 1, --max-iter 2, --max-iter 3 given: the last, --max-iter 3"),
    (["eval", "net.h5", "--batch-size", "8", "--batch-size", "9"], "--batch-size 8, --batch-size 9 given: the last, "
                                                                  "--batch-size 9"),
    (["prepare", "folder", "src", "dst", "--size", "12", "--size=13"],
     "--size 12, --size 13 given: the last, --size 13"),
], ids=["train-seed", "frozen-and-fine-tune", "experiment-max-iter-thrice", "eval-batch-size", "prepare-size"])
def test_an_option_given_twice_is_warned_of_naming_what_is_taken(tmp_path, monkeypatch, args, warning):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    result = CliRunner().invoke(main, args)
    assert result.output.startswith(f"warning: {warning}, is taken\n"), result.output
    assert "Traceback" not in result.output


def test_the_last_value_given_is_the_one_used(micro_data):
    """`splits --split-seed 1 --split-seed 2` lists seed 2's halves, as `--split-seed 2` alone does."""
    twice = CliRunner().invoke(main, ["splits", micro_data, "random", "--split-seed", "1", "--split-seed", "2"])
    once = CliRunner().invoke(main, ["splits", micro_data, "random", "--split-seed", "2"])
    first = CliRunner().invoke(main, ["splits", micro_data, "random", "--split-seed", "1"])
    assert twice.exit_code == once.exit_code == 0, twice.output
    assert first.stdout != once.stdout  # else the test could not tell which value was used
    assert twice.stdout == once.stdout and twice.stderr.startswith("warning: --split-seed 1, --split-seed 2 given")


def test_options_that_repeat_by_design_and_values_that_look_like_options_are_not_warned_of(tmp_path, monkeypatch,
                                                                                          micro_data):
    """--split twice plans both splits; a value spelled like an option is not taken for the option repeated: `-o
    --seed` (the folder left out, click giving -o the next option) is refused naming ./--seed, and with ./--seed
    given the grid plans without a warning."""
    monkeypatch.chdir(tmp_path)
    arguments = ["experiment", "--data", micro_data, "--split", "random", "--split", "natural", "--dry-run"]
    refused = CliRunner().invoke(main, [*arguments, "-o", "--seed", "--seed", "3"])
    assert refused.exit_code == 2 and "a folder named so: ./--seed" in refused.output, refused.output
    assert "warning: --" not in refused.output, refused.output
    result = CliRunner().invoke(main, [*arguments, "-o", "./--seed", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "natural/baseA" in result.output and "random0/baseA" in result.output, result.output
    assert "warning: --" not in result.output, result.output
