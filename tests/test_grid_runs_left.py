"""What a grid on several slots says of the runs left, where a base fails while another run ends: the
transfers waiting for the failed base are not among the runs left, nor in the time they take."""

import errno
import functools
import sys
import textwrap

import pytest
import waiting
from click.testing import CliRunner
from test_experiment import OPTIONS
from test_grid_failures import FAKE_TRAIN, fake_train  # noqa: F401 (a fixture)
from test_grid_parent_killed import _ended

from minitransfer import experiment as grid
from minitransfer import scheduler

def _pid(run_folder):
    """The PID the fake train wrote in ``run_folder``, or None before it has."""
    try:
        return int((run_folder / "pid").read_text())
    except (OSError, ValueError):
        return None


# baseA warns, then fails; baseB ends once baseA has ended; the grid reads baseA's warning (its log, below)
# only once baseB has ended too: both ends are taken in one look, baseA's first (its slot's).
# Each writes its PID whole (a temporary renamed): baseB, reading a file baseA had created but not yet
# filled, looked up /proc//stat (the system's, no ")") and failed with an IndexError; and baseA reaped
# between baseB's look for /proc/PID and its open of /proc/PID/stat failed it with FileNotFoundError.
TRAIN = textwrap.dedent('''
    import json, os, pathlib, sys, time
    weights = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
    folder = weights.with_name(weights.stem + ".run")
    (folder / "pid.tmp").write_text(str(os.getpid()))
    os.replace(folder / "pid.tmp", folder / "pid")  # whole or absent: baseB reads it while baseA runs
    if weights.stem == "baseA":
        print("warning: about to fail", flush=True)
        sys.exit(1)
    if weights.stem == "baseB":
        def base_a_ended():  # gone, or a zombie its grid has not reaped yet (reaped as it is looked up: gone)
            pid = folder.with_name("baseA.run") / "pid"
            if not pid.exists():
                return False
            try:
                return open(f"/proc/{int(pid.read_text())}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
            except FileNotFoundError:
                return True
        while not base_a_ended():
            time.sleep(0.01)
    weights.write_text("weights")
    result = {"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": 0.5, "evaluations": 10}  # as train writes it
    (folder / "result.json").write_text(json.dumps(result))
''')


def test_the_runs_left_after_a_run_ends_leave_out_those_waiting_for_a_base_that_failed_meanwhile(tmp_path):
    """baseA failed and baseB finished in the same look of a grid on two slots: "done random0/baseB; 2
    runs left", counting A1B, which was "not run" on the next line."""
    out, train = tmp_path / "grid", tmp_path / "train.py"
    train.write_text(TRAIN)
    base_b = out / "random0" / "baseB.run"
    lines = []

    def log(line):
        if line.startswith("random0/baseA: warning: "):
            assert waiting.until(lambda: _pid(base_b) is not None and _ended(_pid(base_b)))
        lines.append(line)

    runs = grid.plan_grid(layers=(1,), fine_tuned=False)  # baseA, baseB, B1B, A1B
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=[sys.executable, str(train)],
                                 devices=(None, None), log=log, poll_seconds=0.01)
    assert outcome.failed == ["random0/baseA"] and outcome.blocked == ["random0/A1B"]
    done = next(line for line in lines if line.startswith("done random0/baseB"))
    assert "; 1 run left, about " in done, lines  # B1B alone
    assert lines.index("not run random0/A1B: its parent random0/baseA failed") < lines.index(done)


def test_the_grids_end_names_the_runs_not_run_and_the_base_they_waited_for(micro_data, tmp_path, monkeypatch):
    """baseA failed on a full disk, baseB too: the end named both, then said "2 not run" alone; which
    runs those were (a transfer per n and treatment of a real grid) was only in lines far above."""
    from minitransfer.cli import main

    train = tmp_path / "fake_train.py"
    train.write_text(FAKE_TRAIN)
    monkeypatch.setattr(scheduler, "run_grid", functools.partial(scheduler.run_grid, train_command=[
        sys.executable, str(train)]))
    monkeypatch.setenv("FAKE_ENDS", "baseA=74")
    out = tmp_path / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1,2",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu"])
    assert result.exit_code == 74, result.output
    assert ("\nrandom0/A1B, random0/A2B: not run, as random0/baseA, which they copy from, did not finish (a rerun "
            "trains them after it)\n3 trained, 0 already done, 1 failed, 2 not run (their base did not finish); ") \
        in result.output


def test_a_log_raising_on_a_failed_runs_line_loses_no_run(tmp_path, monkeypatch, fake_train):  # noqa: F811
    """The log raised as it was told "FAILED random0/baseA" (its reader gone: BrokenPipeError): the run,
    already taken from those training and not yet counted, was in none of the outcome's lists. Now it is
    counted failed before the line is written, and random0/A1B, which copies from it, not run."""
    monkeypatch.setenv("FAKE_ENDS", "baseA=1")

    def log(line):
        if line.startswith("FAILED "):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    runs = [run for run in grid.plan_grid(layers=(1,), fine_tuned=False) if run.name.endswith(("/baseA", "/A1B"))]
    with pytest.raises(BrokenPipeError) as raised:
        scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=fake_train, devices=(None,), log=log,
                           poll_seconds=0.01)
    outcome = raised.value.grid_outcome
    assert outcome.failed == ["random0/baseA"] and outcome.failure("random0/baseA").code == 1
    assert (outcome.blocked, outcome.not_started) == (["random0/A1B"], [])
