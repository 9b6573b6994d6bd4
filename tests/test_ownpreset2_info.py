"""``minitransfer info`` of a checkpoint of a preset of one's own, in a shell that never ran the code
registering it, said "preset 'small5' is not a known network" and no more: it says how to read it."""

import h5py
from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main
from test_checkpoint import _saved

ADVICE = "(a preset of your own? run info through the script that registers it; docs/presets.md)"


def test_info_of_a_checkpoint_of_an_unknown_preset_says_how_to_read_it(tmp_path, monkeypatch):
    monkeypatch.delenv(models.PRESET_SOURCES, raising=False)
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["preset"] = "small5"
    result = CliRunner().invoke(main, ["info", str(path)])
    assert result.exit_code == 65, result.output
    assert f"preset 'small5' is not a known network {ADVICE} (known: " in result.output
    assert "Traceback" not in result.output


def test_a_preset_that_is_no_name_is_not_said_to_be_ones_own(tmp_path):
    path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["preset"] = 5
    result = CliRunner().invoke(main, ["info", str(path)])
    assert "preset 5 is not a known network (known: " in result.output, result.output
