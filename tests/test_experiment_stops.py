"""The local scheduler of ``minitransfer.experiment`` where runs fail and where the grid is stopped:
a failed base, a run that fails, is killed or loses the race for its folder, a run log that cannot be
written; the grid killed or interrupted mid-grid and rerun, a closed terminal, two grids sharing one
folder (the fake ``train`` of test_experiment.py; split from that file, which ran alone the longest)."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import hangup
import interrupting
import pytest
import waiting

from minitransfer import experiment as grid
from minitransfer import fileio, grid_options, grid_runner, progress, scheduler
from minitransfer import train as training
from test_experiment import OPTIONS, events, fake_train_command, names


@pytest.fixture
def fake_train(tmp_path):
    return fake_train_command(tmp_path)


def test_a_failed_base_blocks_its_children_only(tmp_path, fake_train, monkeypatch):
    monkeypatch.setenv("FAKE_TRAIN_FAIL", "baseA")
    runs = grid.plan_grid(layers=(2,))
    out = tmp_path / "grid"
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lambda line: None, poll_seconds=0.01)
    assert outcome.failed == ["random0/baseA"]
    assert sorted(outcome.blocked) == ["random0/A2B", "random0/A2B+"]
    assert sorted(outcome.finished) == ["random0/B2B", "random0/B2B+", "random0/baseB"]
    assert outcome.exit_code == 1
    assert events(out, "random0/A2B") == []


def test_a_failed_run_is_reported_with_its_exit_code_or_the_signal_that_killed_it(tmp_path, fake_train, monkeypatch):
    monkeypatch.setenv("FAKE_TRAIN_FAIL", "baseA")
    monkeypatch.setenv("FAKE_TRAIN_KILL", "baseB")
    lines = []
    outcome = scheduler.run_grid(grid.plan_grid(layers=(1,)), tmp_path / "grid", OPTIONS, train_command=fake_train,
                                 log=lines.append, poll_seconds=0.01)
    assert sorted(outcome.failed) == ["random0/baseA", "random0/baseB"]
    failed = sorted(line for line in lines if line.startswith("FAILED"))
    assert failed[0].startswith("FAILED random0/baseA (exit 1); see ") and failed[0].endswith("baseA.run/train.log")
    assert failed[1].startswith("FAILED random0/baseB (killed by SIGKILL); see ")


def test_a_run_whose_folder_was_deleted_while_it_trained_is_not_sent_to_its_log(tmp_path):
    """rm -r OUT/random0/baseA.run while baseA trained: the grid said "see .../baseA.run/train.log", a
    file deleted with its folder."""
    deleting = tmp_path / "deleting_train.py"
    deleting.write_text(textwrap.dedent('''
        import pathlib, shutil, sys
        weights = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
        shutil.rmtree(weights.with_name(weights.stem + ".run"))
        sys.exit(74)
    '''))
    lines, out = [], tmp_path / "grid"
    scheduler.run_grid(grid.plan_grid(layers=(1,))[:1], out, OPTIONS, train_command=[sys.executable, str(deleting)],
                       log=lines.append, poll_seconds=0.01)
    assert f"FAILED random0/baseA (exit 74); {out / 'random0' / 'baseA.run'} was deleted while it trained, and its " \
           f"output (train.log) with it; repeat the same call to train it from the start" in lines


@pytest.mark.parametrize("winner", ["stops", "finishes"])
def test_a_run_that_loses_the_race_for_its_folder_is_not_failed(tmp_path, fake_train, monkeypatch, winner):
    """Between the grid's look at random0/baseA's lock and its train's, another process (a grid with
    the same options, a hand `train`) took the run: the train exits 2. Once that one has ended the
    run is counted done by it, or, stopped unfinished there, trained here again; not FAILED."""
    monkeypatch.setenv("FAKE_TRAIN_RACE", "baseA")
    monkeypatch.setenv("FAKE_TRAIN_RACE_WINNER", winner)
    lines = []
    outcome = scheduler.run_grid(grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), tmp_path / "grid",
                                 OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and outcome.failed == [], lines
    assert not any(line.startswith("FAILED") for line in lines)
    trained_here = [e["event"] for e in events(tmp_path / "grid", "random0/baseA")]
    if winner == "stops":
        assert trained_here == ["start", "finished"] and "random0/baseA" in outcome.finished
        assert any(line.startswith("random0/baseA was taken by another process, which stopped it unfinished")
                   for line in lines), lines
    else:
        assert trained_here == [] and outcome.elsewhere == ["random0/baseA"]
    assert sorted(outcome.finished + outcome.elsewhere) == ["random0/A1B", "random0/baseA", "random0/baseB"]


def test_a_run_that_loses_the_race_for_its_folder_again_after_its_second_start_fails(tmp_path, fake_train,
                                                                                     monkeypatch):
    """Started again once after losing its folder to a process that stopped it; lost again, it fails
    (a loop of starts against another process taking it each time would never end)."""
    monkeypatch.setenv("FAKE_TRAIN_RACE", "baseA")
    monkeypatch.setenv("FAKE_TRAIN_RACES", "2")
    lines = []
    outcome = scheduler.run_grid(grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), tmp_path / "grid",
                                 OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert outcome.failed == ["random0/baseA"] and outcome.blocked == ["random0/A1B"]
    assert (tmp_path / "grid" / "random0" / "baseA.run" / "races").read_text() == "xx"
    assert any(line.startswith("FAILED random0/baseA (exit 2") for line in lines), lines


def _interrupted_checkpoint(data, folder, iteration, max_iter):
    """The checkpoint.h5 of a run of ``max_iter`` iterations stopped (as SIGTERM stops it) after ``iteration``."""

    def interrupt(done):
        if done == iteration:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(data=data, out=str(folder / "net.h5"), max_iter=max_iter, batch_size=4,
                                            device="cpu", quiet=True), on_iteration=interrupt)
    return folder / "net.run" / "checkpoint.h5"


def test_each_run_that_ends_says_how_many_are_left_and_when_the_grid_ends(tmp_path, fake_train, micro_data,
                                                                         monkeypatch):
    """Someone watching a grid of hours sees after each run the runs left, their time and the hour the
    grid ends, from the pace of the runs trained so far: by iterations (the runs on all classes train
    twice as many here, as in the demo), an interrupted run counting only what its checkpoint has
    left (baseB: 1 of its 4). A fake clock: each run takes 10 s, and the time is 1e9."""
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_frozen=(1,))
    assert names(runs) == ["random0/baseA", "random0/baseB", "random0/A1B", "all/base", "all/random1"]
    options = dict(OPTIONS, **{grid_options.ALL_CLASSES: {"max_iter": 2 * OPTIONS["max_iter"]}})  # 20, 20, 20, 40, 40
    saved = _interrupted_checkpoint(micro_data, tmp_path / "stopped", iteration=1, max_iter=4)
    grid.run_dir(out, runs[1]).mkdir(parents=True)
    shutil.copy(saved, grid.run_dir(out, runs[1]) / "checkpoint.h5")
    monkeypatch.setattr(grid_runner.time, "monotonic", lambda: 10.0 * len(list(out.glob("**/result.json"))))
    monkeypatch.setattr(grid_runner.time, "time", lambda: 1e9)
    lines = []
    outcome = scheduler.run_grid(runs, out, options, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0
    done = [line for line in lines if line.startswith("done ")]
    # baseA: 20 iterations in 10 s; left: baseB's 15 (3/4 of 20), A1B's 20 and 40 + 40 on all classes, 115 x 0.5 s
    until = progress.dated(time.localtime(1e9 + 57.5))
    assert done[0] == f"done random0/baseA (10 s): mean of 10 best 0.5500; 4 runs left, about 58 s (until {until})"
    assert [line.split("; ")[1].split(",")[0] for line in done[1:-1]] == ["3 runs left", "2 runs left", "1 run left"]
    assert done[-1] == "done all/random1 (10 s): mean of 10 best 0.5500"


def test_a_run_of_fewer_than_10_evaluations_is_said_to_end_with_the_mean_of_them_all(tmp_path, fake_train,
                                                                                      monkeypatch):
    monkeypatch.setenv("FAKE_TRAIN_EVALUATIONS", "3")
    lines = []
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_frozen=())[:1]
    assert scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=fake_train, log=lines.append,
                              poll_seconds=0.01).exit_code == 0
    assert [line.split(" (", 1)[0] + ": " + line.split(": ", 1)[1] for line in lines if line.startswith("done ")] == \
        ["done random0/baseA: mean of all 3 evaluations 0.5500"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, where every write is ENOSPC")
def test_a_run_log_that_cannot_be_written_is_a_storage_error_naming_it(tmp_path, fake_train):
    """Not a bare "[Errno 28] No space left on device": the file, the space and how to go on."""
    runs = grid.plan_grid(layers=(1,))
    out = tmp_path / "grid"
    log = out / "random0" / "baseA.run" / "train.log"
    log.parent.mkdir(parents=True)
    log.symlink_to("/dev/full")  # the disk fills as the scheduler starts the first run
    with pytest.raises(fileio.StorageError, match=rf"cannot write {log}: No space left on device .* free some space"):
        scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lambda line: None, poll_seconds=0.01)
    assert events(out, "random0/baseA") == []


DRIVER = textwrap.dedent('''
    import json, os, signal, sys
    from minitransfer import experiment as grid
    from minitransfer import scheduler
    from minitransfer.grid_outcome import GridInterrupted
    out, fake = sys.argv[1], sys.argv[2:]
    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C as in a terminal, even when the tests run where SIGINT is ignored (a background job
    # inherits that, and Python then installs no KeyboardInterrupt handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    runs = grid.plan_grid(layers=tuple(int(n) for n in os.environ.get("LAYERS", "1,2,3").split(",")))
    try:
        outcome = scheduler.run_grid(runs, out, {"preset": "mini"}, train_command=fake, devices=(None,),
                                     log=lambda line: print(line, flush=True), poll_seconds=0.01)
    except GridInterrupted as stop:  # its runs stopped and counted
        outcome = stop.grid_outcome
    sys.exit(outcome.exit_code)
''')


def _start_driver(tmp_path, out, fake_train, layers="1,2,3", hold_after=None):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    env = dict(os.environ, FAKE_TRAIN_SECONDS="0.4", LAYERS=layers)
    if hold_after is not None:
        env["FAKE_TRAIN_HOLD_AFTER"] = str(hold_after)
    return subprocess.Popen([sys.executable, str(driver), str(out)] + fake_train, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_until_mid_grid(out, runs, process, finished=4):
    """Until ``finished`` runs have results and the next one, held (``hold_after=finished``), has started training
    and written its PID: on a loaded machine a run of 0.4 s could end between this look and the test's signal, which
    then found the grid between two runs (none cut), or its training not yet killable (no PID written)."""
    def mid_grid():
        done = [run for run in runs if (out / f"{run.name}.run" / "result.json").exists()]
        started = [run for run in runs if run not in done and events(out, run.name)
                   and (out / f"{run.name}.run" / "pid").exists()]
        return len(done) >= finished and started

    waiting.until_while_running(mid_grid, process, f"the grid past {finished} runs")


@pytest.mark.parametrize("how", ["sigint", "sigkill"], ids=["ctrl-c", "crash"])
def test_killing_the_experiment_mid_grid_then_rerunning_redoes_no_finished_run(tmp_path, fake_train, how):
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1, 2))  # 10 runs: 4 or more finished, 1 cut, the rest not started yet
    first = _start_driver(tmp_path, out, fake_train, layers="1,2", hold_after=4)
    _wait_until_mid_grid(out, runs, first)
    if how == "sigint":
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=waiting.DEADLINE_SECONDS) == 75
    else:
        os.killpg(first.pid, signal.SIGKILL)  # the experiment dies at once ...
        first.wait(timeout=waiting.DEADLINE_SECONDS)
        for pid_file in out.glob("*/*.run/pid"):  # ... and so does the training it was running
            folder = pid_file.parent
            if not (folder / "result.json").exists():
                pid = pid_file.read_text().strip()  # empty if it was killed while writing it
                try:
                    os.kill(int(pid), signal.SIGKILL) if pid else None
                except ProcessLookupError:
                    pass
    done_before = {run.name for run in runs if (out / f"{run.name}.run" / "result.json").exists()}
    cut = [run.name for run in runs if events(out, run.name) and run.name not in done_before]
    assert 4 <= len(done_before) < len(runs) and len(cut) == 1
    first.stdout.close()

    second = _start_driver(tmp_path, out, fake_train, layers="1,2")
    output = second.communicate(timeout=waiting.DEADLINE_SECONDS)[0].decode()
    assert second.returncode == 0, output
    assert f"{len(done_before)} of {len(runs)} runs already finished" in output
    for run in runs:
        kinds = [e["event"] for e in events(out, run.name)]
        assert kinds.count("finished") == 1, (run.name, kinds)
        if run.name in done_before:
            assert kinds == ["start", "finished"], run.name
    interrupted = [e["event"] for e in events(out, cut[0])]
    if how == "sigint":
        assert interrupted == ["start", "interrupted", "resume", "finished"]
    else:
        assert interrupted == ["start", "start", "finished"]


def test_sigint_stops_an_experiment_started_with_sigint_ignored(tmp_path):
    """A shell script's background job (`minitransfer experiment ... &`) starts with SIGINT ignored,
    which Python leaves so: `kill -INT` must still stop the grid as Ctrl-C does (its training writes
    a checkpoint, exit 75), not let it train on to the end."""
    from minitransfer import checkpoint as checkpoints
    from minitransfer.data import synthetic

    data, out = tmp_path / "data", tmp_path / "grid"
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    base = out / "random0" / "baseA.run"
    command = grid.default_train_command()[:-1] + [
        "experiment", "--data", str(data), "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter", "100000",
        "--device", "cpu"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        waiting.until_while_running(lambda: waiting.losses_logged(base / "metrics.jsonl"), process, "baseA trains")
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=waiting.DEADLINE_SECONDS)[0]
    finally:
        process.kill()
        interrupting.kill_left_running(base)  # a training left running by a grid that ignored the signal
    assert process.returncode == 75, output
    assert "interrupted: rerun the same command to finish the grid" in output
    assert "interrupted random0/baseA (exit 75, checkpoint written)" in output
    assert f"0 trained, 0 already done, 0 failed, 1 stopped with a checkpoint, 3 not started (a rerun trains them); " \
           f"results in {out}" in output, output
    assert checkpoints.load(base / "checkpoint.h5").solver.iteration >= 10
    assert not (base / "result.json").exists() and not (out / "random0" / "baseA.h5").exists()


def test_a_closed_terminal_stops_an_experiment_and_its_training_with_exit_75(micro_data, tmp_path):
    """The ssh connection of the terminal an experiment runs in drops: SIGHUP reaches the grid (its
    trainings run in sessions of their own), which stops its training as Ctrl-C does (a checkpoint,
    exit 75), and ends with exit 75 itself though nothing it says can be shown any more."""
    out = tmp_path / "grid"
    base = out / "random0" / "baseA.run"
    command = grid.default_train_command()[:-1] + [
        "experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter", "100000",
        "--device", "cpu"]
    process, ours = hangup.start(command, tmp_path, "terminal")
    try:
        hangup.wait_for(base / "metrics.jsonl", process, ours)  # baseA trains
        hangup.hang_up(process, ours, "terminal")
        process.wait(timeout=waiting.DEADLINE_SECONDS)
    finally:
        process.kill()
        pid = interrupting.kill_left_running(base)  # a training left running by a grid that did not stop it
    assert process.returncode == 75 and pid is None
    assert "interrupted: SIGINT" in (base / "train.log").read_text()
    assert (base / "checkpoint.h5").is_file()


def test_two_experiments_on_one_grid_share_the_runs_instead_of_training_them_twice(tmp_path, fake_train):
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1, 2))
    drivers = [_start_driver(tmp_path, out, fake_train, layers="1,2") for _ in range(2)]
    outputs = [driver.communicate(timeout=waiting.DEADLINE_SECONDS)[0].decode() for driver in drivers]
    assert [driver.returncode for driver in drivers] == [0, 0], outputs
    for run in runs:
        kinds = [e["event"] for e in events(out, run.name)]
        assert kinds == ["start", "finished"], (run.name, kinds)
    assert all("by another process" in output for output in outputs)
