"""A stop (Ctrl-C) that comes as matplotlib is imported stops the report: an extension module's initialisation
turns it into an ImportError (pybind11 does), which the report took for matplotlib missing, and wrote itself without
figures (the earlier report's removed), exit code 0."""

import importlib.abc
import signal
import sys

import pytest

from minitransfer import figures, stopping


class _StoppedAsItLoads(importlib.abc.MetaPathFinder):
    """Imports matplotlib.figure as an extension does that a stop reaches as it initialises: the stop's
    KeyboardInterrupt (raised by the command's handler) replaced by an ImportError."""

    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib.figure":
            return None
        try:
            stopping.interrupt(signal.SIGINT, None)
        except KeyboardInterrupt as stop:
            raise ImportError("initialization failed") from stop


class _Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib.figure":
            raise ImportError("No module named 'matplotlib.figure'")


@pytest.fixture
def fresh_import(monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.delitem(sys.modules, "matplotlib.figure", raising=False)
    monkeypatch.setattr(stopping, "_raised", [])
    monkeypatch.setenv("MPLCONFIGDIR", "unused")  # no configuration folder looked for

    def importing(finder):
        monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    return importing


def test_a_stop_as_matplotlib_is_imported_is_the_stop(fresh_import):
    fresh_import(_StoppedAsItLoads())
    with pytest.raises(KeyboardInterrupt):
        figures.figure_class()


def test_matplotlib_that_cannot_be_imported_is_still_missing(fresh_import):
    fresh_import(_Missing())
    assert figures.figure_class() is None
