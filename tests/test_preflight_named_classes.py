"""train's warning of a transfer across datasets whose target holds classes its base was trained on said how many
("2 of the 8 classes this run trains on (by class name) are among the 12 that ...") but not which, where
experiment's names them; and it did not point to ``prepare overlap``, which finds the same photos under other class
names. Two tiny folder datasets (Pillow), a base trained on one, a transfer onto the other."""

import shlex
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config, preflight
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from tests.test_cross_folder_classes import FAST, folder_dataset

SOURCE_CLASSES = ("ash", "cat", "Dog", "elm", "oak")
TARGET_CLASSES = ("Ash", "bus", "Cat", "dog", "elm", "oak")  # 5 of 6 among the source's, case aside


@pytest.fixture(scope="module")
def transfer(tmp_path_factory):
    """(source folder, target folder, base weights): the base trained on every class of the source."""
    root = tmp_path_factory.mktemp("named")
    source, target = folder_dataset(root / "S", SOURCE_CLASSES, 1), folder_dataset(root / "T", TARGET_CLASSES, 2)
    base = str(root / "baseS.h5")
    done = CliRunner().invoke(main, ["train", "--data", source, "--split", "all", "-o", base, *FAST, "--quiet"])
    assert done.exit_code == 0, done.output
    return source, target, base


def _shared_warning(target, base):
    plan = config.resolve(config.TrainConfig(data=target, copy_from=base, n=1, frozen=True, preset="micro",
                                             device="cpu"))
    assert plan.cross_dataset
    [warning] = [w for w in preflight.warnings_for(plan) if "have seen those classes" in w]
    return warning


def _expected_names(target, source):
    """The target's classes (in its table's order) whose name, case ignored, a class of the source has."""
    theirs = {entry["name"].lower() for entry in datasets.open_dataset(source).classes}
    return [entry["name"] for entry in datasets.open_dataset(target).classes if entry["name"].lower() in theirs]


def test_the_shared_classes_are_named_a_few_then_how_many_more(transfer):
    source, target, base = transfer
    names = _expected_names(target, source)
    assert len(names) == 5
    warning = _shared_warning(target, base)
    assert warning.startswith(f"5 of the 6 classes this run trains on (by class name: "
                              f"{', '.join(map(repr, names[:3]))} and 2 more) are among the 5 that {base} was "
                              f"trained on ("), warning


def test_it_points_to_prepare_overlap_with_both_folders_a_command_that_runs(transfer):
    source, target, base = transfer
    warning = _shared_warning(target, base)
    assert "`minitransfer prepare overlap " in warning, warning
    command = shlex.split(warning.split("`minitransfer ")[1].split("`")[0])
    assert command[:2] == ["prepare", "overlap"] and command[2] == target, command
    assert datasets.open_dataset(command[3]).fingerprint == datasets.open_dataset(source).fingerprint, command
    said = CliRunner().invoke(main, command)
    assert said.exit_code == 0, said.output
    assert "5 of the 6 classes of" in said.output, said.output


def test_no_command_where_the_bases_dataset_folder_is_gone(transfer, tmp_path):
    """The base records the folder it was trained on; moved away, prepare overlap could not read it."""
    source, target, base = transfer
    moved = tmp_path / "moved"
    shutil.move(source, moved)
    try:
        warning = _shared_warning(target, base)
    finally:
        shutil.move(moved, source)
    assert "prepare overlap" not in warning, warning
    assert "(by class name: " in warning, warning
