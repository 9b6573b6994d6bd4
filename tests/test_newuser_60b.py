"""A new user's frictions, second afternoon: a train/ + val/ tree whose val/ only copies train/ (told to
re-import with --val-fraction, which prepare then refuses beside val/), `prepare folder --help`'s --size
range (1..4096 shown, 12 enforced), bad class folder names refused one rerun at a time, and the wording
of the shared-classes warnings ("1 ... are among"), the chance band ("at most 26.0 points above it": a
threshold, or how far the base is above chance?) and results.md's source base (5 of its dataset's classes)."""

import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import config, grid_caveats, preflight
from minitransfer import report_tables
from minitransfer.cli import main
from minitransfer.cli._prepare_options import _smallest_preset
from minitransfer.data.build import MAX_IMAGE_SIZE
from minitransfer.experiment import Run
from minitransfer.results import Result
from minitransfer.run_facts import judged_against
from test_cross_folder_classes import folder_dataset

FAST = ["--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--preset", "micro",
        "--quiet"]


def _photos(root, classes, seed, val_copies=False):
    """``root``/train/<class>/ (4 PNGs each) and ``root``/val/<class>/, whose files are copies of 2 of
    train/'s where ``val_copies``, else 2 images of their own."""
    rng = np.random.default_rng(seed)
    for number, name in enumerate(classes):
        for subset in ("train", "val"):
            (root / subset / name).mkdir(parents=True)
        for index in range(4):
            pixels = np.clip(rng.normal(50 * number + 30, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / "train" / name / f"{index}.png")
        for index in range(2):
            if val_copies:
                shutil.copy(root / "train" / name / f"{index}.png", root / "val" / name / f"{index}.png")
            else:
                pixels = np.clip(rng.normal(50 * number + 30, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(root / "val" / name / f"v{index}.png")


def test_a_val_folder_of_copies_of_training_images_is_told_to_hold_others_not_to_use_val_fraction(tmp_path):
    """Every val/ file a copy of a training image: all left out, so no validation image. train (and splits)
    advised "re-import with a validation set (prepare folder --val-fraction 0.1 ...)", which prepare refuses
    beside a val/ folder (exit 2); prepare's own note said what to do: images in val/ not in train/."""
    _photos(tmp_path / "photos", ("cafe", "eau", "the"), 0, val_copies=True)
    data = str(tmp_path / "data")
    done = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), data, "--size", "16"])
    assert done.exit_code == 0, done.output
    with pytest.raises(config.DataMismatch) as refused:
        config.resolve(config.TrainConfig(data=data, split="all", preset="micro", device="cpu"))
    said = str(refused.value)
    assert "put images in val/ that decode and are not in train/" in said, said
    assert "--val-fraction" not in said, said
    following = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), data, "--size", "16",
                                          "--val-fraction", "0.1", "--overwrite"])
    assert following.exit_code == 2, following.output  # what the old advice led to
    shown = CliRunner().invoke(main, ["splits", data, "all"])
    assert "not in train/" in shown.output and "--val-fraction" not in shown.output, shown.output


def test_prepare_folder_help_shows_the_size_range_it_enforces():
    """--help showed `[default: 256; 1<=x<=4096]` beside "at least 12", and --size 5 was refused."""
    crop = _smallest_preset().crop
    shown = CliRunner().invoke(main, ["prepare", "folder", "--help"], terminal_width=200).output
    assert f"{crop}<=x<={MAX_IMAGE_SIZE}" in shown, shown
    assert f"1<=x<={MAX_IMAGE_SIZE}" not in shown, shown
    for size, words in (("abc", f"give one in {crop}..{MAX_IMAGE_SIZE}"), (str(crop - 1), f"at least {crop}"),
                        (str(MAX_IMAGE_SIZE + 1), f"{crop}<=x<={MAX_IMAGE_SIZE}")):
        refused = CliRunner().invoke(main, ["prepare", "folder", "src", "out", "--size", size])
        assert refused.exit_code == 2 and words in refused.output, refused.output


@pytest.mark.parametrize("bad", [2, 12], ids=["2-bad", "12-bad"])
def test_every_bad_class_folder_name_is_named_in_one_refusal(tmp_path, bad):
    """Two folders whose names hold a tab: only the first was named; renamed, the rerun named the second."""
    names = ["good_a", "good_b"] + [f"bad\t{index:02d}" for index in range(bad)]
    for name in names:
        (tmp_path / "photos" / name).mkdir(parents=True)
        Image.new("RGB", (16, 16), (len(name) * 9, 40, 90)).save(tmp_path / "photos" / name / "0.png")
    refused = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "out"),
                                        "--size", "16"])
    assert refused.exit_code == 65, refused.output
    named = re.findall(r"bad\\t(\d\d)", refused.output)
    assert named == [f"{index:02d}" for index in range(min(bad, 10))], refused.output
    assert f"{bad} class folders' names" in refused.output, refused.output
    assert ("and 2 more" in refused.output) == (bad == 12), refused.output
    assert "control character" in refused.output and "Traceback" not in refused.output, refused.output


@pytest.fixture(scope="module")
def one_shared(tmp_path_factory):
    """(source, target, base): folder datasets sharing one class ("cat"), a base trained on every source class."""
    root = tmp_path_factory.mktemp("one_shared")
    source = folder_dataset(root / "S", ("cat", "elm", "oak"), 1)
    target = folder_dataset(root / "T", ("bus", "car", "cat"), 2)
    base = str(root / "baseS.h5")
    done = CliRunner().invoke(main, ["train", "--data", source, "--split", "all", "-o", base, *FAST])
    assert done.exit_code == 0, done.output
    return source, target, base


def test_one_shared_class_is_said_in_the_singular(one_shared):
    """"1 of the 3 classes ... are among the 3 that baseS.h5 was trained on"."""
    source, target, base = one_shared
    plan = config.resolve(config.TrainConfig(data=target, copy_from=base, n=1, frozen=True, preset="micro",
                                             device="cpu"))
    [warning] = [w for w in preflight.warnings_for(plan) if "among the" in w]
    assert warning.startswith("1 of the 3 classes this run trains on (by class name: 'cat') is among the 3 that "), \
        warning
    assert "have seen that class" in warning, warning
    grid = grid_caveats.check_source_data(source, target)
    assert grid.startswith(f"1 of the 3 classes of --data {target} is among the 3 of --source-data"), grid
    assert "trained on it, so" in grid, grid


def test_the_chance_band_reads_as_a_threshold_not_as_the_base_above_chance():
    """"chance 9.1%, at most 26.0 points above it on 11 validation images" read as well as how far the base
    is above chance: it is how far above chance an accuracy still counts as chance."""
    said = judged_against(1 / 11, 11)
    assert said == "chance 9.1%, counted as chance up to 26.0 points above it on 11 validation images", said


def test_results_md_says_how_many_classes_the_source_base_trained_on():
    """A source base trained on half A of its dataset (5 of 11 classes) was "the source base (trained and
    scored on the other dataset)", as though on every class of it."""
    results = [Result(Run("baseA", "base", "cross", 0, target="S"), 0.8, 0.8, 0.8, 3, scored_on=(10, 5, 2)),
               Result(Run("baseT", "base", "cross", 0, target="T"), 0.5, 0.5, 0.5, 3, scored_on=(11, 11, 1))]
    said = report_tables.pooled_names(results)
    assert 'baseS, the source base (trained and scored on 5 classes of the other dataset), is "source"' in said, said
