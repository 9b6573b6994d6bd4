"""A preset registered with a crop or a number of copyable layers its network does not have trained
anyway, then failed with a traceback where it mattered: a transfer at an n beyond the layers there are
("ValueError: net ...: can copy 0..4 layers"), or the first batch of crops its network does not take
("input must be (N, 3, 12, 12)"). Building it now says which of its fields is wrong, exit 2."""

import dataclasses

import pytest
from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main


@pytest.fixture
def misdeclared(monkeypatch):
    micro = models.get("micro")  # 3x12x12 input, 8 weight layers: copyable 7
    monkeypatch.setitem(models.PRESETS, "deeper", dataclasses.replace(micro, name="deeper", copyable=9))
    monkeypatch.setitem(models.PRESETS, "cropped", dataclasses.replace(micro, name="cropped", crop=10))


@pytest.mark.usefixtures("misdeclared")
@pytest.mark.parametrize("preset, said", [
    ("deeper", "preset 'deeper' (minitransfer.models.micro) says copyable=9, but its network has 8 weight layers "
               "(conv1, conv2, conv3, conv4, conv5, fc6, fc7, fc8): copyable=7, every one but the classifier"),
    ("cropped", "preset 'cropped' (minitransfer.models.micro) says crop=10, but its network takes 3x12x12 input")])
def test_a_preset_that_misdescribes_its_network_is_refused_before_training(micro_data, tmp_path, preset, said):
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "--preset", preset, "--out",
                                     str(tmp_path / "net.h5"), "--max-iter", "2", "--eval-every", "2", "--device",
                                     "cpu", "--quiet"])
    assert done.exit_code == 2 and "Traceback" not in done.output, done.output
    assert said in " ".join(done.output.split()) and "register it with what its network is" in done.output
    assert not (tmp_path / "net.h5").exists()


def test_the_packages_presets_say_what_their_networks_are():
    for name in ("mini", "micro"):  # (caffenet's 61 M parameters: its layers and crop are those these two copy)
        assert models.get(name).check(models.get(name).build(4)).weight_layer_names[-1] == "fc8"
