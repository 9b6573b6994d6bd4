"""`minitransfer --help` imports only what the help needs: every test that runs the command line in a process of
its own pays for each import at start-up. importlib.metadata (a tenth of a second) is --version's alone."""

import subprocess
import sys

PROBE = """
import sys
from minitransfer.cli import main
for arguments in {runs!r}:
    try:
        main(list(arguments), prog_name="minitransfer")
    except SystemExit as done:
        assert done.code == 0, (arguments, done.code)
    print(" ".join(sorted(sys.modules)))
"""


def probe(*runs):
    """What one fresh interpreter printed running `minitransfer ARGUMENTS` for each tuple of ``runs`` in turn, the
    names of the modules it held printed on a line after each."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(runs=runs)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _imported_by(*arguments):
    """The modules a fresh interpreter holds once `minitransfer ARGUMENTS` has run, and what it printed."""
    *printed, modules = probe(arguments).rstrip("\n").split("\n")
    return set(modules.split()), "\n".join(printed)


def test_help_imports_no_package_metadata():
    modules, printed = _imported_by("--help")
    assert "Commands:" in printed and "minitransfer.cli" in modules  # the probe ran the help
    assert "importlib.metadata" not in modules


def test_version_still_names_what_the_results_depend_on():
    modules, printed = _imported_by("--version")
    assert "importlib.metadata" in modules
    numpy = __import__("numpy")
    assert f"NumPy {numpy.__version__}" in printed and printed.startswith("minitransfer, version ")
