"""What the commands write, where it cannot go: a standard output closed (``>&-``) or on a full
disk (/dev/full), a stderr closed (``2>&-``), names that would split a line of text, numbers
that JSON cannot hold. The standard streams' faults in a subprocess, its output buffered as a
user's is (a failed write then leaves its bytes for Python's last flush, which exited with 120)."""

import json
import os
import shutil
import subprocess
import sys
import types

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

import hangup
import test_report
from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset, splits as split_lib, synthetic
from minitransfer.data import shard_format

CLOSED = ("error: standard output is closed: nothing could be written (to discard the output, send it to /dev/null: "
          "> /dev/null)\n")
FULL = "error: standard output could not be written: No space left on device\n"
FAST = {"preset": "micro", "batch_size": 4, "max_iter": 1, "eval_every": 1, "quiet": True, "device": "cpu"}


# ``python -m minitransfer`` whose figures are placeholders, not matplotlib's (as tests/conftest.py's
# placeholder_figures fixture makes them in-process): for commands whose figures no test looks at
PLACEHOLDER_FIGURES = ("import runpy; from minitransfer import figures; figures.render = lambda figure, suffix: "
                       "f'placeholder {suffix}, not rendered\\n'.encode(); "
                       "runpy.run_module('minitransfer', run_name='__main__', alter_sys=True)")


def minitransfer(args, cwd, stdout=subprocess.PIPE, close=(), placeholder_figures=False):
    """``minitransfer ARGS`` in a subprocess with the descriptors ``close`` closed (1: ``>&-``, 2:
    ``2>&-``): its exit code, stdout (None where it was not a pipe) and stderr. ``placeholder_figures``:
    its report's figures not rendered (seconds of matplotlib saved)."""
    command = ["-c", PLACEHOLDER_FIGURES] if placeholder_figures else ["-m", "minitransfer"]
    done = subprocess.run([sys.executable, *command, *map(str, args)], cwd=cwd, stdout=stdout,
                          stderr=subprocess.PIPE if 2 not in close else None, text=True, timeout=300,
                          env=hangup.buffered_environment(), preexec_fn=lambda: [os.close(fd) for fd in close])
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def network(micro_data, tmp_path_factory):
    """A network trained for one iteration on ``micro_data``: its weights file."""
    out = tmp_path_factory.mktemp("network") / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, **FAST))
    return out


@pytest.mark.parametrize("args", [
    ["info", "NET"], ["info", "NET", "--json"], ["splits", "DATA", "random"], ["eval", "NET", "--device", "cpu"],
    ["report", "EMPTY"], ["train", "--data", "DATA", "--max-iter", "1", "--device", "cpu", "-o", "new.h5"],
    ["--version"], ["splits", "--help"],
], ids=["info", "info-json", "splits", "eval", "report", "train", "version", "help"])
def test_a_closed_output_is_refused_before_the_command_starts(micro_data, network, tmp_path, args):
    """``minitransfer info A4B.h5 >&-`` printed nothing and exited 0: Python sets sys.stdout to None
    where descriptor 1 is closed, and every print goes nowhere. Refused before any work: report of
    a folder without runs would fail with 1, train would write new.h5."""
    (tmp_path / "EMPTY").mkdir()
    args = [{"NET": network, "DATA": micro_data}.get(arg, arg) for arg in args]
    assert minitransfer(args, tmp_path, stdout=None, close=(1,)) == (74, None, CLOSED)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["EMPTY"]


@pytest.mark.parametrize("args, code", [
    (["splits", "MISSING", "random"], 2), (["splits", "EMPTY", "random"], 65), (["info", "EMPTY/net.h5"], 65),
    (["splits", "DATA", "all", "--per-class", "9"], 0),
], ids=["usage", "bad-data", "bad-checkpoint", "note"])
def test_a_closed_stderr_drops_the_messages_and_keeps_the_exit_code(micro_data, tmp_path, monkeypatch, args,
                                                                    code):
    """``minitransfer splits MISSING random 2>&-`` printed its usage error on stdout: without a
    stderr (sys.stderr None) click and print(file=sys.stderr) write on stdout. What stdout carries
    is the command's output, the same as with stderr open; the exit code is what is left to say."""
    (tmp_path / "EMPTY").mkdir()
    (tmp_path / "EMPTY" / "net.h5").write_bytes(b"not a checkpoint")
    args = [micro_data if arg == "DATA" else arg for arg in args]
    monkeypatch.chdir(tmp_path)  # the same command with stderr open, in-process (its streams apart): what it says
    expected = CliRunner().invoke(main, args, prog_name="minitransfer")
    assert expected.exit_code == code and expected.stderr
    assert minitransfer(args, tmp_path, close=(2,)) == (code, expected.stdout, None)


