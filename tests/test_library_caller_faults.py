"""What a notebook's own code does to a call of minitransfer: a grid's `log` that raises on a
run's start line stops the grid with every run in its outcome; a training with loader workers
leaves the start method of multiprocessing unset; a warning said once per process, dropped by a
quiet call, is said by the next."""

import errno
import fcntl
import os
import pathlib
import signal
import subprocess
import sys

import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment, file_locks, scheduler
from minitransfer.grid_outcome import GridInterrupted
from minitransfer import train as training
from minitransfer.data import dataset, integrity
from test_experiment import OPTIONS, events, fake_train  # noqa: F401 (a fixture)
from test_library_api import FAST
from test_train_faults import _flock_failing_with
from waiting import until


class LogFailed(Exception):
    pass


def _run_with_failing_log(tmp_path, monkeypatch, fake_train, fails, failure=LogFailed):  # noqa: F811
    """Run a grid of two slots whose log raises ``failure`` on each line ``fails(line)`` says, once its first
    run is training (its handler set); returns the error the grid raised, and the name of that first run."""
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "30")  # the first run still trains as the second starts
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out, started = tmp_path / "grid", []

    def log(line):
        if started and fails(line):
            assert until(lambda: events(out, started[0]))  # the first run is training, its handler set
            raise failure(line)
        if line.startswith(f"[1/{len(runs)}] start "):
            started.append(line.split()[2])

    with pytest.raises(failure) as raised:
        scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, devices=(None, None), log=log,
                           poll_seconds=0.01)
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and outcome.stopped == started
    assert sorted(outcome.not_started) == sorted(run.name for run in runs if run.name not in started)
    assert outcome.finished + outcome.failed + outcome.blocked + outcome.training_elsewhere == []
    return raised.value, len(runs)


def test_a_log_raising_on_a_start_line_loses_no_run(tmp_path, monkeypatch, fake_train):  # noqa: F811
    """The log raised as it was told the second run's start (a notebook's widget closed): that run
    was in none of the outcome's lists, started nor not started. Now the grid stops as for any
    error, the first run stopped with its checkpoint, the others not started: each run counted once."""
    _run_with_failing_log(tmp_path, monkeypatch, fake_train, lambda line: line.startswith("[2/"))


def test_a_log_raising_on_every_line_as_the_grid_stops_loses_no_run(tmp_path, monkeypatch, fake_train):  # noqa: F811
    """The log raised on every line once a run had started: stopping, the grid's log dropped only an
    OSError, so the log's error on "interrupted RUN" left the runs after it uncounted and replaced the
    error that stopped the grid, without its grid_outcome. Now every run is counted, and the first
    error raised (the second run's start line's) carries the outcome."""
    raised, total = _run_with_failing_log(tmp_path, monkeypatch, fake_train, lambda line: True)
    assert str(raised).startswith(f"[2/{total}] start ")


@pytest.mark.parametrize("failure, first",
                         [(KeyboardInterrupt, "interrupted random0/base"), (SystemExit, "[2/3] start ")],
                         ids=["keyboard-interrupt", "system-exit"])
def test_a_log_raising_a_base_exception_as_the_grid_stops_loses_no_run(tmp_path, monkeypatch, fake_train,  # noqa: F811
                                                                        failure, first):
    """The log raised a KeyboardInterrupt or SystemExit (no Exception: a notebook's widget, a callback
    calling sys.exit) on every line once a run had started: stopping, the grid's log kept only an
    Exception, so the one raised on "interrupted RUN" escaped the stop, leaving the runs after it
    uncounted, and came without the grid's outcome. Now every run is counted, and the first one
    raised as the grid stops carries the outcome: the SystemExit of the second run's start line; a
    KeyboardInterrupt there stops the grid as Ctrl-C does, and the one of the line after it is raised."""
    raised, _ = _run_with_failing_log(tmp_path, monkeypatch, fake_train, lambda line: True, failure)
    assert str(raised).startswith(first)


def test_a_log_raising_as_an_interrupted_grid_ends_carries_its_outcome(tmp_path, monkeypatch, fake_train):  # noqa: F811
    """Its run stopped (exit 75, as Ctrl-C stops it), the grid's log raised on its last line ("interrupted:
    rerun ..."): the error came without the grid's outcome. Now it carries it, every run counted."""
    monkeypatch.setenv("FAKE_TRAIN_SAY", "warning: training")  # relayed once the run has set its handler
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "30")
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out, first = tmp_path / "grid", runs[0].name

    def log(line):
        if line == f"{first}: warning: training":
            os.kill(events(out, first)[0]["pid"], signal.SIGINT)
        if line.startswith("interrupted: "):
            raise LogFailed(line)

    with pytest.raises(LogFailed) as raised:
        scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=log, poll_seconds=0.01)
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and outcome.stopped == [first]
    assert outcome.not_started == [run.name for run in runs[1:]]
    assert [event["event"] for event in events(out, first)] == ["start", "interrupted"]


