"""A notebook's slips calling train, plan_grid and run_grid (a dict for the configuration, a callback
that is no function, a generator of layers, more layers than the preset has, a file for the grid's
folder) and a second training into a run its other thread trains: each refused before anything is
written with the library's ConfigError (or RunBusy) naming what to give, or taken as meant, never an
error from deep inside a run or a grid that trained its bases for nothing."""

import concurrent.futures
import os
import threading

import pytest

from minitransfer import config, experiment, run_lock, scheduler
from minitransfer import train as training
from test_library_api import FAST


@pytest.mark.parametrize("given, message", [
    ({"out": "net.h5"}, "`config` must be a TrainConfig, got dict: give TrainConfig(**options)"),
    (None, "`config` must be a TrainConfig, got NoneType"),
], ids=["dict", "none"])
def test_train_refuses_a_configuration_that_is_no_train_config_naming_it(tmp_path, monkeypatch, given, message):
    """Before, an AttributeError ('dict' object has no attribute 'out') from inside train."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(config.ConfigError) as refused:
        training.train(given)
    assert str(refused.value) == message and list(tmp_path.iterdir()) == []


def test_an_on_iteration_that_is_no_function_is_refused_before_anything_is_written(micro_data, tmp_path):
    """Before, a TypeError ('str' object is not callable) after the first iteration, leaving a run
    folder with its config.json behind."""
    with pytest.raises(config.ConfigError, match="^`on_iteration` must be a function taking the iterations done "
                                                 "\\(or None\\), got 'print'$"):
        training.train(training.TrainConfig(out=tmp_path / "net.h5", data=micro_data, **FAST), on_iteration="print")
    assert list(tmp_path.iterdir()) == []


def test_a_second_training_into_a_run_another_thread_trains_is_refused_naming_this_process(micro_data, tmp_path):
    """A notebook's background thread trains net.h5; the same call in the main thread is refused
    with RunBusy saying the run is another training of this process (before: "in use by another
    minitransfer process (PID <the notebook's own>)"), and the thread's run goes on to its end."""
    reached, release = threading.Event(), threading.Event()

    def hold_at_first(done):
        if done == 1:
            reached.set()
            release.wait()

    net = training.TrainConfig(out=tmp_path / "net.h5", data=micro_data, **FAST)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        background = pool.submit(training.train, net, on_iteration=hold_at_first)
        try:
            assert reached.wait(60), background.exception(0)
            with pytest.raises(run_lock.RunBusy) as busy:
                training.train(net)
        finally:
            release.set()
        assert background.result().iterations == FAST["max_iter"]
    assert busy.value.pid == os.getpid()
    assert str(busy.value) == (f"{tmp_path / 'net.run'} is in use by another training of this process (PID "
                               f"{os.getpid()}: a call of train() in another thread, not finished yet); wait for it "
                               f"to finish, or give another `out`")


def test_plan_grid_takes_layers_from_a_generator_and_refuses_none_naming_it():
    """Before, a generator's layers were read once by the check and none was planned (the bases
    alone, silently); None was a TypeError from inside."""
    assert experiment.plan_grid(layers=(n for n in (1, 2))) == experiment.plan_grid(layers=[1, 2])
    for name in ("layers", "random_seeds"):
        with pytest.raises(ValueError, match=f"^plan_grid: {name} must be a sequence of integers.*, got None$"):
            experiment.plan_grid(**{name: None})


def test_a_grid_copying_more_layers_than_the_preset_has_is_refused_before_anything_is_written(micro_data, tmp_path):
    """plan_grid(layers=(8,)) on the micro preset (7 layers to copy): before, both bases trained and
    then A8B failed (train: exit 2)."""
    runs = experiment.plan_grid(layers=(8,), fine_tuned=False, selffer=False)
    options = {"data": micro_data, "device": "cpu", "max_iter": 2, "quiet": True}
    with pytest.raises(config.ConfigError, match="^run random0/A8B: n must be an integer 1..7, got 8 .* in preset "
                                                 "micro: give plan_grid layers of 1..7$"):
        scheduler.run_grid(runs, tmp_path / "grid", options, log=lambda line: None)
    assert not (tmp_path / "grid").exists()


def test_a_grid_folder_that_is_a_file_is_refused_naming_out(micro_data, tmp_path):
    """Before, a StorageError: cannot write OUT/.experiment-planning.lock: File exists."""
    (tmp_path / "grid").write_text("notes")
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    with pytest.raises(config.ConfigError, match=f"^`out` {tmp_path / 'grid'} is a file, not a folder: give the "
                                                 f"grid's folder"):
        scheduler.run_grid(runs, tmp_path / "grid", {"data": micro_data, "device": "cpu"}, log=lambda line: None)
    assert (tmp_path / "grid").read_text() == "notes"


@pytest.mark.parametrize("kind", ["dev-null", "fifo"])
def test_a_grid_folder_that_is_a_device_or_a_fifo_is_refused_naming_out(micro_data, tmp_path, kind):
    """Before, only a regular file was: /dev/null or a FIFO gave the StorageError "cannot write
    OUT/.experiment-planning.lock: File exists" (exit 74)."""
    out = "/dev/null" if kind == "dev-null" else tmp_path / "grid"
    if kind == "fifo":
        os.mkfifo(out)
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    with pytest.raises(config.ConfigError, match=f"^`out` {out} is a file, not a folder: give the grid's folder"):
        scheduler.run_grid(runs, out, {"data": micro_data, "device": "cpu"}, log=lambda line: None)
