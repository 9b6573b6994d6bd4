"""``minitransfer report`` on run folders that are not what their names say: a transfer whose base
file was another network when it was trained, a run folder copied or linked into another split's
folder, a treatment.json that contradicts its config.json, hand-edited files, runs trained with
another schedule than the runs they are compared with, folders linked into the grid; and each run's
files read once."""

import errno
import json
import math
import os
import shutil
import subprocess
import sys
import time

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import figures, findings, grid_plan_file, report
from minitransfer import results as results_module
from minitransfer import run_file_readers, run_search
from minitransfer.cli import main
from minitransfer.results import Result, collect, without_base
from test_report import ACCURACY, read_csv, train_in, write_curve, write_run, write_runs


@pytest.fixture
def runs_dir(tmp_path):
    return write_runs(tmp_path / "grid")


def collect_listing(runs_dir, monkeypatch, most=10_000):
    """``collect(runs_dir)``, and the real path of each folder it listed (``os.scandir``), in order;
    the test fails at the listing of more than ``most`` folders."""
    listed = []
    real_scandir = os.scandir

    def counting_scandir(path):
        listed.append(os.path.realpath(path))
        assert len(listed) <= most, f"more than {most} folders listed, the last {listed[-1]}"
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    return collect(runs_dir), listed


def record_source(runs_dir, name, **source):
    """What train writes into a copy's checkpoint about its base (transfer.source_of)."""
    record = {"checkpoint": f"/cluster/grid/{name.split('/')[0]}/baseA.h5", "split_kind": "random", "split_seed": 0,
              "split_half": "A", "cross_dataset": False, **source}
    with h5py.File(runs_dir / f"{name}.run" / "checkpoint.h5", "a") as f:
        f.attrs["source"] = json.dumps(record)


def report_of(runs_dir, out):
    """``report RUNS_DIR -o OUT``: (its output, the names in results.csv); exit 0 asserted."""
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.output, {row["run"] for row in read_csv(out / "results.csv")}


WRONG_BASES = {
    "AnB-from-half-B": ("random0/A1B", {"split_half": "B"},
                        "A1B (AnB) should have copied its layers from half A of the random split 0, but train recorded "
                        "a base of half B of the random split 0 (/cluster/grid/random0/baseA.h5)"),
    "AnB+-from-another-split-seed": ("random0/A3B+", {"split_seed": 1},
                                     "A3B+ (AnB+) should have copied its layers from half A of the random split 0, "
                                     "but train recorded a base of half A of the random split 1"),
    "BnB-from-half-A": ("random0/B5B", {"split_half": "A"},
                        "B5B (BnB) should have copied its layers from half B of the random split 0, but train "
                        "recorded a base of half A of the random split 0"),
    "AnB-from-the-natural-split": ("random0/A5B", {"split_kind": "natural"},
                                   "should have copied its layers from half A of the random split 0, but train "
                                   "recorded a base of half A of the natural split"),
    "AnB-from-another-dataset": ("random0/A1B+", {"cross_dataset": True},
                                 "recorded a base of another dataset"),
}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("name, source, why", WRONG_BASES.values(), ids=WRONG_BASES.keys())
def test_a_copy_whose_base_was_another_network_is_left_out_and_named(runs_dir, tmp_path, name, source, why):
    """A1B trained after the grid's baseA.h5 had been replaced by baseB's network is a selffer:
    train recorded the base's half, and report believes that record over the run's name. The
    copies whose record agrees stay in."""
    for other in ("random0/A3B", "random0/B3B"):
        record_source(runs_dir, other, split_half=other.split("/")[1][0])
    record_source(runs_dir, name, **{"split_half": name.split("/")[1][0], **source})
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY) - {name}
    assert f"left out: {name}: " in output and why in output
    assert f"- {name}: " in (tmp_path / "r" / "findings.md").read_text()


def test_a_grid_whose_base_file_was_replaced_before_its_transfer_was_trained(synthetic_8, tmp_path, monkeypatch):
    """The fault end to end: baseB's network copied over random0/baseA.h5, then A1B trained as the
    grid trains it (split, seed and half given, --copy-from random0/baseA.h5)."""
    planned = {run.name: run for run in grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)}
    for name, half in (("random0/baseA", "A"), ("random0/baseB", "B")):
        train_in(tmp_path, monkeypatch, out=f"{name}.h5", data=synthetic_8, split="random", split_seed=0, half=half)
    shutil.copyfile(tmp_path / "random0" / "baseB.h5", tmp_path / "random0" / "baseA.h5")
    train_in(tmp_path, monkeypatch, out="random0/A1B.h5", data=synthetic_8, split="random", split_seed=0, half="B",
             copy_from="random0/baseA.h5", n=1, frozen=True)
    grid_plan_file.write_plan(tmp_path, list(planned.values()), {}, ["train"])
    results, unfinished, left_out = collect(tmp_path)
    assert sorted(r.run.name for r in results) == ["random0/baseA", "random0/baseB"] and not unfinished
    assert left_out == [f"random0/A1B: A1B (AnB) should have copied its layers from half A of the random split 0, but "
                        f"train recorded a base of half B of the random split 0 ({tmp_path / 'random0' / 'baseA.h5'}): "
                        f"the base file was another network when it was trained; train it again from its own base"]


