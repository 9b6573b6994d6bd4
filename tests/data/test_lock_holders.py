"""What a prepare is told about the process that holds its OUT: another prepare writing there ("being
prepared", wait or give another OUT, where it said only "in use"), a training reading it, or a
training whose run folder it is; each named by the command it runs where this machine can tell
(:func:`minitransfer.lock_holder.command_of`), by its PID alone where not (a script calling the library)."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from minitransfer import lock_holder
from minitransfer.cli import main
from minitransfer.data import lock, synthetic
from waiting import until

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
PREPARE = ["prepare", "synthetic", "--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed", "1",
           "--size", "16", "--overwrite"]

# A stand-in for the minitransfer script (its /proc/PID/cmdline: the interpreter, the script, the command typed)
# that holds OUT's lock as the command it is given does, until its stdin closes.
HOLDER = """
import pathlib, sys
from minitransfer import run_lock
from minitransfer.data import lock
out = sys.argv[-1]
with (lock.shared(out) if sys.argv[1] == "eval" else run_lock.RunLock(out)):
    pathlib.Path(out, "held").touch()
    sys.stdin.read()
"""


@pytest.fixture
def out(tmp_path):
    return synthetic.build_synthetic(tmp_path / "data", **TINY).path


def _prepare(out):
    return CliRunner().invoke(main, [*PREPARE[:2], str(out), *PREPARE[2:]])


def test_a_second_prepare_is_told_out_is_being_prepared_by_the_first(out):
    with lock.writing(out):  # what a running prepare holds (here a library call: no command to name)
        result = _prepare(out)
    assert result.exit_code == 2, result.output
    assert result.output == (f"error: {out} is being prepared by another minitransfer process (PID {os.getpid()}): "
                             f"wait for it to finish, or give another OUT\n")


@pytest.mark.parametrize("typed, said", [
    (["prepare", "folder", "photos"], "is being prepared by another minitransfer process (minitransfer prepare "
                                      "folder, PID {pid}): wait for it to finish, or give another OUT"),
    (["train", "--data", "x", "-o"], "is in use by another minitransfer process (minitransfer train, PID {pid}), "
                                     "which writes there: give another OUT"),
    (["eval", "net.h5", "--data"], "is being read by another minitransfer process (minitransfer eval, PID {pid}); "
                                   "preparing it would replace the files it reads"),
], ids=["prepare", "train-into-it", "eval-reading"])
def test_the_holder_is_named_by_the_command_it_runs(out, tmp_path, typed, said):
    script = tmp_path / "bin" / "minitransfer"
    script.parent.mkdir()
    script.write_text(HOLDER)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen([sys.executable, str(script), *typed, str(out)], stdin=subprocess.PIPE, env=environment)
    try:
        assert until(lambda: (out / "held").exists() or holder.poll() is not None) and holder.poll() is None
        command = f"minitransfer {' '.join(typed[:2 if typed[0] == 'prepare' else 1])}"
        assert lock_holder.command_of(holder.pid) == command
        result = _prepare(out)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert result.exit_code == 2, result.output
    assert f"error: {out} {said.format(pid=holder.pid)}" in " ".join(result.output.split())


def test_a_process_that_is_not_the_command_line_has_no_command(tmp_path):
    assert lock_holder.command_of(os.getpid()) is None  # pytest
    assert lock_holder.command_of(lock_holder.Holder(os.getpid(), host="node7")) is None  # a PID of another machine
    assert lock_holder.command_of(-1) is None and lock_holder.command_of(None) is None
