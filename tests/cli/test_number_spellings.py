"""Numbers as a user types them, one spelling for every numeric option (``cli/_numbers.py``). Integer options
took "1_000" and "５" (Python's int() reads both) where the seeds, --layers and experiment's --per-class refused
them, and called "1e3" or "5.0" "not a valid integer range"; --weight-decay took nan, inf and 1e309 (echoed
"inf"), and --weight-decay, --momentum and --gamma took 1e-320, which float32, where training computes, makes 0;
prepare synthetic --train-per-class 2**63 stopped with NumPy's "Maximum allowed dimension exceeded", naming
no option, and splits --per-class took counts train --per-class refuses.

Each refusal is asked with a later argument that fails on its own (``--device bogus``, a missing OUT): click
reads the options in the order typed, so a number taken by mistake ends in that other error, and nothing runs."""

import math

import click
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.cli._numbers import Real, Whole

LATER = {"train": ["--device", "bogus"], "eval": ["--device", "bogus"], "experiment": ["--device", "bogus"],
         "splits": [], "prepare": []}  # splits, prepare: their PATH or OUT, missing, is read after the option


def _refused(command, option, typed):
    """The output of ``minitransfer COMMAND OPTION TYPED``, refused: exit code 2, no traceback."""
    result = CliRunner().invoke(main, [*command.split(), option, typed, *LATER[command.split()[0]]])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "bogus" not in result.output and "Missing argument" not in result.output, result.output
    return result.output


@pytest.mark.parametrize("command, option", [
    ("train", "--max-iter"), ("train", "--n"), ("train", "--log-every"), ("eval", "--batch-size"),
    ("experiment", "--replicates"), ("splits", "--per-class"), ("prepare synthetic", "--train-per-class")],
    ids=lambda part: part.replace(" ", "-").lstrip("-"))
@pytest.mark.parametrize("typed, meant", [("1_0", 10), ("\uff15", 5), ("1e1", 10), ("5.0", 5), ("0x5", 5)],
                         ids=["underscore", "full-width", "exponent", "point", "hex"])
def test_a_whole_number_not_in_digits_is_refused_with_the_digits_it_means(command, option, typed, meant):
    said = _refused(command, option, typed)
    assert f"Invalid value for '{option}': {typed!r} is not a whole number in digits 0-9 (write {meant})" in said, said
    assert "integer range" not in said


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "1e309", "-1e309"])
@pytest.mark.parametrize("option", ["--base-lr", "--momentum", "--weight-decay", "--gamma"])
def test_a_rate_that_is_no_finite_number_is_refused_as_typed(option, typed):
    said = _refused("train", option, typed)
    assert f"{option} must be a finite number, got {typed!r}" in said, said  # the solver's words, as typed
    if "1e309" in typed:  # and why it is no number
        assert "beyond the largest float (1.798e+308) and reads as" in said, said


@pytest.mark.parametrize("typed", ["1e-320", "1e-40", "-1e-320"])
@pytest.mark.parametrize("option, least", [("--momentum", "0 or >="), ("--weight-decay", "0 or >="),
                                           ("--gamma", ">="), ("--base-lr", ">=")])
def test_a_rate_that_float32_makes_zero_is_refused(option, least, typed):
    said = _refused("train", option, typed)
    assert f"{option} must be {least} 1.175e-38 (float32's smallest normal number" in said, said
    assert f"got {typed!r}" in said, said


def test_a_weight_decay_that_float32_makes_inf_is_refused():
    said = _refused("train", "--weight-decay", "1e39")
    assert "--weight-decay must be at most 3.403e+38 (float32's largest number" in said, said


@pytest.mark.parametrize("typed", ["\uff15", "1_0", "0x5"], ids=["full-width", "underscore", "hex"])
@pytest.mark.parametrize("option", ["--base-lr", "--gamma"])
def test_a_rate_not_in_digits_is_refused(option, typed):
    said = _refused("train", option, typed)
    assert f"Invalid value for '{option}': {typed!r} is not a number written in digits 0-9 (write" in said, said


@pytest.mark.parametrize("typed", ["nan", "1e309"])
def test_a_held_out_fraction_that_is_no_finite_number_is_refused(typed):
    said = _refused("prepare folder", "--val-fraction", typed)
    assert f"--val-fraction must be a finite number, got {typed!r}" in said, said


@pytest.mark.parametrize("command, option", [("prepare synthetic", "--train-per-class"),
                                             ("prepare synthetic", "--val-per-class"), ("splits", "--per-class")])
@pytest.mark.parametrize("count", [2**31, 2**63])
def test_a_count_past_what_a_dataset_indexes_is_refused_naming_the_option(command, option, count):
    result = CliRunner().invoke(main, [*command.split(), option, str(count)])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {count} is not in the range 1<=x<=2147483647" in result.output, \
        result.output


@pytest.mark.parametrize("typed, number", [("5", 5), ("+5", 5), (" 5 ", 5), ("005", 5), ("-0", 0)])
def test_a_whole_number_in_digits_is_taken_signed_or_padded(typed, number):
    assert Whole(0, 10).convert(typed, None, None) == number
    assert Whole().convert(typed, None, None) == number


@pytest.mark.parametrize("typed, number", [("0.01", 0.01), ("1e-2", 0.01), (".01", 0.01), (" +0.01 ", 0.01),
                                           ("1E-2", 0.01), ("1.", 1.0), ("5", 5.0), ("1.2e-38", 1.2e-38)])
def test_a_number_in_digits_is_taken(typed, number):
    assert Real(min=0, float32=True).convert(typed, None, None) == number


def test_minus_zero_is_taken_as_zero():
    zero = Real(0, 1, max_open=True, float32=True).convert("-0", None, None)
    assert zero == 0 and math.copysign(1, zero) == 1  # recorded as 0.0, not -0.0


def _numeric_options(command, path=()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _numeric_options(sub, (*path, name))
        return
    for param in command.params:
        if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
            yield " ".join(path), param


def test_every_numeric_option_reads_numbers_one_way():
    options = list(_numeric_options(main))
    assert len(options) > 30  # the walk found the commands' options
    odd = [f"{path} {param.opts[-1]}" for path, param in options if not isinstance(param.type, (Whole, Real))]
    assert not odd, odd