def test_a_cross_dataset_grids_copies_are_checked_against_their_own_bases(tmp_path):
    """SnT copies from the other dataset, TnT from every class of this one; swapped, both are out."""
    out = tmp_path / "grid"
    for run in grid.plan_grid(random_seeds=(), layers=(2,), cross=True, fine_tuned=False):
        write_run(out, run, 0.5)
    record_source(out, "cross/S2T", cross_dataset=False, split_kind="all", split_half="")
    record_source(out, "cross/T2T", cross_dataset=True, split_kind="all", split_half="")
    results, _, left_out = collect(out)
    assert sorted(r.run.name for r in results) == ["cross/baseS", "cross/baseT"]
    assert [text.split(": ", 1)[0] for text in left_out] == ["cross/S2T", "cross/T2T"]
    assert "S2T (AnB) should have copied its layers from another dataset, but train recorded a base of every class " \
           "of this dataset" in left_out[0]
    assert "T2T (BnB) should have copied its layers from every class of this dataset, but train recorded a base " \
           "of another dataset" in left_out[1]

    record_source(out, "cross/S2T", cross_dataset=True, split_kind="all", split_half="")
    record_source(out, "cross/T2T", cross_dataset=False, split_kind="all", split_half="")
    assert len(collect(out)[0]) == 4 and not collect(out)[2]


@pytest.mark.usefixtures("placeholder_figures")
def test_a_run_folder_copied_into_another_splits_folder_is_left_out_and_named(runs_dir, tmp_path):
    """random0/A3B.run copied as random1/A3B.run keeps split seed 0 and random0's base in its
    treatment.json: it would be reported as random1's A3B and measured against random0's baseB."""
    shutil.copytree(runs_dir / "random0" / "A3B.run", runs_dir / "random1" / "A3B.run")
    shutil.copyfile(runs_dir / "random0" / "A3B.h5", runs_dir / "random1" / "A3B.h5")
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY)
    assert (f"left out: random1/A3B: {runs_dir / 'random1' / 'A3B.run' / 'treatment.json'} is the treatment of run "
            f"random0/A3B (experiment wrote it in random0/A3B.run), not of A3B.run") in output


def test_a_link_to_a_run_folder_counts_it_once(runs_dir, tmp_path):
    """A grid's run linked under another name, and a hand-trained run (no treatment.json) linked
    twice: each network is one row; the links are named."""
    os.symlink("A3B.run", runs_dir / "random0" / "A3B-again.run")
    hand = runs_dir / "hand"
    write_run(hand, grid.Run("baseA", "base", "random", 0, target="A"), 0.6, treatment=False,
              config={"split": "random", "split_seed": 0, "half": "A"})
    os.symlink("baseA.run", hand / "baseA-link.run")
    results, _, left_out = collect(runs_dir)
    assert sorted(r.run.name for r in results) == sorted(set(ACCURACY) | {"hand/baseA"})
    assert left_out == [
        f"hand/baseA-link: {hand / 'baseA-link.run'} is a link to the run folder of hand/baseA, which is reported "
        f"once, as hand/baseA",
        f"random0/A3B-again: {runs_dir / 'random0' / 'A3B-again.run'} is a link to the run folder of random0/A3B, "
        f"which is reported once, as random0/A3B"]


def test_a_grid_linked_twice_under_other_names_is_read_once(runs_dir, tmp_path):
    """random1 and a-copy links to random0: random0's runs are reported, under the folder's own name
    though a link's sorts first; the links' names are not read as random1's networks (their
    treatment says split seed 0, their base random0's). Each link is one left-out line, naming the
    folder, not one per run in it."""
    os.symlink("random0", runs_dir / "random1")
    os.symlink("random0", runs_dir / "a-copy")
    results, _, left_out = collect(runs_dir)
    assert sorted(r.run.name for r in results) == sorted(ACCURACY)
    assert left_out == [f"{name}: {runs_dir / name} is a link to the folder random0, whose {len(ACCURACY)} run "
                        f"folders are read once, as random0/..." for name in ("a-copy", "random1")]


