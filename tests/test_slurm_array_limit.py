"""What the summary printed at emission and submit.sh's lines say of the arrays: counted under the
cluster's own limit on an array's tasks, read as submit.sh reads it (scontrol show config:
MaxArraySize, or a lower max_array_tasks), saying which limit; SLURM's default, said so, where no
scontrol answers. And a count of one said in the singular ("1 run", not "1 runs")."""

import os

import pytest
from test_slurm import OPTIONS, cluster, fake_slurm, fake_train_command, finish, sbatch_calls, submit_grid  # noqa: F401

from minitransfer import experiment as grid
from minitransfer import slurm, slurm_asked
from minitransfer.slurm_array_limit import cluster_array_size


def stand_in_scontrol(tmp_path, monkeypatch, config, status=0):
    """A scontrol first on PATH that prints ``config`` for show config and exits ``status``."""
    bin_dir = tmp_path / "scontrol-bin"
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text(f"#!/usr/bin/env bash\nprintf '%s\\n' {config!r}\nexit {status}\n")
    (bin_dir / "scontrol").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


def emitted(tmp_path):
    runs = grid.plan_grid(layers=(1, 2))  # baseA, baseB; 4 transfers each
    submit = slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    return runs, submit


@pytest.mark.parametrize("config, arrays, limit", [
    ("MaxArraySize = 3", 4, "MaxArraySize"),
    ("MaxArraySize = 1001\nSchedulerParameters = bf_interval=1,max_array_tasks=2", 4, "max_array_tasks"),
], ids=["max-array-size", "max-array-tasks"])
def test_the_summary_counts_arrays_under_the_clusters_limit_as_submit_sh_submits_them(
        tmp_path, monkeypatch, fake_slurm, config, arrays, limit):
    """It assumed SLURM's default (1001) where the cluster's limit, which submit.sh reads, splits
    each base's 4 transfers into 2 arrays: what submit.sh then submits is the oracle."""
    stand_in_scontrol(tmp_path, monkeypatch, config)
    runs, submit = emitted(tmp_path)
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm")
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    assert sum(call[-1] == "transfers.sh" for call in sbatch_calls(fake_slurm)) == arrays
    size = int(config.rsplit("=", 1)[1])
    assert said[1] == (f"transfers.sh: the 8 transfers, one job array per base, or more for a base of over {size} "
                       f"({arrays} arrays of at most {size} tasks, this cluster's {limit}, read by scontrol show "
                       f"config as submit.sh reads it), each after its base's task (afterok)")


@pytest.mark.parametrize("config, status, unread", [
    ("", 0, "scontrol show config names no MaxArraySize"),
    (">&2 echo 'scontrol: error: Unable to contact slurm controller (connect failure)'", 1,
     "could not ask SLURM (scontrol failed: scontrol: error: Unable to contact slurm controller (connect failure))"),
    (">&2 echo 'scontrol: error: Invalid user id: 1234'", 1, "scontrol failed: scontrol: error: Invalid user id: 1234"),
    ("", 3, "scontrol failed (exit 3)"),
], ids=["names-no-limit", "out-of-reach", "fails-with-slurm-up", "fails-silently"])
def test_the_summary_says_it_assumes_slurms_default_and_why_where_no_scontrol_answers(tmp_path, monkeypatch, config,
                                                                                      status, unread):
    """Each said "no scontrol answered here", an scontrol that failed with SLURM up (its error not shown) too."""
    bin_dir = tmp_path / "scontrol-bin"
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text(f"#!/usr/bin/env bash\n{config}\nexit {status}\n")
    (bin_dir / "scontrol").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    assert cluster_array_size() is None
    runs, _ = emitted(tmp_path)
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm", array_size=(3, "MaxArraySize"))
    assert "(4 arrays of at most 3 tasks, this cluster's MaxArraySize" in said[1]  # the limit given is counted under
    # the sbatch lines read from the scripts of the small plan: 1002 bases planned only
    said = slurm.describe_scripts(grid.plan_grid(random_seeds=range(501), layers=(1,)), tmp_path / "grid",
                                  tmp_path / "slurm")
    assert said[0] == ("bases.sh: the 1002 bases (runs without a parent), 2 job arrays of at most 1001 tasks (SLURM's "
                       f"default MaxArraySize; submit.sh reads the cluster's, not read here: {unread})")


def test_the_summary_says_no_scontrol_is_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")  # not SLURM out of reach a moment ago as it was
    monkeypatch.setattr(slurm_asked.shutil, "which", lambda program: None)  # before, with the PATH of this process
    said = slurm.describe_scripts(grid.plan_grid(random_seeds=range(501), layers=(1,)), tmp_path / "grid",
                                  emitted(tmp_path)[1].parent)
    assert said[0].endswith("(SLURM's default MaxArraySize; submit.sh reads the cluster's, not read here: no scontrol "
                            "installed)"), said[0]


def test_real_scontrol_gives_the_clusters_max_array_size(cluster, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])
    assert cluster_array_size() == (1001, "MaxArraySize")  # the test cluster's slurm.conf sets none: the default


def test_submit_says_one_run_in_the_singular(tmp_path, fake_slurm):
    """submit.sh said "1 runs" for an array of one task; "1 of 2 runs" stays plural."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:3]  # baseA, baseB, A1B
    submit = slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    finish(tmp_path / "grid", "random0/baseB")
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "bases: job 1001, 1 of 2 runs (array task 0)",
        "transfers of random0/baseA: job 1002, 1 run (array task 0, after array task 1001_0)"]
