"""The wording of a list of names in a message (:func:`minitransfer.name_lists.some_names`), in a module of its own
that imports none of the grid's, so that the data package (prepare overlap's class lists) can word its lists as the
grid does; the grid's modules still import it from :mod:`minitransfer.experiment`."""

import subprocess
import sys

import pytest

from minitransfer import experiment, name_lists


@pytest.mark.parametrize("count", range(0, 8))
@pytest.mark.parametrize("shown", [1, 3, 5])
def test_the_first_names_then_how_many_more(count, shown):
    names = [f"n{index}" for index in range(count)]
    said = name_lists.some_names(names, shown)
    listed, _, more = said.partition(" and ")
    assert listed.split(", ") == (names[:shown] or [""]), said
    assert more == (f"{count - shown} more" if count > shown else ""), said


def test_the_grids_name_is_the_same_function():
    assert experiment.some_names is name_lists.some_names
    assert experiment.some_names(["random0/A1B", "random0/A2B", "random0/A3B", "random0/A4B"]) == \
        "random0/A1B, random0/A2B, random0/A3B and 1 more"


def test_it_imports_neither_the_grid_nor_numpy():
    loaded = subprocess.run([sys.executable, "-c", "import sys, minitransfer.name_lists; "
                             "print(*sorted(name for name in sys.modules if name.split('.')[0] in "
                             "('minitransfer', 'numpy')))"], capture_output=True, text=True, check=True).stdout.split()
    assert "minitransfer.name_lists" in loaded and "minitransfer.experiment" not in loaded, loaded
    assert "numpy" not in loaded, loaded