def test_a_folder_reached_through_many_links_is_read_once(runs_dir, tmp_path, monkeypatch):
    """Ten folders, each with two links to the next, the grid in the last: 1024 routes to the grid
    (a link to / in every process of /proc), each folder read once and the grid's runs reported
    once; of the links, only those to a folder the runs are reported under are named (level8's to
    level9, level9's second one to the grid)."""
    levels = [tmp_path / "tree" / f"level{number}" for number in range(10)]
    for level, below in zip(levels, levels[1:] + [runs_dir]):
        level.mkdir(parents=True)
        for link in ("a", "b"):
            os.symlink(below, level / link)
    (results, unfinished, left_out), listed = collect_listing(tmp_path / "tree", monkeypatch)
    assert sorted(listed) == sorted(set(listed)) and len(listed) == 1 + 10 + 2  # tree, its levels, grid, random0
    assert sorted(r.run.name for r in results) == sorted(f"level9/a/{name}" for name in ACCURACY)
    assert left_out == [f"{link}: {tmp_path / 'tree' / link} is a link to the folder {first}, whose {len(ACCURACY)} "
                        f"run folders are read once, as {first}/..."
                        for link, first in (("level8/a", "level9"), ("level8/b", "level9"), ("level9/b", "level9/a"))]


def test_a_split_folder_linked_into_the_grid_is_read(runs_dir, tmp_path):
    """random0/ kept on another disk and linked into the grid (a cluster's scratch space): its runs
    are the grid's, read once, and a link back up to the grid ends no loop."""
    shutil.move(runs_dir / "random0", tmp_path / "scratch-random0")
    os.symlink(tmp_path / "scratch-random0", runs_dir / "random0")
    os.symlink(runs_dir, tmp_path / "scratch-random0" / "back-to-the-grid")
    results, unfinished, left_out = collect(runs_dir)
    assert sorted(r.run.name for r in results) == sorted(ACCURACY) and not unfinished and not left_out


def test_a_dataset_linked_into_the_grid_is_not_looked_into(runs_dir, tmp_path, micro_data, monkeypatch):
    """A grid holding a link to its dataset (ImageNet's: 1.3 M files, beside which its images were
    kept): the dataset's folder, meta.json and shards, holds no runs, and nothing in it is read."""
    dataset = tmp_path / "imagenet"
    shutil.copytree(micro_data, dataset)
    for klass in ("n01440764", "n01443537"):
        (dataset / "images" / "train" / klass).mkdir(parents=True)
    os.symlink(dataset, runs_dir / "data")
    (results, unfinished, left_out), listed = collect_listing(runs_dir, monkeypatch)
    assert sorted(listed) == sorted(map(str, (runs_dir, runs_dir / "random0", dataset)))
    assert sorted(r.run.name for r in results) == sorted(ACCURACY) and not unfinished and not left_out


class SlowListing:
    """A clock for :mod:`minitransfer.run_search` on which each folder takes ``seconds`` to list (a slow
    network file system): ``os.scandir`` advances it."""

    def __init__(self, monkeypatch, seconds):
        self.now, self.seconds, self.real_scandir = 1000.0, seconds, os.scandir
        monkeypatch.setattr(os, "scandir", self.scandir)
        monkeypatch.setattr(run_search, "time", self)

    def scandir(self, path):
        self.now += self.seconds
        return self.real_scandir(path)

    def monotonic(self):
        return self.now


def test_a_long_search_for_runs_shows_life(runs_dir, monkeypatch, capsys):
    """Eight folders of 6 s each: a line on stderr once 10 s have passed since the last, saying how
    far the search (then the reading of the runs found) is and where, and one at the end; a quick
    search says nothing."""
    for number in range(6):
        (runs_dir / f"notes{number}").mkdir()
    SlowListing(monkeypatch, 0)
    collect(runs_dir)
    assert capsys.readouterr().err == ""

    SlowListing(monkeypatch, 6)
    results, _, _ = collect(runs_dir)
    assert len(results) == len(ACCURACY)
    assert capsys.readouterr().err.splitlines() == [
        f"looking for runs under {runs_dir}: 2 folders read, 0 run folders found, now in {runs_dir / 'notes1'} ...",
        f"looking for runs under {runs_dir}: 4 folders read, 0 run folders found, now in {runs_dir / 'notes3'} ...",
        f"looking for runs under {runs_dir}: 6 folders read, 0 run folders found, now in {runs_dir / 'notes5'} ...",
        f"looking for runs under {runs_dir}: 0 of 14 run folders read, now {runs_dir / 'random0' / 'A1B+.run'} ...",
        f"looking for runs under {runs_dir}: 14 run folders read, found in 8 folders in 48 s"]


