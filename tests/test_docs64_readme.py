"""What the README's prose counts is what the code it names does: it said tests/test_science.py trains 24 of
the demo's networks in CI, three random splits' worth, after that test had been cut to two splits (18) and then
to one (12)."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_readme_counts_the_networks_test_science_trains():
    prose = " ".join((ROOT / "README.md").read_text().split())
    said = re.search(r"`tests/test_science\.py` trains (\d+) of these networks", prose)
    assert said, "the README no longer counts the networks tests/test_science.py trains"
    trained = re.search(r"len\(found\) == len\(runs\) == (\d+)", (ROOT / "tests" / "test_science.py").read_text())
    assert trained, "tests/test_science.py no longer asserts how many networks it trains"
    assert said[1] == trained[1]
