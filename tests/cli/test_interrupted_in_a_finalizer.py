"""A stop signal that comes while a finalizer runs (a weak reference's callback, ``__del__``, the
garbage collector's), where Python swallows the KeyboardInterrupt its handler raises: the command
still ends interrupted, exit code 75, rather than going on to its end."""

import signal

import pytest
from click.testing import CliRunner

import interrupting
from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

STOPS = pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])


def _resume_stopped_as_it_starts(micro_data, out, stop, monkeypatch):
    """``train --resume auto`` of ``out``, sent ``stop`` inside a finalizer as it reads its checkpoint."""
    found = training.resume_point

    def resume_point(plan):
        interrupting.signalled_in_a_finalizer(stop)
        return found(plan)

    monkeypatch.setattr(training, "resume_point", resume_point)
    return CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), "--batch-size", "8",
                                     "--max-iter", "6", "--device", "cpu", "--quiet", "--resume", "auto"])


def _config(micro_data, out):
    return training.TrainConfig(out=str(out), data=micro_data, batch_size=8, max_iter=6, quiet=True, device="cpu")


@STOPS
def test_a_stop_swallowed_in_a_finalizer_as_a_resume_starts_still_stops_it(micro_data, tmp_path, monkeypatch, stop):
    """Stopped after iteration 2, resumed, and stopped as it starts: its checkpoint stays at 2, no
    weights written, the command's own interrupted line and no "Exception ignored" traceback."""
    out = tmp_path / "net.h5"
    interrupting.interrupted_after(_config(micro_data, out), 2)
    result = _resume_stopped_as_it_starts(micro_data, out, stop, monkeypatch)
    assert result.exit_code == 75, result.output
    assert "interrupted: stopped by a signal" in result.output and "--resume auto" in result.output, result.output
    assert "Exception ignored" not in result.output and "Traceback" not in result.output, result.output
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == 2
    assert not out.exists()


def test_a_stop_swallowed_as_a_finished_run_is_reported_ends_the_command_interrupted(micro_data, tmp_path,
                                                                                    monkeypatch):
    """A finished run rerun with --resume auto trains nothing, so no training takes the stop over:
    the command ends interrupted, as with a stop that comes as it ends, its files as they were."""
    out = tmp_path / "net.h5"
    training.train(_config(micro_data, out))
    weights = out.read_bytes()
    result = _resume_stopped_as_it_starts(micro_data, out, signal.SIGINT, monkeypatch)
    assert result.exit_code == 75, result.output
    assert "Exception ignored" not in result.output, result.output
    assert out.read_bytes() == weights