@pytest.mark.parametrize("args, code", [
    (["splits", "MISSING", "random"], 2), (["splits", "DATA", "all", "--half", "A"], 2), (["--bogus"], 2),
    (["splits", "EMPTY", "random"], 65),
], ids=["missing-path", "bad-option-value", "unknown-option", "bad-data"])
def test_errors_whose_stderr_is_on_a_full_disk_keep_their_exit_code(micro_data, tmp_path, args, code):
    """``minitransfer splits MISSING random 2> log`` on a full disk: click's usage error, which
    stderr refused, escaped as an OSError, and Python's last flush of stderr failed again: exit code
    120 for a usage error (2)."""
    (tmp_path / "EMPTY").mkdir()
    args = [micro_data if arg == "DATA" else arg for arg in args]
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "minitransfer", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=full, text=True, timeout=300, env=hangup.buffered_environment())
    assert (done.returncode, done.stdout) == (code, "")


@pytest.mark.parametrize("args", [
    ["splits", "DATA", "random"], ["splits", "DATA", "random", "--format", "json"], ["info", "NET"],
    ["info", "NET", "--json"], ["eval", "NET", "--device", "cpu"], ["report", "GRID"], ["--help"], ["--version"],
    ["prepare", "synthetic", "small", "--classes", "2", "--train-per-class", "4", "--val-per-class", "2",
     "--size", "12"],
    ["train", "--data", "DATA", "--preset", "micro", "--max-iter", "1", "--device", "cpu", "--quiet", "--json"],
    ["experiment", "--data", "DATA", "-o", "grid", "--layers", "1", "--dry-run"],
], ids=["splits", "splits-json", "info", "info-json", "eval", "report", "group-help", "version", "prepare",
        "train-json", "experiment-dry-run"])
def test_output_to_a_full_disk_is_exit_code_74_and_says_so(micro_data, network, tmp_path, args):
    """``minitransfer splits DATA random > /dev/full`` ended with Python's "Exception ignored ...
    OSError: [Errno 28]" and exit code 120 after the error message: the failed write's bytes stayed
    in the buffer for the last flush. It names standard output, not an unknown file: prepare and
    train said "error: I/O: [Errno 28] No space left on device", as if the dataset's or the run's
    disk were full."""
    reported = "GRID" in args
    if reported:
        test_report.write_runs(tmp_path / "GRID")
    args = [{"NET": network, "DATA": micro_data}.get(arg, arg) for arg in args]
    with open("/dev/full", "w") as full:
        code, out, err = minitransfer(args, tmp_path, stdout=full, placeholder_figures=reported)
    # the error last and alone but for progress lines (a slow machine: report's "drawing the figures...")
    assert (code, out) == (74, None) and err.endswith(FULL), err
    assert "Traceback" not in err and "Exception ignored" not in err and err.count("error") == 1, err


