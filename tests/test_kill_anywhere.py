"""``kill -9`` at chosen moments of ``prepare``, ``experiment`` (the grid, and a run it started) and
``report``, then the same command rerun: it succeeds and leaves what an uninterrupted command leaves,
the same files with the same bytes (for a grid: every run finished, its weights and results the same),
and no temporary (``.NAME.tmp-PID``) or lock file beside them.

The moment is a file being renamed into place (its temporary written and synced, not yet renamed):
a hook in every Python process started (``sitecustomize``), not a sleep, so each kill point is
exact. Exploration beyond these points (random delays over each command's run, and the N-th
rename, removal, fsync of each process) found no fault; these few keep that so.
"""
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys

import h5py
import interrupting
import numpy as np
import pytest
from PIL import Image

from minitransfer import experiment as grid
from minitransfer import run_lock
from minitransfer.result_digests import RESULT_SHA256, result_sha256

MINITRANSFER = grid.default_train_command()[:-1]

# KILL_AT="WHO:PATH": the first process (of all those started) about to rename a temporary into
# PATH (the end of the target's path) kills WHO: itself ("self"), or the grid ("grid", whose PID a
# grid records on its first rename). KILL_DIR holds the records: "killed" says where it happened.
# PLACEHOLDER_FIGURES=1: a report's figures drawn but not rendered (a few placeholder bytes each, as the
# placeholder_figures fixture makes them): matplotlib's savefig is most of a report's seconds.
_SITECUSTOMIZE = """
import os, signal, sys
if os.environ.get("PLACEHOLDER_FIGURES"):
    from minitransfer import figures
    figures.render = lambda figure, suffix: f"placeholder {suffix}, not rendered\\n".encode()
if os.environ.get("KILL_AT"):
    who, _, target = os.environ["KILL_AT"].partition(":")
    folder, replace = os.environ["KILL_DIR"], os.replace
    def killing_replace(source, destination, *rest, **options):
        if "experiment" in sys.argv and not os.path.exists(os.path.join(folder, "grid.pid")):
            with open(os.path.join(folder, "grid.pid"), "w") as record:
                record.write(str(os.getpid()))
        if os.fspath(destination).endswith(target):
            try:
                marker = os.open(os.path.join(folder, "killed"), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            except FileExistsError:
                marker = None
            if marker is not None:
                os.write(marker, os.fspath(destination).encode())
                os.close(marker)
                victim = os.getpid() if who == "self" else int(open(os.path.join(folder, "grid.pid")).read())
                os.kill(victim, signal.SIGKILL)
        return replace(source, destination, *rest, **options)
    os.replace = killing_replace
"""


@pytest.fixture
def killing(tmp_path):
    """run(arguments, who, path, cwd): the command run with the hook armed; returns (exit status, where
    killed)."""
    return killer(tmp_path)


def killer(tmp_path):
    """:func:`killing`'s runner, its hook and records in ``tmp_path``."""
    site, records = tmp_path / "site", tmp_path / "kill-records"
    site.mkdir()
    records.mkdir()
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE)

    def run(arguments, who, path, cwd, placeholder_figures=False):
        env = {**_hooked(site, placeholder_figures), "KILL_AT": f"{who}:{path}", "KILL_DIR": str(records)}
        process = subprocess.run(MINITRANSFER + arguments, cwd=cwd, env=env, capture_output=True, text=True,
                                 timeout=600)
        killed = records / "killed"
        return process.returncode, killed.read_text() if killed.exists() else None

    return run


def _hooked(site, placeholder_figures):
    """The environment of a command run with the hook in ``site`` (armed by what the caller adds)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path]),
            **({"PLACEHOLDER_FIGURES": "1"} if placeholder_figures else {})}


def _minitransfer(arguments, cwd, env=None):
    process = subprocess.run(MINITRANSFER + arguments, cwd=cwd, env=env, capture_output=True, text=True,
                             timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def _files(folder):
    """{relative path: sha256} of every file under ``folder``."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(pathlib.Path(folder).rglob("*")) if path.is_file()}


