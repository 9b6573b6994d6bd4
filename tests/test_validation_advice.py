"""The advice to score on more validation images named `prepare folder --val-fraction` for every dataset: for a
synthetic set (whose option is --val-per-class), a folder with a val/ beside train/ (where --val-fraction is
refused) and an imported CIFAR or ImageNet, whose validation set is their download's. It names the option of the
prepare command that made the dataset, as its meta.json records it, checked here against that command's --help."""

import re

import pytest
from click.testing import CliRunner

from minitransfer import run_caveats
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.data.dataset import open_dataset
from minitransfer.experiment import Run
from minitransfer.results import Result
from minitransfer.validation_advice import UNKNOWN_WAY, more_validation, way

# meta.json's source as each prepare command records it (the keys the importers write; paths made up)
SOURCES = {"folder held out": {"kind": "folder", "path": "/p", "layout": "held-out validation", "val_fraction": None},
           "folder train/val": {"kind": "folder", "path": "/p", "layout": "train/ and val/", "val_fraction": None},
           "synthetic": {"kind": "synthetic", "classes": 4, "train_per_class": 3, "val_per_class": 2},
           "cifar10": {"kind": "cifar10", "path": "/c.tar.gz"}, "cifar100": {"kind": "cifar100", "path": "/c"},
           "imagenet": {"kind": "imagenet", "path": "/i", "devkit": {"path": "/d"}},
           "tiny-imagenet": {"kind": "tiny-imagenet", "path": "/t.zip"}}


def _options(command):
    """The options `minitransfer prepare COMMAND --help` lists: the oracle of what the advice may name."""
    said = CliRunner().invoke(main, ["prepare", command, "--help"])
    assert said.exit_code == 0, said.output
    return set(re.findall(r"(--[a-z][a-z-]+)", said.output))


@pytest.mark.parametrize("made", sorted(SOURCES))
def test_the_advice_names_only_options_of_the_command_that_made_the_dataset(made):
    source = SOURCES[made]
    advice = way(source)
    command = re.match(r"prepare (\S+)", advice).group(1)
    assert command == source["kind"], advice  # the command that made it, not prepare folder's
    named = set(re.findall(r"(--[a-z][a-z-]+)", advice))
    assert named <= _options(command), (advice, named - _options(command))
    if made == "folder train/val":  # prepare folder refuses --val-fraction beside a val/ folder
        assert "--val-fraction" not in advice and "SOURCE/val/" in advice, advice
    if made in ("folder held out", "synthetic"):
        assert named, advice  # the option that gives more: --val-fraction, --val-per-class
    if made == "synthetic":
        assert advice == "prepare synthetic --val-per-class", advice


def test_a_source_not_known_is_advised_neutrally():
    for source in (None, {}, {"kind": "something-new"}, "not a mapping"):
        assert way(source) == UNKNOWN_WAY
    assert "--" not in UNKNOWN_WAY  # no option of one command named for another's dataset


@pytest.fixture(scope="module")
def few_val(tmp_path_factory):
    """2 classes of 2 validation images: a base scored on 4 of them cannot be told from chance."""
    path = tmp_path_factory.mktemp("data") / "synthetic-2-val2"
    synthetic.build_synthetic(path, classes=2, train_per_class=1, val_per_class=2, size=14, seed=1)
    return open_dataset(str(path))


def _base(dataset, accuracy, kind="base", path=None):
    return Result(Run(f"all0/{kind}", kind, "all", 0, per_class=3 if kind == "reduced" else None), accuracy, accuracy,
                  accuracy, 20, dataset=str(dataset.path) if path is None else path, fingerprint=dataset.fingerprint,
                  scored_on=(4, 2))


def test_the_runs_to_read_with_care_advise_a_synthetic_set_by_its_own_option(few_val):
    """A base at chance on a synthetic set of 4 validation images was told "prepare folder --val-fraction"."""
    [caveat] = run_caveats.at_chance([_base(few_val, 0.5)])
    assert caveat.endswith("are not judged: score on more validation images (prepare synthetic --val-per-class)"), \
        caveat
    [caveat] = run_caveats.reduced_at_chance([_base(few_val, 0.5, "reduced")])
    assert caveat.endswith("may be chance: score on more validation images (prepare synthetic --val-per-class)"), \
        caveat
    assert more_validation([_base(few_val, 0.5, path="/nowhere")]) == \
        f"score on more validation images ({UNKNOWN_WAY})"  # its dataset cannot be read: neutral
