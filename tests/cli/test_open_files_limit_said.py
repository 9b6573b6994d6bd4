"""A limit of open files reached (EMFILE, ENFILE) where an open was made unwrapped is said as that limit, with what
to raise, by the command line's one net for OSError (cli/_errors.run): `prlimit --nofile=5:5 minitransfer train`
said "error: I/O: [Errno 24] Too many open files: 'y.run/metrics.jsonl'" alone (fileio.last_lines' open), which
sends the user to that file's disk or permissions."""

import errno
import resource
import subprocess
import sys

import click
import pytest

from minitransfer.cli import _errors

LIMIT = 5  # the soft limit the train below runs under: Python starts, the dataset opens, a run file's open fails


def _said(work, capsys):
    """``_errors.run(work)`` inside a command: its exit code and stderr."""
    with click.Context(click.Command("command")), pytest.raises(SystemExit) as stopped:
        _errors.run(work)
    return stopped.value.code, capsys.readouterr().err


def _raise(error):
    def work():
        raise error
    return work


def _limit_words(said):
    return "limit of" in said and "open files" in said


@pytest.mark.parametrize("error", [OSError(errno.EMFILE, "Too many open files", "y.run/metrics.jsonl"),
                                   OSError("Unable to open file (unable to open file: name = 'a.h5', errno = 24, "
                                           "error message = 'Too many open files')")],  # h5py's: its errno in text
                         ids=["python", "h5py"])
def test_a_process_limit_reached_anywhere_says_the_limit_and_what_to_raise(capsys, monkeypatch, error):
    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, 1 << 20))
    code, said = _said(_raise(error), capsys)
    assert code == 74 and said.count("\n") == 1
    assert said.startswith("error: I/O: ") and "Too many open files" in said  # the system's words kept
    assert said.rstrip().endswith("limit of 256 open files (ulimit -n): raise it in the shell that runs the command "
                                  "(ulimit -n 4096) and rerun")  # at least 4096


def test_the_system_table_full_says_fs_file_max(capsys):
    code, said = _said(_raise(OSError(errno.ENFILE, "Too many open files in system", "x.h5")), capsys)
    assert code == 74 and "fs.file-max" in said and "x.h5" in said


def test_other_os_errors_and_those_said_already_get_no_limit_words(capsys):
    from minitransfer import fileio
    code, said = _said(_raise(PermissionError(errno.EACCES, "Permission denied", "out.h5")), capsys)
    assert code == 74 and not _limit_words(said)
    wrapped = fileio.storage_error("y", OSError(errno.EMFILE, "Too many open files"))  # fileio's, said already
    assert _limit_words(str(wrapped))
    code, said = _said(_raise(wrapped), capsys)
    assert code == 74 and said.count("limit of") == 1


def _lower_soft_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


def test_train_out_of_descriptors_says_the_limit(micro_data, tmp_path):
    """A real train whose process has 5 descriptors: whichever open meets the limit first, one line naming it."""
    done = subprocess.run([sys.executable, "-m", "minitransfer", "train", "--data", micro_data, "--preset", "micro",
                           "--max-iter", "2", "--out", str(tmp_path / "y")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, preexec_fn=_lower_soft_limit)
    error = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 74, done.stderr
    assert "Traceback" not in done.stderr
    assert f"limit of {LIMIT} open files (ulimit -n)" in error and "Too many open files" in error, error
