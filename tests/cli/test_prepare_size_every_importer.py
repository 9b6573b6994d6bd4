"""`prepare synthetic --size` below every preset's crop was refused, but `prepare folder`, `imagenet`,
`tiny-imagenet`, `cifar10` and `cifar100` wrote such a set (no network trains on it) with exit code 0: each
is refused the same way (exit 2), naming --size and the smallest crop, as the presets define it."""

import re

import pytest
from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main
from minitransfer.data import build

IMPORTERS = ("folder", "imagenet", "tiny-imagenet", "cifar10", "cifar100", "synthetic")
BUILT_IN = ("caffenet", "mini", "micro")


def _prepare(command, size, tmp_path):
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    sources = [] if command == "synthetic" else [str(source)]
    return CliRunner().invoke(main, ["prepare", command, "--size", str(size), *sources, str(tmp_path / "out")])


@pytest.mark.parametrize("command", IMPORTERS)
def test_a_size_below_every_presets_crop_is_refused(command, tmp_path):
    smallest = min(models.PRESETS.values(), key=lambda preset: preset.crop)
    result = _prepare(command, smallest.crop - 1, tmp_path)
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert "Invalid value for '--size'" in said and f"at least {smallest.crop} (the crop of {smallest.name}" in said
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", IMPORTERS)
def test_the_smallest_crop_itself_is_not_refused_for_its_size(command, tmp_path):
    smallest = min(preset.crop for preset in models.PRESETS.values())
    said = " ".join(_prepare(command, smallest, tmp_path).output.split())  # the empty source may be refused
    assert "'--size'" not in said, said


@pytest.mark.usefixtures("built_in_presets")
@pytest.mark.parametrize("command", IMPORTERS)
def test_the_smallest_follows_the_presets(command, tmp_path):
    models.register(models.Preset("toy", models.micro, crop=8, copyable=2, batch_size=4, max_iter=5, eval_every=5,
                                  checkpoint_every=5, log_every=5, description="a test's"))
    result = _prepare(command, 7, tmp_path)
    assert result.exit_code == 2 and "at least 8 (the crop of toy" in " ".join(result.output.split()), result.output


@pytest.mark.parametrize("command", IMPORTERS)
def test_the_help_states_the_smallest_size_the_refusal_takes(command):
    """--size's help said only "at most 4096", its range shown as 1<=x: the minimum was told only by the
    refusal. The help names it from the presets registered when the command line was imported (a test
    may register a smaller one before or after that): a registered preset's crop, none of the package's
    presets smaller."""
    shown = " ".join(CliRunner().invoke(main, ["prepare", command, "--help"], terminal_width=80).output.split())
    said = re.search(r"Warp images to SIZE x SIZE, at most (?P<most>\d+) and at least (?P<least>\d+) "
                     r"\((?P<preset>\w+)'s crop, the smallest preset's\)\.", shown)
    assert said, shown
    assert models.get(said["preset"]).crop == int(said["least"]) <= min(models.get(name).crop for name in BUILT_IN)
    assert int(said["most"]) == build.MAX_IMAGE_SIZE


@pytest.mark.usefixtures("built_in_presets")
@pytest.mark.parametrize("command", IMPORTERS)
def test_the_help_follows_a_preset_registered_after_the_import(command, tmp_path):
    """The help was filled in when the command line was imported: a preset registered later (a test's toy,
    crop 8) made the refusal say "at least 8" while the help still said 12. Help and refusal now agree."""
    models.register(models.Preset("toy", models.micro, crop=8, copyable=2, batch_size=4, max_iter=5, eval_every=5,
                                  checkpoint_every=5, log_every=5, description="a test's"))
    smallest = min(models.PRESETS.values(), key=lambda preset: preset.crop)
    shown = " ".join(CliRunner().invoke(main, ["prepare", command, "--help"], terminal_width=80).output.split())
    refused = " ".join(_prepare(command, smallest.crop - 1, tmp_path).output.split())
    assert f"at least {smallest.crop} ({smallest.name}'s crop, the smallest preset's)" in shown, shown
    assert f"at least {smallest.crop} (the crop of {smallest.name}" in refused, refused
