"""minitransfer called from a notebook: repeated calls in one process, a run moved or the working
folder changed between calls, interrupts raised by a callback, calls from a background thread, and
what the calls raise (typed exceptions whose messages name the arguments, not command-line options)."""

import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import pathlib
import pickle
import shutil
import signal
import threading

import numpy as np
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import config, evaluate, experiment, report, run_lock, scheduler
from minitransfer import train as training
from minitransfer.data import build, lock, synthetic

MICRO = {"classes": 4, "train_per_class": 8, "val_per_class": 4, "size": 14, "seed": 1}  # conftest's micro_data
FAST = {"batch_size": 8, "max_iter": 6, "eval_every": 3, "quiet": True, "device": "cpu"}


def _same_weights(a, b):
    wa, wb = checkpoints.load(a).weights, checkpoints.load(b).weights
    return wa.keys() == wb.keys() and all(np.array_equal(x, y) for name in wa for x, y in zip(wa[name], wb[name]))


@pytest.fixture(scope="module")
def straight(micro_data, tmp_path_factory):
    """A run of FAST on the micro set, uninterrupted: its weights file."""
    out = tmp_path_factory.mktemp("straight") / "net.h5"
    training.train(training.TrainConfig(out=out, data=micro_data, **FAST))
    return out


def test_a_finished_run_moved_elsewhere_reports_where_it_is_now(straight, micro_data, tmp_path):
    """A finished run's folder moved (a notebook's results tidied into a folder of their own):
    resume='auto' finds it finished and returns its result, naming the weights and run directory
    where they are now, not where result.json was written."""
    moved = tmp_path / "moved"
    shutil.copytree(straight.parent, moved)
    result = training.train(training.TrainConfig(out=moved / "net.h5", data=micro_data, resume="auto", **FAST))
    assert (result.out, result.run_dir) == (str(moved / "net.h5"), str(moved / "net.run"))
    assert result.iterations == FAST["max_iter"] and result.evaluations == 2


def test_a_finished_run_named_from_another_working_folder_is_named_as_the_caller_named_it(micro_data, tmp_path,
                                                                                          monkeypatch):
    """Trained as "net.h5" in one folder, asked for as "../first/net.h5" from another: the result
    names the file the caller can open from where it is (result.json's "net.h5" is another file
    there, or none)."""
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    monkeypatch.chdir(tmp_path / "first")
    training.train(training.TrainConfig(out="net.h5", data=micro_data, **FAST))
    monkeypatch.chdir(tmp_path / "second")
    result = training.train(training.TrainConfig(out="../first/net.h5", data=micro_data, resume="auto", **FAST))
    assert (result.out, result.run_dir) == ("../first/net.h5", "../first/net.run")
    assert checkpoints.load(result.out).iteration == FAST["max_iter"]


def _stop_handlers():
    return [signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]


def _in_thread(function, *args, **kwargs):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _children():
    """The PIDs of this process's live child processes."""
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.add(int(entry))
    return found


def _process_state():
    """What a call could leave behind in a notebook's process: open descriptors, child processes,
    threads and the stop signals' handlers."""
    return {"descriptors": sorted(os.listdir("/proc/self/fd")), "children": _children(),
            "threads": threading.active_count(), "handlers": _stop_handlers()}


def test_repeated_calls_leave_the_process_as_they_found_it_and_train_the_same_bits(straight, micro_data, tmp_path):
    """One TrainConfig (with loader workers), trained again and again in one process under a
    notebook's own signal handlers, each time evaluated and reported: the process is the same after
    each round (the first starts multiprocessing's resource tracker, once per process): no
    descriptor, process or thread left behind, the handlers restored; the configuration is not
    changed by the calls; and every round trains the same bits."""
    def notebooks_handler(signum, frame):
        raise KeyboardInterrupt

    earlier = {stop: signal.signal(stop, handler) for stop, handler in (
        (signal.SIGINT, notebooks_handler), (signal.SIGTERM, signal.SIG_IGN), (signal.SIGHUP, signal.SIG_DFL))}
    reused = training.TrainConfig(out=tmp_path / "net.h5", data=micro_data, workers=2, overwrite=True, **FAST)
    as_given = dataclasses.replace(reused)
    try:
        scores, states = [], []
        for _ in range(3):
            training.train(reused)
            assert reused == as_given and _same_weights(reused.out, straight)
            scores.append(evaluate.evaluate_checkpoint(reused.out, device="cpu"))
            report.write_report(tmp_path, figures=False)
            states.append(_process_state())
        assert states[0] == states[1] == states[2]
        assert states[2]["handlers"] == [notebooks_handler, signal.SIG_IGN, signal.SIG_DFL]
        assert scores[0] == scores[1] == scores[2]
    finally:
        for stop, handler in earlier.items():
            signal.signal(stop, handler)


