"""``TrainResult.warnings``: the warnings ``train`` says for a run, kept for a library's caller, who
sees no stderr (and under ``quiet=True`` none is printed): those the same run says on stderr, in order."""

import errno
import fcntl
import json
import os
import pickle

from minitransfer import file_locks
from minitransfer import train as training
from minitransfer.result_digests import DIGESTS
from test_train_faults import _flock_failing_with

PREFIX = "warning: "


def _said_on_stderr(err):
    """The warnings of a run's stderr, without their prefix: the oracle of ``result.warnings``."""
    return tuple(line[len(PREFIX):] for line in err.splitlines() if line.startswith(PREFIX))


def _no_locks_under(folder, monkeypatch):
    """fcntl.flock failing on the files under ``folder`` alone, as for a dataset on a file system without locks
    (said through :func:`minitransfer.stopping.warn`, unlike the warnings of the run's plan)."""
    failing, real = _flock_failing_with(errno.ENOLCK), fcntl.flock

    def flock(descriptor, operation):
        under = os.readlink(f"/proc/self/fd/{descriptor}").startswith(os.path.realpath(folder) + os.sep)
        return (failing if under else real)(descriptor, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())


def test_a_quiet_run_returns_the_warnings_the_same_run_says_on_stderr(synthetic_8, tmp_path, monkeypatch, capfd):
    """micro's 12 px crops of 36 px images, a batch larger than the 160 images of half A, the dataset's file system
    without locks: said on stderr, they reached no caller of ``train(..., quiet=True)``."""
    _no_locks_under(synthetic_8, monkeypatch)
    options = dict(data=synthetic_8, preset="micro", batch_size=400, max_iter=1, device="cpu")
    quiet = training.train(training.TrainConfig(out=str(tmp_path / "quiet.h5"), quiet=True, **options))
    assert capfd.readouterr() == ("", "")
    loud = training.train(training.TrainConfig(out=str(tmp_path / "loud.h5"), quiet=False, **options))
    said = _said_on_stderr(capfd.readouterr().err)
    assert len(set(said)) >= 3 and any("does not support file locks" in warning for warning in said), said
    assert quiet.warnings == said
    assert loud.warnings == said
    again = pickle.loads(pickle.dumps(quiet))  # a process pool sends results back pickled
    assert again == quiet and again.warnings == said


def test_a_run_without_warnings_returns_none_and_result_json_keeps_its_fields(micro_data, tmp_path, capfd):
    options = dict(data=micro_data, preset="micro", batch_size=8, max_iter=2, device="cpu")
    result = training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), quiet=False, **options))
    assert _said_on_stderr(capfd.readouterr().err) == ()
    assert result.warnings == ()
    recorded = json.loads((tmp_path / "net.run" / "result.json").read_text())
    assert "warnings" not in recorded and set(recorded) == set(result.to_dict()) | set(DIGESTS)  # and its digests
    again = training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), quiet=True, resume="auto", **options))
    assert again.warnings == () and again.to_dict() == {**result.to_dict(), "out": again.out}  # read back from it
