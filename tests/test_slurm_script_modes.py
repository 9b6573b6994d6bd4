"""The SLURM scripts' modes follow the umask, as any executable a shell or a compiler makes: they were made
0o755 whatever it was, so a folder a group shares (umask 002) held scripts its other users could not
rewrite, and a private one (umask 077) scripts anyone could read."""

import os
import pathlib

import pytest

from minitransfer import experiment as grid
from minitransfer import file_owners, slurm

OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}


def _made_executable(path):
    """The mode the kernel gives a new file created 0o777 under this process's umask: the oracle."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o777))
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("mask", [0o002, 0o022, 0o077], ids=["umask002", "umask022", "umask077"])
def test_the_scripts_are_made_as_the_umask_says(tmp_path, mask):
    previous = os.umask(mask)
    try:
        expected = _made_executable(tmp_path / "oracle")
        assert file_owners.umask() == mask and os.umask(mask) == mask  # read, and left as it was
        slurm_dir = tmp_path / "slurm"
        slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", slurm_dir, OPTIONS, train_command=["true"])
    finally:
        os.umask(previous)
    scripts = sorted(pathlib.Path(slurm_dir).glob("*.sh"))
    assert scripts and {path.name: path.stat().st_mode & 0o777 for path in scripts} == \
        dict.fromkeys((path.name for path in scripts), expected)
