"""submit.sh's refusal of a base whose weights file is gone after runs copied it, followed word for word: it said
"delete random0/B1B, random0/B1B+ too (in OUT: <run>.h5 and <run>.run)", a pattern to fill in; it names the paths
to delete, each transfer's run folder and weights file there, as the local grid's refusal does (grid_check), and
once they are deleted, submit.sh submits the base and its transfers. No SLURM needed: stand-ins for its commands."""

import re
import shlex
import shutil

import pytest
from test_slurm import fake_slurm, submit_grid  # noqa: F401
from test_slurm_copied_bases import grid_with_base_b_copied


@pytest.mark.parametrize("transfers", ["finished", "interrupted"])
def test_following_submits_refusal_of_a_base_gone_submits_the_grid(tmp_path, fake_slurm, transfers):
    runs, out, submit = grid_with_base_b_copied(tmp_path, transfers)
    (out / "random0" / "baseB.h5").unlink()
    shutil.rmtree(out / "random0" / "baseB.run")
    refused = submit_grid(submit)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = re.search(r"or delete the files of random0/B1B, random0/B1B\+ \((.*)\) to train them again", refused.stderr)
    assert said, refused.stderr
    paths = [path.removesuffix(",") for path in shlex.split(said[1])]
    assert str(out / "random0" / "B1B.run") in paths and str(out / "random0" / "B1B+.run") in paths, paths
    for path in paths:  # the words followed literally
        shutil.rmtree(path) if (out / path).is_dir() else (out / path).unlink()
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not list((out / "random0").glob("B1B*")), paths  # nothing of the transfers left to refuse
