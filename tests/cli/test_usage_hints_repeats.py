"""What to type, added to click's usage errors for the slips a newcomer makes with experiment's repeated options
and with an option of the other command: `experiment --split-seed 0 1` and `--split random natural` said only
"Got unexpected extra argument", `--split random,natural` "is not one of", `--gpus 0 1` (a list joined by commas)
"unexpected extra argument" too; `experiment --n 3` "No such option '--n'", `--half A` "No such option '--half'.
Did you mean '--help'?", and `train --layers 3` nothing of how train copies layers."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


def _error(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return " ".join(result.output.splitlines()[-1].split())


def _experiment(tiny_data, tmp_path, *typed):
    return _error(["experiment", "--data", str(tiny_data), "-o", str(tmp_path / "grid"), *typed, "--dry-run"])


@pytest.mark.parametrize("typed, said", [
    (["--split-seed", "0", "1"], "Got unexpected extra argument (1); repeat the option for each value: "
                                 "--split-seed 0 --split-seed 1"),
    (["--split-seed", "0", "--split-seed", "2", "3"], "Got unexpected extra argument (3); repeat the option for "
                                                      "each value: --split-seed 0 --split-seed 2 --split-seed 3"),
    (["--split", "random", "natural"], "Got unexpected extra argument (natural); repeat the option for each value: "
                                       "--split random --split natural"),
    (["--split", "random,natural"], "Invalid value for '--split': 'random,natural' is not one of 'random', "
                                    "'natural'; repeat the option for each value: --split random --split natural"),
    (["--gpus", "0", "1"], "Got unexpected extra argument (1); give several values as --gpus 0,1"),
], ids=["split-seeds", "split-seeds-after-one", "splits", "splits-joined", "gpus"])
def test_values_given_apart_or_joined_say_how_the_option_takes_them(tiny_data, tmp_path, typed, said):
    assert _experiment(tiny_data, tmp_path, *typed) == f"Error: {said}"
    assert not (tmp_path / "grid").exists()


@pytest.mark.parametrize("typed", [["--split-seed", "0", "grid"], ["--split", "random,both"]],
                         ids=["not-a-seed", "not-a-split"])
def test_a_value_the_option_does_not_take_gets_no_hint_to_repeat_it(tiny_data, tmp_path, typed):
    said = _experiment(tiny_data, tmp_path, *typed)
    assert said.startswith("Error: ") and "repeat the option" not in said, said


@pytest.mark.parametrize("args, said", [
    (["experiment", "-o", "g", "--n", "3"], "No such option '--n'; experiment copies each n of --layers (e.g. "
                                            "--layers 3); train copies one n (--copy-from CKPT --n N)"),
    (["experiment", "-o", "g", "--half", "A"], "No such option '--half'; experiment trains both halves (baseA and "
                                               "baseB, AnB and BnB); train trains one (--half A)"),
    (["experiment", "-o", "g", "--copy-from=baseA.h5"], "No such option '--copy-from'; experiment trains its own "
                                                        "bases (baseA, baseB) and copies from them; to copy from a "
                                                        "network of yours, run train --copy-from CKPT --n N"),
    (["experiment", "-o", "g", "--frozen"], "No such option '--frozen'; experiment plans the frozen transfers and, "
                                            "unless --no-fine-tuned, the fine-tuned ones"),
    (["train", "--layers", "3"], "No such option '--layers'; train copies one n (--copy-from CKPT --n N); "
                                 "experiment runs several (--layers 1,3)"),
    (["experiment", "-o", "g", "--resume", "auto"], "No such option '--resume'; experiment resumes by itself: rerun "
                                                    "the same command (the same -o), its finished runs are skipped "
                                                    "and interrupted ones resumed from their checkpoints"),
    (["train", "--no-fine-tuned"], "No such option '--no-fine-tuned'; train fine-tunes the copied layers unless "
                                   "--frozen; experiment's --no-fine-tuned plans the frozen transfers alone"),
], ids=["n", "half", "copy-from", "frozen", "layers", "resume", "no-fine-tuned"])
def test_an_option_of_the_other_command_says_this_ones_way(args, said):
    assert _error(args) == f"Error: {said}"


def test_a_misspelt_option_keeps_clicks_suggestion():
    assert _error(["train", "--hlaf", "A"]) == "Error: No such option '--hlaf'. (Did you mean one of: '--half', " \
                                               "'--help'?)"


@pytest.mark.parametrize("args, said", [
    (["demo", "my-demo"], "Got unexpected extra argument (my-demo); main demo takes no arguments; to write to "
                          "my-demo, give -o my-demo"),
    (["train", "--frozen", "my base.h5"], "Got unexpected extra argument (my base.h5); main train takes no "
                                          "arguments; to write to my base.h5, give -o 'my base.h5'"),
    (["experiment", "grid", "--layers", "3"], "Missing option '-o' / '--out'. main experiment takes no arguments; "
                                              "to write to grid, give -o grid"),
    (["demo", "--seed", "1", "my-demo"], "Got unexpected extra argument (my-demo); main demo takes no arguments; "
                                         "to write to my-demo, give -o my-demo"),
    (["experiment", "--preset", "micro", "grid"], "Missing option '-o' / '--out'. main experiment takes no "
                                                  "arguments; to write to grid, give -o grid"),
    (["experiment", "--split-seed", "0", "grid"], "Missing option '-o' / '--out'. main experiment takes no "
                                                  "arguments; to write to grid, give -o grid"),
], ids=["demo", "train", "experiment", "demo-after-an-option", "experiment-after-an-option", "after-a-repeated"])
def test_the_output_given_as_an_argument_says_to_give_it_as_o(args, said):
    """`demo my-demo` said "Got unexpected extra argument (my-demo)", and `experiment grid` only that -o was
    missing, as report takes its folder as an argument."""
    assert _error(args) == f"Error: {said}"


@pytest.mark.parametrize("args", [["experiment", "-o", "g", "extra"], ["demo", "a", "b"], ["experiment"],
                                  ["experiment", "--split-seed", "0", "1"]],
                         ids=["o-given", "two", "nothing-given", "a-repeated-options-value"])
def test_an_extra_argument_beside_o_or_two_of_them_get_no_hint_of_o(args):
    assert "give -o" not in _error(args)


def test_a_misspelt_option_and_its_value_get_no_hint_of_o():
    assert _error(["demo", "--sed", "1"]) == "Error: No such option '--sed'. Did you mean '--seed'?"


@pytest.mark.parametrize("typed, said", [
    (["--sbatch-option", "--partition", "gpu"], "Got unexpected extra argument (gpu); give each --sbatch-option its "
                                                "line as one value: --sbatch-option '--partition gpu'"),
    (["--sbatch-option", "--mem=8G", "--sbatch-option", "-A", "lab"], "Got unexpected extra argument (lab); give "
     "each --sbatch-option its line as one value: --sbatch-option --mem=8G --sbatch-option '-A lab'"),
], ids=["partition", "after-one-whole"])
def test_an_sbatch_line_split_at_its_blank_is_told_to_give_it_quoted(tiny_data, tmp_path, typed, said):
    """`--sbatch-option --partition gpu` was told to repeat the option for each value (`--sbatch-option
    --partition --sbatch-option gpu`: the lines "#SBATCH --partition" and "#SBATCH gpu")."""
    assert _experiment(tiny_data, tmp_path, *typed) == f"Error: {said}"


def test_an_sbatch_line_given_whole_then_a_word_gets_no_hint(tiny_data, tmp_path):
    assert _experiment(tiny_data, tmp_path, "--sbatch-option", "--mem=8G", "extra") == \
        "Error: Got unexpected extra argument (extra)"