def _leftovers(folder):
    """Temporaries and lock files under ``folder`` (a grid's own planning locks are meant to stay, and a
    prepared dataset's, emptied of its holder's record: another user's readers lock it there)."""
    return [str(path) for path in pathlib.Path(folder).rglob("*")
            if ".tmp-" in path.name or path.name == run_lock.RunLock.FILE and not _datasets_lock(path)]


def _datasets_lock(path):
    return (path.parent / "meta.json").is_file() and path.stat().st_size == 0


def _crash_then_rerun(killing, arguments, who, path, cwd, killed_status=-signal.SIGKILL, rerun_env=None):
    """Run ``arguments`` killed as ``who``/``path`` say, then again without (in ``rerun_env``); check the
    kill happened."""
    status, where = killing(arguments, who, path, cwd, **({"placeholder_figures": True} if rerun_env else {}))
    assert where is not None and where.endswith(path), f"never killed at {path}"
    assert status == killed_status, status
    return _minitransfer(arguments, cwd, rerun_env)


def assert_import_survives_a_kill(arguments, path, cwd):
    """``arguments``, a prepare command writing ``cwd``/data, killed as it renames ``path`` into place,
    then rerun: the same bytes as an uninterrupted import, and no temporary left."""
    _minitransfer(arguments, cwd)
    uninterrupted = _files(cwd / "data")
    shutil.rmtree(cwd / "data")
    _crash_then_rerun(killer(cwd), arguments, "self", path, cwd)
    assert _files(cwd / "data") == uninterrupted
    assert not _leftovers(cwd / "data")


@pytest.fixture(scope="module")
def uninterrupted_imports():
    """{arguments: the files an uninterrupted import writes}, filled by :func:`_import_survives_a_kill`: each
    import runs uninterrupted once, not once per kill point: a synthetic set's (which reads no files), and
    a folder's of :func:`photos` (one folder for the module: ``prepare folder`` records its sources' paths
    and times, not those of the folder it writes in)."""
    return {}


def _import_survives_a_kill(arguments, path, cwd, uninterrupted_imports):
    """:func:`assert_import_survives_a_kill`, the uninterrupted import's files taken from
    ``uninterrupted_imports`` where the same arguments ran before (in another folder)."""
    key = tuple(arguments)
    if key not in uninterrupted_imports:
        _minitransfer(arguments, cwd)
        uninterrupted_imports[key] = _files(cwd / "data")
        shutil.rmtree(cwd / "data")
    _crash_then_rerun(killer(cwd), arguments, "self", path, cwd)
    assert _files(cwd / "data") == uninterrupted_imports[key]
    assert not _leftovers(cwd / "data")


_SYNTHETIC = ["prepare", "synthetic", "data", "--classes", "4", "--size", "14", "--train-per-class", "6",
              "--val-per-class", "3", "--shard-size", "8"]


