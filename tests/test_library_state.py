"""A notebook's calls of train and what they leave: a field of another type than its documented one
refused naming it, and nothing printed with quiet=True, the warnings of the layers below the run
(the dataset's record, file locks) included, while a call without it still warns."""

import pytest

from minitransfer import config
from minitransfer import train as training
from test_library_api import FAST


@pytest.mark.parametrize("preset", [["micro"], {"micro": 1}], ids=["list", "dict"])
def test_a_preset_that_is_no_name_is_refused_naming_it(tmp_path, preset):
    """Before, a TypeError (unhashable type) from the presets' lookup."""
    with pytest.raises(config.ConfigError, match=r"^`preset` must be one of .*micro.*, got "):
        training.train(training.TrainConfig(out=tmp_path / "net.h5", preset=preset, **FAST))
    assert list(tmp_path.iterdir()) == []