NOT_FILES = {
    "result.json-a-folder": ("result.json", lambda path: path.mkdir(), "not a file (a folder)"),
    "eval.csv-a-folder": ("eval.csv", lambda path: path.mkdir(), "not a file (a folder)"),
    "metrics.jsonl-a-folder": ("metrics.jsonl", lambda path: path.mkdir(), "not a file (a folder)"),
    "config.json-a-folder": ("config.json", lambda path: path.mkdir(), "not a file (a folder)"),
    "treatment.json-a-folder": ("treatment.json", lambda path: path.mkdir(), "not a file (a folder)"),
    "metrics.jsonl-a-pipe": ("metrics.jsonl", os.mkfifo, "not a file (a named pipe)"),
    "eval.csv-a-device": ("eval.csv", lambda path: os.symlink("/dev/zero", path), "not a file (a device)"),
}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("file, make, why", NOT_FILES.values(), ids=NOT_FILES.keys())
def test_a_runs_file_that_is_not_a_file_leaves_the_run_out(runs_dir, tmp_path, file, make, why):
    """A folder, a named pipe or a device where a run's file should be: the run is left out and named,
    the others reported. A folder was exit code 74 for the whole report ("I/O: Is a directory", as if
    a file could not be written), a treatment.json folder "neither treatment.json nor config.json",
    a config.json folder no config at all; a pipe or /dev/zero would be read for ever."""
    path = runs_dir / "random0" / "A3B.run" / file
    if path.exists():
        path.unlink()
    make(path)
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY) - {"random0/A3B"}
    assert f"left out: random0/A3B: {path}: {why}" in output


@pytest.mark.usefixtures("placeholder_figures")
def test_a_folder_that_cannot_be_read_is_named(runs_dir, tmp_path, monkeypatch):
    """A split's folder of another user (mode 700) in a shared grid: its runs were missing from the
    report without a word, as if never trained. A folder gone while read is no fault."""
    shutil.copytree(runs_dir / "random0", runs_dir / "random1")
    shutil.copytree(runs_dir / "random0", runs_dir / "random2")
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path) == os.fspath(runs_dir / "random1"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        if os.fspath(path) == os.fspath(runs_dir / "random2"):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY)
    assert (f"left out: random1: {runs_dir / 'random1'} cannot be read (Permission denied): any runs in it are "
            f"missing from the report") in output and "random2" not in output


@pytest.mark.skipif(not os.path.ismount("/proc"), reason="no /proc mounted")
def test_the_kernels_folders_are_not_looked_into(runs_dir, tmp_path, monkeypatch):
    """/proc and /sys linked into a grid (as under report /): every process's cwd and root, every
    device's links, no run; report /proc walked them for minutes. Not one of their folders is
    listed (a walk into them stops the test at the 1,000th)."""
    for kernel in ("/proc", "/sys"):
        if os.path.ismount(kernel):
            os.symlink(kernel, runs_dir / kernel.strip("/"))
    (results, unfinished, left_out), listed = collect_listing(runs_dir, monkeypatch, most=1000)
    assert sorted(listed) == sorted(map(str, (runs_dir, runs_dir / "random0")))
    assert sorted(r.run.name for r in results) == sorted(ACCURACY) and not unfinished and not left_out


NESTED_TOO_DEEP = {
    "result.json": "A3B.run/result.json: not valid JSON (nested deeper than can be read)",
    "config.json": "A3B.run/config.json: not valid JSON (nested deeper than can be read)",
    "treatment.json": "A3B.run/treatment.json: not a treatment as experiment writes it (nested deeper than can be "
                      "read)",
    "metrics.jsonl": None,  # a malformed line, skipped as a torn one is
    "checkpoint.h5": None,  # an unreadable record of the base: the base checkpoint is judged instead
}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("file, why", NESTED_TOO_DEEP.items(), ids=NESTED_TOO_DEEP.keys())
def test_json_nested_deeper_than_python_reads_is_invalid_json(runs_dir, tmp_path, file, why):
    """100,000 "[" in a run's JSON file, a metrics.jsonl line or a checkpoint's record: Python's
    JSON reader raises RecursionError, which ended report in a traceback. It is invalid JSON: a
    file the run needs leaves it out, naming the file; a line or a record is passed over."""
    folder = runs_dir / "random0" / "A3B.run"
    if file == "checkpoint.h5":
        record_source(runs_dir, "random0/A3B", split_half="A")
        with h5py.File(folder / file, "a") as f:
            f.attrs["source"] = "[" * 100_000
    else:
        (folder / file).write_text("[" * 100_000 + "\n")
    output, reported = report_of(runs_dir, tmp_path / "r")
    if why is None:
        assert reported == set(ACCURACY) and "left out" not in output, output
    else:
        assert reported == set(ACCURACY) - {"random0/A3B"}
        assert f"left out: random0/A3B: {runs_dir / 'random0'}/{why}" in output


