"""minitransfer's errors share one base, ``MinitransferError`` (each keeping its built-in one), and a
stop (``Interrupted``) is a KeyboardInterrupt, as Python's Ctrl-C is: a notebook's sweep with
``except Exception`` around ``train`` stops on it, not goes on to the next run."""

import importlib
import inspect
import os
import pkgutil
import signal

import pytest

import minitransfer
from minitransfer import checkpoint as checkpoints
from minitransfer import errors, fileio, preflight_memory, report_folder, run_lock
from minitransfer import train as training
from minitransfer.data import loader_workers
from minitransfer.grid_outcome import GridInterrupted

# Exception classes of minitransfer that are no MinitransferError, each with why.
NOT_ERRORS = {
    training.Interrupted,  # a stop, not an error: a KeyboardInterrupt, which `except Exception` must not swallow
    loader_workers.StopRequested,  # internal: a stop heard while a batch is awaited, raised as Interrupted by train
    GridInterrupted,  # a grid's stop: a KeyboardInterrupt as Interrupted is, carrying the grid's outcome
    report_folder.WrittenWhole,  # a stop held until the report was whole: a KeyboardInterrupt, nothing left to do
}

FAST = {"batch_size": 8, "max_iter": 6, "eval_every": 3, "quiet": True, "device": "cpu"}


def _exception_classes():
    """Every exception class defined in a module of minitransfer, each module imported."""
    found = set()
    for module in pkgutil.walk_packages(minitransfer.__path__, "minitransfer."):
        if module.name.endswith("__main__"):  # runs the command line
            continue
        for _, value in vars(importlib.import_module(module.name)).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__.startswith("minitransfer.")):
                found.add(value)
    return found


def test_every_exception_class_of_the_package_is_a_minitransfer_error():
    classes = _exception_classes()
    assert NOT_ERRORS <= classes and len(classes) > len(NOT_ERRORS)  # the walk found the package's classes
    strays = sorted(f"{kind.__module__}.{kind.__qualname__}" for kind in classes - NOT_ERRORS
                    if not issubclass(kind, errors.MinitransferError))
    assert strays == []
    assert minitransfer.MinitransferError is errors.MinitransferError


@pytest.mark.parametrize("kind, builtin", [
    (training.ConfigError, ValueError), (fileio.StorageError, OSError), (preflight_memory.OutOfMemory, MemoryError),
    (run_lock.RunBusy, RuntimeError), (training.Diverged, RuntimeError),
], ids=lambda value: value.__name__)
def test_the_errors_keep_their_builtin_bases(kind, builtin):
    assert issubclass(kind, builtin) and issubclass(kind, errors.MinitransferError)


@pytest.mark.parametrize("stop", [training.Interrupted, GridInterrupted], ids=lambda stop: stop.__name__)
def test_a_stop_is_a_keyboard_interrupt_and_no_error(stop):
    assert issubclass(stop, KeyboardInterrupt)
    assert not issubclass(stop, (Exception, errors.MinitransferError))


def _stop_at_3(how):
    def on_iteration(done):
        if done == 3:
            if how == "sigint":
                os.kill(os.getpid(), signal.SIGINT)
            else:
                raise KeyboardInterrupt
    return on_iteration


@pytest.mark.parametrize("how", ["callback-raises", "sigint"])
def test_a_sweep_catching_exception_stops_on_an_interrupt_and_the_run_resumes(micro_data, tmp_path, how):
    """A notebook's sweep logs each failed run and goes on: an interrupt of its first run ends the
    sweep (before, `except Exception` swallowed it and the second run trained), its checkpoint kept
    for resume='auto'."""
    configs = [training.TrainConfig(out=tmp_path / f"net{number}.h5", data=micro_data, **FAST) for number in (1, 2)]
    failed = []
    with pytest.raises(training.Interrupted) as stopped:
        for number, config in enumerate(configs):
            try:
                training.train(config, on_iteration=_stop_at_3(how) if number == 0 else None)
            except Exception as error:
                failed.append(error)
    assert failed == [] and not (tmp_path / "net2.run").exists()
    assert stopped.value.iteration == 3 and checkpoints.load(stopped.value.checkpoint_path).solver.iteration == 3
    resumed = training.train(training.TrainConfig(out=tmp_path / "net1.h5", data=micro_data, resume="auto", **FAST))
    assert resumed.iterations == FAST["max_iter"]


def test_a_sweep_catching_minitransfer_errors_goes_on_past_a_refused_run(micro_data, tmp_path):
    """`except MinitransferError` catches a library refusal (a busy run folder) and the sweep goes on."""
    configs = [training.TrainConfig(out=tmp_path / f"net{number}.h5", data=micro_data, **FAST) for number in (1, 2)]
    failed = []
    with run_lock.RunLock(tmp_path / "net1.run"):
        for config in configs:
            try:
                training.train(config)
            except minitransfer.MinitransferError as error:
                failed.append(type(error))
    assert failed == [run_lock.RunBusy] and (tmp_path / "net2.h5").exists()
