"""`report`'s lines of the runs it left out ("result.json: not valid JSON") and of those that failed went to
stdout with its results, while its notes went to stderr: they are warnings now, on stderr, each beginning
"warning: " as other commands' warnings do; the files and the findings stay on stdout."""

import json

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import grid_plan_file
from minitransfer.cli import main

from test_report import runs_dir  # noqa: F401  (fixture)


@pytest.mark.usefixtures("placeholder_figures")
def test_runs_left_out_and_failed_are_warned_on_stderr_and_the_results_stay_on_stdout(runs_dir, tmp_path):  # noqa: F811
    damaged = runs_dir / "random0" / "B3B.run" / "result.json"
    damaged.write_text("{")
    with pytest.raises(json.JSONDecodeError):  # the oracle: the file is no JSON
        json.loads(damaged.read_text())
    grid_plan_file.write_plan(runs_dir, grid.plan_grid(layers=(7,)), {}, ["train"])
    failed_log = runs_dir / "random0" / "A7B.run" / "train.log"
    failed_log.write_text("$ minitransfer train ...\nerror: bad data: a shard cannot be read\n")
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert any(line.startswith("warning: left out: random0/B3B: ") and str(damaged) in line for line in warned), warned
    assert any(line.startswith("warning: failed: random0/A7B: ") and str(failed_log) in line for line in warned), warned
    assert "left out: random0/B3B" not in result.stdout and "failed: random0/A7B" not in result.stdout, result.stdout
    assert f"  results.md   {tmp_path / 'r' / 'results.md'}" in result.stdout.splitlines()
    assert "what these networks show" in result.stdout and "what these networks show" not in result.stderr