OVERSIZED = {"metrics.jsonl": "LOG_BYTES", "eval.csv": "LOG_BYTES", "result.json": "JSON_BYTES",
             "config.json": "JSON_BYTES", "treatment.json": "JSON_BYTES"}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("file, limit", OVERSIZED.items(), ids=OVERSIZED.keys())
def test_a_runs_file_larger_than_train_writes_is_not_read(runs_dir, tmp_path, monkeypatch, file, limit):
    """A metrics.jsonl that a crash left with a tail of zeros (a sparse file, one huge line) was read
    whole: past the memory, the report ended in "out of memory (a smaller --batch-size needs less)".
    The limits are lowered here, the file a sparse megabyte."""
    for module in (results_module, run_file_readers):  # treatment.json is checked in results, the rest read there
        monkeypatch.setattr(module, limit, 1000)
    path = runs_dir / "random0" / "A3B.run" / file
    with open(path, "ab") as stream:
        stream.truncate(1 << 20)
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY) - {"random0/A3B"}
    assert f"left out: random0/A3B: {path}: 1,048,576 bytes, more than train writes there (1,000 at most): not " \
           f"read" in output


@pytest.mark.usefixtures("placeholder_figures")
def test_a_run_folder_that_cannot_be_read_leaves_the_run_out(runs_dir, tmp_path):
    """Another user's run in a shared grid (its folder mode 700): left out and named, the others
    reported; it was exit code 74 for the whole report, as if a file could not be written. (Root
    reads every folder: run as root, this test runs under ``setpriv --bounding-set=-dac_override,
    -dac_read_search``.)"""
    folder = runs_dir / "random0" / "A3B.run"
    folder.chmod(0)
    try:
        if os.access(folder, os.R_OK | os.X_OK):
            pytest.skip("folder permissions do not stop this user (root)")
        output, reported = report_of(runs_dir, tmp_path / "r")
    finally:
        folder.chmod(0o755)
    assert reported == set(ACCURACY) - {"random0/A3B"}
    assert f"left out: random0/A3B: {folder / 'result.json'}: cannot be read (Permission denied)" in output


def grid_config(run, **changes):
    """The config.json train writes for a run of the grid (the fields report compares)."""
    fields = grid.run_fields(run, "/cluster/grid", {"data": "/data/eight", "preset": "mini"})
    return {**fields, "frozen": bool(fields.get("frozen")), "random_frozen": None, **changes}


DISAGREEMENTS = {
    "other-half": ({"half": "A"}, "half 'A' where it says 'B'"),
    "other-split-seed": ({"split_seed": 1}, "split_seed 1 where it says 0"),
    "other-n": ({"n": 5}, "n 5 where it says 3"),
    "fine-tuned": ({"frozen": False}, "frozen False where it says True"),
    "another-base": ({"copy_from": "/cluster/grid/random0/baseB.h5"},
                     "copy_from '/cluster/grid/random0/baseB.h5' where it says '<grid>/random0/baseA.h5'"),
}


@pytest.mark.parametrize("changes, why", DISAGREEMENTS.values(), ids=DISAGREEMENTS.keys())
def test_a_treatment_that_contradicts_its_config_is_left_out_and_named(runs_dir, tmp_path, changes, why):
    runs = {run.name: run for run in grid.plan_grid(layers=(1, 3, 5))}
    for name in ("random0/A3B", "random0/B3B+", "random0/baseB"):
        write_run(runs_dir, runs[name], ACCURACY[name], config=grid_config(runs[name]))
    write_run(runs_dir, runs["random0/A3B"], 0.53, config=grid_config(runs["random0/A3B"], **changes))
    results, _, left_out = collect(runs_dir)
    assert {r.run.name for r in results} == set(ACCURACY) - {"random0/A3B"}
    [text] = left_out
    assert text.startswith(f"random0/A3B: {runs_dir / 'random0' / 'A3B.run' / 'treatment.json'} says A3B (AnB) but "
                           f"train ran it with ") and why in text


