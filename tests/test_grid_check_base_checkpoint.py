"""A transfer whose base's weights file was deleted by hand, the base's run folder left: its checkpoint.h5 holds
the network the transfer copied (a finished train's last checkpoint is its weights file and the momentum), and
train --resume writes the weights back from it byte for byte. The grid refused the folder, advising a cp; it
resumes the base and leaves the transfer as it is. Where the checkpoint is another network, or gone, it still
refuses."""

import shlex
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import fileio, scheduler
from minitransfer.cli import main
from minitransfer.results import collect


def _train_grid(out, micro_data):
    """random0/baseA, baseB and A1B trained for real (4 iterations each) in ``out``: the options."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    return options


@pytest.fixture(scope="module")
def trained_grid(tmp_path_factory, micro_data):
    """:func:`_train_grid` in a folder whose name has a space: (grid folder, options); tests work on copies of it."""
    out = tmp_path_factory.mktemp("grid") / "my grid"
    return out, _train_grid(out, micro_data)


def _experiment(out, options, *more):
    return CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1",
                                     "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", *more])


def _dry_run(out, options):
    return _experiment(out, options, "--dry-run")


def _network(path):
    """What the file ``path`` holds of a network, read with h5py: each layer's frozen flag and arrays, the mean
    image; and whether it holds the momentum (/solver)."""
    with h5py.File(path, "r") as f:
        layers = {name: (bool(group.attrs["frozen"]), group["W"][...].tobytes(), group["b"][...].tobytes())
                  for name, group in f["weights"].items()}
        return layers, f["mean"][...].tobytes(), "solver" in f


def _files(folder, names):
    """(sha256, mtime_ns) of each file of ``names`` in ``folder`` and under it: what a run holds."""
    paths = [path for name in names for path in [folder / name, *sorted((folder / name).rglob("*"))] if path.is_file()]
    return {path: (fileio.sha256_file(path), path.stat().st_mtime_ns) for path in paths}


@pytest.mark.parametrize("how", ["in-place", "copied"])
def test_a_base_whose_weights_are_gone_but_whose_checkpoint_is_the_network_copied_is_resumed(trained_grid, tmp_path,
                                                                                             micro_data, how):
    """baseA.h5 deleted, its run folder there with checkpoint.h5 at its end, the network A1B copied: its
    train --resume writes the weights back byte for byte (final_weights.final_weights). The grid refused the
    folder (exit 2), advising a cp (copied elsewhere first: as if A1B had copied another base); it resumes
    baseA first and leaves A1B as it is."""
    source, options = trained_grid
    out = tmp_path / "my grid"
    if how == "copied":
        shutil.copytree(source, out)
    else:
        options = _train_grid(out, micro_data)
    weights, saved = out / "random0" / "baseA.h5", out / "random0" / "baseA.run" / "checkpoint.h5"
    original = fileio.sha256_file(weights)
    (layers, mean, momentum), held = _network(saved), _network(weights)
    assert held == (layers, mean, False) and momentum  # the oracle: the same network, the momentum its alone
    assert checkpoints.read_meta(out / "random0" / "A1B.h5")["parent_sha256"] == original  # the one A1B copied
    transfer = _files(out / "random0", ["A1B.h5", "A1B.run"])
    weights.unlink()
    dry = _dry_run(out, options)
    assert dry.exit_code == 0, dry.output
    iteration = checkpoints.read_meta(saved)["iteration"]
    assert f"  [resume at iteration {iteration}] random0/baseA\n" in dry.output, dry.output
    assert "  [done] random0/A1B  (after random0/baseA)\n" in dry.output, dry.output
    assert not weights.exists()
    done = _experiment(out, options)
    assert done.exit_code == 0, done.output
    assert fileio.sha256_file(weights) == original, done.output  # restored byte for byte
    assert _files(out / "random0", ["A1B.h5", "A1B.run"]) == transfer  # the transfer untouched
    names = sorted(r.run.name for r in collect(out)[0])  # the report reads all four
    assert names == [f"random0/{name}" for name in ("A1B", "B1B", "baseA", "baseB")]
    again = _dry_run(out, options)
    assert again.exit_code == 0 and "[done] random0/baseA\n" in again.output, again.output


def test_a_base_whose_weights_and_checkpoint_are_gone_is_refused(trained_grid, tmp_path):
    """Nothing to resume baseA from: the grid would train it again, another network than the one A1B copied."""
    source, options = trained_grid
    out = tmp_path / "my grid"
    shutil.copytree(source, out)
    (out / "random0" / "baseA.h5").unlink()
    (out / "random0" / "baseA.run" / "checkpoint.h5").unlink()
    refused = _dry_run(out, options)
    assert refused.exit_code == 2, refused.output
    restore = shlex.quote(str(out / "random0" / "baseA.h5"))  # quoted, as the paths to delete are
    assert f"restore {restore}; or, to train random0/A1B again" in " ".join(refused.output.split())


def test_a_checkpoint_that_is_another_network_is_not_offered(trained_grid, tmp_path):
    """baseA's run folder holding baseB's checkpoint: resuming it would give A1B another base than the one it
    copied; refused, saying "restore" alone, as before (no cp)."""
    source, options = trained_grid
    out = tmp_path / "my grid"
    shutil.copytree(source, out)
    (out / "random0" / "baseA.h5").unlink()
    shutil.copyfile(out / "random0" / "baseB.run" / "checkpoint.h5", out / "random0" / "baseA.run" / "checkpoint.h5")
    refused = _dry_run(out, options)
    assert refused.exit_code == 2, refused.output
    restore = shlex.quote(str(out / "random0" / "baseA.h5"))  # quoted, as the paths to delete are
    assert f"restore {restore}; or, to train random0/A1B again" in " ".join(refused.output.split())
    assert "`cp " not in refused.output
