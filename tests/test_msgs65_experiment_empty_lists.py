"""experiment --per-class "" and --random-frozen "" (a shell variable unset: ``--per-class "$COUNTS"``) planned no
reduced-data and no random-weights control without a word, the rest of the grid as asked: the runs meant were
missing from the plan, and from the report. Given empty, each is now a usage error naming the option; left out,
each still plans none."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("option, said", [
    ("--per-class", "Invalid value for '--per-class': is empty: give the counts (e.g. 10,100,1000), or leave "
                    "--per-class out (an unset shell variable?)"),
    ("--random-frozen", "Invalid value for --random-frozen: is empty: give the n (e.g. 1-7 or 1,3,5), or leave "
                        "--random-frozen out (an unset shell variable?)"),
], ids=["per-class", "random-frozen"])
@pytest.mark.parametrize("given", ["", "  "], ids=["empty", "blank"])
def test_a_list_option_given_empty_is_refused_naming_it(micro_data, tmp_path, option, said, given):
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), option,
                                       given, "--dry-run"], terminal_width=2000)
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.output.split()), result.output
    assert not (tmp_path / "grid").exists()


def test_left_out_they_plan_none_as_before(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--layers",
                                       "1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "random1" not in result.output and "reduced-" not in result.output