@pytest.mark.parametrize("where", ["main-thread", "background-thread"])
def test_a_keyboard_interrupt_raised_by_the_callback_stops_the_run_with_a_checkpoint(straight, micro_data, tmp_path,
                                                                                     where):
    """A notebook's callback raises KeyboardInterrupt (its stop button; in a background thread,
    where SIGINT never reaches the run, the only way to stop it): the run stops as on SIGINT, with
    its checkpoint and Interrupted, and resume='auto' continues it to the same bits as a run never
    stopped, which evaluate_checkpoint scores there as here. The notebook's signal handlers are as
    they were."""
    out, handlers = tmp_path / "net.h5", _stop_handlers()
    call = (lambda function, *args, **kwargs: function(*args, **kwargs)) if where == "main-thread" else _in_thread

    def stop_button(done):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted, match="KeyboardInterrupt: stopped after iteration 3") as stopped:
        try:
            call(training.train, training.TrainConfig(out=out, data=micro_data, **FAST), on_iteration=stop_button)
        except training.Interrupted:  # a KeyboardInterrupt too, as Python's Ctrl-C
            raise
        except KeyboardInterrupt:  # escaped train(): it would end pytest's session, not this test
            pytest.fail("the callback's KeyboardInterrupt escaped train(), which wrote no checkpoint")
    assert stopped.value.iteration == 3 and checkpoints.load(stopped.value.checkpoint_path).solver.iteration == 3
    assert _stop_handlers() == handlers and not out.exists()
    call(training.train, training.TrainConfig(out=out, data=micro_data, resume="auto", **FAST))
    assert _same_weights(out, straight)
    scores = call(evaluate.evaluate_checkpoint, out, device="cpu")
    expected = evaluate.evaluate_checkpoint(straight, device="cpu")
    assert {**scores, "checkpoint": None} == {**expected, "checkpoint": None}


