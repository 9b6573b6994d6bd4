"""Arguments given in the wrong order or form get click's own error and what to type instead: `splits random
DATASET` said only "Path 'random' does not exist", `prepare folder OUT SOURCE` "Directory 'OUT' does not
exist", `experiment --layers 1 3` "Got unexpected extra argument (3)"."""

import shlex

import click
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.cli._repeats import typed_options
from minitransfer.data import splits as split_lib


def _error(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return " ".join(result.output.splitlines()[-1].split())


@pytest.mark.parametrize("kind", split_lib.KINDS)
def test_splits_given_the_kind_first_names_the_order(tiny_data, kind):
    said = _error(["splits", kind, str(tiny_data)])
    assert said.startswith(f"Error: Invalid value for 'PATH': Path '{kind}' does not exist"), said
    assert said.endswith(f"; give the arguments in the order PATH KIND: main splits {shlex.quote(str(tiny_data))} "
                         f"{kind}"), said


def test_splits_given_a_path_not_there_is_not_told_to_swap(tiny_data, tmp_path):
    said = _error(["splits", str(tmp_path / "nothere"), "random"])
    assert "does not exist" in said and "order" not in said, said


@pytest.mark.parametrize("layout", ["class-folders", "train-val"])
def test_prepare_folder_given_out_first_names_the_order(tmp_path, monkeypatch, layout):
    monkeypatch.chdir(tmp_path)
    for name in ("cat", "dog"):
        folder = tmp_path / "photos" / ("train" if layout == "train-val" else "") / name
        folder.mkdir(parents=True)
        (folder / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 not decoded here")
    said = _error(["prepare", "folder", "photos-16", "photos", "--size", "16"])
    assert said.startswith("Error: Invalid value for 'SOURCE': Directory 'photos-16' does not exist"), said
    assert said.endswith("; photos holds the images: give the arguments in the order SOURCE OUT: main prepare folder "
                         "photos photos-16"), said
    assert sorted(path.name for path in tmp_path.iterdir()) == ["photos"]


def test_prepare_folder_given_a_folder_of_empty_folders_second_is_not_told_to_swap(tmp_path, monkeypatch):
    """A folder holding one empty folder holds no images: it was said to hold them, and to be SOURCE."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x" / "empty").mkdir(parents=True)
    said = _error(["prepare", "folder", "photoz", "x"])
    assert "does not exist" in said and "order" not in said, said


def test_prepare_folder_given_a_report_folder_second_is_not_told_to_swap(tmp_path, monkeypatch):
    """A report's folder (its tables, its figures' PNGs) given as OUT, SOURCE mistyped: the hint crashed with a
    traceback (exit 1: a str where a path was read), and its PNGs would have been "the images" to prepare."""
    from minitransfer.report_folder import REPORT_FILES
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report").mkdir()
    for name in REPORT_FILES:
        (tmp_path / "report" / name).write_bytes(b"\x89PNG\r\n\x1a\n figure" if name.endswith(".png") else b"x")
    said = _error(["prepare", "folder", "photoz", "report"])
    assert "does not exist" in said and "order" not in said, said


def test_prepare_folder_given_two_folders_not_there_is_not_told_to_swap(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    said = _error(["prepare", "folder", "photos-16", "empty"])
    assert "does not exist" in said and "order" not in said, said


@pytest.mark.parametrize("typed, joined", [
    (["--layers", "1", "3"], "--layers 1,3"),
    (["--layers=2", "4", "6"], "--layers 2,4,6"),
    (["--random-frozen", "1", "3"], "--random-frozen 1,3"),
    (["--per-class", "10", "100"], "--per-class 10,100"),
], ids=["layers", "layers-equals", "random-frozen", "per-class"])
def test_a_list_option_given_its_values_apart_says_how_to_join_them(tiny_data, tmp_path, typed, joined):
    said = _error(["experiment", "--data", str(tiny_data), *typed, "-o", str(tmp_path / "grid"), "--dry-run"])
    assert said.startswith("Error: Got unexpected extra argument"), said
    assert said.endswith(f"; give several values as {joined}"), said
    assert not (tmp_path / "grid").exists()


@pytest.mark.parametrize("args", [["splits", "{data}", "random", "--split-seed", "1", "2"],
                                  ["splits", "{data}", "random", "extra"],
                                  ["experiment", "--data", "{data}", "--layers", "1", "-o", "{grid}", "3"],
                                  ["experiment", "--data", "{data}", "--layers", "1", "-o{grid}", "3", "--dry-run"]],
                         ids=["seed-option", "after-the-arguments", "after-another-option",
                              "after-a-short-one-attached"])
def test_an_extra_argument_after_no_list_option_gets_no_hint(tiny_data, tmp_path, args):
    said = _error([arg.format(data=tiny_data, grid=tmp_path / "grid") for arg in args])
    assert said.startswith("Error: Got unexpected extra argument") and "give several" not in said, said



def test_typed_options_reads_a_short_option_s_attached_value_and_ends_a_list_at_an_unknown_option():
    """`-o/x/grid 3` was read as two tokens after --layers, and so was `--unknown 3`."""
    command = click.Command("c", params=[click.Option(["--layers"], metavar="N,N"), click.Option(["-o", "--out"])])
    typed = list(typed_options(command, ["--layers", "1", "-o/x/grid", "3", "--unknown", "5"]))
    assert typed[1] == ("-o", command.params[1], "/x/grid")
    assert [(token, previous) for token, param, previous in typed if param is None] == [
        ("3", command.params[1]), ("--unknown", None), ("5", None)]
