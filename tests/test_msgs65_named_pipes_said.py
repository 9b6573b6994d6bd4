"""A named pipe given as a dataset (--data, splits' PATH, verify's) was "a file, not a dataset folder", and as
report's --reference, like a folder, "neither 'paper' nor an existing file" (it exists): each is now said to be
what it is, with what to give."""

import os

from click.testing import CliRunner

from minitransfer.cli import main


def _said(*arguments):
    result = CliRunner().invoke(main, [*map(str, arguments)], terminal_width=2000)
    assert result.exit_code == 2, result.output
    return result.output


def test_a_named_pipe_given_as_the_dataset_is_said_to_be_one(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    for command in (["splits", tmp_path / "pipe", "random"], ["prepare", "verify", tmp_path / "pipe"]):
        assert f"{tmp_path / 'pipe'} is a named pipe, not a dataset folder: give the folder `minitransfer prepare` " \
               f"wrote (it holds meta.json)" in _said(*command)


def test_a_named_pipe_or_a_folder_given_as_the_reference_is_said_to_be_one(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "runs").mkdir()
    assert f"'{tmp_path / 'pipe'}' is a named pipe, neither 'paper' nor a file" in \
        _said("report", tmp_path / "runs", "--reference", tmp_path / "pipe")
    assert f"'{tmp_path / 'runs'}' is a folder, neither 'paper' nor a file" in \
        _said("report", tmp_path / "runs", "--reference", tmp_path / "runs")
