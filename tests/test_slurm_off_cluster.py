"""``submit.sh --dry-run`` off the cluster: it asks SLURM (squeue, scontrol, sbatch --test-only), so where
squeue is installed but reaches no controller it stops (exit 1) and says to run it on a login node, the
emit step's summary being the preview there; where SLURM's commands are missing it previews unchecked."""

import os
import pathlib
import re
import shlex
import subprocess

import slurm_cluster
from test_slurm import cluster, real_options  # noqa: F401 (fixtures)

from minitransfer import slurm
from minitransfer import experiment as grid
from minitransfer.slurm_array_limit import DEFAULT_MAX_ARRAY_SIZE


def _emitted(tmp_path):
    """submit.sh of a one-layer grid and the emit step's summary of it (SLURM's default array limit)."""
    runs = grid.plan_grid(layers=(1,))
    submit = slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", real_options())
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm",
                                  array_size=(DEFAULT_MAX_ARRAY_SIZE, "MaxArraySize"))
    return submit, said


def _dry_run_command(said):
    """The command the summary gives for the dry run, as arguments."""
    line = next(line for line in said if line.endswith("--dry-run"))
    return shlex.split(line.split("queueing nothing: ", 1)[1])


def _run(command, env):
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_real_slurm_dry_run_off_the_cluster_says_to_run_it_on_a_login_node(cluster, tmp_path):
    """Before: the summary offered ``submit.sh --dry-run`` as the preview wherever one stood, and off the
    cluster that said only "nothing submitted: squeue failed ...; rerun submit.sh once squeue answers"."""
    submit, said = _emitted(tmp_path)
    command = _dry_run_command(said)
    assert command == ["bash", str(submit), "--dry-run"]
    assert any(line.startswith("off the cluster, these lines are the preview") for line in said), said
    assert "on a login node of the cluster" in next(line for line in said if line.endswith("--dry-run"))

    on_cluster = _run(command, cluster.env)
    assert on_cluster.returncode == 0, on_cluster.stdout + on_cluster.stderr
    assert "$ sbatch --parsable --array=0,1 bases.sh" in on_cluster.stdout
    assert cluster.jobs() == {}

    # the cluster's own configuration with its controller's port changed to one nobody listens on; squeue gives
    # up connecting at once (MessageTimeout=1: no retry; the default 10 retried for 9 s, with the same error)
    dead = tmp_path / "dead.conf"
    dead.write_text(re.sub(r"(?m)^SlurmctldPort=\d+$", f"SlurmctldPort={slurm_cluster._free_ports(1)[0]}",
                           cluster.conf.read_text()) + "MessageTimeout=1\n")
    off_cluster = _run(command, dict(cluster.env, SLURM_CONF=str(dead)))
    assert (off_cluster.returncode, off_cluster.stdout) == (1, ""), off_cluster.stderr
    said_last = off_cluster.stderr.splitlines()[-1]
    assert said_last.startswith("dry run stopped: squeue failed (its error above): SLURM cannot be reached from here")
    assert f"so it runs where SLURM's controller answers: run {submit} --dry-run on a login node" in said_last
    assert said_last.endswith("off the cluster, what the scripts submit is what experiment --emit-slurm said as "
                              "it wrote them")
    assert not (submit.parent / slurm.SUBMITTED_FILE).exists() and cluster.jobs() == {}


def test_dry_run_where_slurms_commands_are_missing_previews_unchecked(tmp_path):
    """No squeue, scontrol nor sbatch on PATH: the sbatch commands are printed, said to be unchecked."""
    submit, said = _emitted(tmp_path)
    bare = tmp_path / "bin-without-slurm"
    bare.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for tool in (pathlib.Path(folder).iterdir() if os.path.isdir(folder) else ()):
            linked = bare / tool.name
            if tool.name not in slurm_cluster.PROGRAMS and not linked.exists() and not linked.is_symlink():
                linked.symlink_to(tool)
    preview = _run(_dry_run_command(said), dict(os.environ, PATH=str(bare)))
    assert (preview.returncode, preview.stderr) == (0, ""), preview.stderr
    assert "$ sbatch --parsable --array=0,1 bases.sh" in preview.stdout
    assert preview.stdout.endswith(f"not checked with sbatch --test-only: there is no sbatch here (PATH={bare})\n")
    assert not (submit.parent / slurm.SUBMITTED_FILE).exists()
