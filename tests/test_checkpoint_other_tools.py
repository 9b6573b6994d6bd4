"""Checkpoints as a researcher meets them after other programs had them: another process holding
one open for writing (h5py's "r+" in a notebook), or one that died so and left the file marked
"open for write"; arrays rewritten as float64 or float16 with the same numbers. Each reads as the
checkpoint it is, on every path that reads one."""

import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from test_checkpoint import _checkpoint
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network, its run folder beside it)

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main


@pytest.fixture
def finished(base, tmp_path):
    """A copy of ``base``'s finished run: its weights file and its run folder."""
    out = tmp_path / base.name
    shutil.copy(base, out)
    shutil.copytree(base.with_suffix(".run"), out.with_suffix(".run"))
    return out


def _opened_for_writing(paths, then):
    """A process that opens ``paths`` for writing (h5py's "r+", as a notebook does), says so, then
    runs ``then``: ``os._exit(0)`` dies without closing them (HDF5 leaves each marked "open for
    write"), ``sys.stdin.read()`` holds them (and HDF5's lock on them) until its stdin is closed."""
    opened = ", ".join(f"h5py.File({str(path)!r}, 'r+')" for path in paths)
    process = subprocess.Popen([sys.executable, "-c", f"import h5py, os, sys; held = [{opened}]; print('open', "
                                                      f"flush=True); {then}"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "open\n"
    return process


@pytest.mark.parametrize("how", ["held-open", "left-marked"])
def test_a_finished_run_whose_files_are_open_for_writing_elsewhere_is_resumed_as_finished(finished, how):
    """Before: `train --resume RUN` said "--out baseS.h5 exists and is not a minitransfer weights file"
    (exit 2) while info and eval read the same files: h5py's file lock ("unable to lock file,
    errno = 11") or its "already open for write" mark refused the look at the weights' format and
    record. Now every reader reads them as eval does, and the run is found finished."""
    files = [finished, finished.with_suffix(".run") / "checkpoint.h5"]
    process = _opened_for_writing(files, "os._exit(0)" if how == "left-marked" else "sys.stdin.read()")
    try:
        with pytest.raises(OSError, match="lock file|already open for write"):  # as plain h5py meets them
            h5py.File(files[0], "r").close()
        assert checkpoints.is_checkpoint(finished)
        assert checkpoints.read_meta(files[1])["iteration"] == 1
        done = CliRunner().invoke(main, ["train", "--resume", str(finished.with_suffix(".run")), "--device", "cpu"])
    finally:
        process.communicate("")
    assert done.exit_code == 0, done.output
    assert f"{finished} is already finished" in done.output


def _rewritten(path, changes):
    """The checkpoint ``path`` with each array named in ``changes`` rewritten in the dtype given, as
    another program's copy holds it (gzip-compressed, chunked its own way)."""
    with h5py.File(path, "r+") as f:
        for name, dtype in changes.items():
            values = f[name][...]
            del f[name]
            f.create_dataset(name, data=values.astype(dtype), compression="gzip", chunks=True)


def test_arrays_stored_as_float64_or_float16_load_as_their_numbers(tmp_path):
    """Before: refused, "/weights/conv1/W must be float32 (16, 3, 5, 5), the file declares float64"."""
    saved = _checkpoint(seed=3)
    path = tmp_path / "net.h5"
    checkpoints.save(path, saved)
    _rewritten(path, {"weights/conv1/W": np.float64, "weights/fc8/b": np.float16, "mean": np.float64,
                      "solver/velocity/fc6/W": ">f8"})

    loaded = checkpoints.load(path)

    assert loaded.weights["conv1"][0].dtype == np.float32
    assert np.array_equal(loaded.weights["conv1"][0], saved.weights["conv1"][0])  # float32 -> 64 -> 32: exact
    assert np.array_equal(loaded.weights["fc8"][1], saved.weights["fc8"][1].astype(np.float16).astype(np.float32))
    assert np.array_equal(loaded.mean, saved.mean)
    assert np.array_equal(loaded.solver.velocity["fc6"][0], saved.solver.velocity["fc6"][0])


def test_a_float64_value_beyond_float32s_range_is_refused_by_name(tmp_path):
    path = tmp_path / "net.h5"
    checkpoints.save(path, _checkpoint(seed=4))
    _rewritten(path, {"mean": np.float64})
    with h5py.File(path, "r+") as f:
        f["mean"][0, 0, 0] = 1e300

    with pytest.raises(checkpoints.CheckpointError, match=r"/mean holds NaN or infinite values, or values beyond "
                                                          r"float32's range, 3.403e\+38 \(it is stored as float64\)"):
        checkpoints.load(path)


def test_an_integer_array_is_still_refused_by_name(tmp_path):
    path = tmp_path / "net.h5"
    checkpoints.save(path, _checkpoint(seed=5))
    _rewritten(path, {"weights/conv2/b": np.int32})

    with pytest.raises(checkpoints.CheckpointError, match=r"/weights/conv2/b must be float32 \(32,\) \(or float16 or "
                                                          r"float64\), the file declares int32"):
        checkpoints.load(path)
