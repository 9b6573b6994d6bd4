"""--fc8-outputs' help against the paper and the library: its help said "the paper's halves had 1000",
where the paper's half networks end in a "500-way softmax output layer 8" (Section 4.1) and its natural
split's halves hold 551 and 449 classes (Section 3); the default it describes is one output per class trained
on (--split all trains on every class, not a half)."""

import re

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import splits as split_lib

IMAGENET_CLASSES = 1000
NATURAL_SPLIT = (551, 449)  # the paper's man-made and natural halves (Section 3; supplement C)


def _help_of_fc8_outputs(command):
    shown = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    return re.search(r"--fc8-outputs INTEGER RANGE (.*?)(?= --[a-z])", shown)[1]


@pytest.mark.parametrize("command", ["train", "experiment"])
def test_the_help_gives_the_paper_s_widths_of_fc8(command):
    said = _help_of_fc8_outputs(command)
    random_half = len(split_lib.random_halves(IMAGENET_CLASSES, 0)[0])  # the library's random half of ImageNet
    assert f"{random_half}-way softmax on a random half" in said, said
    assert f"{NATURAL_SPLIT[0]} and {NATURAL_SPLIT[1]} on its natural split's halves" in said, said
    assert str(IMAGENET_CLASSES) not in said and "one output per class trained on" in said, said
