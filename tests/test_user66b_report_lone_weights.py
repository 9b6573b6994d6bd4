"""A network's weights file copied alone into a folder of runs, without its run folder: report read the runs
beside it ("read 1 finished run") and passed it over without a word. It is now named among the runs left out
(on stderr and in results.md), with why (no run folder beside it) and what to do; another HDF5 file there (not
a network's) and a run's own weights beside its folder are not."""

import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True,
        "preset": "micro", "split": "all"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    root = tmp_path_factory.mktemp("lone-weights")
    training.train(config.TrainConfig(out=str(root / "base.h5"), data=micro_data, **FAST))
    return root


def test_a_weights_file_without_its_run_folder_is_named_left_out(trained, tmp_path):
    runs = tmp_path / "runs"
    (runs / "copied").mkdir(parents=True)
    shutil.copy(trained / "base.h5", runs)
    shutil.copytree(trained / "base.run", runs / "base.run")
    shutil.copy(trained / "base.h5", runs / "copied" / "baseX.h5")  # its run folder left behind
    with h5py.File(runs / "features.h5", "w") as other:  # a user's own HDF5 file, no network's
        other["x"] = [1, 2, 3]
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"read 1 finished run from {runs}\n"), result.output
    said = (f"copied/baseX.h5: {runs / 'copied' / 'baseX.h5'} is a network's weights file without its run folder "
            f"(baseX.run) beside it, which report reads a run from: copy that folder beside it to report the run")
    assert f"warning: left out: {said}\n" in result.output, result.output
    assert f"- {said}\n" in (tmp_path / "report" / "results.md").read_text()
    assert "features.h5" not in result.output and "base.h5:" not in result.output, result.output


def test_a_folder_holding_only_such_a_file_holds_no_run(trained, tmp_path):
    """No run folder there: a usage mistake (exit code 2), as for an empty folder, the file named with it."""
    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copy(trained / "base.h5", runs / "baseX.h5")
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "report")])
    assert result.exit_code == 2, result.output
    words = " ".join(result.output.split())
    assert words.startswith(f"error: no finished runs (*.run/result.json) under {runs}: no run folder "), words
    assert words.endswith(f"; left out baseX.h5: {runs / 'baseX.h5'} is a network's weights file without its run "
                          f"folder (baseX.run) beside it, which report reads a run from: copy that folder beside it "
                          f"to report the run"), words
