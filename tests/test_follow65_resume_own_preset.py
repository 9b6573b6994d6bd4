"""A run of one's own preset resumed in a new shell, which neither ran the script registering that preset nor has
MINITRANSFER_PRESET_SOURCES to find it, was refused as damaged: "the configuration it records ... is damaged:
preset must be one of caffenet, mini, micro, got 'small5'; the run cannot be continued: copy its run folder again,
or train it again" (exit 65), of an intact record. It names the preset as one of one's own, as checkpoint.load
does, and how a new shell knows it."""

import dataclasses
import json

from click.testing import CliRunner

from minitransfer import models
from minitransfer.cli import main


def test_resuming_an_own_preset_s_run_in_a_new_shell_names_the_preset_not_damage(tmp_path, micro_data, monkeypatch):
    monkeypatch.setitem(models.PRESETS, "small5", dataclasses.replace(models.get("micro"), name="small5"))
    out = tmp_path / "baseB.h5"
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "--preset", "small5", "--half", "B",
                                        "--max-iter", "2", "--batch-size", "8", "-o", str(out), "--device", "cpu"])
    assert trained.exit_code == 0, trained.output
    monkeypatch.delitem(models.PRESETS, "small5")  # a new shell: no registering code run, nothing noted
    monkeypatch.delenv(models.PRESET_SOURCES, raising=False)
    resumed = CliRunner().invoke(main, ["train", "--resume", str(out.with_suffix(".run")), "--max-iter", "4",
                                        "--device", "cpu"])
    said = " ".join(resumed.output.split())
    assert resumed.exit_code == 65, resumed.output
    assert "damaged" not in said and "names preset 'small5', not a known network (a preset of your own?" in said, said
    assert f"a new shell knows it with the {models.PRESET_SOURCES}=..." in said, said
    broken = tmp_path / "mynet.py"
    broken.write_text("raise RuntimeError('no GPU here')\n")  # noted, but its code fails in this shell
    monkeypatch.setenv(models.PRESET_SOURCES, json.dumps({"small5": ["__main__", str(broken)]}))
    resumed = CliRunner().invoke(main, ["train", "--resume", str(out.with_suffix(".run")), "--max-iter", "4",
                                        "--device", "cpu"])
    said = " ".join(resumed.output.split())
    assert resumed.exit_code == 65 and "damaged" not in said, said
    assert "names preset 'small5', not known here: preset 'small5' is registered by " in said, said
    assert "mynet.py, which failed here: RuntimeError: no GPU here (docs/presets.md)" in said, said
