"""A stop signal that comes during a training's start-up (the dataset loaded, the base's layers copied,
the net built), where Python swallows the KeyboardInterrupt its handler raises (a finalizer runs as it
comes): it was owed until the first iteration, the researcher waiting through the rest of the
start-up. It now stops the command at the next safe point of the start-up, exit code 75, the run
folder as a rerun (or a resumption) takes it up."""

import dataclasses
import json
import signal

import numpy as np
import pytest
from click.testing import CliRunner

import interrupting
from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer import training_run
from minitransfer.cli import main

STOPS = pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])


def _command(micro_data, out, *more):
    return ["train", "--data", micro_data, "-o", str(out), "--batch-size", "8", "--max-iter", "6", "--device", "cpu",
            "--quiet", *more]


def _stopped_in(module, name, stop, monkeypatch):
    """``module.name`` (a phase of the start-up) sends ``stop`` inside a finalizer as it returns; the
    calls of the net's build are counted from then on, in the list returned."""
    found, built_after = getattr(module, name), []
    build_net = training_run.build_net

    def phase(*args, **kwargs):
        result = found(*args, **kwargs)
        interrupting.signalled_in_a_finalizer(stop)
        monkeypatch.setattr(training_run, "build_net", lambda plan: built_after.append(plan) or build_net(plan))
        return result

    monkeypatch.setattr(module, name, phase)
    return built_after


@STOPS
def test_a_stop_as_the_dataset_is_loaded_ends_the_start_up_before_the_net_is_built(micro_data, tmp_path,
                                                                                    monkeypatch, stop):
    """Stopped as the configuration is resolved (the dataset and the base read): no net built, nothing
    written (no run folder), and the same command run again trains the run."""
    out = tmp_path / "net.h5"
    built_after = _stopped_in(training, "resolve", stop, monkeypatch)
    result = CliRunner().invoke(main, _command(micro_data, out))
    assert result.exit_code == 75, result.output
    assert "Traceback" not in result.output and "Exception ignored" not in result.output, result.output
    assert built_after == []
    assert not (tmp_path / "net.run").exists() and not out.exists()
    monkeypatch.undo()
    again = CliRunner().invoke(main, _command(micro_data, out))
    assert again.exit_code == 0, again.output
    assert checkpoints.load(out).meta["iteration"] == 6


@STOPS
def test_a_stop_as_a_resumed_run_reads_its_checkpoint_leaves_its_folder_as_it_was(micro_data, tmp_path, monkeypatch,
                                                                                 stop):
    """Stopped after iteration 2, resumed and stopped as it reads its checkpoint: no net built, its
    files as the stop after iteration 2 left them, and the resumption after it continues from 2."""
    out = tmp_path / "net.h5"
    config = training.TrainConfig(out=str(out), data=micro_data, batch_size=8, max_iter=6, quiet=True, device="cpu")
    interrupting.interrupted_after(config, 2)
    run_dir = tmp_path / "net.run"
    before = {path.name: path.read_bytes() for path in run_dir.iterdir() if path.is_file()}
    built_after = _stopped_in(training, "resume_point", stop, monkeypatch)
    result = CliRunner().invoke(main, _command(micro_data, out, "--resume", "auto"))
    assert result.exit_code == 75, result.output
    assert built_after == []
    assert {path.name: path.read_bytes() for path in run_dir.iterdir() if path.is_file()} == before
    monkeypatch.undo()
    info = CliRunner().invoke(main, ["info", "--json", str(run_dir / "checkpoint.h5")])
    assert info.exit_code == 0, info.output
    assert json.loads(info.output)["iteration"] == 2
    again = CliRunner().invoke(main, _command(micro_data, out, "--resume", "auto"))
    assert again.exit_code == 0, again.output
    whole = tmp_path / "whole.h5"  # the oracle: the same run trained without a stop
    training.train(dataclasses.replace(config, out=str(whole)))
    resumed, trained = checkpoints.load(out).weights, checkpoints.load(whole).weights
    assert resumed.keys() == trained.keys()
    for name, (w, b) in trained.items():
        assert np.array_equal(resumed[name][0], w) and np.array_equal(resumed[name][1], b), name


def test_a_stop_as_the_base_layers_are_copied_ends_the_start_up_before_any_run_file(micro_data, tmp_path, monkeypatch):
    """Stopped as the transfer's net is built (the base's layers copied): no training step made, no
    run file written (config.json, eval.csv), and the same command run again trains the transfer."""
    base = tmp_path / "base.h5"
    training.train(training.TrainConfig(out=str(base), data=micro_data, batch_size=8, max_iter=2, quiet=True,
                                        device="cpu"))
    out, steps = tmp_path / "A1B.h5", []
    build_net, step = training_run.build_net, training_run.TrainingStep

    def built(plan):
        net = build_net(plan)
        interrupting.signalled_in_a_finalizer()
        return net

    monkeypatch.setattr(training_run, "build_net", built)
    monkeypatch.setattr(training_run, "TrainingStep",
                        lambda *args, **kwargs: steps.append(args) or step(*args, **kwargs))
    command = _command(micro_data, out, "--copy-from", str(base), "--n", "1")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 75, result.output
    assert steps == []
    run_files = list((tmp_path / "A1B.run").glob("*.json")) + list((tmp_path / "A1B.run").glob("*.csv"))
    assert not out.exists() and run_files == []
    monkeypatch.undo()
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0, again.output
    assert checkpoints.load(out).meta["iteration"] == 6
