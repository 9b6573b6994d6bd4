"""train --resume given a named pipe says what it is (it said "no such file or run folder", though the path is
there); a checkpoint's preset not known here is said in one function's words (models.unknown_preset) whether the
checkpoint is read (checkpoint.load) or its run resumed (resume_options): the two were copies, and a preset whose
registering code fails here was said by checkpoint.load without naming it as the preset not known."""

import json
import os

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import models, resume_options
from minitransfer.cli import main


def test_resume_given_a_named_pipe_says_it_is_one(tmp_path):
    os.mkfifo(tmp_path / "baseA.h5")
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "baseA.h5"), "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert (f"--resume {tmp_path / 'baseA.h5'} is a named pipe, not a checkpoint file or run folder; give a run "
            f"folder, a checkpoint file or 'auto'") in " ".join(result.output.split()), result.output
    assert "no such file" not in result.output


def test_a_preset_whose_code_fails_here_is_said_alike_by_load_and_by_a_resumption(tmp_path, monkeypatch):
    net = models.mini(5)
    net.initialize(0)
    path = tmp_path / "net.h5"
    checkpoints.save(path, checkpoints.Checkpoint(
        preset="mini", weights=net.weights(), frozen={layer.name: False for layer in net.weight_layers},
        meta={"iteration": 3, "config": {"max_iter": 40}}, mean=None, solver=None))
    with h5py.File(path, "r+") as f:
        f.attrs["preset"] = "own"
    broken = tmp_path / "mynet.py"
    broken.write_text("raise RuntimeError('no GPU here')\n")
    monkeypatch.setenv(models.PRESET_SOURCES, json.dumps({"own": ["__main__", str(broken)]}))
    failed = f"preset 'own' is registered by {broken}, which failed here: RuntimeError: no GPU here (docs/presets.md)"
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(path)
    assert str(refused.value).endswith(f"preset 'own' is not known here: {failed}"), str(refused.value)
    assert resume_options._unknown_preset("own") == f"preset 'own', not known here: {failed}"
    monkeypatch.delenv(models.PRESET_SOURCES)
    unknown = models.unknown_preset("own", "run info through the script that registers it")
    assert unknown.startswith("preset 'own' is not a known network (a preset of your own? run info through the script")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(path)
    assert str(refused.value).endswith(unknown), str(refused.value)