NOT_EXPERIMENTS = {
    "unknown-kind": ({"kind": "distilled"}, "kind 'distilled'"),
    "reduced-without-count": ({"kind": "reduced", "per_class": None}, "per_class None"),
    # read as another treatment: a split seed as text had its base "not among the runs", n -3 a point of its own
    "split-seed-as-text": ({"split_seed": "0"}, "split_seed '0', expected a count, 0 or more"),
    "split-seed-true": ({"split_seed": True}, "split_seed True, expected a count"),
    "n-negative": ({"n": -3}, "n -3, expected 1 or more, the layers a transfer run copies or freezes"),
    "a-base-copying-layers": ({"kind": "base", "source": None, "parent": None}, "n 3, expected 0: a base run"),
    "half-c": ({"target": "C"}, "target 'C', expected none or one of A, B, S, T"),
    "fine-tuned-as-text": ({"fine_tuned": "no"}, "fine_tuned 'no', expected true or false"),
    "unknown-split": ({"split": "randm"}, "split 'randm', expected one of random, natural, all, cross"),
}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("changes, why", NOT_EXPERIMENTS.values(), ids=NOT_EXPERIMENTS.keys())
def test_a_treatment_experiment_never_writes_is_left_out_not_a_traceback(runs_dir, tmp_path, changes, why):
    path = runs_dir / "random0" / "A3B.run" / "treatment.json"
    path.write_text(json.dumps(dict(json.loads(path.read_text()), **changes)))
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY) - {"random0/A3B"}
    assert f"left out: random0/A3B: {path}: not a treatment as experiment writes it" in output and why in output


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # matplotlib's ticks of 1e308
def test_hand_edited_loss_lines_are_skipped_not_a_traceback(runs_dir, tmp_path, monkeypatch):
    """Lines train never writes (no iteration, a loss as text, NaN: train stops there) are skipped;
    a NaN beside a huge loss ended the learning curves' figure in matplotlib's traceback. The
    learning curves (the one figure of the losses) are rendered by matplotlib, PNG and SVG; the
    other figures, of accuracies alone, are placeholders (seconds of matplotlib saved)."""
    (runs_dir / "random0" / "A3B.run" / "metrics.jsonl").write_text(
        '{"loss": 2.0}\n{"iteration": 2, "loss": "low"}\n{"iteration": 3, "loss": 1.5}\n'
        '{"iteration": 4, "loss": NaN}\n{"iteration": 5, "loss": 1e308}\n')
    [run] = [r for r in collect(runs_dir)[0] if r.run.name == "random0/A3B"]
    assert run.losses == ((3, 1.5), (5, 1e308))
    pytest.importorskip("matplotlib")
    draw_all, render, rendered = figures.draw_all, figures.render, []

    def drawn_noting_the_curves(*args, **kwargs):
        drawn = draw_all(*args, **kwargs)
        rendered.append(drawn["curves"])
        return drawn

    def curves_rendered(figure, suffix):
        return render(figure, suffix) if figure is rendered[0] else f"placeholder {suffix}\n".encode()

    monkeypatch.setattr(figures, "draw_all", drawn_noting_the_curves)
    monkeypatch.setattr(figures, "render", curves_rendered)
    written = report.write_report(runs_dir, tmp_path / "r")
    assert written.figures and written.files["curves.png"].read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in written.files["curves.svg"].read_bytes()


def test_a_grid_whose_every_run_is_left_out_names_a_few_and_counts_the_others(runs_dir, tmp_path):
    """A split's folder renamed by hand leaves each of its runs out (its treatment.json names the old
    folder): the error named every one with its reason on one line, for a grid of a thousand runs
    hundreds of kilobytes."""
    (runs_dir / "random0").rename(runs_dir / "seed0")
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 1 and not (tmp_path / "r").exists(), result.output
    [line] = result.output.splitlines()
    assert line.startswith(f"error: no finished runs (*.run/result.json) under {runs_dir}: left out seed0/A1B+: ")
    assert line.count("left out seed0/") == report.UNFINISHED_NAMED, line
    assert line.endswith(f"; and {len(ACCURACY) - report.UNFINISHED_NAMED} more left out"), line


def test_a_schedule_beyond_any_integer_is_named_not_a_traceback(runs_dir, tmp_path):
    """A hand-edited config.json whose max_iter is 1e400 (JSON reads it as infinity) ended the report in
    OverflowError's traceback while its learning-rate steps were worked out."""
    run = next(run for run in grid.plan_grid(layers=(1, 3, 5)) if run.name == "random0/A3B")
    path = grid.run_dir(runs_dir, run) / "config.json"
    text = json.dumps(grid_config(run, max_iter=3000, stepsize=100, gamma=0.1))
    path.write_text(text.replace('"max_iter": 3000', '"max_iter": 1e400'))
    [result] = [r for r in collect(runs_dir)[0] if r.run.name == "random0/A3B"]
    assert result.last_rate_change == 0 and ("max_iter", math.inf) in result.schedule


