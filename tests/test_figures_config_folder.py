"""Figures drawn by a user whose home folder cannot be written (a service account's, a container's): matplotlib,
as it was imported, said on stderr that it could not write ~/.config/matplotlib and made a temporary folder,
two lines in the middle of a report's output. A temporary one is given it first, where $MPLCONFIGDIR is unset."""

import os
import pwd
import pathlib
import shutil
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
    return subprocess.run([sys.executable, "-c", DRAWN], capture_output=True, text=True, timeout=120,
                          env=_environment(HOME=str(home), **environment))


def _environment(**environment):
    """This process's environment without $HOME, $XDG_* nor $MPLCONFIGDIR, with this checkout and ``environment``."""
    kept = {name: value for name, value in os.environ.items()
            if not name.startswith("XDG_") and name not in ("MPLCONFIGDIR", "HOME")}
    return {**kept, "PYTHONPATH": str(CHECKOUT), **environment}


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


def test_no_home_folder_to_tell_draws_figures_in_a_temporary_one(tmp_path):
    # $HOME unset and a uid without a passwd entry: pathlib.Path.home() raises RuntimeError
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as a uid without a passwd entry")
    uid = next(uid for uid in range(54321, 60000) if not _has_passwd_entry(uid))
    drawn = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable, "-c",
                            DRAWN], capture_output=True, text=True, timeout=120, cwd="/", env=_environment())
    assert drawn.returncode == 0, drawn.stderr
    folder, writable = drawn.stdout.split()
    assert writable == "True" and not os.path.exists(folder)


def _has_passwd_entry(uid):
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def test_without_matplotlib_no_folder_is_made_for_it(tmp_path):
    # matplotlib not installed (None in sys.modules: what an import finds missing)
    without = ("import sys; sys.modules['matplotlib'] = None\n"
               "from minitransfer import figures; print(figures.figure_class())")
    found = subprocess.run([sys.executable, "-c", without], capture_output=True, text=True, timeout=120,
                           env=_environment(HOME=str(tmp_path / "home")))
    assert found.returncode == 0 and found.stdout == "None\n", found.stderr
    assert not (tmp_path / "home").exists()
