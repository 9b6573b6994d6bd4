"""Paths given as "" (``"$RUNS"`` with RUNS unset), as - (a Unix tool's standard input or output), or as the wrong
kind of thing, each a usage error (exit 2) naming the argument and what to give:

- a folder to write (``report -o -``, ``experiment -o -``, ``prepare synthetic -``) made a folder named - and wrote
  into it, where ``train -o -`` is refused; an existing file there was click's bare "Directory 'x' is a file.";
- a path to read ("" or - naming nothing) was click's "Path '' does not exist.", which says neither;
- ``prepare folder RUNS`` (a folder of runs given as the images) was bad data (65), "no class folders, only 3
  file(s)", where every other command calls a folder of runs a usage error.
"""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.cli._paths import OutputFolder


@pytest.fixture
def here(tmp_path, monkeypatch):
    """The current folder (tmp_path), where a folder named - would be made, and an empty cache no set is built in."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    (tmp_path / "runs").mkdir()
    return tmp_path


def _invoke(args):
    return CliRunner().invoke(main, args)


WRITE_INTO = {
    "report": (["report", "runs", "-o", "-"], "'-o' / '--out'", "report"),
    "experiment": (["experiment", "-o", "-", "--device", "cpu", "--dry-run"], "'-o' / '--out'", "experiment"),
    "emit-slurm": (["experiment", "-o", "grid", "--emit-slurm", "-", "--dry-run"], "'--emit-slurm'", "experiment"),
    "prepare": (["prepare", "synthetic", "-"], "'OUT'", "prepare synthetic"),
}  # demo's -o is the same OutputFolder: left out, as before the fix it ran the whole demo into -


@pytest.mark.parametrize("command", list(WRITE_INTO))
def test_a_folder_to_write_given_as_a_dash_is_refused_making_nothing(here, command):
    args, option, who = WRITE_INTO[command]
    result = _invoke(args)
    assert result.exit_code == 2, result.output
    assert (f"Error: Invalid value for {option}: is -, which {who} does not read as standard output: it writes its "
            f"files into a folder; name the folder to write into (./- for a folder named -)\n") in result.output
    assert sorted(os.listdir(here)) == ["runs"]


def test_a_folder_named_dash_is_written_into_as_dot_slash_dash(here):
    assert OutputFolder().convert("./-", None, None) == "./-"


@pytest.mark.parametrize("command", ["report", "demo"])
def test_a_file_given_as_the_folder_to_write_says_it_is_a_file(here, command):
    (here / "results.csv").write_text("run\n")
    args = ["report", "runs", "-o", "results.csv"] if command == "report" else ["demo", "-o", "results.csv"]
    result = _invoke(args)
    assert result.exit_code == 2, result.output
    assert ("Error: Invalid value for '-o' / '--out': results.csv is a file, not a folder: give a folder to write "
            "into (a new one is made)\n") in result.output
    assert "Directory" not in result.output
    assert (here / "results.csv").read_text() == "run\n"


NETWORK = "give a weights file (e.g. baseA.h5) or a run folder (baseA.run)"
DATASET = "give the folder `minitransfer prepare` wrote (it holds meta.json)"
READ = {
    "eval": (["eval", "{}"], "'CHECKPOINT'", "eval", NETWORK),
    "info": (["info", "{}"], "'CHECKPOINT'", "info", NETWORK),
    "train-data": (["train", "--data", "{}", "--device", "cpu"], "'--data'", "train", DATASET),
    "eval-data": (["eval", "net.h5", "--data", "{}"], "'--data'", "eval",
                  f"{DATASET}; or leave --data out to score the network on the dataset it was trained on"),
    "splits": (["splits", "{}", "all"], "'PATH'", "splits", DATASET),
    "prepare-folder": (["prepare", "folder", "{}", "out"], "'SOURCE'", "prepare folder",
                       "give the folder that holds the images"),
    "prepare-imagenet": (["prepare", "imagenet", "{}", "out"], "'SOURCE'", "prepare imagenet",
                         "give the folder that holds the images"),
    "prepare-cifar10": (["prepare", "cifar10", "{}", "out"], "'SOURCE'", "prepare cifar10",
                        "give the download (its archive) or the folder it unpacks into"),
    "devkit": (["prepare", "imagenet", "runs", "out", "--devkit", "{}"], "'--devkit'", "prepare imagenet",
               "give the devkit folder, ILSVRC2012_devkit_t12"),
    "families": (["prepare", "folder", "runs", "out", "--families", "{}"], "'--families'", "prepare folder",
                 "give the file of 'CLASS FAMILY' lines"),
    "report": (["report", "{}"], "'RUNS'", "report", "give the folder that holds the runs"),
}


@pytest.mark.parametrize("command, given", [(command, given) for command in READ for given in ("", "-")
                                            if (command, given) != ("families", "")])  # "": its own words (msgs65)
def test_a_path_to_read_given_empty_or_as_a_dash_says_so(here, command, given):
    args, option, who, give = READ[command]
    (here / "net.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    result = _invoke([arg.format(given) for arg in args])
    assert result.exit_code == 2, result.output
    said = f"is -, which {who} does not read as standard input" if given else "is empty (an unset shell variable?)"
    assert f"Error: Invalid value for {option}: {said}: {give}\n" in result.output
    assert "does not exist" not in result.output
    assert sorted(os.listdir(here)) == ["net.h5", "runs"]


def test_a_folder_named_dash_that_is_there_is_read(here):
    """- names standard input only where nothing is named so: a folder - is the folder."""
    (here / "-").mkdir()
    result = _invoke(["report", "-"])
    assert result.exit_code == 2, result.output
    assert "standard input" not in result.output and "no finished runs (*.run/result.json) under -" in result.output


def _run(folder, name="baseA"):
    (folder / f"{name}.run").mkdir(parents=True)
    (folder / f"{name}.run" / "result.json").write_text(json.dumps({"iterations": 1}))
    (folder / f"{name}.run" / "config.json").write_text("{}")
    (folder / f"{name}.h5").write_text("weights")


def _image(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(path)


def _folder_of_runs(root):
    _run(root / "runs")
    return root / "runs", "runs is a folder of runs (baseA.run)"


def _run_folder(root):
    _run(root / "runs")
    return root / "runs" / "baseA.run", "runs/baseA.run is a run folder (a network's, which train wrote)"


def _grid_reported(root):
    """A grid's folder after `report grid` (its figures in grid/report, a folder of images of its own)."""
    _run(root / "grid" / "random0")
    (root / "grid" / "experiment.json").write_text("{}")
    for name in ("results.csv", "results.md", "table1.csv", "table1.md", "findings.md"):
        (root / "grid" / "report" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "grid" / "report" / name).write_text("x")
    _image(root / "grid" / "report" / "figure2.png")
    return root / "grid", "grid is an experiment's folder"


