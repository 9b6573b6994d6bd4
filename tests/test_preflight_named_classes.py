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
from test_cross_folder_classes import FAST, folder_dataset

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


def test_no_command_where_the_bases_dataset_folder_was_prepared_again(transfer, tmp_path):
    """The folder holds another dataset now: prepare overlap would compare the target with images the base never saw."""
    source, target, _ = transfer
    photos, copy, base = source.replace("prepared", "photos"), str(tmp_path / "copy"), str(tmp_path / "base.h5")
    shutil.copytree(source, copy)
    done = CliRunner().invoke(main, ["train", "--data", copy, "--split", "all", "-o", base, *FAST, "--quiet"])
    assert done.exit_code == 0, done.output
    again = CliRunner().invoke(main, ["prepare", "folder", photos, copy, "--size", "15", "--overwrite"])
    assert again.exit_code == 0, again.output
    warning = _shared_warning(target, base)
    assert f"trained on ({copy} as it was before it was prepared again)" in warning, warning
    assert "prepare overlap" not in warning and "(by class name: " in warning, warning


# A transfer from a base trained on images of another size: the mean image resized was all it said, where the copied
# layers see crops spanning another share of each image; and the crop warning advised the paper's proportion (14 px
# for micro's 12 px crops) where the base's 15 px images, which its crops fit, are what the layers learned on.
CROP = 12  # micro's


@pytest.fixture(scope="module")
def sized(transfer, tmp_path_factory):
    """{size: prepared folder}: the source's photos at 15 and 16 px, the target's at 32; {size: base} on those."""
    source, target, _ = transfer
    root, found, bases = tmp_path_factory.mktemp("sized"), {}, {}
    for size, photos in ((15, source), (16, source), (32, target)):
        found[size] = str(root / f"prepared{size}")
        done = CliRunner().invoke(main, ["prepare", "folder", photos.replace("prepared", "photos"), found[size],
                                         "--size", str(size)])
        assert done.exit_code == 0, done.output
    for size in (15, 16):
        bases[size] = str(root / f"base{size}.h5")
        done = CliRunner().invoke(main, ["train", "--data", found[size], "--split", "all", "-o", bases[size], *FAST,
                                         "--quiet"])
        assert done.exit_code == 0, done.output
    return found, bases


def _size_warnings(data, base):
    found = preflight.warnings_for(config.resolve(config.TrainConfig(data=data, copy_from=base, n=1, frozen=True,
                                                                     preset="micro", device="cpu")))
    [mean] = [w for w in found if w.startswith("the mean image of")]
    [crop] = [w for w in found if "crops of the" in w and w.startswith("preset ")]
    return mean, crop


def test_a_base_of_another_size_its_crops_fit_says_their_share_and_to_prepare_at_its_size(sized):
    found, bases = sized
    mean, crop = _size_warnings(found[32], bases[15])
    assert mean == (f"the mean image of {bases[15]} is 15x15; it is resized to the 32x32 images of {found[32]}, whose "
                    f"12x12 crops span {CROP / 32:.0%} of a side where those of the 15x15 images the copied layers "
                    f"were trained on spanned {CROP / 15:.0%}; prepare {found[32]} at 15 px (prepare's --size) to give "
                    f"them images of the size they were trained on: {_prepare_at(found[32], 15)}"), mean
    assert CROP / 15 >= 0.8 and round(CROP / (227 / 256)) == 14  # the base's size fits; the paper's proportion: 14
    assert crop.endswith(f"; prepare {found[32]} at 15 px (prepare's --size), the size of the images the copied "
                         f"layers were trained on"), crop


def _prepare_at(folder, size):
    """The command the mean's warning names: the folder's importer and SOURCE, into a folder beside it."""
    return (f"`minitransfer prepare folder {datasets.open_dataset(folder).meta['source']['path']} {folder}-{size}px "
            f"--size {size}` (with the other options that prepared {folder})")


def test_a_base_of_a_size_its_crops_do_not_fit_names_its_size_in_both_warnings(sized):
    """16 px: micro's 12 px crops span 75% of it, which the crop warning says is too little: the paper's 14 px,
    or the base's 16 px as the mean's warning says, which names the command (it named no size before:
    test_resized_mean_advice.py)."""
    found, bases = sized
    mean, crop = _size_warnings(found[32], bases[16])
    assert mean.endswith(f"where those of the 16x16 images the copied layers were trained on spanned "
                         f"{CROP / 16:.0%}; prepare {found[32]} at 16 px (prepare's --size) to give them images of "
                         f"the size they were trained on: {_prepare_at(found[32], 16)}"), mean
    assert crop.endswith(f"prepare {found[32]} at 14 px (prepare's --size) to keep the paper's proportion; or at "
                         f"16 px, the size of the images the copied layers were trained on, as the mean image's "
                         f"warning says"), crop