def test_runs_trained_with_another_schedule_are_named(runs_dir, tmp_path):
    """random0/A5B+ trained again with --max-iter 300 where the grid trained for 3000: its boost is
    a shorter training's; the warning names the schedules and their runs. The runs on every class
    (the grid's all_classes options) are a group of their own."""
    runs = {run.name: run for run in grid.plan_grid(layers=(1, 3, 5), random_frozen=(2,))}
    for name, run in runs.items():
        max_iter = 300 if name in ("random0/A5B+", "all/base", "all/random2") else 3000
        write_run(runs_dir, run, ACCURACY.get(name, 0.3), config=dict(grid_config(run), max_iter=max_iter))
    written = report.write_report(runs_dir, tmp_path / "r", figures=False)
    # the fakes' dataset (grid_config's) is nowhere here, and their result.json records no validation images
    assert [w for w in written.warnings if not w.startswith("bases not judged against chance")] == [
        "runs on a half trained with 2 schedules: --max-iter 300 (1: random0/A5B+); --max-iter 3000 (13: "
        "random0/baseA, "
        "random0/baseB, random0/B1B, random0/B1B+, random0/A1B, random0/A1B+, random0/B3B, random0/B3B+, random0/A3B, "
        "random0/A3B+, random0/B5B, random0/B5B+, random0/A5B); their accuracies are not comparable: train them "
        "again with the grid's options"]
    [schedules] = [w for w in written.warnings if w.startswith("runs on a half trained with 2 schedules")]
    assert f"- {schedules}" in written.files["findings.md"].read_text()


def test_each_runs_checkpoint_and_weights_are_opened_once(runs_dir, monkeypatch):
    """A grid of thousands of runs on a network file system: its fingerprint, precision and base are
    read from one opening of each file, not one per attribute."""
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(runs_dir, run, ACCURACY[run.name], config=grid_config(run, out=str(runs_dir / f"{run.name}.h5")))
        with h5py.File(runs_dir / f"{run.name}.run" / "checkpoint.h5", "w") as f:
            f.attrs["dataset_fingerprint"] = "8" * 64
        if run.parent:
            record_source(runs_dir, run.name, split_half=run.source)
    opened = []
    real_file = h5py.File

    def counting_file(path, *args, **kwargs):  # a path, or a file open in Python (read unlocked), by its name
        opened.append(os.fspath(getattr(path, "name", path)))
        return real_file(path, *args, **kwargs)

    monkeypatch.setattr(h5py, "File", counting_file)
    results, _, left_out = collect(runs_dir)
    assert len(results) == len(ACCURACY) and not left_out
    assert {r.fingerprint for r in results} == {"8" * 64}
    assert sorted(opened) == sorted(set(opened)) and len(opened) == 2 * len(ACCURACY)


NOT_ONE_TRAINING = {
    "best-below-final": ({"best_top1": 0.4}, None,
                         "best_top1 0.4 is below final top1 0.52 or mean10_top1 0.53: not train's summary"),
    "best-below-mean": ({"final": {"top1": 0.3}, "best_top1": 0.5}, None,
                        "best_top1 0.5 is below final top1 0.3 or mean10_top1 0.53"),
    "other-iterations": ({"iterations": 300}, {"max_iter": 3000},
                         "is the result of 300 iterations, but config.json trains it for 3000: the result is another "
                         "training's"),
}


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("changes, config, why", NOT_ONE_TRAINING.values(), ids=NOT_ONE_TRAINING.keys())
def test_a_result_that_is_not_its_runs_training_is_left_out_and_named(runs_dir, tmp_path, changes, config, why):
    """result.json copied from another run, or edited by hand: its numbers are no one training's."""
    run = {run.name: run for run in grid.plan_grid(layers=(3,))}["random0/A3B"]
    write_run(runs_dir, run, 0.53, config=config and {**grid_config(run), **config})
    path = runs_dir / "random0" / "A3B.run" / "result.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))
    output, reported = report_of(runs_dir, tmp_path / "r")
    assert reported == set(ACCURACY) - {"random0/A3B"}
    assert f"left out: random0/A3B: {path}" in output and why in output

    path.write_text(json.dumps({**json.loads(path.read_text()), "best_top1": 0.54, "final": {"top1": 0.52},
                                "iterations": 3000}))
    assert report_of(runs_dir, tmp_path / "r")[1] == set(ACCURACY)


