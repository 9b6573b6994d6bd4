"""A notebook's calls of train and run_grid and what they print: a field of another type than its
documented one refused naming it; nothing printed with quiet=True, the warnings of the layers below
the run (a file system without locks) included, while a call without it, after it too, still warns;
a grid's own warnings told to its `log`, not printed past it."""

import errno
import fcntl
import os
import warnings

import numpy as np
import pytest

from minitransfer import config, experiment, file_locks, scheduler, stopping
from minitransfer import train as training
from test_experiment import OPTIONS, fake_train  # noqa: F401 (a fixture)
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
        monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())  # it warns once per process
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            training.train(training.TrainConfig(out=tmp_path / out, data=micro_data, **{**FAST, "quiet": quiet}))
        printed = capfd.readouterr()
        return printed.out + printed.err, [str(warning.message) for warning in warned]

    loud, _ = trained("loud.h5", False)
    assert "does not support file locks" in loud, loud
    assert trained("quiet.h5", quiet) == ("", [])
    assert "does not support file locks" in trained("after.h5", False)[0]  # hushed for the quiet call only


def test_a_grids_own_warnings_are_told_to_its_log(tmp_path, monkeypatch, capfd, fake_train):  # noqa: F811
    """A grid's folder on a file system without locks: its warning was printed on stderr, past the
    `log` the notebook gave for the grid's lines (a function that drops them, or keeps them); it is
    a line of that log now, and a warning after the grid, in this thread, is on stderr again."""
    monkeypatch.setattr(fcntl, "flock", _flock_failing_with(errno.ENOLCK))
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())
    lines = []
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    outcome = scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=fake_train, log=lines.append,
                                 poll_seconds=0.01)
    assert outcome.failed == [] and capfd.readouterr() == ("", "")
    assert [line for line in lines if "does not support file locks" in line] == [
        f"warning: the file system of {tmp_path / 'grid'} does not support file locks (flock: "
        f"{os.strerror(errno.ENOLCK)}): going on without them, so nothing stops a "
        f"second process from training into the same run or preparing the dataset a training reads meanwhile; on "
        f"Lustre, mount with -o flock"]
    stopping.warn("warning: after the grid")
    assert capfd.readouterr().err == "warning: after the grid\n"
