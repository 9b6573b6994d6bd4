"""The text files the options --families, --is-a, --words and --val-labels name are read more than once by an import
(their text, and the sha256 meta.json records). A pipe given instead (a shell's ``<(...)``, or a named pipe) had
its text gone at the second read: a false "no family for 4 classes" (exit code 65); a named pipe with no writer
waited for ever. A folder was click's "File 'x' is a directory", and an empty name "File '' does not exist",
neither saying what to give. Each is now a usage error (exit code 2) naming the option and what to give, before
anything is read; a file this user may not read is exit code 74, as the importers say of it."""

import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main

WNIDS = ("n01440764", "n01443537", "n02084071", "n03000134")
HOLDS = {"--families": "'CLASS FAMILY' lines", "--is-a": "WordNet 'parent child' lines",
         "--words": "'wnid names' lines", "--val-labels": "'<file> <label>' lines"}


def _images(folder):
    rng = np.random.default_rng(0)
    for wnid in WNIDS:
        (folder / wnid).mkdir(parents=True)
        for number in range(2):
            pixels = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / wnid / f"{wnid}_{number}.JPEG")
    return folder


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """A folder of wnid-named class folders, ILSVRC2012's train/ layout, and a dataset without families."""
    root = tmp_path_factory.mktemp("sources")
    _images(root / "photos")
    _images(root / "ILSVRC" / "train")
    prepared = CliRunner().invoke(main, ["prepare", "folder", str(root / "photos"), str(root / "data"), "--size", "12",
                                         "--workers", "0"])
    assert prepared.exit_code == 0, prepared.output
    return root


COMMANDS = {  # the option first: converted before the arguments, which are valid all the same
    "folder-families": ("--families", lambda s, out: ["prepare", "folder", s / "photos", out, "--workers", "0"]),
    "folder-is-a": ("--is-a", lambda s, out: ["prepare", "folder", s / "photos", out, "--workers", "0"]),
    "imagenet-words": ("--words", lambda s, out: ["prepare", "imagenet", s / "ILSVRC", out, "--workers", "0"]),
    "imagenet-val-labels": ("--val-labels", lambda s, out: ["prepare", "imagenet", s / "ILSVRC", out, "--workers",
                                                            "0"]),
    "imagenet-is-a": ("--is-a", lambda s, out: ["prepare", "imagenet", s / "ILSVRC", out, "--workers", "0"]),
    "splits-is-a": ("--is-a", lambda s, out: ["splits", s / "data", "natural"]),
}


def _invoke(sources, tmp_path, command, given):
    option, arguments = COMMANDS[command]
    words = [*arguments(sources, tmp_path / "out")]
    return CliRunner().invoke(main, [*map(str, words[:2]), option, str(given), *map(str, words[2:])],
                              terminal_width=2000)


def _refused(result, option, said, tmp_path):
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {said}" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_pipe_given_as_a_text_file_is_refused_before_it_is_read(sources, tmp_path, command):
    """As a shell's <(...) gives one: its text written, its writer gone."""
    read, write = os.pipe()
    os.write(write, b"n01440764 fish\n")
    os.close(write)
    try:
        result = _invoke(sources, tmp_path, command, f"/dev/fd/{read}")
    finally:
        os.close(read)
    _refused(result, COMMANDS[command][0], f"/dev/fd/{read} is a named pipe, not a file: it would be read more than "
                                           f"once (a pipe with no writer waits for ever); save its text to a file "
                                           f"and give that", tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_or_an_empty_name_given_as_a_text_file_says_what_to_give(sources, tmp_path, command):
    option = COMMANDS[command][0]
    (tmp_path / "lists").mkdir()
    _refused(_invoke(sources, tmp_path, command, tmp_path / "lists"), option,
             f"{tmp_path / 'lists'} is a folder: give the file of {HOLDS[option]} itself", tmp_path)
    _refused(_invoke(sources, tmp_path, command, ""), option,
             f"is empty: name the file of {HOLDS[option]} (an unset shell variable?)", tmp_path)


@pytest.mark.parametrize("command", ["folder-families", "splits-is-a"])
def test_a_text_file_this_user_may_not_read_is_74_as_the_importers_say(sources, tmp_path, monkeypatch, command):
    """Click said "File ... is not readable" (exit code 2); prepare's help gives 74 for it. Root reads every file:
    the permission is refused by os.access, which both ask."""
    (tmp_path / "locked.txt").write_text("n01440764 fish\n")
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: not str(path).endswith("locked.txt")
                        and access(path, mode, *a, **k))
    result = _invoke(sources, tmp_path, command, tmp_path / "locked.txt")
    assert result.exit_code == 74, result.output
    assert result.output.strip().endswith(f"{tmp_path / 'locked.txt'} is not readable by this user (permission "
                                          f"denied): give read access to it (chmod a+r {tmp_path / 'locked.txt'}), "
                                          f"or give a copy of it"), result.output


def test_a_named_pipe_with_no_writer_is_refused_not_waited_on(sources, tmp_path):
    """It waited for a writer for ever (a subprocess: an in-process wait could not be ended)."""
    os.mkfifo(tmp_path / "families")
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    done = subprocess.run([sys.executable, "-m", "minitransfer", "prepare", "folder", "--families",
                           str(tmp_path / "families"), str(sources / "photos"), str(tmp_path / "out"), "--workers",
                           "0"], capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert f"{tmp_path / 'families'} is a named pipe, not a file" in done.stderr, done.stderr


def test_a_named_pipe_given_as_the_devkit_folder_is_a_usage_error(sources, tmp_path):
    """It was bad data (65): "fifo/data/meta.mat: missing", as if a devkit folder lacked its file."""
    os.mkfifo(tmp_path / "devkit")
    result = CliRunner().invoke(main, ["prepare", "imagenet", "--devkit", str(tmp_path / "devkit"),
                                       str(sources / "ILSVRC"), str(tmp_path / "out")], terminal_width=2000)
    _refused(result, "--devkit", f"{tmp_path / 'devkit'} is a named pipe, not a folder: give the devkit folder, "
                                 f"ILSVRC2012_devkit_t12, which holds data/meta.mat and data/", tmp_path)