class PassCountingList(list):
    """The runs, counting the passes made over them."""

    passes = 0

    def __iter__(self):
        PassCountingList.passes += 1
        return super().__iter__()


def test_a_huge_grids_findings_look_each_base_up_once(monkeypatch):
    """100 random splits, every n both ways (5800 networks): each network's own base is looked up,
    not found by a pass over every run (quadratic: seconds per claim, minutes for the figures)."""
    runs = grid.plan_grid(random_seeds=range(100), layers=range(1, 8), both_directions=True)
    results = PassCountingList(Result(run, 0.5, 0.6, 0.55, 30) for run in runs)
    monkeypatch.setattr(PassCountingList, "passes", 0)
    claims = findings.findings(results)
    # co-adaptation: BnB at n=3..6, BnB+ at the deepest and BnB at the top layer n=7; fine-tuning: AnB+ and BnB+
    assert [claim.networks for claim in claims[:4]] == [200, 400, 4 * 200 + 200 + 200, 1400 + 1400]
    assert without_base(results) == [] and PassCountingList.passes < 50


# report's reading of the runs, in a process of its own: one that waits in the HDF5 library
# (opening a named pipe) holds the GIL, and no thread of the test's could let it go.
_COLLECT = """
import sys
from minitransfer import results
found, unfinished, left_out = results.collect(sys.argv[1])
print(sorted(result.run.name for result in found), unfinished, left_out)
"""


@pytest.mark.parametrize("file", ["random0/A3B.run/checkpoint.h5", "random0/A3B.h5"], ids=["checkpoint", "weights"])
def test_a_named_pipe_in_place_of_a_runs_hdf5_file_is_passed_over(runs_dir, file):
    """Opening a named pipe waits for a writer: report, reading train's records from the run's
    checkpoint and weights file, hung there for good. The pipe is now no record (here the
    treatment.json says all), and the run reported."""
    (runs_dir / "random0" / "A3B.run" / "config.json").write_text(json.dumps({"out": "A3B.h5"}))  # names the weights
    pipe = runs_dir / file
    pipe.unlink(missing_ok=True)
    os.mkfifo(pipe)
    collecting = subprocess.Popen([sys.executable, "-c", _COLLECT, str(runs_dir)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
    waited, deadline = False, time.monotonic() + 60
    while collecting.poll() is None:  # past the deadline, writers end its waits, and the test fails
        if time.monotonic() > deadline:
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
                waited = True
            except OSError:  # ENXIO: nobody reads it, nobody waits
                pass
        time.sleep(0.1)
    output, errors = collecting.communicate()
    assert collecting.returncode == 0 and not waited, ("report waited on the named pipe", errors)
    assert output == f"{sorted(ACCURACY)} [] []\n"  # every run found, none left out
    assert not checkpoints.is_checkpoint(pipe)
    with pytest.raises(checkpoints.CheckpointError, match="not a file"):
        checkpoints.read_meta(pipe)


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_removes_only_its_own_files_temporaries_from_its_folder(runs_dir, tmp_path):
    """-o a folder that trainings write into too (a cluster's nodes: their PIDs mean nothing on this
    machine): report removed every temporary whose PID it did not see running, a run's weights mid-write."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(ended.stdout)  # a process that has ended
    out = tmp_path / "shared"
    out.mkdir()
    weights, own = out / f".baseA.h5.tmp-{pid}", out / f".results.csv.tmp-{pid}"
    for path in (weights, own):
        path.write_bytes(b"partial")
    report_of(runs_dir, out)
    assert weights.exists() and not own.exists()


def test_a_run_named_in_a_script_the_font_lacks_keeps_its_name_in_the_tables_and_the_report_is_silent(tmp_path):
    """A still-rising base named in Chinese: matplotlib warned "Glyph ... missing from font(s)" on
    stderr for each character of each figure file; the figure names it readably (a font that has the
    glyphs, else escaped), the tables as it is."""
    pytest.importorskip("matplotlib")
    import warnings

    run = grid.Run("基础B", "base", "random", 0, target="B")
    write_run(tmp_path / "grid", run, 0.8, treatment=False, config={"split": "random", "split_seed": 0, "half": "B"})
    write_curve(grid.run_dir(tmp_path / "grid", run), [(50 * i, 0.1 + 0.03 * i) for i in range(1, 22)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = report.write_report(tmp_path / "grid", tmp_path / "report")
    assert [str(warning.message) for warning in caught] == []
    assert [row["run"] for row in read_csv(written.files["results.csv"])] == ["基础B"]
    assert "| 基础B |" in written.files["results.md"].read_text()
    assert "基础B" in written.warnings[0]
