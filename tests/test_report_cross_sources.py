"""Transfers across datasets gathered in one folder without their source bases: the report refused
bases of two source datasets (tests/test_cross_dataset_replicates.py) but, the bases left behind,
pooled the transfers of both as one SnT. Now it tells their source dataset by the base each recorded
it copied from, and refuses them the same way. Fake run folders (tests/test_report.py's write_run)."""

import json

import h5py

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.results import collect
from test_report import assert_refused_as_mixed, write_run

TARGET = "/data/target"
SOURCES = {"/data/source-1": "1" * 64, "/data/source-2": "2" * 64}


def write_transfer(out, name, source_path, accuracy, fingerprint=""):
    """S1T trained by hand onto TARGET from a base of ``source_path`` (its fingerprint as train recorded
    it, "" for a record without one)."""
    run = grid.Run(name, "?", "all", 0)
    write_run(out, run, accuracy, treatment=False,
              config={"split": "all", "data": TARGET, "copy_from": f"{source_path}/base.h5", "n": 1, "frozen": True})
    source = {"checkpoint": f"{source_path}/base.h5", "cross_dataset": True, "split_kind": "all", "split_half": "",
              "dataset": source_path, **({"dataset_fingerprint": fingerprint} if fingerprint else {})}
    with h5py.File(grid.run_dir(out, run) / "checkpoint.h5", "w") as f:
        f.attrs["source"] = json.dumps(source)


def write_folder(out, sources):
    """baseT, and two S1T from a base of each of ``sources`` ({path: fingerprint}), in ``out``."""
    write_run(out, grid.Run("baseT", "base", "all", 0), 0.60, treatment=False, config={"split": "all", "data": TARGET})
    for index, (path, fingerprint) in enumerate(sources.items()):
        for copy in range(2):
            write_transfer(out, f"from{index}-{copy}", path, 0.5 + 0.01 * copy + 0.1 * index, fingerprint)


def test_transfers_of_two_source_datasets_without_their_bases_are_refused_each_named(tmp_path):
    write_folder(tmp_path / "copies", SOURCES)
    results = collect(tmp_path / "copies")[0]
    assert [r.run.label for r in results].count("S1T") == 4  # read as transfers across datasets
    assert_refused_as_mixed(tmp_path / "copies", tmp_path / "report",
                            f"2 source datasets: /data/source-1 (meta.json sha256 {'1' * 12}) (2: from0-0, from0-1); "
                            f"/data/source-2 (meta.json sha256 {'2' * 12}) (2: from1-0, from1-1)")


def test_transfers_of_one_source_dataset_without_their_bases_are_reported(tmp_path):
    """The same folder with one source: its four SnT measured against baseT, none refused; a record
    without the fingerprint (its path only) is the same source as one with it."""
    write_folder(tmp_path / "copies", {"/data/source-1": SOURCES["/data/source-1"]})
    write_transfer(tmp_path / "copies", "from0-2", "/data/source-1", 0.52)
    written = report.write_report(tmp_path / "copies", tmp_path / "report", figures=False)
    general = {f.claim: f for f in written.findings}["general-across-datasets"]
    assert general.networks == 3 and not written.without_base
