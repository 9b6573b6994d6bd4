"""``submit.sh`` run through a symbolic link to it (``ln -s grid/slurm/submit.sh ~/submit-grid.sh``, then
``bash ~/submit-grid.sh``) submits the grid as run from its own folder. It went to the link's folder, found no
array scripts there and refused, exit 2, saying they were "not of the set of scripts this submit.sh belongs to
... emit them again" (seen on the real test cluster), which emitting again did not help. A link to the scripts'
folder (``bash link/submit.sh``) worked, and still does. No SLURM needed: stand-ins for SLURM's commands."""

import os
import subprocess

import pytest
from test_slurm import OPTIONS, fake_slurm, fake_train_command, sbatch_calls  # noqa: F401 (fixture)

from minitransfer import slurm
from minitransfer import experiment as grid


@pytest.mark.parametrize("linked", ["script", "folder"])
@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["submit", "dry-run"])
def test_submit_through_a_link_submits_from_the_scripts_folder(tmp_path, fake_slurm, linked, dry_run):
    script = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    home = tmp_path / "home"
    home.mkdir()
    if linked == "script":
        os.symlink(script, home / "submit-grid.sh")
        command = ["bash", "submit-grid.sh", *dry_run]
    else:
        os.symlink(script.parent, home / "scripts")
        command = ["bash", "scripts/submit.sh", *dry_run]
    done = subprocess.run(command, cwd=home, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    if dry_run:
        assert "$ sbatch --parsable --array=0,1 bases.sh" in done.stdout, done.stdout
        assert not (fake_slurm / "sbatch").exists()
    else:
        assert [call[:2] for call in sbatch_calls(fake_slurm)][0] == ["--parsable", "--array=0,1"]
        assert (script.parent / slurm.SUBMITTED_FILE).exists() and not (home / slurm.SUBMITTED_FILE).exists()
