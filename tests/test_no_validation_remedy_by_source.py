"""A dataset without any validation image is told to be prepared again with the option of the prepare command that
made it, as its meta.json's source records it (:func:`minitransfer.validation_advice.with_validation`): train's and
splits' refusal (:func:`minitransfer.data.splits.without_validation_remedy`) and eval's
(:func:`minitransfer.eval_data.nothing_to_score`) each said "prepare folder --val-fraction 0.1, or prepare imagenet
--devkit DIR" whatever made it: a synthetic set, generated with 0 per class, was told options prepare synthetic does
not have. The oracle is each prepare command's --help."""

import re

import pytest
from click.testing import CliRunner

from minitransfer import eval_data
from minitransfer.cli import main
from minitransfer.data import splits, synthetic
from minitransfer.data.dataset import open_dataset
from minitransfer.data.held_out import HELD_OUT

OPTION = re.compile(r"(--[a-z][a-z-]+)")
# meta.json's source as each prepare command records it, for a dataset with no validation image (paths made up)
SOURCES = {"folder held out 0": {"kind": "folder", "path": "/p", "layout": HELD_OUT, "val_fraction": 0},
           "synthetic": {"kind": "synthetic", "classes": 4, "train_per_class": 2, "val_per_class": 0},
           "cifar10": {"kind": "cifar10", "path": "/c.tar.gz"}, "cifar100": {"kind": "cifar100", "path": "/c"}}


class _Imported:
    """A dataset's face as the remedy reads it: meta.json's source, no validation image."""
    subsets = ("train", "val")
    path = "/data"

    def __init__(self, source):
        self.meta = {"source": source, "skipped": []}

    def num_images(self, subset):
        return 0


def _options(command):
    said = CliRunner().invoke(main, ["prepare", command, "--help"])
    assert said.exit_code == 0, said.output
    return set(OPTION.findall(said.output))


def _advised(text):
    """(the prepare commands ``text`` names, the options it names)."""
    return set(re.findall(r"prepare ([a-z][a-z0-9-]+)", text)), set(OPTION.findall(text))


@pytest.mark.parametrize("made", sorted(SOURCES))
def test_train_and_eval_name_the_command_that_made_the_dataset(made):
    source = SOURCES[made]
    for text in (splits.without_validation_remedy(_Imported(source), half=None),
                 eval_data.nothing_to_score("net.h5", _Imported(source), "val", task=None)):
        commands, options = _advised(text)
        assert commands == {source["kind"]}, text  # not prepare folder's, nor prepare imagenet's
        assert options <= _options(source["kind"]) | {"--subset"}, (text, options - _options(source["kind"]))
    if made == "synthetic":
        assert "--val-per-class" in text, text


def test_a_synthetic_set_generated_without_validation_images_is_told_val_per_class(tmp_path):
    data = tmp_path / "data"
    synthetic.build_synthetic(data, classes=4, train_per_class=2, val_per_class=0, size=14, seed=1)
    shown = CliRunner().invoke(main, ["splits", str(data), "random"])
    assert shown.exit_code == 0 and "holds no validation images" in shown.stderr, shown.output
    said = eval_data.nothing_to_score("net.h5", open_dataset(data), "val", task=None)
    for text in (shown.stderr, said):
        commands, options = _advised(text)
        assert commands == {"synthetic"} and "--val-per-class" in options, text
        assert options <= _options("synthetic") | {"--subset"}, text


def test_a_source_not_known_keeps_the_general_advice():
    assert splits.without_validation_remedy(_Imported(None), half=None) == splits.REIMPORT_WITH_VALIDATION
    assert eval_data.nothing_to_score("net.h5", _Imported({"kind": "folder"}), "val", task=None).endswith(
        splits.REIMPORT_WITH_VALIDATION)