@pytest.mark.parametrize("args", [
    ["info", "NET"], ["info", "NET", "--json"], ["eval", "NET", "--device", "cpu"], ["prepare", "verify", "DATA"],
    ["train", "--data", "DATA", "--preset", "micro", "--max-iter", "1", "--device", "cpu", "--quiet", "--json"],
    ["experiment", "--data", "DATA", "-o", "grid", "--layers", "1", "--max-iter", "11", "--eval-every", "1",
     "--dry-run"],  # more than 10 evaluations: no warning of a mean of 10 best that takes every one
], ids=["info", "info-json", "eval", "prepare-verify", "train-json", "experiment-dry-run"])
def test_output_whose_reader_has_gone_still_ends_quietly_with_141(micro_data, network, tmp_path, args):
    """``minitransfer info A4B.h5 | head -1``: a broken pipe on stdout is no full disk; the
    command stops silently with 128 + SIGPIPE, as a Unix tool does (``minitransfer --help`` says so,
    test_help_text.py checks)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        assert minitransfer([{"NET": network, "DATA": micro_data}.get(arg, arg) for arg in args], tmp_path,
                            stdout=write_end) == (141, None, "")
    finally:
        os.close(write_end)


def test_the_per_class_note_names_the_classes_that_keep_fewer_images(tmp_path):
    """``splits DATA all --per-class N`` with N above some classes' training images said nothing,
    while the counts it printed were not N per class: a note on stderr counts those classes and
    names the first few, their images in brackets; the classes with N or more say nothing."""
    data = tmp_path / "synthetic-8"
    synthetic.build_synthetic(data, classes=8, train_per_class=6, val_per_class=1, size=14)
    opened = dataset.open_dataset(data)
    names = [entry["name"] for entry in opened.classes]
    shown = ", ".join(f"{name!r} (6)" for name in names[:5])
    result = CliRunner().invoke(main, ["splits", str(data), "all", "--per-class", "7"])
    assert (result.exit_code, result.stderr) == (0, f"note: --per-class 7: 8 of the 8 classes have fewer than 7 "
                                                    f"training images, and keep all they have: {shown} and 3 more\n")
    assert "48 train" in result.stdout
    result = CliRunner().invoke(main, ["splits", str(data), "random", "--half", "B", "--per-class", "6"])
    assert (result.exit_code, result.stderr) == (0, "")


def test_the_per_class_note_leaves_out_the_classes_with_enough_images():
    """Classes of 3, 9, 1 and 5 training images kept at 5: the first and the third are short, the
    one with exactly 5 is not."""
    labels = {"train": np.repeat(np.arange(4), [3, 9, 1, 5]), "val": np.arange(4)}
    classes = [{"index": index, "wnid": name, "name": name} for index, name in enumerate("abcd")]
    data = types.SimpleNamespace(num_classes=4, labels=labels.get, classes=classes,  # as Half reads a dataset
                                 subsets=("train", "val"))
    half = split_lib.Half(data, "all", None, None, np.arange(4), per_class=5)
    assert len(half.train_indices) == 3 + 5 + 1 + 5
    assert [(entry["name"], count) for entry, count in half.short_classes] == [("a", 3), ("c", 1)]
    assert half.short_classes_note() == ("`per_class=5`: 2 of the 4 classes have fewer than 5 training images, and "
                                         "keep all they have: 'a' (3), 'c' (1)")
    assert split_lib.Half(data, "all", None, None, np.arange(4), per_class=1).short_classes_note() == ""


def test_a_class_name_with_a_tab_or_line_break_stays_on_its_line(tmp_path):
    """A class named with a tab or a line break (a words.txt line with two tabs, a meta.json edited
    by hand) split its line of ``splits``: each line is one class, its four fields apart by tabs;
    the JSON keeps the names as they are."""
    data = tmp_path / "synthetic-4"
    synthetic.build_synthetic(data, classes=4, train_per_class=2, val_per_class=1, size=14)
    meta = json.loads((data / shard_format.META_FILE).read_text())
    meta["classes"][0]["name"] = "tabby\tcat\nof C:\\cats"
    meta["classes"][1]["wnid"] = "n01\tn02"
    (data / shard_format.META_FILE).write_text(json.dumps(meta))
    result = CliRunner().invoke(main, ["splits", str(data), "all"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("#")]
    assert [len(line.split("\t")) for line in lines] == [4, 4, 4, 4]
    assert lines[0].split("\t")[3] == "tabby\\tcat\\nof C:\\\\cats" and lines[1].split("\t")[2] == "n01\\tn02"
    result = CliRunner().invoke(main, ["splits", str(data), "all", "--format", "json"])
    classes = json.loads(result.output)[0]["classes"]
    assert (classes[0]["name"], classes[1]["wnid"]) == ("tabby\tcat\nof C:\\cats", "n01\tn02")


def test_info_and_eval_write_a_path_with_a_line_break_on_one_line(network, micro_data, tmp_path):
    """A weights file whose name holds a line break: info's first line and eval's line name it
    escaped, so that each fact stays on its line."""
    odd = tmp_path / "net\nwork.h5"
    odd.write_bytes(network.read_bytes())
    result = CliRunner().invoke(main, ["info", str(odd)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"{tmp_path}/net\\nwork.h5  sha256 ")
    result = CliRunner().invoke(main, ["eval", str(odd), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert line.startswith(f"{tmp_path}/net\\nwork.h5 on val of {micro_data} (")


def test_info_json_holds_no_nan(network, tmp_path):
    """A checkpoint whose configuration holds a NaN (damaged, or written by hand): ``info --json``
    wrote ``NaN``, which no JSON reader but Python's takes; it is null."""
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(network.read_bytes())
    with h5py.File(damaged, "r+") as written:
        stored = json.loads(written.attrs["config"])
        written.attrs["config"] = json.dumps({**stored, "base_lr": float("nan")})
    result = CliRunner().invoke(main, ["info", str(damaged), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output, parse_constant=lambda constant: pytest.fail(f"{constant} in the JSON"))
    assert summary["config"]["base_lr"] is None and summary["config"]["momentum"] == stored["momentum"]


def test_report_names_a_run_folder_with_a_line_break_on_one_line(tmp_path, placeholder_figures):
    """A run folder named with a line break (unfinished: no result.json) split the line of report
    that names the unfinished runs, and the line that leaves out a copied folder."""
    runs = test_report.write_runs(tmp_path / "grid")
    shutil.copytree(runs / "random0" / "baseA.run", runs / "random0" / "odd\nname.run")
    (runs / "random0" / "odd\nname.run" / "result.json").unlink()
    result = CliRunner().invoke(main, ["report", str(runs)])
    assert result.exit_code == 0, result.output
    assert "  not finished (1, left out): random0/odd\\nname (not started)\n" in result.output
    assert not any(line.startswith("name") for line in result.output.splitlines())
