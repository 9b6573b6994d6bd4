"""A grid started beside a ``train -o`` that trains one of its runs by hand with other options (its own
--seed): the grid's dry run showed the run "being trained by PID P" and exited 0; the grid waited for it,
started its other runs meanwhile and refused the folder (exit 2) only once that train had ended. The
config.json a train writes as it starts records its options: the grid and its dry run compare them with the
plan up front, as they do a finished or interrupted run's, and refuse before anything starts, naming the
process and the difference, each side of it said whose it is."""

import os
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

import minitransfer
from minitransfer import experiment as grid
from minitransfer import grid_check, scheduler
from minitransfer.cli import main

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # random0/baseA, baseB, A1B

# Holds the run folder argv[1]'s lock, as a train running there does, until it is killed.
HOLD = """
import sys, time
from minitransfer import run_lock
with run_lock.RunLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def trained_by_hand(micro_data, tmp_path):
    """random0/baseA of the grid folder as a ``train -o`` (its own --seed 0) stands while it trains:
    its config.json written, no checkpoint, result or weights yet, its lock held by another process.
    Yields (grid folder, run folder, that process)."""
    out = tmp_path / "grid"
    weights = out / "random0" / "baseA.h5"
    folder = weights.with_suffix(".run")
    by_hand = CliRunner().invoke(main, ["train", "--data", micro_data, "--split", "random", "--half", "A",
                                        "--max-iter", "4", "--device", "cpu", "--quiet", "-o", str(weights)])
    assert by_hand.exit_code == 0, by_hand.output
    for path in (weights, folder / "checkpoint.h5", folder / "result.json"):
        path.unlink()
    assert (folder / "config.json").is_file()
    package_root = str(pathlib.Path(minitransfer.__file__).parent.parent)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=package_root))
    try:
        assert holder.stdout.readline() == "held\n"
        yield out, folder, holder
    finally:
        holder.kill()
        holder.wait()


def _options(micro_data):
    return {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu"}


def _seed_said(option="--seed"):
    """The seed's difference as the command line (--seed) or the library (`seed`) names it."""
    return (f"{option} 0 -> {grid.run_seed(0, RUNS[0])} (the run's own seed -> the one the grid's {option} 0 derives "
            f"for it)")


def test_the_dry_run_refuses_a_run_being_trained_with_other_options(trained_by_hand, micro_data):
    out, folder, holder = trained_by_hand
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 2, result.output
    assert f"{folder} is being trained by PID {holder.pid} with other options than this grid asks for " \
           f"({_seed_said()})" in result.output, result.output
    assert "Traceback" not in result.output


def test_the_grid_refuses_it_before_starting_anything(trained_by_hand, micro_data):
    out, folder, holder = trained_by_hand
    said = []

    def log(line):  # the grid waiting for it (the fault): let that train end, so that the grid ends too
        said.append(line)
        if "waiting for it" in line:
            holder.kill()
            holder.wait()

    failing = [sys.executable, "-c", "raise SystemExit(1)"]
    with pytest.raises(grid_check.GridMismatch) as refused:
        scheduler.run_grid(RUNS, out, _options(micro_data), train_command=failing, log=log, poll_seconds=0.01)
    assert f"{folder} is being trained by PID {holder.pid}" in str(refused.value)
    assert _seed_said("`seed`") in str(refused.value), str(refused.value)
    assert not (out / "random0" / "baseB.run").exists(), said  # nothing started


def test_a_run_being_trained_as_the_grid_asks_is_waited_for(trained_by_hand, micro_data):
    """The same run trained with the grid's own options (another grid's process, a SLURM task; the seed, the
    only difference above, the grid's for it): not refused, but waited for, as before."""
    out, folder, holder = trained_by_hand
    config = folder / "config.json"
    recorded = config.read_text()
    edited = recorded.replace('"seed": 0,', f'"seed": {grid.run_seed(0, RUNS[0])},')
    assert edited != recorded, recorded  # its seed recorded as "seed": 0, and the grid's another
    config.write_text(edited)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"[being trained by PID {holder.pid}] random0/baseA" in result.output, result.output