def _report_folder(root):
    for name in ("results.csv", "results.md", "table1.csv", "table1.md", "findings.md"):
        (root / "report").mkdir(parents=True, exist_ok=True)
        (root / "report" / name).write_text("x")
    _image(root / "report" / "figure2.png")
    return root / "report", "report is a report's folder (the tables minitransfer report wrote)"


@pytest.mark.parametrize("command", ["folder", "imagenet"])
@pytest.mark.parametrize("make", [_folder_of_runs, _run_folder, _grid_reported, _report_folder],
                         ids=["runs", "run-folder", "grid-reported", "report"])
def test_prepare_given_what_train_experiment_or_report_wrote_is_a_usage_error(here, make, command):
    source, what = make(here / "given")
    result = _invoke(["prepare", command, str(source), "out", "--size", "12"])
    assert result.exit_code == 2, result.output
    assert (f"Error: Invalid value for 'SOURCE': {here / 'given'}/{what}, not a folder of images: give the folder "
            f"that holds the images\n") in result.output
    assert not (here / "out").exists()


def test_one_class_folder_holding_a_run_folder_is_still_said_to_be_one(here):
    """Its images make it a folder of images (the folder of one class), not a folder of runs: bad data as before,
    naming the folder above it."""
    _image(here / "photos" / "cat" / "1.png")
    _image(here / "photos" / "dog" / "1.png")
    _run(here / "photos" / "cat")
    result = _invoke(["prepare", "folder", "photos/cat", "out", "--size", "12"])
    assert result.exit_code == 65, result.output
    assert "(the folder of one class?)" in result.output and f"if so, give {here / 'photos'};" in result.output