def test_a_stop_ends_a_notebooks_loop_of_grids(tmp_path, monkeypatch, fake_train):  # noqa: F811
    """Ctrl-C as the first grid of a notebook's loop (`for seed in (1, 2): run_grid(...)`) trained: the grid
    stopped its run and returned its interrupted outcome, and the loop went on to the next grid, which
    trained to its end. Now the stop raises a KeyboardInterrupt, as train's Interrupted is, carrying the
    outcome (its run stopped with its checkpoint, the others not started): the second grid never starts."""
    monkeypatch.setenv("FAKE_TRAIN_SAY", "warning: training")  # relayed once the run has set its handler
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", "30")
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    first, grids, lines = runs[0].name, [], []

    def log(line):
        lines.append(line)
        if line == f"{first}: warning: training":  # Ctrl-C, as the grid's first run trains
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(GridInterrupted) as raised:  # a KeyboardInterrupt
        for seed in (1, 2):
            grids.append(tmp_path / f"seed{seed}")
            scheduler.run_grid(runs, grids[-1], dict(OPTIONS, seed=seed), train_command=fake_train, log=log,
                               poll_seconds=0.01)
    assert grids == [tmp_path / "seed1"] and not (tmp_path / "seed2").exists()
    assert raised.value.__suppress_context__  # one traceback, the stop's: not "during handling of" another
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and outcome.stopped == [first] and outcome.exit_code == 75
    assert outcome.not_started == [run.name for run in runs[1:]]
    assert [event["event"] for event in events(grids[0], first)] == ["start", "interrupted"]
    said = "interrupted: repeat the same call to finish the grid: it keeps the runs finished"
    assert lines[-1].startswith(said), lines


def test_a_training_with_workers_leaves_the_start_method_to_the_program(micro_data, tmp_path):
    """A training with loader workers (spawned) fixed the process's default start method (Python's
    spawn asks for it): the program's own `multiprocessing.set_start_method` after it raised "context
    has already been set". Now it is still unset, and the program sets it."""
    program = (f"import multiprocessing\n"
               f"from minitransfer import train as training\n"
               f"training.train(training.TrainConfig(out={str(tmp_path / 'net.h5')!r}, data={str(micro_data)!r}, "
               f"workers=1, **{FAST!r}))\n"
               f"print(multiprocessing.get_start_method(allow_none=True))\n"
               f"multiprocessing.set_start_method('spawn')\n"
               f"print(multiprocessing.get_start_method())\n")
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[1])})
    assert (ran.returncode, ran.stdout) == (0, "None\nspawn\n"), ran.stderr
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]


def test_a_warning_said_once_per_process_is_said_after_a_quiet_call(micro_data, tmp_path, monkeypatch, capfd):
    """A file system without locks: its warning, said once per file system and process, was dropped
    under quiet=True yet counted as said, so the next call, not quiet, said nothing of it."""
    monkeypatch.setattr(fcntl, "flock", _flock_failing_with(errno.ENOLCK))
    monkeypatch.setattr(file_locks, "_UNLOCKED_DEVICES", set())
    training.train(training.TrainConfig(out=tmp_path / "quiet.h5", data=micro_data, **FAST))
    assert capfd.readouterr() == ("", "")
    training.train(training.TrainConfig(out=tmp_path / "loud.h5", data=micro_data, **{**FAST, "quiet": False}))
    assert capfd.readouterr().err.count("does not support file locks (flock: ") == 1  # the data's or the run's
    training.train(training.TrainConfig(out=tmp_path / "again.h5", data=micro_data, **{**FAST, "quiet": False}))
    assert "does not support file locks" not in capfd.readouterr().err  # said, it is not said again


def test_an_unwritable_record_of_intact_files_is_said_after_a_quiet_call(micro_data, tmp_path, monkeypatch, capfd):
    """The dataset's record of its intact files could not be written (MINITRANSFER_CACHE a file): said
    once per process and dataset, it was dropped under quiet=True yet counted as said, so a later
    check of the dataset's files (prepared again), not quiet, said nothing of it."""
    (tmp_path / "cache").write_text("")
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(integrity, "_intact_files", set())  # as a fresh process: every file is hashed
    monkeypatch.setattr(integrity, "_unrecorded_warned", set())
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)  # the files count as settled, so a record is due
    training.train(training.TrainConfig(out=tmp_path / "quiet.h5", data=micro_data, **FAST))
    assert capfd.readouterr() == ("", "")
    monkeypatch.setattr(integrity, "_intact_files", set())  # its files prepared again: hashed again
    dataset.open_dataset(micro_data).check_checksums()
    said = capfd.readouterr().err
    assert said.startswith(f"warning: cannot record the files of {micro_data} found intact ("), said
