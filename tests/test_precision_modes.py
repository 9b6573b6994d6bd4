"""The precision modes end to end on the CPU (the NumPy emulation of TF32): recorded in the run's
configuration and checkpoint, a resume in another mode refused unless asked for, eval and
experiment passing the mode on. (The kernels' accuracy is tested on a GPU, in tests/ops.)"""

import json
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import config, evaluate, results
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 16, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def runs(synthetic_8, tmp_path_factory):
    folder = tmp_path_factory.mktemp("precision")
    for mode in ("ieee", "tf32", "tf32x3"):
        training.train(config.TrainConfig(out=str(folder / f"{mode}.h5"), data=synthetic_8, seed=3, precision=mode,
                                          **FAST))
    return folder


def test_the_mode_is_recorded_and_changes_the_arithmetic(runs):
    saved = {mode: checkpoints.load(runs / f"{mode}.h5") for mode in ("ieee", "tf32", "tf32x3")}
    assert {mode: c.meta["config"]["precision"] for mode, c in saved.items()} == \
        {"ieee": "ieee", "tf32": "tf32", "tf32x3": "tf32x3"}
    assert json.loads((runs / "tf32.run" / "config.json").read_text())["precision"] == "tf32"
    w = {mode: c.weights["conv1"][0] for mode, c in saved.items()}
    assert not np.array_equal(w["ieee"], w["tf32"])  # the TF32 rounding reached the updates
    # 3xTF32 stays far closer to ieee than one TF32 product does
    assert np.abs(w["tf32x3"] - w["ieee"]).max() < np.abs(w["tf32"] - w["ieee"]).max()


def test_a_resume_in_another_mode_is_refused_unless_asked_for(synthetic_8, tmp_path):
    out = str(tmp_path / "net.h5")

    def stop_after_2(done):
        if done == 2:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted):
        training.train(config.TrainConfig(out=out, data=synthetic_8, seed=3, **FAST), on_iteration=stop_after_2)
    with pytest.raises(config.ConfigError, match=r"`precision` 'ieee' -> 'tf32'; to continue in another precision on "
                                                 r"purpose, add `allow_precision_change=True`"):
        training.train(config.TrainConfig(out=out, data=synthetic_8, seed=3, precision="tf32", resume="auto", **FAST))
    result = training.train(config.TrainConfig(out=out, data=synthetic_8, seed=3, precision="tf32", resume="auto",
                                               allow_precision_change=True, **FAST))
    assert result.iterations == 4 and checkpoints.load(out).meta["config"]["precision"] == "tf32"


def test_allowing_a_precision_change_without_a_resume_is_a_usage_error(synthetic_8, tmp_path):
    """It was ignored: a user who meant to continue a run in another precision started a new one."""
    done = CliRunner().invoke(main, ["train", "--data", synthetic_8, "-o", str(tmp_path / "net.h5"), "--precision",
                                     "tf32", "--allow-precision-change"])
    assert done.exit_code == 2 and not (tmp_path / "net.h5").exists() and not (tmp_path / "net.run").exists()
    assert ("--allow-precision-change applies to a resumed run and needs --resume ('auto', a run folder or a "
            "checkpoint)") in done.output


def test_a_precision_change_is_recorded_in_the_logs_the_checkpoints_and_info(synthetic_8, tmp_path):
    out = tmp_path / "net.h5"

    def stop_after_2(done):
        if done == 2:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(training.Interrupted):
        training.train(config.TrainConfig(out=str(out), data=synthetic_8, seed=3, precision="tf32", **FAST),
                       on_iteration=stop_after_2)
    training.train(config.TrainConfig(out=str(out), data=synthetic_8, seed=3, resume="auto",
                                      allow_precision_change=True, **FAST))
    change = {"iteration": 2, "from": "tf32", "to": "ieee"}
    events = [json.loads(line) for line in (tmp_path / "net.run" / "metrics.jsonl").read_text().splitlines()]
    assert [event for event in events if event.get("event") == "precision-change"] == [{"event": "precision-change",
                                                                                        **change}]
    for path in (out, tmp_path / "net.run" / "checkpoint.h5"):
        assert checkpoints.load(path).meta["precision_changes"] == [change], path
    shown = CliRunner().invoke(main, ["info", str(out)])
    assert shown.exit_code == 0 and "precision ieee; tf32 until iteration 2, then ieee" in shown.output


