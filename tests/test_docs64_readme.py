"""What the README's prose counts is what the code it names does: it said tests/test_science.py trains 24 of
the demo's networks in CI, three random splits' worth, after that test had been cut to two splits (18) and then
to one (12); and the demo's timing lines it quotes are those the demo prints."""

import pathlib
import re

from minitransfer.cli import demo as demo_command
from minitransfer.grid_outcome import GridOutcome

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_readme_counts_the_networks_test_science_trains():
    prose = " ".join((ROOT / "README.md").read_text().split())
    said = re.search(r"`tests/test_science\.py` trains (\d+) of these networks", prose)
    assert said, "the README no longer counts the networks tests/test_science.py trains"
    trained = re.search(r"len\(found\) == len\(runs\) == (\d+)", (ROOT / "tests" / "test_science.py").read_text())
    assert trained, "tests/test_science.py no longer asserts how many networks it trains"
    assert said[1] == trained[1]


def test_the_demos_timing_lines_the_readme_quotes_are_those_it_prints():
    """The README quotes the demo's timing line twice, a whole run's ("88 networks in 215 s", in its output
    block) and a rerun's ("N networks: K trained in S s, M finished before"); no test compared them with what
    the demo prints, which the report-side tests of the block (its findings) leave out."""
    prose = " ".join((ROOT / "README.md").read_text().split())
    whole = re.search(r"``` ((\d+) networks [^`]*?(\d+) s) what these networks show", prose)
    rerun = re.search(r"its timing line then counts only what it trained \(`([^`]+)`\)", prose)
    assert whole and rerun, "the README no longer quotes the demo's timing lines"
    count, seconds = int(whole[2]), int(whole[3])
    names = [f"run{index}" for index in range(count)]
    fresh = GridOutcome(finished=names, skipped=[], failed=[], waited_for=[])
    assert demo_command._trained(fresh, None, seconds + 0.2) == whole[1]
    again = GridOutcome(finished=names[:3], skipped=names[3:], failed=[], waited_for=[])
    quoted = rerun[1]
    for letter, value in (("N", count), ("K", 3), ("S", 7), ("M", count - 3)):
        quoted = re.sub(rf"\b{letter}\b", str(value), quoted)
    assert demo_command._trained(again, None, 7.4) == quoted
