"""`prepare synthetic pp --size 3` exited 0, writing 3x3 images no preset can train on: refused (exit 2),
naming --size and the smallest size that trains, as the presets define it."""

import pytest
from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main


def test_a_size_below_every_presets_crop_is_refused_naming_the_smallest(tmp_path):
    smallest = min(preset.crop for preset in models.PRESETS.values())
    result = CliRunner().invoke(main, ["prepare", "synthetic", str(tmp_path / "pp"), "--size", str(smallest - 1)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "Invalid value for '--size'" in said and f"at least {smallest}" in said, said
    assert not (tmp_path / "pp").exists()


@pytest.mark.usefixtures("built_in_presets")
def test_the_smallest_follows_the_presets(tmp_path):
    models.register(models.Preset("toy", models.micro, crop=8, copyable=2, batch_size=4, max_iter=5, eval_every=5,
                                  checkpoint_every=5, log_every=5, description="a test's"))
    result = CliRunner().invoke(main, ["prepare", "synthetic", str(tmp_path / "pp"), "--size", "7", "--classes", "2",
                                       "--train-per-class", "1", "--val-per-class", "1"])
    assert result.exit_code == 2 and "at least 8 (the crop of toy" in " ".join(result.output.split()), result.output
