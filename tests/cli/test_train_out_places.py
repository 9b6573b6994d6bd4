"""Where ``train -o`` may write (no dataset's, image source's or report's folder; a grid's and its
splits' folders are its runs' own), what it says of a folder given as -o or of a base that is not
there, and which stream its result goes to."""

import json
import shutil

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main
from minitransfer.data import shard_format
from minitransfer.experiment import PLAN_FILE
from minitransfer.report import write_report
from minitransfer.report_folder import REPORT_TABLES

FAST = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size", "4", "--device", "cpu"]


def _train(data, out, *options, folder=None, monkeypatch=None):
    """``train --data DATA -o OUT`` (in ``folder``, where given: the paths as a user types them)."""
    if folder is not None:
        monkeypatch.chdir(folder)
    return CliRunner().invoke(main, ["train", "--data", str(data), "-o", str(out), *FAST, *options])


def _refused(result, *words):
    assert result.exit_code == 2, result.output
    for said in words:
        assert said in result.output, result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """(folder, the folder of images photos/ and the dataset ds/ `prepare folder` imported from it)."""
    folder = tmp_path_factory.mktemp("imported")
    pixels = np.random.default_rng(0)
    for name in ("cat", "cow", "dog", "fox"):
        (folder / "photos" / name).mkdir(parents=True)
        for index in range(8):
            Image.fromarray(pixels.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(
                folder / "photos" / name / f"{index}.png")
    result = CliRunner().invoke(main, ["prepare", "folder", str(folder / "photos"), str(folder / "ds"), "--size",
                                       "14"])
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("inside", ["base.h5", "sub/base.h5"])
def test_weights_in_another_datasets_folder_are_refused_naming_it(micro_data, tmp_path, monkeypatch, inside):
    """Taken (exit 0, no word): the next report of the dataset said no run folder was in it."""
    shutil.copytree(micro_data, tmp_path / "other")
    result = _train(micro_data, f"other/{inside}", folder=tmp_path, monkeypatch=monkeypatch)
    _refused(result, f"--out other/{inside} lies inside other, a prepared dataset's folder",
             "write the weights beside it instead, e.g. base.h5")
    assert not list((tmp_path / "other").rglob("base.*"))


@pytest.mark.parametrize("inside", ["base.h5", "cat/x.h5"])
def test_weights_in_the_folder_of_images_the_dataset_was_imported_from_are_refused(imported, monkeypatch, inside):
    """The next `prepare folder photos` took base.run as a class of images."""
    result = _train(imported / "ds", f"photos/{inside}", folder=imported, monkeypatch=monkeypatch)
    _refused(result, f"--out photos/{inside} lies inside photos, the folder of images the dataset",
             "was imported from (prepare folder)", f"e.g. {inside.split('/')[-1]}")
    assert sorted(path.name for path in (imported / "photos").iterdir()) == ["cat", "cow", "dog", "fox"]


def _report_tables(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in REPORT_TABLES:
        (folder / name).write_text("as report wrote it\n")


@pytest.mark.parametrize("inside", ["x.h5", "sub/x.h5"])
def test_weights_in_a_reports_folder_are_refused(micro_data, tmp_path, monkeypatch, inside):
    """The report's own folder, remade as a whole (and `report cross` then refused it as a split folder)."""
    _report_tables(tmp_path / "cross" / "report")
    result = _train(micro_data, f"cross/report/{inside}", folder=tmp_path, monkeypatch=monkeypatch)
    _refused(result, f"--out cross/report/{inside} lies inside cross/report, a report's folder",
             "e.g. cross/x.h5")


def test_a_grids_folder_and_its_splits_take_runs_even_below_a_report(micro_data, tmp_path):
    """A grid trains its runs in GRID/SPLIT/NAME.h5 and pools a run trained by hand in GRID itself
    (test_grid_hand_trained): both stay taken, also where a report was written in a folder above
    the grid."""
    _report_tables(tmp_path)
    (tmp_path / "grid").mkdir()
    (tmp_path / "grid" / PLAN_FILE).write_text("{}")
    for out in (tmp_path / "grid" / "random0" / "baseA.h5", tmp_path / "grid" / "mine.h5"):
        result = _train(micro_data, out, "--quiet")
        assert result.exit_code == 0 and out.is_file(), result.output


def test_a_folder_as_out_says_that_it_names_the_weights_file(micro_data, tmp_path, monkeypatch):
    (tmp_path / "runs").mkdir()
    result = _train(micro_data, "runs", folder=tmp_path, monkeypatch=monkeypatch)
    _refused(result, "runs is a folder; -o (--out) names the weights file to write, e.g. runs/baseA.h5 or baseA.h5")
    shutil.copytree(micro_data, tmp_path / "ds")
    result = _train(micro_data, "ds", folder=tmp_path, monkeypatch=monkeypatch)
    _refused(result, "ds is a folder; -o (--out) names the weights file to write, e.g. baseA.h5")
    assert "ds/baseA.h5" not in result.output  # refused in its turn


def test_a_missing_base_names_what_the_runs_layers_were_copied_from(micro_data, tmp_path, monkeypatch):
    """"which holds the layers copied from it" named the mistyped --copy-from."""
    monkeypatch.chdir(tmp_path)
    assert _train(micro_data, "baseA.h5", "--quiet").exit_code == 0
    base = tmp_path / "baseA.run" / "checkpoint.h5"
    assert _train(micro_data, "c.h5", "--quiet", "--copy-from", "baseA.run/checkpoint.h5", "--n", "2").exit_code == 0
    recorded = checkpoints.read_meta(tmp_path / "c.run" / "checkpoint.h5")["source"]["checkpoint"]
    assert recorded == str(base)
    result = _train(micro_data, "c.h5", "--copy-from", "nonexist.h5", "--n", "2")
    _refused(result, f"--copy-from 'nonexist.h5' does not exist; to continue the run from c.run/checkpoint.h5, which "
                     f"holds the layers copied from {base}, add --resume auto")
    base.rename(tmp_path / "moved.h5")  # the base given is the one recorded: "it" is true
    result = _train(micro_data, "c.h5", "--copy-from", "baseA.run/checkpoint.h5", "--n", "2")
    _refused(result, "which holds the layers copied from it, add --resume auto")


def test_reports_own_folder_holding_a_run_is_named_as_such_with_the_option(micro_data, tmp_path, monkeypatch):
    """Said to be "a split folder of the grid ... choose another out_dir" (the library's parameter)."""
    (tmp_path / "cross").mkdir()
    (tmp_path / "cross" / PLAN_FILE).write_text('{"runs": [{"name": "random0/baseA"}]}')
    assert _train(micro_data, tmp_path / "cross" / "report" / "x.h5", "--quiet").exit_code == 0  # no report yet
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["report", "cross"])
    _refused(result, f"cross/report is the report's folder of the grid {tmp_path / 'cross'}, but holds x.run",
             "move the run out of it (x.h5 and x.run", "or choose another -o (--out)")
    assert "split folder" not in result.output and "out_dir" not in result.output


def test_the_result_line_goes_to_stdout_and_the_progress_to_stderr(micro_data, tmp_path):
    """`train ... > log` gave an empty log: every line, the result's too, was on stderr."""
    out = tmp_path / "net.h5"
    result = _train(micro_data, out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("done: final top-1 ") and result.stdout.count("\n") == 1, result.stdout
    assert f"weights in {out}, run files in {tmp_path / 'net.run'}" in result.stdout
    assert "iteration 2/2" in result.stderr and "done:" not in result.stderr, result.stderr
    again = _train(micro_data, out, "--resume", "auto")
    assert again.stdout == result.stdout and "net.h5 is already finished" in again.stderr, again.output
    quiet = _train(micro_data, out, "--resume", "auto", "--quiet")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == "", quiet.output


def test_a_folder_of_runs_holding_its_own_report_still_takes_runs(micro_data, tmp_path, monkeypatch,
                                                                  placeholder_figures):
    """`report runs -o runs` (accepted until 0.11.4, now refused: tests/test_msgs66_report_among_runs.py; the
    library's write_report still takes it) made runs a report's folder: the resume of runs/x.h5 and a new
    runs/y.h5 were refused, the resume's advice starting it afresh beside the folder."""
    assert _train(micro_data, "runs/x.h5", "--quiet", folder=tmp_path, monkeypatch=monkeypatch).exit_code == 0
    (tmp_path / "runs" / "x.h5").unlink()  # lost (a copy stopped): the resume writes it again from the checkpoint
    checkpoint = tmp_path / "runs" / "x.run" / "checkpoint.h5"
    write_report(tmp_path / "runs", tmp_path / "runs", figures=False)
    assert all((tmp_path / "runs" / name).is_file() for name in REPORT_TABLES)
    resumed = _train(micro_data, "runs/x.h5", "--resume", "auto")
    assert resumed.exit_code == 0 and "lies inside" not in resumed.output, resumed.output
    assert f"resuming {checkpoint.relative_to(tmp_path)} at iteration 2" in resumed.stderr, resumed.output
    assert checkpoints.is_checkpoint(tmp_path / "runs" / "x.h5")
    fresh = _train(micro_data, "runs/y.h5", "--quiet")
    assert fresh.exit_code == 0 and (tmp_path / "runs" / "y.h5").is_file(), fresh.output


def test_a_run_trained_in_another_kinds_folder_before_the_check_is_resumed_with_a_warning(imported, tmp_path,
                                                                                       monkeypatch):
    """A run in a dataset's or the image source's folder from before the check: its resume was refused,
    and the advice (train beside it) began it again, the run left behind. (A report's folder holding
    a run is a folder of runs: test_a_folder_of_runs_holding_its_own_report_still_takes_runs.)"""
    shutil.copytree(imported / "ds", tmp_path / "other")
    for out in (tmp_path / "other" / "x.h5", imported / "photos" / "x.h5"):
        _trained_there_before(imported / "ds", out, tmp_path)
        out.unlink()  # lost (a copy stopped): the resume writes it again from the checkpoint
        result = _train(imported / "ds", out, "--resume", "auto")
        assert result.exit_code == 0 and out.is_file(), result.output
        assert f"warning: --out {out} lies inside {out.parent}, " in result.stderr, result.stderr
        assert "move both out of it (x.h5 and x.run)" in result.stderr, result.stderr
        shutil.rmtree(out.parent / "x.run")
        out.unlink()


def _trained_there_before(data, out, tmp_path):
    """The run ``out`` trained on ``data`` before its place was checked: trained beside, moved there whole."""
    beside = tmp_path / "beside" / out.name
    assert _train(data, beside, "--quiet").exit_code == 0
    for trained in (beside, beside.with_suffix(".run")):
        trained.rename(out.parent / trained.name)


@pytest.mark.parametrize("there, options", [("empty", ()), ("empty", ("--resume", "auto")),
                                            ("empty", ("--overwrite",)), ("run", ("--overwrite",))],
                         ids=["empty", "empty-resume-auto", "empty-overwrite", "run-overwrite"])
def test_a_fresh_run_where_a_run_folder_is_merely_there_in_another_kinds_folder_is_refused(
        micro_data, tmp_path, there, options):
    """A folder x.run in a dataset's folder that holds no run (empty: made by hand, or left by a
    run's lock), or a run there started over (--overwrite): a fresh run, which was only warned of
    because x.run was a folder, and trained there."""
    shutil.copytree(micro_data, tmp_path / "other")
    out = tmp_path / "other" / "x.h5"
    if there == "empty":
        (tmp_path / "other" / "x.run").mkdir()
    else:
        _trained_there_before(micro_data, out, tmp_path)
        out.unlink()
    result = _train(micro_data, out, *options)
    _refused(result, f"--out {out} lies inside {out.parent}, a prepared dataset's folder", "e.g. ")
    assert "warning" not in result.output and not out.exists()


def test_an_image_source_recorded_relative_by_an_older_version_is_not_guessed(imported, tmp_path, monkeypatch):
    """meta.json recorded SOURCE relative to the folder prepare ran in: read from train's folder, it named
    a folder of the same name there, which -o was refused in."""
    shutil.copytree(imported / "ds", tmp_path / "ds")
    meta_file = tmp_path / "ds" / "meta.json"
    meta = json.loads(meta_file.read_text())
    assert meta["source"]["path"] == str(imported / "photos")  # absolute, as prepare records it now
    meta["source"]["path"] = "photos"
    with h5py.File(tmp_path / "ds" / "mean.h5", "r") as handle:  # as that version wrote it: no digest of meta.json
        mean = np.asarray(handle["mean"])
    meta["mean"]["sha256"] = shard_format.write_mean(tmp_path / "ds" / "mean.h5", mean, meta["classes"])
    meta_file.write_text(json.dumps(meta))
    (tmp_path / "photos").mkdir()  # another folder of that name, in the folder train runs in
    result = _train("ds", "photos/x.h5", "--quiet", folder=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 0 and (tmp_path / "photos" / "x.h5").is_file(), result.output
