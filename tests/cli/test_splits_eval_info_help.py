"""What ``splits`` prints of a half of 1 class and of the all split, and what the helps of ``eval``,
``info`` and ``splits`` teach: every option's meaning, and each exit code the command ends with."""

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner
from exit_code_entries import exit_code_entries

from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.fixture(scope="module")
def two_classes(tmp_path_factory):
    """A synthetic dataset of 2 classes (6 train, 2 val images each): each random half holds 1 class."""
    path = tmp_path_factory.mktemp("data") / "synthetic-2"
    synthetic.build_synthetic(path, classes=2, train_per_class=6, val_per_class=2, size=8, seed=1)
    return path


def _titles(data, *options):
    result = CliRunner().invoke(main, ["splits", str(data), *options])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line.startswith("# ")]


HEADER = "# label\tindex\twnid\tname"


def test_splits_text_opens_with_a_header_naming_its_columns_and_rows_hold_them(two_classes):
    """The text had no line saying what its four columns are. The header comes first and names them; every
    other line beginning with '#' is a title, and the rest are classes whose fields are what the JSON (another
    path through the code) gives under those names."""
    result = CliRunner().invoke(main, ["splits", str(two_classes), "random"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == HEADER and lines.count(HEADER) == 1
    columns = HEADER[2:].split("\t")
    rows = [dict(zip(columns, line.split("\t"))) for line in lines if not line.startswith("#")]
    halves = json.loads(CliRunner().invoke(main, ["splits", str(two_classes), "random", "--format", "json"]).stdout)
    assert rows == [{key: str(entry[key]) for key in columns} for half in halves for entry in half["classes"]]


def test_splits_titles_say_1_class_and_give_the_all_split_no_half(two_classes):
    """The titles read "half A: 1 classes" and "all split, half -: 2 classes": the all split has no
    halves (its --half is refused). The counts are those of the JSON (another path through the code)."""
    halves = json.loads(CliRunner().invoke(main, ["splits", str(two_classes), "random", "--format", "json"]).stdout)
    assert [half["num_classes"] for half in halves] == [1, 1]
    assert _titles(two_classes, "random") == [HEADER] + [
        f"# random split seed 0, half {half['half']}: 1 class, {half['train_images']} train / "
        f"{half['val_images']} val images" for half in halves]
    [every] = json.loads(CliRunner().invoke(main, ["splits", str(two_classes), "all", "--format", "json"]).stdout)
    assert _titles(two_classes, "all") == [
        HEADER, f"# all split: 2 classes, {every['train_images']} train / {every['val_images']} val images"]


COMMANDS = ("eval", "info", "splits")


@pytest.mark.parametrize("name", COMMANDS)
def test_each_option_says_what_it_does(name):
    """splits --format showed only its choices and default: nothing of what text or json prints."""
    options = [parameter for parameter in main.commands[name].params
               if isinstance(parameter, click.Option) and parameter.name != "help"]
    assert [option.opts[0] for option in options if not (option.help or "").strip()] == []


@pytest.mark.parametrize("name", COMMANDS)
def test_the_exit_codes_name_the_stop_signals(name):
    """info and splits end with 75 on Ctrl-C, as every command does; their helps named no 75."""
    text = " ".join(main.commands[name].help.split())
    assert "75 interrupted (SIGINT, SIGTERM, SIGHUP)" in text


def test_the_exit_codes_are_read_entry_by_entry():
    text = "Intro.\n\nExit codes: 0 done, 2 usage (a, b, 3 c), 65 bad\n    data (d), 74 out."
    assert exit_code_entries(text) == {0: "done", 2: "usage (a, b, 3 c)", 65: "bad data (d)", 74: "out."}


def _not_a_prepared_dataset(tmp_path, two_classes):
    """(what splits' help calls it, PATH) for folders that are no prepared dataset, each of another kind."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return [("of prepared datasets", two_classes.parent), ("not prepared yet", tmp_path / "photos"),
            ("holds no meta.json", tmp_path / "empty")]


def test_splits_ends_a_path_that_is_no_dataset_with_the_exit_code_its_help_gives_that_kind(tmp_path, two_classes):
    """The help put "PATH is not a prepared dataset" under 65 (bad data), but a folder the code tells
    apart (a folder of datasets, of images not prepared yet, a run's) is a usage error: exit code 2."""
    entries = exit_code_entries(main.commands["splits"].help)
    codes = set()
    for kind, path in _not_a_prepared_dataset(tmp_path, two_classes):
        said = [code for code, text in entries.items() if kind in text]
        assert len(said) == 1, f"splits' help gives {said or 'no'} exit code(s) for a PATH {kind!r}"
        said = said[0]
        result = CliRunner().invoke(main, ["splits", str(path), "random"])
        assert result.exit_code == said, (kind, result.output)
        codes.add(said)
    assert codes == {2, 65}


def _files_without_a_network(tmp_path):
    """(what eval's and info's helps call it, a file of that kind): files no network, each of another kind."""
    files = {"an image": ("pic.h5", b"\x89PNG\r\n\x1a\n" + bytes(range(256))), "JSON": ("run.h5", b'{"top1": 0.5}'),
             "text not named .h5": ("notes.txt", b"weights of baseA\n"),
             "text named .h5": ("baseA.h5", b"weights of baseA\n"),
             "random bytes": ("blob.bin", np.random.default_rng(0).integers(1, 256, 4096, dtype=np.uint8).tobytes())}
    for name, content in files.values():
        (tmp_path / name).write_bytes(content)
    return [(kind, tmp_path / name) for kind, (name, _) in files.items()]


@pytest.mark.parametrize("name", ("eval", "info"))
def test_a_file_that_is_no_network_ends_with_the_exit_code_its_help_gives_that_kind(tmp_path, name):
    """The helps put every file that is not a checkpoint under 65 (bad data), but a file plainly no
    network (an image, JSON, text not named as an HDF5 file) is a usage error: exit code 2."""
    entries = exit_code_entries(main.commands[name].help)
    codes = set()
    for kind, path in _files_without_a_network(tmp_path):
        said = [code for code, text in entries.items() if kind in text]
        assert len(said) == 1, f"{name}'s help gives {said or 'no'} exit code(s) for {kind!r}"
        result = CliRunner().invoke(main, [name, str(path)])
        assert result.exit_code == said[0], (kind, result.output)
        codes.add(said[0])
    assert codes == {2, 65}
