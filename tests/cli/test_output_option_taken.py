"""An output path left out, so that click gives its option the command's next option as the path: refused (exit 2)
naming both, nothing written. `experiment --emit-slurm --dry-run` wrote the scripts into ./--dry-run where a preview
was asked for; `train -o --resume auto` would have trained into a file named --resume."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("arguments, option, taken", [
    (["experiment", "--emit-slurm", "--dry-run"], "--emit-slurm", "--dry-run"),
    (["train", "-o", "--resume", "auto"], "--out", "--resume"),
    (["demo", "-o", "--seed=3"], "--out", "--seed=3"),
], ids=["experiment-emit-slurm", "train-out", "demo-out"])
def test_an_option_taken_as_the_output_path_is_refused(tmp_path, monkeypatch, arguments, option, taken):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert f"got {taken}, an option of {arguments[0]}" in result.output, result.output
    assert f"give the {'file' if arguments[0] == 'train' else 'folder'} after {option}" in result.output
    assert os.listdir(tmp_path) == []


def test_a_folder_named_like_an_option_is_written_given_as_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["experiment", "-o", "grid", "--emit-slurm", "./--dry-run", "--max-iter", "2",
                                       "--layers", "1", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "--dry-run" / "submit.sh").is_file()
