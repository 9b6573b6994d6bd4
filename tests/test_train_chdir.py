"""A training whose working folder changes while it runs (an ``on_iteration`` hook, or a notebook's
other cell, that calls ``os.chdir``): its relative paths lead where they led when it started, for
its files, and its messages name them as the user gave them. It stopped, saying its run folder was
"moved or deleted"."""

import dataclasses
import os

import pytest

from minitransfer import fileio
from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 2, "device": "cpu"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The working folder a run starts in; ``elsewhere``, beside it, is the one it changes to."""
    (tmp_path / "home").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "home")
    return tmp_path / "home"


def _wandering(home, then=None):
    """An ``on_iteration`` hook that changes the working folder to ``elsewhere`` after iteration 2,
    then calls ``then(run_dir)`` after iteration 3 (``run_dir``: the run's folder, absolute)."""
    def wander(done):
        if done == 2:
            os.chdir(home.parent / "elsewhere")
        if done == 3 and then is not None:
            then(home / "net.run")
    return wander


def test_a_chdir_mid_run_leaves_the_run_in_its_folder(micro_data, home, capsys):
    data = os.path.relpath(micro_data, home)
    result = training.train(training.TrainConfig(out="net.h5", data=data, **FAST), on_iteration=_wandering(home))
    assert sorted(path.name for path in home.iterdir()) == ["net.h5", "net.run"]
    assert sorted(path.name for path in (home / "net.run").iterdir()) == [
        "checkpoint.h5", "config.json", "eval.csv", "metrics.jsonl", "result.json"]
    assert list((home.parent / "elsewhere").iterdir()) == []
    assert [line.split(",")[0] for line in (home / "net.run" / "eval.csv").read_text().splitlines()] == [
        "iteration", "2", "4", "6"]
    assert (result.out, result.run_dir) == ("net.h5", "net.run")
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith("; weights in net.h5, run files in net.run"), last


def _interrupt(run_dir):
    raise KeyboardInterrupt


def test_a_stop_after_a_chdir_writes_the_checkpoint_in_the_run_and_names_it_as_given(micro_data, home):
    config = training.TrainConfig(out="net.h5", data=micro_data, quiet=True, **FAST)
    with pytest.raises(training.Interrupted) as stopped:
        training.train(config, on_iteration=_wandering(home, _interrupt))
    message = str(stopped.value)
    assert message.startswith(f"KeyboardInterrupt: stopped after iteration 3; wrote "
                              f"{os.path.join('net.run', 'checkpoint.h5')}; rerun"), message
    assert message.endswith(" (or `resume` net.run, which names its `out` and its options too)"), message
    assert list((home.parent / "elsewhere").iterdir()) == []
    os.chdir(home)
    assert training.train(dataclasses.replace(config, resume="auto")).iterations == 6


def _remove_metrics(run_dir):
    (run_dir / "metrics.jsonl").unlink()


def test_a_fault_after_a_chdir_names_the_file_as_given(micro_data, home):
    """The run's check of its folder, after a chdir, saw the folder gone: it names the log removed."""
    config = training.TrainConfig(out="net.h5", data=micro_data, quiet=True, **FAST)
    with pytest.raises(fileio.StorageError, match=r"^net.run/metrics.jsonl was removed while the run wrote to it"):
        training.train(config, on_iteration=_wandering(home, _remove_metrics))