def test_eval_uses_the_trained_mode_or_the_one_asked_for(runs, synthetic_8):
    assert evaluate.evaluate_checkpoint(runs / "tf32.h5", device="cpu")["precision"] == "tf32"
    assert evaluate.evaluate_checkpoint(runs / "tf32.h5", device="cpu", precision="ieee")["precision"] == "ieee"
    result = CliRunner().invoke(main, ["eval", str(runs / "tf32.h5"), "--device", "cpu", "--precision", "tf32x3",
                                       "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["precision"] == "tf32x3"
    refused = CliRunner().invoke(main, ["eval", str(runs / "tf32.h5"), "--precision", "fp16"])
    assert refused.exit_code == 2


def test_experiment_passes_the_mode_to_every_run(synthetic_8, tmp_path):
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "1",
                                       "--precision", "tf32x3", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    commands = [line for line in result.output.splitlines() if " train " in line and " --out " in line]
    assert commands and all("--precision tf32x3" in line for line in commands)


def test_layers_copied_from_a_network_of_another_precision_are_said_and_recorded(runs, synthetic_8, tmp_path):
    """A transfer in ieee of a base trained in tf32 is allowed (weights are float32 either way), but
    train warns, the transfer's checkpoint records the base's precision, info shows it, and the
    report counts the run apart from transfers whose copied layers were computed as they are."""
    out = tmp_path / "T2B.h5"
    trained = CliRunner().invoke(main, ["train", "--data", synthetic_8, "--copy-from", str(runs / "tf32.h5"),
                                        "--n", "2", "--frozen", "--half", "B", "-o", str(out), "--batch-size", "16",
                                        "--max-iter", "2", "--eval-every", "2", "--device", "cpu"])
    assert trained.exit_code == 0, trained.output
    assert (f"warning: the layers copied from {runs / 'tf32.h5'} were trained in precision tf32; this run computes "
            f"in ieee") in trained.output
    assert checkpoints.load(out).meta["source"]["precision"] == "tf32"
    shown = CliRunner().invoke(main, ["info", str(out)])
    assert "copied layers 1..2 from sha256 " in shown.output and "... (trained in precision tf32)" in shown.output
    config = json.loads((tmp_path / "T2B.run" / "config.json").read_text())
    assert results.precision_of(tmp_path / "T2B.run", config) == "ieee, layers 1..2 copied from a tf32 network"
    same = CliRunner().invoke(main, ["train", "--data", synthetic_8, "--copy-from", str(runs / "tf32.h5"), "--n", "2",
                                     "--frozen", "--half", "B", "-o", str(tmp_path / "same.h5"), "--batch-size", "16",
                                     "--max-iter", "2", "--eval-every", "2", "--device", "cpu", "--precision", "tf32"])
    assert same.exit_code == 0 and "were trained in precision" not in same.output
    assert results.precision_of(tmp_path / "same.run",
                                json.loads((tmp_path / "same.run" / "config.json").read_text())) == "tf32"
    assert "(trained in precision" not in CliRunner().invoke(main, ["info", str(tmp_path / "same.h5")]).output


def test_eval_in_another_precision_than_training_says_so(runs):
    """The text output names the precision it computed in when it is not the one the network was
    trained in (two evaluations of one checkpoint would otherwise read as the same measurement)."""
    other = CliRunner().invoke(main, ["eval", str(runs / "tf32.h5"), "--device", "cpu", "--precision", "ieee"])
    assert other.exit_code == 0
    assert other.stderr.splitlines()[-1] == "computed in precision ieee; the network was trained in tf32"  # a note
    own = CliRunner().invoke(main, ["eval", str(runs / "tf32.h5"), "--device", "cpu"])
    assert own.exit_code == 0 and "computed in precision" not in own.output
    scores = json.loads(CliRunner().invoke(main, ["eval", str(runs / "tf32.h5"), "--device", "cpu", "--precision",
                                                  "ieee", "--json"]).stdout)
    assert (scores["precision"], scores["trained_precision"]) == ("ieee", "tf32")