def test_evaluate_checkpoint_names_its_data_argument_not_the_command_line_option(micro_data, tmp_path):
    """The dataset a checkpoint was trained on, prepared again in its folder, then moved away: both
    refusals say which argument to give, `data`, as every library message names its fields (the
    command line shows them as --data)."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    training.train(training.TrainConfig(out=tmp_path / "net.h5", data=data, **FAST))
    synthetic.build_synthetic(data, **{**MICRO, "seed": 2}, overwrite=True)
    with pytest.raises(training.DataMismatch) as prepared_again:
        evaluate.evaluate_checkpoint(tmp_path / "net.h5", device="cpu")
    assert str(prepared_again.value).endswith(f"to score it on them anyway, give `data={str(data)!r}`")
    data.rename(tmp_path / "moved")
    with pytest.raises(training.ConfigError) as moved:  # `data` wanted, as train's copy_from wants it: no data at fault
        evaluate.evaluate_checkpoint(tmp_path / "net.h5", device="cpu")
    # the argument's name, not the option's; info67 added after it where to find the prepare command
    assert "give the folder where that dataset is now as `data`, or prepare it again" in str(moved.value)
    assert "--" not in str(prepared_again.value) + str(moved.value)


def test_build_synthetic_takes_numpy_integers_and_refuses_other_numbers_naming_them(tmp_path):
    """A notebook's sweep (np.arange) passes NumPy integers: the same dataset as Python's, byte for
    byte (before, a TypeError from meta.json's JSON once every image was generated). A float, a bool,
    a count of no images or a negative seed is a ValueError naming the parameter, before anything is
    written (before, a TypeError, an opaque NumPy error or bad data blaming skipped.txt)."""
    plain = synthetic.build_synthetic(tmp_path / "plain", **MICRO)
    swept = synthetic.build_synthetic(tmp_path / "swept", **{name: np.int64(value) for name, value in MICRO.items()})
    assert swept.fingerprint == plain.fingerprint
    for name, value in (("size", 14.0), ("classes", True), ("train_per_class", 0), ("seed", -1)):
        with pytest.raises(ValueError, match=f"^synthetic: {name} must be an integer (>= |\\d+\\.\\.)"):
            synthetic.build_synthetic(tmp_path / name, **{**MICRO, name: value})
        assert not (tmp_path / name).exists()


def test_a_grid_takes_a_notebooks_numpy_options_as_train_does(micro_data, tmp_path):
    """Options swept in a notebook (np.int64, np.float32, pathlib.Path): the grid trains its runs
    with the values train() would take from them (np.float32(0.01) is 0.009999999776482582, not the
    0.01 its str() gives), records them in experiment.json, and a rerun finds its runs finished
    (before: a TypeError writing experiment.json; with the numbers written, a rerun refused the
    grid's own runs as trained with other options)."""
    runs = experiment.plan_grid(layers=(1,), frozen=True, fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    options = {"data": pathlib.Path(micro_data), "batch_size": np.int64(8), "max_iter": np.int64(2),
               "eval_every": np.int64(2), "base_lr": np.float32(0.01), "device": "cpu"}
    first = scheduler.run_grid(runs, tmp_path / "grid", options, log=lambda line: None)
    assert (len(first.finished), first.failed) == (3, [])
    recorded = json.loads((tmp_path / "grid" / "random0" / "baseA.run" / "config.json").read_text())
    assert recorded["base_lr"] == np.float32(0.01).item() and recorded["max_iter"] == 2
    assert json.loads((tmp_path / "grid" / "experiment.json").read_text())["options"]["base_lr"] == recorded["base_lr"]
    again = scheduler.run_grid(runs, tmp_path / "grid", options, log=lambda line: None)
    assert (len(again.skipped), again.finished, again.failed) == (3, [], [])


@pytest.mark.parametrize("error", [
    training.Interrupted("SIGTERM: stopped after iteration 3", pathlib.Path("net.run/checkpoint.h5"), 3),
    run_lock.RunBusy("net.run is in use", 1234),
    lock.DatasetBusy("data is being prepared", [1234, 5678]),
    build.ClassesWithoutImages("no training image of 1 class", [3], [{"file": "a.jpg", "reason": "truncated"}]),
], ids=lambda error: type(error).__name__)
def test_exceptions_with_fields_survive_pickling(error):
    """A process pool sends a worker's exception back pickled: those with fields of their own must
    come back whole (before, unpickling them failed and broke the whole pool)."""
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)
    assert vars(again) == vars(error)


def _stop_at_3(done):
    if done == 3:
        raise KeyboardInterrupt


def test_a_process_pool_gets_back_an_interrupted_or_refused_run(micro_data, tmp_path):
    """A notebook trains networks in a ProcessPoolExecutor: an interrupted run and one refused for
    its busy run directory come back as Interrupted and RunBusy with their fields, and the pool
    goes on (before, both broke the pool: BrokenProcessPool for every run it held)."""
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        stopped = pool.submit(training.train, training.TrainConfig(out=tmp_path / "a.h5", data=micro_data, **FAST),
                              on_iteration=_stop_at_3).exception()
        assert isinstance(stopped, training.Interrupted) and stopped.iteration == 3
        assert checkpoints.load(stopped.checkpoint_path).solver.iteration == 3
        with run_lock.RunLock(tmp_path / "b.run"):
            busy = pool.submit(training.train, training.TrainConfig(out=tmp_path / "b.h5", data=micro_data,
                                                                    **FAST)).exception()
        assert isinstance(busy, run_lock.RunBusy) and busy.pid == os.getpid()
        finished = pool.submit(training.train, training.TrainConfig(out=tmp_path / "a.h5", data=micro_data,
                                                                    resume="auto", **FAST)).result()
    assert finished.iterations == FAST["max_iter"]


@pytest.mark.parametrize("options, message", [
    ({"max_iter": 0}, r"run random0/baseA: `max_iter` must be an integer 1\.\.2147483647, got 0"),
    ({"preset": "caffenet", "max_iter": 4}, r"run random0/baseA: preset caffenet takes 227x227 crops"),
], ids=["max-iter-0", "preset-too-large"])
def test_a_grid_whose_options_no_base_can_take_is_refused_before_anything_is_written(micro_data, tmp_path, options,
                                                                                     message):
    """Only the command line checked them: run_grid queued every run, and each failed in its
    train.log ("2 failed, 1 not run")."""
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    with pytest.raises(config.ConfigError, match=message):
        scheduler.run_grid(runs, tmp_path / "grid", {"data": micro_data, "device": "cpu", **options},
                           log=lambda line: None, poll_seconds=0.01)
    assert not (tmp_path / "grid").exists()
