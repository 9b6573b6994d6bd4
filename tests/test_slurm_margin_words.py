"""What README's SLURM section and ``experiment --time``'s help say of the SIGTERM before the time limit
(a fifth of the limit, at most N minutes; a limit under N minutes refused) is what
:func:`minitransfer.slurm_time.signal_margin` and :func:`~minitransfer.slurm_time.parse_time_limit` do."""

import pathlib
import re

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.slurm_time import parse_time_limit, signal_margin

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
FRACTIONS = {"a half": 2, "a third": 3, "a quarter": 4, "a fifth": 5, "a tenth": 10}


def said_rule(text):
    """(divisor, most seconds, fewest seconds) of the margin rule as ``text`` words it."""
    text = " ".join(text.split())
    fraction, most = re.search(r"SIGTERM (?:comes |a )?(\w+ \w+) of the (?:time )?limit before it, at most (\d+) "
                               r"minutes", text).groups()
    fewest = re.search(r"limit under (\d+) minutes is refused", text).group(1)
    return FRACTIONS[fraction], int(most) * 60, int(fewest) * 60


def help_text():
    done = CliRunner().invoke(main, ["experiment", "--help"], terminal_width=1000)
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize("where", ["readme", "help"])
def test_the_margin_rule_said_is_the_one_applied(where):
    text = README.read_text() if where == "readme" else help_text()
    divisor, most, fewest = said_rule(text.replace("a `--time`\nunder", "a limit under").replace(
        "a `--time` under", "a limit under"))
    for limit in ("5", "6", "7", "24", "25", "26", "30:00", "2-00:00:00", "4:59:59"):
        assert signal_margin(limit) == min(most, parse_time_limit(limit) // divisor), limit
    for limit in (f"{fewest // 60 - 1}", f"{fewest // 60 - 1}:59"):
        with pytest.raises(ValueError):
            parse_time_limit(limit)
    assert parse_time_limit(f"{fewest // 60}") == fewest


def test_the_readmes_example_margin_is_the_one_applied():
    limit, seconds = re.search(r"\(`--time (\S+)`: (\d+) s before it\)", README.read_text()).groups()
    assert signal_margin(limit) == int(seconds)
