"""One grid trained on two machines (the same options and seed, each on its own copy of the dataset at another
path), machine B's n = 2 transfers then merged into machine A's grid folder beside A's bases. Train is
deterministic: B's bases are A's networks, but each weights file records its own paths, so the sha256 each
transfer recorded of the base it copied is none that A's bases record. Before, the report left B's transfers out
of the findings ("copied ... not from random0/baseA here") and ``experiment`` refused the merged folder ("another
network: sha256 ..."). Train now records the digest of each network, wherever its file lies
(:func:`minitransfer.checkpoint_identity.network_sha256`), in result.json and in a copy's record of its base; the
runs of files written before that record are judged by the file's sha256 alone, as before."""

import json
import shutil

import h5py
import pytest
from click.testing import CliRunner

from two_machines import GRID, train_grid, two_machines

from minitransfer import checkpoint, comparisons, hdf5_files
from minitransfer.checkpoint_identity import network_sha256
from minitransfer.cli import main
from minitransfer.report import measure
from minitransfer.results import collect
from minitransfer.result_digests import RESULT_SHA256

MERGED = ("A2B", "B2B")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """a/grid: machine A's grid at n = 1; b/grid: machine B's at n = 2, each on its own dataset folder (trained
    once per test process, shared read-only with the other files of tests/two_machines.py)."""
    return two_machines(tmp_path_factory)


def _merged(trained, tmp_path, old=False):
    """A copy of machine A's grid folder (and its dataset) with machine B's transfers copied into random0/ beside
    A's bases; with ``old``, every file as a version before the network digest wrote it (none recorded)."""
    root = tmp_path / "merged"
    shutil.copytree(trained / "a", root)
    for name in MERGED:
        shutil.copytree(trained / "b" / "grid" / "random0" / f"{name}.run", root / "grid" / "random0" / f"{name}.run")
        shutil.copy2(trained / "b" / "grid" / "random0" / f"{name}.h5", root / "grid" / "random0" / f"{name}.h5")
    if old:
        for result_json in (root / "grid").rglob("result.json"):
            result = json.loads(result_json.read_text())
            del result["weights"]["network_sha256"], result[RESULT_SHA256]  # neither written then
            result_json.write_text(json.dumps(result))
        for name in MERGED:
            for path in (root / "grid" / "random0" / f"{name}.h5", root / "grid" / "random0" / f"{name}.run" /
                         "checkpoint.h5"):
                with h5py.File(path, "r+") as f:
                    source = json.loads(hdf5_files.plain_attribute(f.attrs["source"]))
                    del source["network_sha256"]
                    f.attrs["source"] = hdf5_files.text_attribute(json.dumps(source))
    return root


def _result(trained, machine, name):
    return json.loads((trained / machine / "grid" / "random0" / f"{name}.run" / "result.json").read_text())


def test_the_same_base_on_two_machines_has_two_sha256s_and_one_network_digest(trained):
    for half in "AB":
        records = [_result(trained, machine, f"base{half}")["weights"] for machine in "ab"]
        assert records[0]["sha256"] != records[1]["sha256"]  # the paths each file records
        assert records[0]["network_sha256"] == records[1]["network_sha256"]
        held = checkpoint.load(trained / "a" / "grid" / "random0" / f"base{half}.h5", solver=False)
        assert network_sha256(held) == records[0]["network_sha256"]  # as written, so as read back
        copy = checkpoint.load(trained / "b" / "grid" / "random0" / f"{half}2B.h5", solver=False)
        assert copy.meta["source"]["network_sha256"] == records[0]["network_sha256"]
        assert copy.meta["source"]["sha256"] == records[1]["sha256"]


def test_the_merged_transfers_are_measured_against_the_bases_beside_them(trained, tmp_path):
    report = measure(_merged(trained, tmp_path) / "grid")
    assert report.without_base == []
    assert list(comparisons.relative_by_n(report.results, bases=report.bases)) == [1, 2]
    assert list(comparisons.relative_by_n(report.results, treatment="BnB", bases=report.bases)) == [1, 2]


def test_the_grid_goes_on_with_the_merged_folder(trained, tmp_path):
    root = _merged(trained, tmp_path)
    result = CliRunner().invoke(main, ["experiment", "--data", str(root / "data"), "-o", str(root / "grid"),
                                       "--layers", "1,2", "--dry-run", *GRID])
    assert result.exit_code == 0, result.output
    assert "would train nothing" in result.output, result.output


def test_the_grid_resumes_a_merged_transfer_that_was_interrupted(trained, tmp_path):
    """B's A2B merged before it wrote its weights (its checkpoint.h5 at the end, no result.json): the grid finds it
    copied A's baseA, and its train --resume does too (before, it refused "another network: sha256 ...")."""
    root = _merged(trained, tmp_path)
    (root / "grid" / "random0" / "A2B.h5").unlink()
    (root / "grid" / "random0" / "A2B.run" / "result.json").unlink()
    result = CliRunner().invoke(main, ["experiment", "--data", str(root / "data"), "-o", str(root / "grid"),
                                       "--layers", "1,2", *GRID])
    assert result.exit_code == 0, result.output + (root / "grid" / "random0" / "A2B.run" / "train.log").read_text()
    # its checkpoint at its end: its result.json written again from it, not trained (0.11.9: "resume" before)
    assert "writing result.json of random0/A2B again from its checkpoint" in result.output, result.output
    assert measure(root / "grid").without_base == []


def test_files_written_before_the_digest_are_judged_by_their_sha256_as_before(trained, tmp_path):
    root = _merged(trained, tmp_path, old=True)
    report = measure(root / "grid")
    named = sorted(text.split(":")[0] for text in report.without_base)
    assert named == ["random0/A2B", "random0/B2B"], report.without_base
    result = CliRunner().invoke(main, ["experiment", "--data", str(root / "data"), "-o", str(root / "grid"),
                                       "--layers", "1,2", "--dry-run", *GRID])
    assert result.exit_code == 2 and "another network: sha256" in result.output, result.output


def test_one_transfer_trained_on_both_machines_is_counted_once_by_its_base_network(trained, tmp_path):
    """Both machines trained n = 1 (c/grid: a third copy of the grid at another path), gathered in one folder; the
    copy of A1B on machine C scored otherwise (another evaluation, a hand-tidied result.json):
    the same seed from the same base network is one network, counted once, though its base file's sha256 is
    another (before, counted twice: its base's sha256 differs and its numbers do)."""
    train_grid(tmp_path, "c", "1")
    runs = tmp_path / "runs"
    shutil.copytree(trained / "a" / "grid", runs / "monday")
    shutil.copytree(tmp_path / "c" / "grid", runs / "tuesday")
    result_json = runs / "tuesday" / "random0" / "A1B.run" / "result.json"
    result = json.loads(result_json.read_text())
    result["mean10_top1"] -= 0.01
    del result[RESULT_SHA256]  # tidied as a result.json written before its digest (report refuses one edited since)
    result_json.write_text(json.dumps(result))
    results, _, left_out = collect(runs)
    names = [r.run.name for r in results]
    assert "monday/random0/A1B" in names and "tuesday/random0/A1B" not in names, names
    assert any(text.startswith("tuesday/random0/A1B: the same network as monday/random0/A1B") for text in left_out), \
        left_out
