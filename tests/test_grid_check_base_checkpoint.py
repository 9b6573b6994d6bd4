"""A transfer whose base's weights file was deleted by hand, the base's run folder left: its checkpoint.h5 is
the network the transfer copied (a finished train's last checkpoint is its weights file). The grid refused
with "restore" alone (or delete the transfer, losing it); where that checkpoint is the network the transfer
recorded (its sha256), the refusal gives the command that copies it back."""

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import fileio, scheduler
from minitransfer.cli import main


@pytest.fixture(scope="module")
def trained_grid(tmp_path_factory, micro_data):
    """random0/baseA, baseB and A1B trained for real (4 iterations each) in a folder whose name has a space:
    (grid folder, options); tests work on copies of it."""
    out = tmp_path_factory.mktemp("grid") / "my grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = {"data": str(micro_data), "max_iter": 4, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    return out, options


def _dry_run(out, options):
    return CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(out), "--layers", "1",
                                     "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])


def test_the_refusal_gives_the_command_that_copies_the_bases_checkpoint_back_and_it_works(trained_grid, tmp_path):
    source, options = trained_grid
    out = tmp_path / "my grid"
    shutil.copytree(source, out)
    weights, saved = out / "random0" / "baseA.h5", out / "random0" / "baseA.run" / "checkpoint.h5"
    assert fileio.sha256_file(saved) == fileio.sha256_file(weights)  # the oracle: the same network
    weights.unlink()
    refused = _dry_run(out, options)
    assert refused.exit_code == 2, refused.output
    assert f"{weights} is gone" in refused.output, refused.output
    commands = re.findall(r"`(cp [^`]*)`", refused.output)
    assert commands == [f"cp '{saved}' '{weights}'"], refused.output  # paths quoted: the folder's name has a space
    done = subprocess.run(commands[0], shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    passed = _dry_run(out, options)
    assert passed.exit_code == 0, passed.output
    assert "[done] random0/baseA\n" in passed.output and "[done] random0/A1B" in passed.output, passed.output


def test_a_checkpoint_that_is_another_network_is_not_offered(trained_grid, tmp_path):
    """baseA's run folder holding baseB's checkpoint: copying it back would give A1B another base than the one
    it copied; the refusal says "restore" alone, as before."""
    source, options = trained_grid
    out = tmp_path / "my grid"
    shutil.copytree(source, out)
    (out / "random0" / "baseA.h5").unlink()
    shutil.copyfile(out / "random0" / "baseB.run" / "checkpoint.h5", out / "random0" / "baseA.run" / "checkpoint.h5")
    refused = _dry_run(out, options)
    assert refused.exit_code == 2, refused.output
    assert f"restore {out}/random0/baseA.h5, or delete random0/A1B too" in refused.output, refused.output
    assert "`cp " not in refused.output
