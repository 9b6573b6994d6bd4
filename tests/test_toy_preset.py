"""A preset is the single definition of an architecture: a toy network registered in
tests/toy_preset.py (and nowhere else) trains, transfers, runs as a grid and is reported, with its
own range of n, crop and schedule defaults."""

import json

import pytest
import toy_preset
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer import models, report
from minitransfer import train as training
from minitransfer.cli import main


def test_train_and_transfer_use_the_toy_presets_defaults(synthetic_8, tmp_path):
    base = training.train(config.TrainConfig(data=synthetic_8, preset="toy", out=str(tmp_path / "baseA.h5"),
                                             quiet=True, device="cpu"))
    assert base.iterations == toy_preset.TOY.max_iter and base.evaluations == 2
    saved = checkpoints.load(tmp_path / "baseA.h5")
    assert saved.preset == "toy" and list(saved.weights) == ["conv1", "fc1", "fc2"]
    assert saved.meta["config"]["batch_size"] == 8 and saved.meta["config"]["log_every"] == 2
    training.train(config.TrainConfig(data=synthetic_8, copy_from=str(tmp_path / "baseA.h5"), n=2, frozen=True,
                                      out=str(tmp_path / "A2B.h5"), quiet=True, device="cpu"))
    assert checkpoints.load(tmp_path / "A2B.h5").frozen == {"conv1": True, "fc1": True, "fc2": False}
    with pytest.raises(config.ConfigError, match=r"`n` must be an integer 1\.\.2, got 3"):
        training.train(config.TrainConfig(data=synthetic_8, copy_from=str(tmp_path / "baseA.h5"), n=3,
                                          out=str(tmp_path / "A3B.h5"), quiet=True, device="cpu"))


def test_the_command_line_knows_the_toy_preset_and_its_layers(synthetic_8, tmp_path):
    assert "toy" in CliRunner().invoke(main, ["train", "--help"]).output
    planned = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "g"), "--preset",
                                        "toy", "--layers", "1-2", "--device", "cpu", "--dry-run"])
    assert planned.exit_code == 0, planned.output
    assert "random0/A2B+" in planned.output and "--preset toy" in planned.output
    refused = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "g"), "--preset",
                                        "toy", "--layers", "1-3", "--dry-run"])
    assert refused.exit_code == 2 and "outside 1..2" in refused.output and "preset toy" in refused.output


def test_a_toy_grid_runs_and_is_reported(synthetic_8, tmp_path):
    runs = grid.plan_grid(layers=models.get("toy").layers, fine_tuned=False)
    out = tmp_path / "grid"
    outcome = scheduler.run_grid(runs, out, {"data": synthetic_8, "preset": "toy", "device": "cpu", "quiet": True},
                            train_command=toy_preset.TRAIN_COMMAND, log=lambda line: None)
    assert outcome.exit_code == 0 and len(outcome.finished) == len(runs) == 6
    written = report.write_report(out, figures=False)
    assert sorted(r.run.label for r in written.results) == ["A1B", "A2B", "B1B", "B2B", "baseA", "baseB"]
    assert {json.loads((out / f"{name}.run" / "config.json").read_text())["preset"] for name in outcome.finished} \
        == {"toy"}
