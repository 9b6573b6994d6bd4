"""Figures drawn by a user whose home folder cannot be written (a service account's, a container's): matplotlib,
as it was imported, said on stderr that it could not write ~/.config/matplotlib and made a temporary folder,
two lines in the middle of a report's output. A temporary one is given it first, where $MPLCONFIGDIR is unset."""

import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")

CHECKOUT = pathlib.Path(__file__).resolve().parents[1]

# A figure drawn and rendered as the report does, then where matplotlib keeps its configuration
DRAWN = ("import os; from minitransfer import figures\n"
         "figure = figures.figure_class()(figsize=(2, 1)); figure.add_subplot().plot([0, 1])\n"
         "import matplotlib\n"
         "assert figures.render(figure, 'png').startswith(b'\\x89PNG')\n"
         "print(matplotlib.get_configdir(), os.access(matplotlib.get_configdir(), os.W_OK))")


def _drawn(home, **environment):
    """:data:`DRAWN` run with HOME ``home`` and no $XDG_* nor $MPLCONFIGDIR but ``environment``'s."""
    kept = {name: value for name, value in os.environ.items()
            if not name.startswith("XDG_") and name not in ("MPLCONFIGDIR", "HOME")}
    return subprocess.run([sys.executable, "-c", DRAWN], capture_output=True, text=True, timeout=120,
                          env={**kept, "HOME": str(home), "PYTHONPATH": str(CHECKOUT), **environment})


def test_an_unwritable_home_draws_figures_without_a_word_on_stderr(tmp_path):
    home = tmp_path / "home"
    home.write_text("")  # a file: no folder can be made in it, whoever runs this (root too)
    drawn = _drawn(home)
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stderr == ""
    folder, writable = drawn.stdout.split()
    assert writable == "True" and not os.path.exists(folder)  # a temporary one, removed at exit


def test_a_writable_home_or_a_given_folder_is_matplotlibs_own(tmp_path):
    drawn = _drawn(tmp_path / "home")
    assert drawn.returncode == 0 and drawn.stderr == "", drawn.stderr
    assert drawn.stdout.split() == [str(tmp_path / "home" / ".config" / "matplotlib"), "True"]
    given = tmp_path / "given"
    drawn = _drawn(tmp_path / "file", MPLCONFIGDIR=str(given))
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout.split() == [str(given), "True"]
