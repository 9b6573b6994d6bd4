"""``experiment --help`` gives each exit code the grid ends with: a finished run whose result.json is lost
(its checkpoint gone) ends the grid with 65 (grid_outcome), where the help's 65 said only "every run that
failed met bad data", and the grid's end says "0 failed"."""

from click.testing import CliRunner
from exit_code_entries import exit_code_entries
from test_experiment import trained_grid  # noqa: F401 (a fixture)
from test_grid_result_lost import _lost_base

from minitransfer.cli import main


def test_the_exit_codes_are_read_entry_by_entry():
    text = "Intro.\n\nExit codes: 0: done; 74: out (a; b: c); 65: bad\n    data."
    assert exit_code_entries(text, ";", ":") == {0: "done", 74: "out (a; b: c)", 65: "bad data."}


def test_a_lost_result_ends_the_grid_with_the_exit_code_whose_entry_names_it(trained_grid, tmp_path):  # noqa: F811
    place, runs, options = _lost_base(trained_grid, tmp_path)
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu"])
    assert "0 failed" in result.output, result.output  # no run failed: the help's "every run that failed" says none
    entries = exit_code_entries(main.commands["experiment"].help, ";", ":")
    assert "result.json is lost" in entries[result.exit_code], (result.exit_code, entries)
