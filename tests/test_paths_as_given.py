"""What the documentation says of the paths a library caller gets back: ``TrainResult.out``/``run_dir`` and
``Interrupted.checkpoint_path`` as ``out`` was given (relative to the working directory of the call where it
was relative), and ``describe()["network"]`` naming the base by the absolute path recorded, where train's
opening line names it as typed. Documentation fixes: these pin the behaviour the docstrings now state."""

import pathlib

import pytest

from minitransfer import train as training
from minitransfer.checkpoint_info import describe

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "device": "cpu", "preset": "micro"}


def _stop_after_1(done):
    if done == 1:
        raise KeyboardInterrupt


def test_the_paths_given_back_are_as_out_was_given(micro_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nets").mkdir()
    result = training.train(training.TrainConfig(out="nets/rel.h5", data=micro_data, quiet=True, **FAST))
    assert (result.out, result.run_dir) == ("nets/rel.h5", "nets/rel.run")
    with pytest.raises(training.Interrupted) as stopped:
        training.train(training.TrainConfig(out="nets/int.h5", data=micro_data, quiet=True, **{**FAST, "max_iter": 4}),
                       on_iteration=_stop_after_1)
    assert stopped.value.checkpoint_path == pathlib.Path("nets/int.run/checkpoint.h5")
    assert (tmp_path / stopped.value.checkpoint_path).is_file()


def test_info_names_the_base_by_its_recorded_path_train_as_typed(micro_data, tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    training.train(training.TrainConfig(out="baseA.h5", data=micro_data, half="A", quiet=True, **FAST))
    capfd.readouterr()
    training.train(training.TrainConfig(out="A1B.h5", copy_from="baseA.h5", n=1, half="B", **FAST))
    banner = capfd.readouterr().err.splitlines()[0]
    network = describe("A1B.h5")["network"]
    recorded = str(tmp_path.resolve() / "baseA.h5")
    assert recorded in network and recorded not in banner
    assert network.replace(recorded, "baseA.h5") in banner  # the same words, but for the base's path
