"""``minitransfer report RUNS`` where RUNS is no folder of runs: a run's own file (its result.json,
its weights) or a named pipe. Click said "Directory '.../result.json' is a file" (a file called a
directory, and no word of what to give), and a named pipe was exit code 1, as if no run had finished."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from tests.test_report import write_runs


@pytest.mark.parametrize("given", ["random0/A1B.run/result.json", "random0/A1B.h5", "a-pipe"])
def test_a_file_given_as_runs_is_a_usage_error_naming_the_folder_to_give(tmp_path, given):
    runs_dir = write_runs(tmp_path / "grid")
    if given == "a-pipe":
        os.mkfifo(runs_dir / given)
    path = runs_dir / given
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    folder = runs_dir / ("random0" if given.startswith("random0") else "")
    assert f"Invalid value for 'RUNS': {path} is a file, not a folder of runs: give the folder that holds the " \
           f"runs, {str(folder).rstrip('/')}" in said, said
    assert not (tmp_path / "out").exists()
