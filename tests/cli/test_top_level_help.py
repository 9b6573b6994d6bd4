"""``minitransfer --help``: the line each command has in the list says what it does."""

import platform
import re

import h5py
import numpy
from click.testing import CliRunner

from minitransfer import __version__
from minitransfer.cli import main


def test_the_inspection_commands_are_summed_up_in_a_whole_sentence():
    """Their first sentences were longer than the line: "eval  Top-1, top-5 and loss of CHECKPOINT (a
    weights file, a..." (on an 80-column terminal)."""
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listed = dict(line.split(None, 1) for line in result.output.split("Commands:\n")[1].splitlines())
    assert listed["eval"] == "Top-1, top-5 and loss of a network on its half's images."
    assert listed["info"] == "Layers, frozen flags and provenance of a network."
    assert listed["splits"] == "The classes and image counts of a split's halves."
    assert set(listed) == set(main.commands), listed  # each on one line
    assert all(line.endswith(".") and not line.endswith("...") for line in listed.values()), listed


def test_version_names_the_libraries_results_depend_on():
    """--version gave minitransfer's alone; a bug report needs NumPy's (the random split), CuPy's."""
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    first, libraries = result.output.splitlines()
    assert first == f"minitransfer, version {__version__}"
    assert re.fullmatch(rf"Python {re.escape(platform.python_version())}, NumPy {re.escape(numpy.__version__)}, "
                        rf"h5py {re.escape(h5py.__version__)}, click \S+, (cupy\S* \S+|CuPy not installed)",
                        libraries), libraries
