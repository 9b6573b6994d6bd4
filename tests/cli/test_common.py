"""The command line's shared behaviour (``minitransfer/cli/_errors.py``, ``_output.py``) seen from outside, in a
subprocess where the process's own ending is tested (a reader gone, a full disk met by Python's last flush): what a
shell pipeline sees."""

import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from in_folder import invoke

from minitransfer.cli import main


@pytest.mark.parametrize("args", [["--help"], ["info", "--help"], ["splits", "DATA", "random"]],
                         ids=["group-help", "info-help", "splits"])
def test_output_to_a_closed_pipe_ends_quietly_with_141(synthetic_8, args):
    """``minitransfer splits DATA random | head -1``: the reader leaves early; the command stops
    silently with 128 + SIGPIPE, as a Unix tool killed by SIGPIPE, not with an I/O error (74)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-c", "from minitransfer.cli import main; main()",
                               *(str(synthetic_8) if arg == "DATA" else arg for arg in args)],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_that_is_not_the_output_is_still_an_io_error(tmp_path):
    """Only a closed standard output is quiet: a broken pipe elsewhere is reported (exit 74)."""
    script = ("import errno, sys\n"
              "from minitransfer.cli import _errors\n"
              "def work():\n"
              "    raise BrokenPipeError(errno.EPIPE, 'Broken pipe')\n"
              "_errors.run(work)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 74 and "Broken pipe" in done.stderr


@pytest.mark.parametrize("option, hint", [("--batch-size", " (a smaller --batch-size needs less)"), ("--out", "")],
                         ids=["with-batch-size", "without"])
def test_running_out_of_memory_is_one_line_not_a_traceback(option, hint):
    """A batch too large for this machine (NumPy's MemoryError names the array it could not allocate);
    a command without a batch (report) was told to make --batch-size smaller too."""
    script = ("import click\n"
              "from minitransfer.cli import _errors\n"
              "def work():\n"
              "    raise MemoryError('Unable to allocate 71.5 GiB for an array with shape "
              "(3, 5, 5, 16, 16, 1000000)')\n"
              "@click.command()\n"
              f"@click.option('{option}')\n"
              "def command(**_):\n"
              "    _errors.run(work)\n"
              "command([])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == (f"error: out of memory{hint}: Unable to allocate 71.5 GiB for an "
                                                    f"array with shape (3, 5, 5, 16, 16, 1000000)\n")


def documented_exit_codes(command):
    """The codes listed in the "Exit codes:" paragraph of ``minitransfer COMMAND --help``."""
    text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    paragraph = text.partition("Exit codes: ")[2].partition(" Example")[0]
    return {int(code) for code in re.findall(r"(?:^|, )(\d+) ", paragraph)}


@pytest.mark.parametrize("command, cases", [
    ("splits", [(["DATA", "random"], None, 0), (["DATA", "all", "--half", "A"], None, 2),
                (["EMPTY", "random"], None, 65), (["DATA", "random"], "/dev/full", 74)]),
    ("info", [(["WEIGHTS"], None, 0), (["EMPTY"], None, 2), (["EMPTY/file.h5"], None, 65),
              (["WEIGHTS"], "/dev/full", 74)]),
])
def test_each_exit_code_of_splits_and_info_is_in_their_help(micro_data, tmp_path, command, cases):
    """What a script calling the command can tell apart: every code it exits with, listed in --help
    (with 75, stopped by a signal, and 141, a reader gone: tested apart)."""
    (tmp_path / "EMPTY").mkdir()
    (tmp_path / "EMPTY" / "file.h5").write_bytes(b"")
    if command == "info":  # the weights info reads, trained in this process (what is tested is info's exit codes)
        trained = CliRunner().invoke(main, ["train", "--data", str(micro_data), "--max-iter", "1", "--batch-size",
                                            "4", "--device", "cpu", "--quiet", "-o", str(tmp_path / "net.h5")])
        assert trained.exit_code == 0, trained.output
    for args, output, code in cases:
        args = [{"DATA": micro_data, "WEIGHTS": "net.h5"}.get(arg, arg) for arg in args]
        if output is None:  # the command's own exit code, as click ends it: in this process
            done = invoke([command, *args], tmp_path)
            assert done.exit_code == code, (args, done.output)
            continue
        with open(output, "w") as stdout:  # a full disk: Python's last flush is a process's own
            done = subprocess.run([sys.executable, "-c", "from minitransfer.cli import main; main()", command, *args],
                                  cwd=tmp_path, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)
        assert done.returncode == code, (args, done.stderr)
    assert documented_exit_codes(command) == {code for _, _, code in cases} | {75, 141}


@pytest.mark.parametrize("command", ["splits", "info", "eval", "report"])
def test_each_command_that_prints_its_result_lists_74_and_141_in_its_help(command):
    """Output that cannot be written (a closed stdout, a full disk) and a reader gone (| head):
    eval and report had no Exit codes paragraph."""
    assert {0, 2, 65, 74, 141} <= documented_exit_codes(command)


def test_python_dash_m_minitransfer_is_the_command(tmp_path):
    """Where the venv's bin/ is not on PATH, ``python -m minitransfer`` is the command (it was "No
    module named minitransfer.__main__")."""
    done = subprocess.run([sys.executable, "-m", "minitransfer", "--help"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: minitransfer [OPTIONS] COMMAND [ARGS]...")
    refused = subprocess.run([sys.executable, "-m", "minitransfer", "info", "nothing.h5"], capture_output=True,
                             text=True, cwd=tmp_path, timeout=120)
    assert refused.returncode == 2 and "Usage: minitransfer info" in refused.stderr, refused.stderr


@pytest.mark.parametrize("args", [
    ["prepare", "synthetic", ""], ["prepare", "folder", "SOURCE", ""], ["report", "RUNS", "-o", ""],
    ["experiment", "--data", "DATA", "-o", "", "--layers", "1", "--dry-run"],
    ["experiment", "--data", "DATA", "-o", "grid", "--layers", "1", "--emit-slurm", ""], ["demo", "-o", ""]],
    ids=["prepare-synthetic", "prepare-folder", "report", "experiment", "emit-slurm", "demo"])
def test_an_empty_output_folder_is_a_usage_error_not_the_current_folder(synthetic_8, tmp_path, monkeypatch, args):
    """``-o "$OUT"`` with OUT unset: the commands wrote a dataset, a report or a grid into the
    folder they were run in."""
    (tmp_path / "source" / "cat").mkdir(parents=True)
    (tmp_path / "runs").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    given = {"DATA": str(synthetic_8), "SOURCE": str(tmp_path / "source"), "RUNS": str(tmp_path / "runs")}
    result = CliRunner().invoke(main, [given.get(arg, arg) for arg in args])
    assert result.exit_code == 2, result.output
    assert "is empty: name the folder to write into" in result.output
    assert list(work.iterdir()) == []
