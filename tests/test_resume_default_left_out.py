"""A run resumed with `resume='auto'` and an option left out whose default is not the value the run
recorded (given then, or a default of another version) is refused, as any change of its evaluations
is; the refusal names that option as the run recorded it, which continues the run as it was trained.
Before, it offered only to start over (another `out`, or `overwrite`)."""

import pytest
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import config as configs
from minitransfer import train as training


def _trained(micro_data, tmp_path, **fields):
    return {"data": micro_data, "split": "all", "device": "cpu", "quiet": True, "out": str(tmp_path / "r.h5"),
            **fields}


def test_an_option_left_out_whose_default_differs_is_named_as_recorded(micro_data, tmp_path):
    trained = _trained(micro_data, tmp_path, batch_size=8)
    default = configs.resolve(training.TrainConfig(**trained), checksums=False).config.eval_every
    recorded = default - 7
    interrupted_after(training.TrainConfig(**trained, eval_every=recorded, checkpoint_every=2), 2)
    with pytest.raises(configs.ConfigError) as refused:
        training.train(training.TrainConfig(**trained, resume="auto"))
    assert f"`eval_every` {recorded} -> {default}" in str(refused.value), refused.value
    assert f"to continue the run as it was trained, give `eval_every={recorded}`" in str(refused.value)
    interrupted_after(training.TrainConfig(**trained, resume="auto", eval_every=recorded), 3)  # as told: it goes on
    assert checkpoints.load(tmp_path / "r.run" / "checkpoint.h5").iteration == 3


def test_a_change_given_is_not_told_to_be_undone(micro_data, tmp_path):
    """A difference the user typed (another batch size) is theirs: only starting over is offered."""
    trained = _trained(micro_data, tmp_path, checkpoint_every=1)
    interrupted_after(training.TrainConfig(**trained, batch_size=8), 1)
    with pytest.raises(configs.ConfigError) as refused:
        training.train(training.TrainConfig(**trained, batch_size=4, resume="auto"))
    assert "`batch_size` 8 -> 4" in str(refused.value) and "as it was trained" not in str(refused.value)


def test_a_path_resolved_by_the_tool_is_named_as_written_not_as_a_python_object(tmp_path):
    """The built-in dataset left out resolves to a pathlib.Path: a refusal showed "-> PosixPath('...')"."""
    from minitransfer.recorded_config import recorded_change
    change = recorded_change("data", str(tmp_path / "mine"), tmp_path / "cache" / "synthetic", {}, None)
    assert change == f"'{tmp_path / 'mine'}' -> '{tmp_path / 'cache' / 'synthetic'}'"
