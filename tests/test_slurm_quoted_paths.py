"""submit.sh names itself in the commands its messages give ("then rerun PATH", "run PATH on a login node")
quoted as the command line quotes paths (shlex.quote: bare where nothing needs quoting): a scripts folder whose
path holds a blank or a quote was named as it is, and the command, pasted, ran something else."""

import re
import shlex

import pytest
import test_slurm
from test_slurm import OPTIONS, fake_train_command, submit_grid

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm = test_slurm.fake_slurm  # the fixture


@pytest.mark.parametrize("folder", ["my lab's slurm", "slurm"], ids=["blank-and-quote", "plain"])
def test_submit_names_itself_quoted_in_the_command_to_rerun(tmp_path, fake_slurm, folder):
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / folder, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    done = submit_grid(submit, FAKE_SBATCH_FAIL_AT="1")
    assert done.returncode == 1, done.stderr
    rerun = done.stderr.removesuffix("\n").rpartition("then rerun ")[2]
    refused = submit_grid(submit, SBATCH_CLUSTERS="other")
    assert refused.returncode == 2, refused.stderr
    run = refused.stderr.partition("then run ")[2].partition(" on a login node of the cluster the jobs are for")[0]
    for said in (rerun, run):
        assert shlex.split(said) == [str(submit)], said
        # bare where nothing needs quoting, as shlex.quote leaves it
        assert (said == str(submit)) == (shlex.quote(str(submit)) == str(submit)), said


def test_the_scripts_need_no_bash_newer_than_4_3(tmp_path):
    """submit.sh quoted its name with ${0@Q}, bash 4.4's: on a cluster's bash 4.3 (the scripts' oldest) it
    ended with "bad substitution" before it submitted anything."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    for script in submit.parent.glob("*.sh"):
        assert not re.findall(r"\$\{[^}]*@[QEPAaUuLK]\}", script.read_text()), script  # 4.4's operators
