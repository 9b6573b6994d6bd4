"""--fc8-outputs' help against the paper, its original code and the library. The paper's text gives its half
networks a "500-way softmax output layer 8" (Section 4.1), and its natural split's halves hold 551 and 449
classes (Section 3); the original code's prototxts give every half network's fc8 `num_output: 1000`, only the
half's labels used. The help once said "the paper's halves had 1000", then nothing of the original code: it
must attribute each width to its source. The default it describes is one output per class trained on
(--split all trains on every class, not a half)."""

import re

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import splits as split_lib

IMAGENET_CLASSES = 1000  # the original code's num_output of fc8 on every half
NATURAL_SPLIT = (551, 449)  # the paper's man-made and natural halves (Section 3; supplement C)


def _help_of_fc8_outputs(command):
    shown = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    return re.search(r"--fc8-outputs INTEGER RANGE (.*?)(?= --[a-z])", shown)[1]


def _sentences(text):
    return [sentence for sentence in re.split(r"(?<=[.)])\s+(?=[A-Z])", text) if sentence]


@pytest.mark.parametrize("command", ["train", "experiment"])
def test_the_help_gives_the_paper_s_widths_of_fc8(command):
    said = _help_of_fc8_outputs(command)
    random_half = len(split_lib.random_halves(IMAGENET_CLASSES, 0)[0])  # the library's random half of ImageNet
    on_the_original_code = [s for s in _sentences(said) if "original code" in s]
    elsewhere = " ".join(s for s in _sentences(said) if "original code" not in s)
    assert "one output per class trained on" in elsewhere, said
    assert f"{random_half} on a random half, the {random_half}-way softmax of the paper's text" in elsewhere, said
    assert f"{NATURAL_SPLIT[0]} and {NATURAL_SPLIT[1]} on its natural split's halves" in elsewhere, said
    assert str(IMAGENET_CLASSES) not in elsewhere, said  # 1000 is never the paper's text's width nor the default
    assert len(on_the_original_code) == 1, said
    assert f"fc8 {IMAGENET_CLASSES} outputs, only the half's labels used" in on_the_original_code[0], said
    assert f"{random_half}-way" not in on_the_original_code[0], said
