"""Review of 0.8.0's number spellings and draw counts. A whole number typed with an exponent was answered "write"
followed by the digits of its float, not of the number typed: "--max-iter 1e23" said "write 99999999999999991611392"
(float("1e23")), which is not 10**23. findings.md's "(N networks of K split seeds" took the plural from the last
group alone: "3 + 1 split seed", where "1 + 3" read "split seeds"."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.findings_figures import bases_said
from minitransfer.findings_groups import OverBases


@pytest.mark.parametrize("typed, exponent", [("1e23", 23), ("1e30", 30), ("3e22", 22)], ids=["1e23", "1e30", "3e22"])
def test_an_exponent_is_named_by_the_digits_it_means_exactly(typed, exponent):
    meant = int(typed[0]) * 10 ** exponent  # the oracle: integer arithmetic, no float
    result = CliRunner().invoke(main, ["train", "--max-iter", typed, "--device", "bogus"])
    assert result.exit_code == 2, result.output
    assert f"(write {meant})" in " ".join(result.output.split()), result.output


@pytest.mark.parametrize("first, second", [(3, 1), (1, 3), (2, 1)], ids=["3+1", "1+3", "2+1"])
def test_two_groups_of_split_seeds_are_counted_in_the_plural_whichever_comes_last(first, second):
    groups = [OverBases(1.0, float("nan") if draws == 1 else 0.5, 2 * draws, 2 * draws, draws, "random")
              for draws in (first, second)]
    assert f" of {first} + {second} split seeds" in bases_said(*groups)


def test_one_split_seed_alone_is_singular():
    assert bases_said(OverBases(1.0, float("nan"), 2, 2, 1, "random")).startswith(" of 1 split seed")
    assert " of 1 split seeds" not in bases_said(OverBases(1.0, float("nan"), 2, 2, 1, "random"))


@pytest.mark.parametrize("option", ["--weight-decay", "--momentum"])
@pytest.mark.parametrize("typed", ["1e-400", "0.5e-330", "-1e-400"])
def test_a_value_that_underflows_to_zero_is_refused_as_1e_320_is_not_taken_as_0(option, typed):
    result = CliRunner().invoke(main, ["train", option, typed, "--device", "bogus"])
    assert result.exit_code == 2, result.output
    assert "bogus" not in result.output and option in result.output and typed in result.output, result.output


@pytest.mark.parametrize("typed", ["0", "0.0", "-0", "0e-400", ".0e5"])
def test_zero_itself_is_still_taken_for_a_decay(typed):
    result = CliRunner().invoke(main, ["train", "--weight-decay", typed, "--device", "bogus"])
    assert result.exit_code == 2 and "'bogus' is not one of" in result.output, result.output


@pytest.mark.parametrize("typed", ["1e-99999999999999999999999", "1e-400000000000000000000"])
def test_an_exponent_beyond_any_number_is_refused_without_a_traceback(typed):
    result = CliRunner().invoke(main, ["train", "--momentum", typed, "--device", "bogus"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "--momentum" in result.output, result.output