@pytest.mark.parametrize("path", ["train-00001.h5", "val-00000.h5", "mean.h5", "meta.json"])
def test_prepare_synthetic_killed_then_rerun_writes_the_same_files(tmp_path, path, uninterrupted_imports):
    _import_survives_a_kill(_SYNTHETIC, path, tmp_path, uninterrupted_imports)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A folder of 3 classes of 6 small PNGs each, read by every ``prepare folder`` of this module."""
    rng = np.random.default_rng(0)
    photos = tmp_path_factory.mktemp("photos")
    for label in range(3):
        folder = photos / f"class{label}"
        folder.mkdir(parents=True)
        for number in range(6):
            Image.fromarray(rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)).save(folder / f"{number}.png")
    return photos


@pytest.mark.parametrize("path", ["train-00000.h5", "source-digests.json", "meta.json"])
def test_prepare_folder_killed_then_rerun_writes_the_same_files(tmp_path, path, photos, uninterrupted_imports):
    arguments = ["prepare", "folder", str(photos), "data", "--size", "14", "--shard-size", "5"]
    _import_survives_a_kill(arguments, path, tmp_path, uninterrupted_imports)


def _experiment(data):
    return ["experiment", "--data", str(data), "-o", "grid", "--layers", "1", "--no-fine-tuned", "--max-iter", "4",
            "--eval-every", "2", "--batch-size", "4", "--device", "cpu"]


def _runs(out):
    """What a grid's runs hold, less what differs from one training of them to another (durations,
    file times, logs): every result, curve, plan and treatment, and every array of every HDF5 file."""
    state = {}
    for path in sorted(pathlib.Path(out).rglob("*")):
        name = str(path.relative_to(out))
        if path.suffix == ".h5":
            with h5py.File(path, "r") as handle:
                state[name] = {key: hashlib.sha256(np.ascontiguousarray(handle[key][()]).tobytes()).hexdigest()
                               for key in _datasets(handle)}
        elif path.name == "result.json":
            result = json.loads(path.read_text())
            # its digest covers its timings, which differ from run to run: checked against the file, then left out
            assert result.pop(RESULT_SHA256) == result_sha256(result), name
            state[name] = {key: value for key, value in result.items() if key not in ("seconds", "ms_per_iteration")}
            state[name]["weights"].pop("mtime_ns")
        elif path.name == "metrics.jsonl":
            state[name] = [{key: value for key, value in json.loads(line).items() if key != "seconds"}
                           for line in path.read_text().splitlines()]
        elif path.suffix in (".json", ".csv"):
            state[name] = path.read_text()
    return state


def _datasets(handle):
    names = []
    handle.visititems(lambda key, item: names.append(key) if isinstance(item, h5py.Dataset) else None)
    return names


@pytest.fixture(scope="module")
def finished_grid(micro_data, tmp_path_factory):
    """An uninterrupted grid of 4 runs: (its folder's parent, what its runs hold)."""
    folder = tmp_path_factory.mktemp("grid")
    _minitransfer(_experiment(micro_data), folder)
    return folder, _runs(folder / "grid")


@pytest.mark.parametrize("who, path, killed_status", [
    ("self", "random0/baseB.run/treatment.json", -signal.SIGKILL),  # the grid, as it writes its plan
    ("grid", "random0/baseA.run/checkpoint.h5", -signal.SIGKILL),   # the grid, while its first run trains on
    ("self", "random0/baseA.run/result.json", 1),                   # a run, as it finishes: the grid goes on
], ids=["grid-planning", "grid-while-a-run-trains", "run-finishing"])
def test_experiment_killed_then_rerun_trains_the_same_networks(killing, finished_grid, micro_data, tmp_path, who,
                                                               path, killed_status):
    folder, uninterrupted = finished_grid
    kept = tmp_path / "kept"  # the trial runs where the uninterrupted grid ran (its paths are in its files)
    shutil.copytree(folder / "grid", kept)
    shutil.rmtree(folder / "grid")
    try:
        _crash_then_rerun(killing, _experiment(micro_data), who, path, folder, killed_status)
        assert _runs(folder / "grid") == uninterrupted
        assert not _leftovers(folder / "grid")
    finally:
        interrupting.kill_left_running(folder / "grid" / "random0" / "baseA.run")  # a run a failed test left training
        shutil.rmtree(folder / "grid", ignore_errors=True)
        shutil.copytree(kept, folder / "grid")


@pytest.mark.parametrize("path, placeholder_figures", [("results.csv", True), ("curves.svg", False)],
                         ids=["results.csv", "curves.svg"])
def test_report_killed_then_rerun_writes_the_same_report(killing, finished_grid, tmp_path, path, placeholder_figures):
    """Killed as it writes its first file (the tables: its figures placeholders, their rendering not what a
    kill there checks) or its last (a figure: every figure rendered, the same bytes in a process of its own)."""
    folder, _ = finished_grid
    runs = tmp_path / "runs"
    shutil.copytree(folder / "grid", runs)
    arguments = ["report", str(runs), "-o", "report"]
    env = _hooked(tmp_path / "site", True) if placeholder_figures else None
    _minitransfer(arguments, tmp_path, env)
    uninterrupted = _files(tmp_path / "report")
    assert (tmp_path / "report" / "curves.svg").read_bytes().startswith(b"placeholder") == placeholder_figures
    (tmp_path / "report" / "figure3.png").write_bytes(b"an earlier report's figure")
    _crash_then_rerun(killing, arguments, "self", path, tmp_path, rerun_env=env)
    assert _files(tmp_path / "report") == uninterrupted
    assert not _leftovers(tmp_path / "report")
