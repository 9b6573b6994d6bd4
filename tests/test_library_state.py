"""A notebook's calls of train and what they leave: a field of another type than its documented one
refused naming it, and nothing printed with quiet=True, the warnings of the layers below the run
(a file system without locks) included, while a call without it, after it too, still warns."""

import errno
import fcntl
import warnings

import numpy as np
import pytest

from minitransfer import config, run_lock
from minitransfer import train as training
from test_library_api import FAST
from test_train_faults import _flock_failing_with


@pytest.mark.parametrize("preset", [["micro"], {"micro": 1}], ids=["list", "dict"])
def test_a_preset_that_is_no_name_is_refused_naming_it(tmp_path, preset):
    """Before, a TypeError (unhashable type) from the presets' lookup."""
    with pytest.raises(config.ConfigError, match=r"^`preset` must be one of .*micro.*, got "):
        training.train(training.TrainConfig(out=tmp_path / "net.h5", preset=preset, **FAST))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("quiet", [True, 1, np.True_], ids=["True", "1", "numpy"])
def test_quiet_prints_nothing_where_the_layers_below_the_run_warn(micro_data, tmp_path, monkeypatch, capfd, quiet):
    """A file system without locks (NFS without its lock daemon): its warning was printed on stderr
    under quiet=True, which promises no output at all (the dataset's record that cannot be written,
    the data loader stalled, likewise), and no warning of Python's either. The same call not quiet
    warns: the warning is there to hush."""
    monkeypatch.setattr(fcntl, "flock", _flock_failing_with(errno.ENOLCK))

    def trained(out, quiet):
        monkeypatch.setattr(run_lock, "_UNLOCKED_DEVICES", set())  # it warns once per process
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            training.train(training.TrainConfig(out=tmp_path / out, data=micro_data, **{**FAST, "quiet": quiet}))
        printed = capfd.readouterr()
        return printed.out + printed.err, [str(warning.message) for warning in warned]

    loud, _ = trained("loud.h5", False)
    assert "does not support file locks" in loud, loud
    assert trained("quiet.h5", quiet) == ("", [])
    assert "does not support file locks" in trained("after.h5", False)[0]  # hushed for the quiet call only
