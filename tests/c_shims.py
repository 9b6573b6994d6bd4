"""A C shared library built for a test from its source, to preload (``LD_PRELOAD``) into a child
Python: what no monkeypatch of Python reaches (HDF5's own flock, a handler set in C as a program
embedding Python sets one). The test is skipped where there is no C compiler."""

import shutil
import subprocess

import pytest


def built(tmp_path_factory, name, source):
    """The path of ``name``.so, compiled from the C ``source`` in a fresh folder of ``tmp_path_factory``."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip(f"no C compiler to build the {name} shim")
    folder = tmp_path_factory.mktemp("shim")
    (folder / f"{name}.c").write_text(source)
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(folder / f"{name}.so"), str(folder / f"{name}.c")],
                   check=True, capture_output=True)
    return folder / f"{name}.so"
