"""The merged grid of tests/test_relocation_identity.py (machine B's transfers beside machine A's bases: one network,
two file sha256s) as the other paths see it. submit.sh (SLURM) judges a base whose weights file is gone by its
checkpoint, as the local grid does (:func:`minitransfer.grid_trained.copied_base_sha256`): before, it compared
the file's sha256 alone (sha256sum) and refused the folder the local grid resumes. And a base whose result.json
predates the network digest, its transfer's record holding one: report and the grid's check agree on it."""

import json
import subprocess

import pytest
from click.testing import CliRunner
from test_relocation_identity import GRID, _merged, trained  # noqa: F401
from test_slurm import array_tasks, fake_slurm, sbatch_calls, submit_grid  # noqa: F401

from minitransfer import experiment as grid
from minitransfer import slurm
from minitransfer.cli import main
from minitransfer.report import measure
from minitransfer.result_digests import RESULT_SHA256


def _emitted(root, tmp_path):
    """submit.sh of the merged grid's plan (layers 1 and 2), emitted without a check of the folder."""
    runs = grid.plan_grid(layers=(1, 2), fine_tuned=False)
    options = {"data": str(root / "data"), "preset": "micro", "max_iter": 4, "seed": 0, "device": "cpu"}
    return slurm.emit_slurm(runs, root / "grid", tmp_path / "slurm", options)


@pytest.mark.parametrize("merged", ["digest", "old"])
def test_submit_resumes_a_base_whose_checkpoint_is_the_network_the_merged_transfers_copied(trained, tmp_path,
                                                                                           fake_slurm, merged):
    """A's baseA.h5 deleted, its checkpoint kept: B's A2B copied that network from another file. The local grid
    resumes baseA; so does submit.sh now (before: "is gone: restore it"). Files without the digest: both refuse."""
    root = _merged(trained, tmp_path, old=merged == "old")
    (root / "grid" / "random0" / "baseA.h5").unlink()
    local = CliRunner().invoke(main, ["experiment", "--data", str(root / "data"), "-o", str(root / "grid"),
                                      "--layers", "1,2", "--dry-run", *GRID])
    done = submit_grid(_emitted(root, tmp_path))
    if merged == "old":
        assert local.exit_code == 2 and "another network: sha256" in local.output, local.output
        assert done.returncode == 2 and "random0/A2B copied, is gone: restore it" in done.stderr, done.stderr
        assert sbatch_calls(fake_slurm) == []
        return
    assert local.exit_code == 0 and "[resume at iteration 4] random0/baseA" in local.output, local.output
    assert done.returncode == 0, done.stdout + done.stderr
    assert sbatch_calls(fake_slurm) == [["--parsable", "--array=0", "bases.sh"]]
    # at job time: baseA's task writes its weights back, A2B's finds itself trained as asked
    copied = (root / "grid" / "random0" / "A2B.h5").read_bytes()
    for script, name in (("bases.sh", "random0/baseA"), ("transfers.sh", "random0/A2B")):
        command = next(argv for run, argv in array_tasks((tmp_path / "slurm" / script).read_text()).values()
                       if run == name)
        trained = subprocess.run(command, capture_output=True, text=True)
        assert trained.returncode == 0, trained.stdout + trained.stderr
    assert (root / "grid" / "random0" / "A2B.h5").read_bytes() == copied


def _dry_run(root):
    return CliRunner().invoke(main, ["experiment", "--data", str(root / "data"), "-o", str(root / "grid"),
                                     "--layers", "1,2", "--dry-run", *GRID])


def test_a_base_recorded_before_the_digest_is_read_for_a_transfer_that_recorded_one(trained, tmp_path):
    """A's bases' result.json as written before the network digest, B's transfers recording the digest of the
    network they copied: the grid's check reads it from each base's weights file and goes on with the folder;
    report now does too (before, it left B's transfers out: "copied ... not from random0/baseA here")."""
    root = _merged(trained, tmp_path)
    for half in "AB":
        result_json = root / "grid" / "random0" / f"base{half}.run" / "result.json"
        result = json.loads(result_json.read_text())
        del result["weights"]["network_sha256"], result[RESULT_SHA256]  # neither written then
        result_json.write_text(json.dumps(result))
    done = _dry_run(root)
    assert done.exit_code == 0 and "would train nothing" in done.output, done.output
    report = measure(root / "grid")
    assert report.without_base == []
    names = sorted(r.run.name for r in report.results)
    assert "random0/A2B" in names and "random0/B2B" in names, names


def test_a_transfer_recorded_before_the_digest_is_refused_by_both_where_its_base_recorded_one(trained, tmp_path):
    """The other way round: the bases record their network's digest, B's transfers none: by their base's
    sha256 alone, another file's, both the grid's check and report refuse them, as before."""
    root = _merged(trained, tmp_path, old=True)
    for result_json in (trained / "a" / "grid").rglob("result.json"):  # A's records as written, with the digest
        (root / "grid" / result_json.relative_to(trained / "a" / "grid")).write_text(result_json.read_text())
    assert "network_sha256" in (root / "grid" / "random0" / "baseA.run" / "result.json").read_text()
    done = _dry_run(root)
    assert done.exit_code == 2 and "another network: sha256" in done.output, done.output
    named = sorted(text.split(":")[0] for text in measure(root / "grid").without_base)
    assert named == ["random0/A2B", "random0/B2B"], named
