"""What ``info`` and ``eval`` say of a path that is no network they can read: one that may not be
read, or lies in a folder that may not be entered (another user's run in a shared grid), a grid's
folder, a dataset's file."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from data.test_data_unreadable import _without_root_rights

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def network(micro_data, tmp_path_factory):
    """A finished run in its own folder: shared/net.h5 and shared/net.run."""
    out = tmp_path_factory.mktemp("grid") / "shared" / "net.h5"
    out.parent.mkdir()
    training.train(config.TrainConfig(out=str(out), data=str(micro_data), split="all", **FAST))
    return out


def without_root_rights(args, cwd):
    """``minitransfer ARGS`` as a user whom permissions stop (root without its right to read any file)."""
    command = [sys.executable, "-m", "minitransfer", *map(str, args)]
    prefix = _without_root_rights()
    done = subprocess.run(prefix + (["-c", " ".join(command)] if prefix else command), cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    return done.returncode, done.stderr


@pytest.mark.parametrize("command, locked", [("info", "folder"), ("eval", "file"), ("eval", "run-folder")],
                         ids=["info-folder", "eval-file", "eval-run-folder"])
def test_a_network_this_user_may_not_read_is_an_io_error_that_names_what_to_open(network, command, locked):
    """A file in a folder without permission was "Path 'shared/net.h5' does not exist", the file or
    run folder itself "is not readable", both usage errors (2): it is there, and train --resume says
    of such a checkpoint that it cannot be read (74)."""
    folder = network.parent
    target = {"folder": folder, "file": network, "run-folder": folder / "net.run"}[locked]
    given = "shared/net.run" if locked == "run-folder" else "shared/net.h5"
    if locked == "run-folder":  # an unfinished run: its checkpoint is the network
        os.rename(network, folder / "aside.h5")
    target.chmod(0)
    try:
        code, stderr = without_root_rights([command, given], folder.parent)
    finally:
        target.chmod(0o755 if target.is_dir() else 0o644)
        if locked == "run-folder":
            os.rename(folder / "aside.h5", network)
    expected = {
        "folder": "error: shared/net.h5 cannot be reached: the folder shared may not be entered by this user "
                  "(permission denied): give access to it (chmod a+x shared), or give a copy of the network\n",
        "file": "error: shared/net.h5 is not readable by this user (permission denied): give read access to it "
                "(chmod a+r shared/net.h5), or give a copy of it\n",
        "run-folder": "error: shared/net.run is not readable by this user (permission denied): give read access to "
                      "it (chmod a+rx shared/net.run), or give a copy of it\n",
    }[locked]
    assert (code, stderr) == (74, expected)


@pytest.mark.parametrize("command", ["info", "eval"])
def test_a_grid_and_a_dataset_file_are_named_as_such_with_what_to_give(network, micro_data, tmp_path, command,
                                                                       monkeypatch):
    """A grid's folder, or one of its split folders, was "a folder without a network", with networks
    in it; a dataset's shard or mean image "not a minitransfer checkpoint (format attribute None,
    expected 'minitransfer-checkpoint')", exit 65, where the dataset's folder names splits DATA all."""
    monkeypatch.chdir(tmp_path)
    grid = tmp_path / "grid"
    shutil.copytree(network.parent, grid / "random0")
    shutil.copytree(network.parent / "net.run", grid / "random0" / "other.run")
    (grid / "experiment.json").write_text("{}")
    expected = {
        "grid": "grid is no network but holds 2 runs (random0/net.run, random0/other.run): give one of them (e.g. "
                "grid/random0/net.run), or summarize them with `minitransfer report grid`",
        "grid/random0": "grid/random0 is no network but holds 2 runs (net.run, other.run): give one of them (e.g. "
                        "grid/random0/net.run), or summarize them with `minitransfer report grid/random0`",
    }
    for name in ("train-00000.h5", "mean.h5", "meta.json"):
        shard = pathlib.Path(micro_data) / name
        expected[shard] = (f"{shard} is a file of the dataset {micro_data}, not a network (`minitransfer splits "
                           f"{micro_data} all` lists its classes and images); give a weights file (e.g. baseA.h5) "
                           f"or a run folder (baseA.run)")
    for given, message in expected.items():
        result = CliRunner().invoke(main, [command, str(given)])
        assert result.exit_code == 2 and f"Error: Invalid value for 'CHECKPOINT': {message}\n" in result.output, \
            result.output


@pytest.mark.parametrize("command", ["info", "eval"])
def test_a_report_an_experiment_and_a_folder_of_datasets_are_named_with_what_the_command_takes(micro_data, tmp_path,
                                                                                               command, monkeypatch):
    """Each was "a folder without a network: give a weights file ... that holds its checkpoint.h5", which
    said neither what the folder is nor that a report's runs are beside it; eval given a dataset
    (or a folder of them) as its network now says to give it as --data."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid" / "report").mkdir(parents=True)
    (tmp_path / "grid" / "report" / "results.csv").write_text("run\n")
    (tmp_path / "grid" / "random0" / "baseA.run").mkdir(parents=True)
    (tmp_path / "planned").mkdir()
    (tmp_path / "planned" / "experiment.json").write_text("{}")
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "micro").symlink_to(micro_data)
    takes = f"{command} takes a network: a weights file (e.g. baseA.h5) or a run folder (baseA.run)"
    score = "; to score a network on a dataset, give it as --data (minitransfer eval NETWORK --data datasets/micro)"
    expected = {
        "grid/report": f"grid/report is a report's folder (the tables and figures `minitransfer report` wrote), not a "
                       f"network; the runs it sums up are in grid (e.g. grid/random0/baseA.run): {takes}",
        "planned": f"planned is an experiment's folder whose networks have not started training (no run folder in it "
                   f"yet: `minitransfer experiment` trains them into SPLIT/NAME.run), not a network: {takes}",
        "datasets": f"datasets is a folder of datasets (datasets/micro), not a network: {takes}"
                    + (score if command == "eval" else ""),
        "datasets/micro": "datasets/micro is a dataset folder, not a network (`minitransfer splits "
                          "datasets/micro all` lists its classes and images); give a weights file (e.g. "
                          "baseA.h5) or a run folder (baseA.run)" + (score if command == "eval" else ""),
    }
    for given, message in expected.items():
        result = CliRunner().invoke(main, [command, given])
        assert result.exit_code == 2, result.output
        assert f"Error: Invalid value for 'CHECKPOINT': {message}\n" in result.output, result.output
