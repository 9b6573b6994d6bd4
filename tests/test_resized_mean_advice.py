"""The warning of a transfer whose base was trained on images of another size (its mean image resized to this run's)
advised which size to prepare the target at only where the base's crops spanned at least CROP_SHARE of its images:
from a 14 px base (micro's 12 px crops: 86%) onto 20 px images it said "prepare Y at 14 px", from a 16 px base (75%)
nothing. It now says so for every size, with the command that prepares Y at the base's size, which this test runs."""

import json
import pathlib
import shlex

import pytest
from click.testing import CliRunner

from minitransfer import config, models, preflight
from minitransfer.cli import main

TARGET, CLASSES = 20, ["--classes", "4", "--train-per-class", "6", "--val-per-class", "2"]


def _prepared(folder, size):
    done = CliRunner().invoke(main, ["prepare", "synthetic", str(folder), *CLASSES, "--size", str(size)])
    assert done.exit_code == 0, done.output
    return str(folder)


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """{size: a micro base trained 2 iterations on a synthetic set of that size}, and the 20 px target."""
    root = tmp_path_factory.mktemp("resized-mean")
    trained = {}
    for size in (14, 16):
        trained[size] = str(root / f"base{size}.h5")
        done = CliRunner().invoke(main, ["train", "--data", _prepared(root / f"data{size}", size), "-o",
                                         trained[size], "--split", "all", "--preset", "micro", "--max-iter", "2",
                                         "--device", "cpu", "--quiet"])
        assert done.exit_code == 0, done.output
    return trained, _prepared(root / "target", TARGET)


def _warnings(target, base):
    """The warnings of a frozen micro transfer of ``base``'s first layer onto ``target``."""
    return preflight.warnings_for(config.resolve(config.TrainConfig(
        data=target, copy_from=base, n=1, frozen=True, split="all", preset="micro", device="cpu", max_iter=1)))


def _mean_warning(target, base):
    [mean] = [warning for warning in _warnings(target, base) if warning.startswith("the mean image of")]
    return mean


@pytest.mark.parametrize("size", [14, 16])
def test_every_base_size_names_its_size_and_a_command_that_prepares_the_target_at_it(bases, size):
    trained, target = bases
    crop = models.PRESETS["micro"].crop
    assert (crop / size >= models.CROP_SHARE) == (size == 14)  # one base whose crops span enough of it, one not
    mean = _mean_warning(target, trained[size])
    assert f"; prepare {target} at {size} px (prepare's --size) to give them images of the size they were " \
           f"trained on: `" in mean, mean
    command = shlex.split(mean.rsplit(": `", 1)[1].rstrip("`"))
    assert command[:3] == ["minitransfer", "prepare", "synthetic"], command
    out = pathlib.Path(command[3])
    assert out == pathlib.Path(f"{target}-{size}px"), command  # beside the target: the images runs trained on stay
    done = CliRunner().invoke(main, command[1:])
    assert done.exit_code == 0, done.output
    made, original = (json.loads((folder / "meta.json").read_text()) for folder in (out, pathlib.Path(target)))
    assert made["image_size"] == [size, size] and made["classes"] == original["classes"], made["image_size"]


def test_the_crop_warning_names_the_base_size_too_where_the_two_warnings_name_two_sizes(bases):
    """A 16 px base onto 20 px images: the crop warning advised 14 px (the paper's proportion) while the mean image's
    warning advised 16 px (the base's): the crop warning names the base's size as the other way out."""
    trained, target = bases
    [crop] = [warning for warning in _warnings(target, trained[16]) if "crops of the" in warning]
    assert f"prepare {target} at 14 px (prepare's --size)" in crop, crop  # 12 / (227 / 256) = 13.5
    assert crop.endswith("; or at 16 px, the size of the images the copied layers were trained on, as the mean "
                         "image's warning says"), crop
    assert "prepare " + target + " at 16 px" in _mean_warning(target, trained[16])
    [crop14] = [warning for warning in _warnings(target, trained[14]) if "crops of the" in warning]
    assert "; or at" not in crop14, crop14  # a 14 px base: the size named already is its own
